// The real Espruino 2v29 interpreter, built for this PC (build.ts), run as a
// board: its Storage is `espruino.flash` in a folder of its own, it boots
// `.bootcde` at power-on, its console is stdin/stdout, and the ports it binds
// are remapped to host ports (board/host/launch_shim.c) so several can run at
// once. Power cuts are SIGKILL: the host build writes each flash operation
// through to the file at once, so what a cut leaves is what a board would keep.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../ports.ts';
import { hostBuild, type Variant } from './build.ts';

export const TELNET_PORT = 2323; // fixed in libs/network/telnet/jswrap_telnet.c for non-embedded builds

export interface InterpreterOptions {
  /** stock firmware, or custom firmware with GatewayCrypto (default custom) */
  variant?: Variant;
  /** the folder that holds espruino.flash (kept across restarts, made when missing); a temporary one when omitted */
  storageDir?: string;
  /** device port -> host port; 0 picks a free one (hostPort() knows it at once) */
  ports?: Record<number, number>;
  /** open the telnet console and put it on this host port (0 = a free one) */
  telnetPort?: number;
  /** console output as it arrives */
  onOutput?: (text: string) => void;
  /** run this file instead of booting from Storage (the interpreter then exits when idle) */
  file?: string;
}

export interface MemoryInfo {
  free: number;
  usage: number;
  total: number;
  blocksize: number;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

const EVAL_START = '\x02EVAL';
const EVAL_END = '\x03';

export class Interpreter {
  readonly variant: Variant;
  readonly storageDir: string;
  private readonly ownDir: boolean;
  private readonly ports = new Map<number, number>();
  private child: ChildProcess | undefined;
  private text = '';
  private errHeld = ''; // stderr not yet in the output (flushErrors)
  private errTimer: NodeJS.Timeout | undefined;
  private cursor = 0;
  private waiters = new Set<() => void>();
  private evalSeq = 0;
  private exitWaiters: Array<() => void> = [];
  exitCode: number | null = null;

  private constructor(private readonly opts: InterpreterOptions) {
    this.variant = opts.variant ?? 'custom';
    this.ownDir = !opts.storageDir;
    this.storageDir = opts.storageDir ?? mkdtempSync(join(tmpdir(), 'espruino-'));
    mkdirSync(this.storageDir, { recursive: true });
  }

  /** Power the board on: it boots from Storage (or runs `file`). */
  static async start(opts: InterpreterOptions = {}): Promise<Interpreter> {
    const it = new Interpreter(opts);
    for (const [dev, host] of Object.entries(opts.ports ?? {})) it.ports.set(Number(dev), host || (await freePort()));
    if (opts.telnetPort !== undefined) it.ports.set(TELNET_PORT, opts.telnetPort || (await freePort()));
    it.powerOn();
    return it;
  }

  /** The host port a device port is served on. */
  hostPort(devicePort: number): number {
    const p = this.ports.get(devicePort);
    if (p === undefined) throw new Error(`device port ${devicePort} is not mapped (options.ports)`);
    return p;
  }

