// The C in native/ as C: the primitive files are freestanding (they include
// only <stdint.h>, <stddef.h>, their own headers and those of the files they
// build on; compile with
// -std=c99 -pedantic -Werror -ffreestanding on the host and for Xtensa; no
// mutable globals, no library calls, no stray public symbols), and both of
// their arithmetic paths pass the shared primitive checks: test/native/harness.c
// is compiled here as is (64-bit, __int128) and with -DGATEWAY_CRYPTO_PORTABLE
// (the 32-bit code the ESP32 runs), and driven over stdin/stdout; so are the
// envelope calls of envelope.c (envelope-cases.ts).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runPrimitiveSuite, toHex, type Primitives } from './primitive-cases.ts';
import { runEnvelopeSuite, type EnvelopeOps } from './envelope-cases.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const nativeDir = join(root, 'native');
const PRIMITIVES = ['sha256', 'x25519', 'chacha20poly1305', 'envelope'];
// the other primitives a file builds on (their headers and public functions)
const USES: Record<string, string[]> = { envelope: ['chacha20poly1305'] };
const STRICT = ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', '-ffreestanding'];
const XTENSA_CC = 'xtensa-lx106-elf-gcc';
const PUBLIC_SYMBOLS: Record<string, string[]> = {
  sha256: ['hmac_sha256', 'sha256', 'sha256_final', 'sha256_init', 'sha256_update'],
  x25519: ['x25519', 'x25519_base'],
  chacha20poly1305: ['chacha20_xor', 'chacha20poly1305_open', 'chacha20poly1305_open_detached', 'chacha20poly1305_seal'],
  envelope: ['base64_decoded_length', 'base64_encode', 'base64_length', 'envelope_aad_nonce', 'envelope_nonce', 'envelope_open', 'envelope_seal', 'hex_encode', 'hex_matches'],
};
// What a freestanding object may still need: the four memory functions GCC
// itself may emit calls to, and libgcc's helpers (64-bit arithmetic on Xtensa).
const ALLOWED_UNDEFINED = /^(memcpy|memset|memmove|memcmp|__\w+)$/;

const work = mkdtempSync(join(tmpdir(), 'native-c-'));

function has(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

function sh(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return { ok: false, out: `${cmd}: ${r.error.message}` };
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim() };
}

/** Compiles one primitive to an object file; fails the test with the compiler's output. */
function compile(cc: string, name: string, extra: string[], tag: string): string {
  const obj = join(work, `${name}-${tag}.o`);
  const r = sh(cc, [...STRICT, ...extra, '-c', join(nativeDir, `${name}.c`), '-o', obj]);
  assert.ok(r.ok, `${cc} ${[...STRICT, ...extra].join(' ')} ${name}.c:\n${r.out}`);
  return obj;
}

/** `nm` of an object: its defined public, data/bss and undefined symbols. */
function symbols(nm: string, obj: string): { global: string[]; writable: string[]; undefined: string[] } {
  const r = sh(nm, [obj]);
  assert.ok(r.ok, r.out);
  const out = { global: [] as string[], writable: [] as string[], undefined: [] as string[] };
  for (const line of r.out.split('\n')) {
    const m = line.trim().match(/^(?:[0-9a-f]+\s+)?([A-Za-z])\s+(\S+)$/);
    if (!m) continue;
    const [, type, sym] = m;
    if (type === 'U') out.undefined.push(sym);
    else if ('DdBbCcGgSs'.includes(type)) out.writable.push(sym);
    else if (type === 'T') out.global.push(sym);
  }
  out.global.sort();
  return out;
}

function checkObject(nm: string, name: string, obj: string, what: string): void {
  const s = symbols(nm, obj);
  assert.equal(s.writable, [], `${what}: no mutable globals (data/bss symbols)`);
  assert.equal(s.global, PUBLIC_SYMBOLS[name], `${what}: public functions`);
  const uses = (USES[name] || []).flatMap((n) => PUBLIC_SYMBOLS[n]);
  for (const u of s.undefined) assert.ok(ALLOWED_UNDEFINED.test(u) || uses.includes(u), `${what}: calls ${u}, not freestanding`);
}

