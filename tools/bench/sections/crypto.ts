// Section 1: the crypto primitives on this host, three ways: the native addon
// (native/, the C the custom firmware links), the pure-JS fallback
// (src/crypto/js.ts) and Node's OpenSSL (node:crypto), the reference for what
// this machine can do. Every implementation is first checked to give the same
// bytes as OpenSSL for the same input, so the numbers compare equal work.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  randomBytes,
} from 'node:crypto';
import type { Crypto } from '../../../src/crypto/types';
import { jsCrypto } from '../../../src/crypto/node/js';
import { Effort, Throughput, consume, round, throughput } from '../measure';
import { Figure, SectionOutput, Skip, TargetRow, target } from '../results';

type ImplId = 'native' | 'js' | 'openssl';
const IMPL_LABEL: Record<ImplId, string> = { native: 'native addon', js: 'pure JS', openssl: 'OpenSSL' };

/** One primitive at one size: a function to time per implementation. */
interface Case {
  id: string;
  label: string;
  /** What one timed call does. */
  op: string;
  make(impl: ImplId): () => Uint8Array | undefined;
}

// Raw X25519 keys → KeyObjects through their DER wrappers (RFC 8410).
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');

function opensslX25519(scalar: Uint8Array, u: Uint8Array): () => Buffer {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, scalar]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI_X25519, u]), format: 'der', type: 'spki' });
  return () => diffieHellman({ privateKey, publicKey });
}

const TAG = 16;
function opensslSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Buffer {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  c.setAAD(aad, { plaintextLength: plaintext.length });
  const body = c.update(plaintext);
  c.final();
  return Buffer.concat([body, c.getAuthTag()]);
}
function opensslOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Buffer {
  const n = sealed.length - TAG;
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  d.setAAD(aad, { plaintextLength: n });
  d.setAuthTag(sealed.subarray(n));
  const body = d.update(sealed.subarray(0, n));
  d.final(); // throws when the tag does not verify
  return body;
}

function sizeLabel(n: number): string {
  return n >= 1024 ? `${n / 1024} KiB` : `${n} B`;
}

function makeCases(impls: Partial<Record<ImplId, Crypto>>): Case[] {
  const api = (impl: ImplId): Crypto => impls[impl] as Crypto;
  const scalar = randomBytes(32);
  const peer = jsCrypto.x25519Base(randomBytes(32));
  const cases: Case[] = [
    {
      id: 'x25519',
      label: 'X25519 key agreement',
      op: 'one X25519(private, peer public) → 32-byte shared secret; OpenSSL: crypto.diffieHellman on KeyObjects imported once from the raw keys (DER PKCS#8/SPKI), the import not timed',
      make: (impl) => (impl === 'openssl' ? opensslX25519(scalar, peer) : () => api(impl).x25519(scalar, peer)),
    },
  ];
  const key = randomBytes(32);
  const nonce = randomBytes(12);
  const aad = randomBytes(32);
  for (const size of [64, 256, 4096]) {
    const plaintext = randomBytes(size);
    cases.push({
      id: `aead.${size}`,
      label: `ChaCha20-Poly1305 seal+open ${sizeLabel(size)}`,
      op: `seal ${size} B with 32 B AAD then open (tag check) the result; OpenSSL: createCipheriv/createDecipheriv('chacha20-poly1305', {authTagLength:16}) + setAAD, ciphertext‖tag joined as the others return it`,
      make: (impl) =>
        impl === 'openssl'
          ? () => opensslOpen(key, nonce, aad, opensslSeal(key, nonce, aad, plaintext))
          : () => api(impl).aeadOpen(key, nonce, aad, api(impl).aeadSeal(key, nonce, aad, plaintext)),
    });
  }
  for (const size of [64, 4096]) {
    const data = randomBytes(size);
    cases.push({
      id: `sha256.${size}`,
      label: `SHA-256 ${sizeLabel(size)}`,
      op: `one SHA-256 digest of ${size} B; OpenSSL: createHash('sha256').update().digest()`,
      make: (impl) =>
        impl === 'openssl' ? () => createHash('sha256').update(data).digest() : () => api(impl).sha256(data),
    });
  }
  const macKey = randomBytes(32);
  for (const size of [64, 4096]) {
    const data = randomBytes(size);
    cases.push({
      id: `hmac.${size}`,
      label: `HMAC-SHA256 ${sizeLabel(size)}`,
      op: `one HMAC-SHA256 with a 32 B key over ${size} B; OpenSSL: createHmac('sha256', key).update().digest()`,
      make: (impl) =>
        impl === 'openssl'
          ? () => createHmac('sha256', macKey).update(data).digest()
          : () => api(impl).hmacSha256(macKey, data),
    });
  }
  return cases;
}