  get running(): boolean {
    return !!this.child && this.exitCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** All console output since the first power-on. */
  get output(): string {
    return this.text;
  }

  private powerOn(): void {
    this.errHeld = '';
    clearTimeout(this.errTimer);
    const build = hostBuild(this.variant);
    const portmap = [...this.ports].map(([d, h]) => `${d}=${h}`).join(',');
    const args = this.opts.file ? [this.opts.file] : [];
    if (this.ports.has(TELNET_PORT)) args.unshift('--telnet');
    this.exitCode = null;
    const child = spawn(build.binary, args, {
      cwd: this.storageDir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LD_PRELOAD: build.shim, ESPRUINO_PORTMAP: portmap },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    live.add(child);
    child.stdout!.on('data', (d: Buffer) => {
      this.received(d.toString('latin1'));
      this.flushErrors(false);
    });
    child.stderr!.on('data', (d: Buffer) => {
      this.errHeld += d.toString('latin1');
      this.flushErrors(false);
    });
    child.stdin!.on('error', () => undefined);
    child.on('exit', (code, signal) => {
      live.delete(child);
      if (this.child !== child) return;
      this.flushErrors(true);
      this.exitCode = code ?? (signal ? 128 : 0);
      for (const w of this.exitWaiters.splice(0)) w();
      for (const w of [...this.waiters]) w();
    });
  }

  /**
   * The launcher's own lines ("espruino: Interactive mode.", the shim's
   * "portmap: …") come on stderr, a pipe of their own: they join the output
   * whole and between console lines, so they never split a line the board
   * printed: when the console is mid-line they wait for its end, or for the
   * console to stay quiet for half a second (a prompt never ends its line; a
   * loaded machine can pause a long line for more than 100 ms).
   */
  private flushErrors(force: boolean): void {
    clearTimeout(this.errTimer);
    this.errTimer = undefined;
    const end = this.errHeld.lastIndexOf('\n') + 1;
    if (!end) return;
    if (!force && this.text && !this.text.endsWith('\n')) {
      this.errTimer = setTimeout(() => this.flushErrors(true), 500);
      return;
    }
    const lines = this.errHeld.slice(0, end);
    this.errHeld = this.errHeld.slice(end);
    this.received(lines);
  }

  private received(text: string): void {
    // the console is 8-bit: UTF-8 from the image arrives as bytes
    const decoded = Buffer.from(text, 'latin1').toString('utf8');
    this.text += decoded;
    this.opts.onOutput?.(decoded);
    for (const w of [...this.waiters]) w();
  }

  /**
   * Resolves with the first match of `re` in output not consumed by an earlier
   * waitForOutput, so successive waits read the console in order.
   */
  waitForOutput(re: RegExp | string, timeoutMs = 10000): Promise<string> {
    const find = (): string | undefined => {
      const rest = this.text.slice(this.cursor);
      if (typeof re === 'string') {
        const i = rest.indexOf(re);
        if (i < 0) return undefined;
        this.cursor += i + re.length;
        return re;
      }
      const m = new RegExp(re.source, re.flags.replace('g', '')).exec(rest);
      if (!m) return undefined;
      this.cursor += m.index + m[0].length;
      return m[0];
    };
    const now = find();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = find();
        if (m === undefined && this.running) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        if (m !== undefined) resolve(m);
        else reject(new Error(`waitForOutput: ${String(re)}: the interpreter exited (${this.exitCode}); last output:\n${this.text.slice(-800)}`));
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`waitForOutput: ${String(re)} not seen within ${timeoutMs} ms; last output:\n${this.text.slice(-800)}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Bytes to the console (the board's serial input). */
  write(text: string): void {
    this.child?.stdin?.write(Buffer.from(text, 'latin1'));
  }

  /**
   * Runs `code` on the board (as a REPL line that is neither echoed nor
   * answered with `=`) and resolves with its value through JSON. Rejects with
   * the board's error text when it throws.
   */
  async eval<T = unknown>(code: string, timeoutMs = 10000): Promise<T> {
    const id = ++this.evalSeq;
    const start = `${EVAL_START}${id}:`;
    const line =
      // (names no code under test declares: a `var` in the evaluated code is one of this function's)
      `\x10(function(){var __evalR,__evalK="ok";try{__evalR=JSON.stringify(eval(${JSON.stringify(code)}));}catch(e){__evalK="err";__evalR=JSON.stringify(String(e));}` +
      `print(${JSON.stringify(start)}+__evalK+":"+__evalR+${JSON.stringify(EVAL_END)});})()\n`;
    this.write(line);
    const got = await this.waitForOutput(new RegExp(`${start}(ok|err):([^\\x03]*)\\x03`), timeoutMs);
    const m = /^\x02EVAL\d+:(ok|err):([\s\S]*)\x03$/.exec(got)!;
    const value = m[2] === 'undefined' || m[2] === '' ? undefined : JSON.parse(m[2]);
    if (m[1] === 'err') throw new Error(`on the board: ${value}`);
    return value as T;
  }

  /** process.memory() after a garbage collection: JsVars as the board counts them. */
  memory(): Promise<MemoryInfo> {
    return this.eval<MemoryInfo>('process.memory()');
  }

  /** Cut the power (SIGKILL) and wait until the process is gone. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c || this.exitCode !== null) return;
    const gone = new Promise<void>((r) => this.exitWaiters.push(r));
    c.kill('SIGKILL');
    await gone;
  }

  /** Power off and on again on the same Storage; it boots `.bootcde` anew. */
  async restart(): Promise<void> {
    await this.kill();
    this.powerOn();
  }

  /** Resolves when the interpreter exits by itself (a `file` run that went idle, or `quit()`). */
  exited(timeoutMs = 30000): Promise<number> {
    if (this.exitCode !== null) return Promise.resolve(this.exitCode);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`the interpreter did not exit within ${timeoutMs} ms`)), timeoutMs);
      this.exitWaiters.push(() => {
        clearTimeout(t);
        resolve(this.exitCode!);
      });
    });
  }

  /** Power off for good; a temporary Storage folder is removed. */
  async stop(): Promise<void> {
    await this.kill();
    if (this.ownDir) rmSync(this.storageDir, { recursive: true, force: true });
  }
}

/** Bytes as a JS expression the board evaluates to the same 8-bit string. */
function bytesExpr(bytes: Buffer): string {
  return `atob(${JSON.stringify(bytes.toString('base64'))})`;
}

const STORAGE_CHUNK = 8192;

/**
 * Writes files into the Storage held in `storageDir`, as `npm run flash`
 * would over the console: each one erased, then written in chunks with
 * Storage.write(name, chunk, offset, total); `null` only erases. The
 * interpreter runs a script (no boot code), so an image already in Storage
 * does not start.
 */
export async function writeStorage(storageDir: string, files: Record<string, Buffer | string | null>, variant: Variant = 'custom'): Promise<void> {
  const lines = ['var S=require("Storage");'];
  for (const [name, content] of Object.entries(files)) {
    lines.push(`S.erase(${JSON.stringify(name)});`);
    if (content === null) continue;
    const bytes = typeof content === 'string' ? Buffer.from(content, 'latin1') : content;
    if (bytes.length === 0) {
      lines.push(`S.write(${JSON.stringify(name)},"");`);
      continue;
    }
    for (let off = 0; off < bytes.length; off += STORAGE_CHUNK) {
      const chunk = bytes.subarray(off, off + STORAGE_CHUNK);
      lines.push(`S.write(${JSON.stringify(name)},${bytesExpr(chunk)},${off},${bytes.length});`);
    }
  }
  // one script per ~64 KB keeps the script's own JsVars well inside the pool
  const scripts: string[][] = [[]];
  let size = 0;
  for (const l of lines.slice(1)) {
    if (size > 65536) {
      scripts.push([]);
      size = 0;
    }
    scripts[scripts.length - 1].push(l);
    size += l.length;
  }
  const dir = mkdtempSync(join(tmpdir(), 'espruino-write-'));
  try {
    for (let i = 0; i < scripts.length; i++) {
      const file = join(dir, `write-${i}.js`);
      writeFileSync(file, `${lines[0]}\n${scripts[i].join('\n')}\nprint("\\x02WRITTEN\\x03");\n`);
      const it = await Interpreter.start({ variant, storageDir, file });
      try {
        await it.waitForOutput('\x02WRITTEN\x03', 60000);
        await it.exited(10000);
      } catch (e) {
        await it.kill();
        throw new Error(`writing Storage in ${storageDir} failed: ${(e as Error).message}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The named Storage files in `storageDir` (undefined for a missing one), read by the interpreter. */
export async function readStorage(storageDir: string, names: string[], variant: Variant = 'custom'): Promise<Record<string, Buffer | undefined>> {
  const dir = mkdtempSync(join(tmpdir(), 'espruino-read-'));
  const file = join(dir, 'read.js');
  writeFileSync(
    file,
    `var S=require("Storage"),N=${JSON.stringify(names)};` +
      `N.forEach(function(n,i){var d=S.read(n);print("\\x02FILE"+i+":"+(d===undefined?"-":btoa(d))+"\\x03");});print("\\x02READ\\x03");\n`,
  );
  const it = await Interpreter.start({ variant, storageDir, file });
  try {
    await it.waitForOutput('\x02READ\x03', 60000);
    await it.exited(10000);
  } finally {
    await it.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  const out: Record<string, Buffer | undefined> = {};
  names.forEach((n, i) => {
    const m = new RegExp(`\\x02FILE${i}:([^\\x03]*)\\x03`).exec(it.output);
    out[n] = !m || m[1] === '-' ? undefined : Buffer.from(m[1], 'base64');
  });
  return out;
}