// every build lands in `work`; the harness suites below still need it after this one
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const src = suite('c-sources');

src('the primitive files include only <stdint.h>, <stddef.h>, their own headers and those they build on', () => {
  for (const name of PRIMITIVES) {
    for (const file of [`${name}.h`, `${name}.c`]) {
      const text = readFileSync(join(nativeDir, file), 'utf8');
      const directives = text.split('\n').filter((l) => /^\s*#\s*include\b/.test(l));
      assert.ok(directives.length > 0, `${file} has includes`);
      for (const d of directives) {
        const m = d.match(/^\s*#\s*include\s*([<"][^>"]+[>"])\s*(\/\*.*\*\/|\/\/.*)?$/);
        assert.ok(m, `${file}: unexpected include line ${d}`);
        const allowed = ['<stdint.h>', '<stddef.h>', ...(file.endsWith('.c') ? [`"${name}.h"`, ...(USES[name] || []).map((n) => `"${n}.h"`)] : [])];
        assert.ok(allowed.includes(m![1]), `${file} includes ${m![1]}`);
      }
    }
  }
});

src('each primitive compiles with host cc -std=c99 -Wall -Wextra -Werror -pedantic -ffreestanding, both paths', () => {
  assert.ok(has('cc'), 'a host C compiler (cc) is needed for these tests');
  for (const name of PRIMITIVES) {
    checkObject('nm', name, compile('cc', name, [], 'host'), `${name} (host, 64-bit path)`);
    checkObject('nm', name, compile('cc', name, ['-DGATEWAY_CRYPTO_PORTABLE'], 'host32'), `${name} (host, portable path)`);
  }
});

if (has(XTENSA_CC)) {
  src('each primitive compiles with xtensa-lx106-elf-gcc -Os -ffreestanding (portable path)', () => {
    for (const name of PRIMITIVES) {
      const obj = compile(XTENSA_CC, name, ['-Os', '-DGATEWAY_CRYPTO_PORTABLE'], 'xtensa');
      checkObject('xtensa-lx106-elf-nm', name, obj, `${name} (xtensa)`);
    }
  });

  src('tools/native/xtensa-size.mjs --json: the .text of each primitive and their total', () => {
    const r = sh(process.execPath, [join(root, 'tools/native/xtensa-size.mjs'), '--json']);
    assert.ok(r.ok, r.out);
    const sizes = JSON.parse(r.out);
    for (const name of PRIMITIVES) {
      assert.type(sizes[name], 'number', name);
      assert.ok(sizes[name] > 500 && sizes[name] < 20000, `${name}: ${sizes[name]} bytes`);
    }
    assert.is(sizes.total, PRIMITIVES.reduce((sum, n) => sum + sizes[n], 0));
    assert.match(sizes.compiler, /xtensa-lx106-elf-gcc/);
  });
} else {
  src.skip('each primitive compiles with xtensa-lx106-elf-gcc (not installed: apt-get install gcc-xtensa-lx106)', () => {});
}

src('tools/native/xtensa-size.mjs without the cross compiler: one clear line, exit code 1', () => {
  const bin = join(work, 'only-node');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  const r = spawnSync(join(bin, 'node'), [join(root, 'tools/native/xtensa-size.mjs')], {
    encoding: 'utf8',
    env: { PATH: bin },
  });
  assert.is(r.status, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /xtensa-lx106-elf-gcc not found.*apt-get install gcc-xtensa-lx106/);
  assert.is(r.stderr.trim().split('\n').length, 1);
});

src.run();

function fromAnswer(line: string): Uint8Array {
  assert.match(line, /^(-|([0-9a-f]{2})+)$/, 'a hex answer');
  return line === '-' ? new Uint8Array(0) : Uint8Array.from(Buffer.from(line, 'hex'));
}

/** test/native/harness.c, built with extra flags, as a line-per-request child process. */
class Harness {
  private child: ChildProcessWithoutNullStreams | undefined;
  private waiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  private exited: Error | undefined;

  constructor(private readonly tag: string, private readonly flags: string[]) {}

  build(): void {
    assert.ok(has('cc'), 'a host C compiler (cc) is needed for these tests');
    const bin = join(work, `harness-${this.tag}`);
    const sources = [join(root, 'test/native/harness.c'), ...PRIMITIVES.map((n) => join(nativeDir, `${n}.c`))];
    const r = sh('cc', ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', ...this.flags, `-I${nativeDir}`, ...sources, '-o', bin]);
    assert.ok(r.ok, `building the harness (${this.tag}):\n${r.out}`);
    const child = spawn(bin, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: child.stdout }).on('line', (line) => this.waiting.shift()?.resolve(line));
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => {
      this.exited = new Error(`harness ${this.tag} exited (${code ?? signal}) ${stderr}`);
      for (const w of this.waiting.splice(0)) w.reject(this.exited);
    });
    this.child = child;
  }

  close(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.on('exit', () => resolve());
      child.stdin.end();
    });
  }

  /** One request; "-" stands for an empty argument and an empty answer. */
  async ask(op: string, ...args: Uint8Array[]): Promise<string> {
    if (this.exited) throw this.exited;
    const line = await new Promise<string>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child!.stdin.write(`${op} ${args.map((a) => (a.length ? toHex(a) : '-')).join(' ')}\n`);
    });
    if (line.startsWith('error')) throw new Error(`harness ${this.tag}: ${line}`);
    return line;
  }

  async bytes(op: string, ...args: Uint8Array[]): Promise<Uint8Array> {
    return fromAnswer(await this.ask(op, ...args));
  }

  primitives(): Primitives {
    return {
      x25519: (k, u) => this.bytes('x25519', k, u),
      x25519Base: (k) => this.bytes('base', k),
      sha256: (d) => this.bytes('sha256', d),
      hmacSha256: (k, d) => this.bytes('hmac', k, d),
      aeadSeal: (k, n, a, p) => this.bytes('seal', k, n, a, p),
      aeadOpen: async (k, n, a, s) => {
        const line = await this.ask('open', k, n, a, s);
        return line === 'fail' ? undefined : fromAnswer(line);
      },
    };
  }

  envelope(): EnvelopeOps {
    const be = (v: number, bytes: number): Uint8Array => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(BigInt(v));
      return Uint8Array.from(b.subarray(8 - bytes));
    };
    const text = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
    const fromText = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
    return {
      envelopeSeal: async (k, d, a, p) => fromText(await this.bytes('envseal', k, be(d, 4), a, p)),
      envelopeOpen: async (k, d, a, b64) => {
        const line = await this.ask('envopen', k, be(d, 4), a, text(b64));
        return line === 'null' ? null : line === 'fail' ? undefined : fromAnswer(line);
      },
      hmacHex: async (k, d) => fromText(await this.bytes('hmachex', k, d)),
      hmacVerify: async (k, d, m) => (await this.ask('hmacverify', k, d, text(m))) === '01',
    };
  }
}

for (const [tag, flags, title] of [
  ['wide', [], 'harness: 64-bit paths (radix 2^51 with __int128, 4-lane ChaCha)'],
  ['portable', ['-DGATEWAY_CRYPTO_PORTABLE'], 'harness: 32-bit portable paths (what the ESP32 runs)'],
] as [string, string[], string][]) {
  const h = new Harness(tag, flags);
  runPrimitiveSuite(title, h.primitives(), { before: () => h.build() });
  runEnvelopeSuite(`${title}: envelope.c`, h.envelope(), { after: () => h.close() });
}
