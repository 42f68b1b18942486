// The Node addon built from native/ (npm run build:native), loaded the way the
// project loads it (src/crypto/node/native.ts): the shared primitive checks,
// then what only the addon has: its exact exports, argument checking
// (TypeError with a clear message), byte views of every kind, fresh results,
// and randomBytes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nativeCrypto as c } from '../../src/crypto/node/native.ts';
import { runPrimitiveSuite, hex, rnd, toHex } from './primitive-cases.ts';
import { cryptoEnvelopeOps, runEnvelopeSuite } from './envelope-cases.ts';

runPrimitiveSuite('addon', {
  x25519: async (k, u) => c.x25519(k, u),
  x25519Base: async (k) => c.x25519Base(k),
  sha256: async (d) => c.sha256(d),
  hmacSha256: async (k, d) => c.hmacSha256(k, d),
  aeadSeal: async (k, n, a, p) => c.aeadSeal(k, n, a, p),
  aeadOpen: async (k, n, a, s) => c.aeadOpen(k, n, a, s),
});

runEnvelopeSuite('addon: envelope calls', cryptoEnvelopeOps(c));

const ARITY: Record<string, number> = {
  x25519: 2,
  x25519Base: 1,
  x25519Async: 3,
  sha256: 1,
  hmacSha256: 2,
  aeadSeal: 4,
  aeadOpen: 4,
  envelopeSeal: 4,
  envelopeOpen: 4,
  hmacHex: 2,
  hmacVerify: 3,
  randomBytes: 1,
};

test('exports exactly the Crypto functions, each with its arity as length', () => {
  const addon = c as unknown as Record<string, unknown>;
  assert.equal(Object.keys(addon).sort(), Object.keys(ARITY).sort());
  for (const [name, n] of Object.entries(ARITY)) {
    assert.type(addon[name], 'function', name);
    assert.is((addon[name] as (...a: unknown[]) => unknown).length, n, `${name}.length`);
  }
});

function throwsType(fn: () => unknown, message: RegExp, what: string): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, TypeError, `${what}: a TypeError`);
    assert.match((e as Error).message, message, what);
    return;
  }
  assert.unreachable(`${what}: did not throw`);
}

test('wrong lengths are TypeErrors that name the argument and the length', () => {
  const k = rnd(32);
  const n = rnd(12);
  const e = new Uint8Array(0);
  throwsType(() => c.x25519(rnd(31), k), /x25519: scalar must be 32 bytes long, got 31/, 'short scalar');
  throwsType(() => c.x25519(k, rnd(33)), /x25519: u must be 32 bytes long, got 33/, 'long u');
  throwsType(() => c.x25519Base(e), /x25519Base: scalar must be 32 bytes long, got 0/, 'empty scalar');
  throwsType(() => c.aeadSeal(rnd(16), n, e, e), /aeadSeal: key must be 32 bytes/, 'seal key');
  throwsType(() => c.aeadSeal(k, rnd(8), e, e), /aeadSeal: nonce must be 12 bytes/, 'seal nonce');
  throwsType(() => c.aeadOpen(k, rnd(24), e, rnd(16)), /aeadOpen: nonce must be 12 bytes/, 'open nonce');
  throwsType(() => c.aeadOpen(rnd(31), n, e, rnd(16)), /aeadOpen: key must be 32 bytes/, 'open key');
  for (const len of [0, 1, 15]) {
    throwsType(() => c.aeadOpen(k, n, e, rnd(len)), /aeadOpen: sealed must be at least 16 bytes/, `sealed of ${len}`);
  }
});