function hex(b: Uint8Array | undefined): string {
  return b ? Buffer.from(b).toString('hex') : '(undefined)';
}

/** The native addon, or why it cannot be loaded (it throws with the fix in its message). */
async function loadNative(): Promise<Crypto | string> {
  try {
    return (await import('../../../src/crypto/node/native')).nativeCrypto;
  } catch (e) {
    return (e as Error).message;
  }
}

interface CryptoRow {
  id: string;
  label: string;
  ops: Partial<Record<ImplId, Throughput>>;
}

export async function runCrypto(effort: Effort, log: (line: string) => void): Promise<SectionOutput & { display: string[][] }> {
  const skipped: Skip[] = [];
  const impls: Partial<Record<ImplId, Crypto>> = { js: jsCrypto };
  const native = await loadNative();
  if (typeof native === 'string') skipped.push({ what: 'native addon rows and ratios', why: native });
  else impls.native = native;
  const order: ImplId[] = (['native', 'js', 'openssl'] as ImplId[]).filter((i) => i === 'openssl' || impls[i]);

  const cases = makeCases(impls);
  const figures: Figure[] = [];
  const rows: CryptoRow[] = [];
  const how =
    `Per primitive and implementation: ${effort.warmupMs} ms of warm-up calls, then ${effort.batches} batches ` +
    `of as many calls as fit in about ${effort.batchMs} ms each (sized from the warm-up), each batch timed ` +
    'with process.hrtime; the figure is the median batch rate in calls per second. Inputs are random, fixed ' +
    'for the run, and every implementation was first checked to return the same bytes as OpenSSL. ' +
    'Ratios are time ratios from figures of this run: native/OpenSSL = OpenSSL ops/s ÷ native ops/s ' +
    '(how many times OpenSSL\'s time the native code takes), JS/native = native ops/s ÷ JS ops/s.';

  for (const c of cases) {
    const reference = hex(c.make('openssl')());
    for (const impl of order) {
      const got = hex(c.make(impl)());
      if (got !== reference) throw new Error(`${IMPL_LABEL[impl]} ${c.label} disagrees with OpenSSL: ${got} vs ${reference}`);
    }
    const row: CryptoRow = { id: c.id, label: c.label, ops: {} };
    for (const impl of order) {
      const fn = c.make(impl);
      const t = throughput(() => consume(fn()), effort);
      row.ops[impl] = t;
      figures.push({
        id: `crypto.${c.id}.${impl}`,
        label: `${c.label}, ${IMPL_LABEL[impl]}`,
        value: round(t.opsPerSec),
        unit: 'ops/s',
        how:
          `${c.op}. Median of ${t.batches} batches × ${t.callsPerBatch} calls ` +
          `(batches ranged ${round(t.minOpsPerSec)}–${round(t.maxOpsPerSec)} ops/s).`,
      });
    }
    const n = row.ops.native;
    const j = row.ops.js;
    const o = row.ops.openssl as Throughput;
    if (n) {
      figures.push({
        id: `crypto.${c.id}.native_over_openssl`,
        label: `${c.label}: native time / OpenSSL time`,
        value: round(o.opsPerSec / n.opsPerSec, 3),
        unit: '×',
        how: 'OpenSSL ops/s ÷ native ops/s, both from this run (above 1: native is slower).',
      });
      if (j) {
        figures.push({
          id: `crypto.${c.id}.js_over_native`,
          label: `${c.label}: JS time / native time`,
          value: round(n.opsPerSec / j.opsPerSec, 3),
          unit: '×',
          how: 'native ops/s ÷ JS ops/s, both from this run (how many times faster native is).',
        });
      }
    }
    log(`  ${c.label}: ` + order.map((i) => `${i} ${round(row.ops[i]!.opsPerSec)}/s`).join(', '));
    rows.push(row);
  }
  return { how, figures, targets: cryptoTargets(rows), skipped, display: cryptoTable(rows, order) };
}