test('wrong types are TypeErrors, for every byte argument', () => {
  const k = rnd(32);
  const n = rnd(12);
  const e = new Uint8Array(0);
  const bad: unknown[] = [undefined, null, 'abc', 42, [1, 2, 3], {}, new ArrayBuffer(32)];
  for (const b of bad) {
    const x = b as Uint8Array;
    const what = `argument ${Object.prototype.toString.call(b)}`;
    throwsType(() => c.x25519(x, k), /x25519: scalar must be a Uint8Array/, `x25519 scalar, ${what}`);
    throwsType(() => c.x25519(k, x), /x25519: u must be a Uint8Array/, `x25519 u, ${what}`);
    throwsType(() => c.x25519Base(x), /x25519Base: scalar must be a Uint8Array/, `x25519Base, ${what}`);
    throwsType(() => c.sha256(x), /sha256: data must be a Uint8Array/, `sha256, ${what}`);
    throwsType(() => c.hmacSha256(x, e), /hmacSha256: key must be a Uint8Array/, `hmac key, ${what}`);
    throwsType(() => c.hmacSha256(e, x), /hmacSha256: data must be a Uint8Array/, `hmac data, ${what}`);
    throwsType(() => c.aeadSeal(x, n, e, e), /aeadSeal: key must be a Uint8Array/, `seal key, ${what}`);
    throwsType(() => c.aeadSeal(k, x, e, e), /aeadSeal: nonce must be a Uint8Array/, `seal nonce, ${what}`);
    throwsType(() => c.aeadSeal(k, n, x, e), /aeadSeal: aad must be a Uint8Array/, `seal aad, ${what}`);
    throwsType(() => c.aeadSeal(k, n, e, x), /aeadSeal: plaintext must be a Uint8Array/, `seal plaintext, ${what}`);
    throwsType(() => c.aeadOpen(x, n, e, rnd(16)), /aeadOpen: key must be a Uint8Array/, `open key, ${what}`);
    throwsType(() => c.aeadOpen(k, x, e, rnd(16)), /aeadOpen: nonce must be a Uint8Array/, `open nonce, ${what}`);
    throwsType(() => c.aeadOpen(k, n, x, rnd(16)), /aeadOpen: aad must be a Uint8Array/, `open aad, ${what}`);
    throwsType(() => c.aeadOpen(k, n, e, x), /aeadOpen: sealed must be a Uint8Array/, `open sealed, ${what}`);
  }
  // missing arguments read as undefined
  throwsType(() => (c.x25519 as (...a: unknown[]) => unknown)(k), /x25519: u must be a Uint8Array/, 'missing u');
  throwsType(() => (c.sha256 as (...a: unknown[]) => unknown)(), /sha256: data must be a Uint8Array/, 'no data');
});

test('envelope calls: bad keys, directions and AADs are TypeErrors that name the argument', () => {
  const k = rnd(32);
  const aad = 'dev\n1\n1700000000\n';
  throwsType(() => c.envelopeSeal(rnd(31), 0, aad, ''), /envelopeSeal: encKey must be 32 bytes long, got 31/, 'short key');
  throwsType(() => c.envelopeSeal('k'.repeat(33), 0, aad, ''), /envelopeSeal: encKey must be 32 bytes long, got 33/, 'long key string');
  throwsType(() => c.envelopeOpen(k, 0, 42 as unknown as string, 'AAAA'), /envelopeOpen: aad must be a Uint8Array/, 'aad');
  throwsType(() => c.envelopeSeal(k, 0, aad, '\u0100'), /envelopeSeal: plaintext: a byte string has only chars 0-255/, 'wide char');
  for (const bad of [-1, 1.5, 2 ** 32, NaN, '0', undefined]) {
    throwsType(() => c.envelopeSeal(k, bad as number, aad, ''), /envelopeSeal: direction must be a whole number/, `direction ${String(bad)}`);
  }
  throwsType(() => c.hmacHex(k, {} as Uint8Array), /hmacHex: data must be a Uint8Array/, 'hmacHex data');
  assert.is(c.hmacVerify(k, '', 42 as unknown as string), false, 'a MAC that is not a string is simply wrong');
});

test('x25519Async calls back before it returns, with x25519\'s answer; done must be a function', () => {
  const k = rnd(32);
  const u = c.x25519Base(rnd(32));
  let got: Uint8Array | undefined;
  c.x25519Async(k, u, (out) => (got = out));
  assert.ok(got, 'called at once');
  assert.is(toHex(got!), toHex(c.x25519(k, u)));
  throwsType(() => c.x25519Async(k, u, undefined as unknown as () => void), /x25519Async: done must be a function/, 'no callback');
  throwsType(() => c.x25519Async(rnd(3), u, () => undefined), /x25519: scalar must be 32 bytes long/, 'short scalar');
});