/** One line per primitive: ops/s per implementation, then the two time ratios. */
function cryptoTable(rows: CryptoRow[], order: ImplId[]): string[][] {
  const head = ['primitive', ...order.map((i) => `${IMPL_LABEL[i]} ops/s`), 'native/OpenSSL', 'JS/native'];
  const ratio = (a?: Throughput, b?: Throughput) => (a && b ? `${(a.opsPerSec / b.opsPerSec).toFixed(2)}×` : '-');
  return [
    head,
    ...rows.map((r) => [
      r.label,
      ...order.map((i) => Math.round(r.ops[i]!.opsPerSec).toLocaleString('en-US')),
      ratio(r.ops.openssl, r.ops.native),
      ratio(r.ops.native, r.ops.js),
    ]),
  ];
}

function cryptoTargets(rows: CryptoRow[]): TargetRow[] {
  const byId = (id: string) => rows.find((r) => r.id === id) as CryptoRow;
  const x = byId('x25519').ops;
  const aead = byId('aead.4096').ops;
  const out: TargetRow[] = [];
  if (!x.native || !aead.native) return out;
  const xVsSsl = x.openssl!.opsPerSec / x.native.opsPerSec;
  out.push(
    target({
      id: 'crypto.x25519.native_vs_openssl',
      label: 'native X25519 time ≤ 3× OpenSSL',
      value: round(xVsSsl, 3),
      unit: '×',
      kind: 'max',
      limit: 3,
      how: 'OpenSSL X25519 ops/s ÷ native X25519 ops/s, this run.',
      note:
        xVsSsl > 3
          ? "OpenSSL's X25519 on x86-64 is hand-written assembly (MULX/ADX field multiply); the addon is the " +
            'portable C the ESP32 build uses (51-bit limbs with 128-bit products on 64-bit hosts). Closing it on the ' +
            'host would take an assembly or intrinsics field multiply, which does nothing for the board.'
          : undefined,
    }),
  );
  const jsOverNative = x.js ? x.native.opsPerSec / x.js.opsPerSec : NaN;
  if (x.js) {
    out.push(
      target({
        id: 'crypto.x25519.js_vs_native',
        label: 'native X25519 ≥ 20× faster than pure JS',
        value: round(jsOverNative, 3),
        unit: '×',
        kind: 'min',
        limit: 20,
        how: 'native X25519 ops/s ÷ pure-JS X25519 ops/s, this run.',
        note:
          jsOverNative < 20
            ? 'V8 compiles the JS field arithmetic to machine code, so on the host the gap is narrower than on the ' +
              'board, where the JS fallback is interpreted. Closing it: a faster field multiply in the C (fewer carries), ' +
              'or accept that the ESP32 ratio is what matters and measure it there.'
            : undefined,
      }),
    );
  }
  const aeadVsSsl = aead.openssl!.opsPerSec / aead.native.opsPerSec;
  out.push(
    target({
      id: 'crypto.aead4k.native_vs_openssl',
      label: 'native AEAD 4 KiB time ≤ 3× OpenSSL',
      value: round(aeadVsSsl, 3),
      unit: '×',
      kind: 'max',
      limit: 3,
      how: 'OpenSSL seal+open 4 KiB ops/s ÷ native seal+open 4 KiB ops/s, this run.',
      note:
        aeadVsSsl > 3
          ? 'OpenSSL runs ChaCha20 and Poly1305 in SIMD assembly (SSE/AVX2/AVX-512); the addon is portable C ' +
            '(4 ChaCha blocks in GCC vector types, scalar Poly1305). Closing it: build the addon with -march=native ' +
            'so the vector code uses AVX2, or an 8-lane ChaCha; neither affects the ESP32 build.'
          : undefined,
    }),
  );
  return out;
}