test('randomBytes: n from 0 to 65536, anything else a TypeError', () => {
  for (const n of [0, 1, 3, 32, 255, 256, 257, 1000, 65536]) {
    const r = c.randomBytes(n);
    assert.instance(r, Uint8Array);
    assert.is(r.length, n);
  }
  const bad: unknown[] = [-1, 65537, 1.5, NaN, Infinity, -0.5, 2 ** 53, '16', null, undefined, {}, 10n];
  for (const n of bad) {
    throwsType(() => c.randomBytes(n as number), /randomBytes: n must be (a number|a whole number from 0 to 65536)/, `n = ${String(n)}`);
  }
});

test('randomBytes: fresh output every call, and not all the same byte', () => {
  const a = c.randomBytes(64);
  const b = c.randomBytes(64);
  assert.not.equal(toHex(a), toHex(b));
  assert.ok(new Set(c.randomBytes(4096)).size > 200, '4096 random bytes take most of the 256 values');
});

// The Crypto type says Uint8Array; the addon reads the bytes of any view.
const asBytes = (v: ArrayBufferView): Uint8Array => v as unknown as Uint8Array;

test('reads any ArrayBufferView in place: offsets, other element types, DataView, Buffer', () => {
  const data = rnd(200);
  const want = toHex(c.sha256(data.subarray(7, 107)));
  const backing = new Uint8Array(300);
  backing.set(data);
  assert.is(toHex(c.sha256(new Uint8Array(backing.buffer, 7, 100))), want, 'Uint8Array with an offset');
  assert.is(toHex(c.sha256(asBytes(new DataView(backing.buffer, 7, 100)))), want, 'DataView');
  assert.is(toHex(c.sha256(Buffer.from(backing.buffer, 7, 100))), want, 'Buffer');
  const even = new Uint8Array(208);
  even.set(data.subarray(7, 107), 8);
  assert.is(toHex(c.sha256(asBytes(new Uint16Array(even.buffer, 8, 50)))), want, 'Uint16Array: its bytes, not its elements');
  assert.is(toHex(c.sha256(asBytes(new Float64Array(even.buffer, 8, 12)))), toHex(c.sha256(even.subarray(8, 104))), 'Float64Array');
  const key = rnd(32);
  const keyView = new Uint8Array(64);
  keyView.set(key, 16);
  assert.is(toHex(c.x25519Base(keyView.subarray(16, 48))), toHex(c.x25519Base(key)), 'scalar as a subarray');
});

test('results are fresh Uint8Arrays of their own buffer, and inputs are left alone', () => {
  const key = rnd(32);
  const nonce = rnd(12);
  const pt = rnd(50);
  const ptCopy = toHex(pt);
  const sealed = c.aeadSeal(key, nonce, new Uint8Array(0), pt);
  assert.is(toHex(pt), ptCopy, 'plaintext untouched');
  const opened = c.aeadOpen(key, nonce, new Uint8Array(0), sealed)!;
  for (const r of [sealed, opened, c.sha256(pt), c.hmacSha256(key, pt), c.x25519Base(key), c.randomBytes(8)]) {
    assert.is(Object.getPrototypeOf(r), Uint8Array.prototype);
    assert.is(r.byteOffset, 0);
    assert.is(r.buffer.byteLength, r.length);
  }
  assert.is.not(opened.buffer, sealed.buffer);
  const s1 = c.sha256(pt);
  const s2 = c.sha256(pt);
  assert.is.not(s1.buffer, s2.buffer);
});

test('a scalar is clamped inside: the bits clamping clears do not change the result', () => {
  const k = rnd(32);
  const u = c.x25519Base(rnd(32));
  const variant = k.slice();
  variant[0] ^= 7; // the low three bits, cleared by clamping
  variant[31] ^= 0xc0; // bit 255 (cleared) and bit 254 (set)
  assert.is(toHex(c.x25519(variant, u)), toHex(c.x25519(k, u)));
});

test('the top bit of u is ignored', () => {
  const k = rnd(32);
  const u = c.x25519Base(rnd(32));
  const high = u.slice();
  high[31] |= 0x80;
  assert.is(toHex(c.x25519(k, high)), toHex(c.x25519(k, u)));
  assert.is(toHex(c.x25519(k, hex('09' + '00'.repeat(31)))), toHex(c.x25519Base(k)));
});

test.run();
