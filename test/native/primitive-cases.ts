// The checks every build of the C in native/ must pass, written once against a
// small async interface so they run on the Node addon (addon.test.ts) and on
// both harness builds of c-sources.test.ts (64-bit paths and the 32-bit
// portable paths the ESP32 runs): the RFC vectors of
// test/fixtures/protocol-vectors.json, randomised cross-checks against
// @noble/* (independent code), the AEAD's refusal of single flipped bits, and
// the all-zero answer for low-order points.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 as nobleX25519 } from '@noble/curves/ed25519.js';
import { LOW_ORDER } from '../crypto/low-order.ts';

/** The primitives as one build of native/ offers them; results may be async. */
export interface Primitives {
  x25519(scalar: Uint8Array, u: Uint8Array): Promise<Uint8Array>;
  x25519Base(scalar: Uint8Array): Promise<Uint8Array>;
  sha256(data: Uint8Array): Promise<Uint8Array>;
  hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  aeadSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Promise<Uint8Array>;
  aeadOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Promise<Uint8Array | undefined>;
}

const vectorsPath = new URL('../fixtures/protocol-vectors.json', import.meta.url);
const V = JSON.parse(readFileSync(vectorsPath, 'utf8')).primitives;

/** The lengths every variable-length input is tried at (block edges, and two random ones). */
export const LENGTHS = [0, 1, 63, 64, 65, 1000, randomInt(2, 5000), randomInt(2, 5000)];

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const utf8 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'utf8'));
export const rnd = (n: number): Uint8Array => Uint8Array.from(randomBytes(n));

export function flipped(b: Uint8Array, bit: number): Uint8Array {
  const c = b.slice();
  c[bit >> 3] ^= 1 << (bit & 7);
  return c;
}

function sampleBits(length: number, count: number): number[] {
  const bits = length * 8;
  if (bits <= count) return Array.from({ length: bits }, (_, i) => i);
  const picked = new Set<number>([0, bits - 1]);
  while (picked.size < count) picked.add(randomInt(bits));
  return [...picked];
}

/** Registers the shared checks as one uvu suite named `name` and runs it. */
export function runPrimitiveSuite(name: string, p: Primitives, hooks: { before?: () => void | Promise<void>; after?: () => void | Promise<void> } = {}): void {
  const t = suite(name);
  if (hooks.before) t.before(hooks.before);
  if (hooks.after) t.after(hooks.after);

  t('RFC 7748 §5.2: the two test vectors', async () => {
    for (const v of V.x25519_rfc7748_5_2) assert.is(toHex(await p.x25519(hex(v.scalar), hex(v.u))), v.out);
  });

  t('RFC 7748 §5.2: iterated 1 and 1000 times', async () => {
    let k: Uint8Array = hex('09' + '00'.repeat(31));
    let u: Uint8Array = k.slice();
    for (let i = 1; i <= 1000; i++) {
      const r = await p.x25519(k, u);
      u = k;
      k = r;
      if (i === 1) assert.is(toHex(k), V.x25519_rfc7748_5_2_iterated.after_1);
    }
    assert.is(toHex(k), V.x25519_rfc7748_5_2_iterated.after_1000);
  });

  t('RFC 7748 §6.1: both public keys and the shared secret, both ways', async () => {
    const v = V.x25519_rfc7748_6_1;
    assert.is(toHex(await p.x25519Base(hex(v.alice_private))), v.alice_public);
    assert.is(toHex(await p.x25519Base(hex(v.bob_private))), v.bob_public);
    assert.is(toHex(await p.x25519(hex(v.alice_private), hex(v.bob_public))), v.shared);
    assert.is(toHex(await p.x25519(hex(v.bob_private), hex(v.alice_public))), v.shared);
  });

  t('RFC 8439 §2.8.2: seal gives ciphertext and tag, open gives the plaintext back', async () => {
    const v = V.chacha20poly1305_rfc8439_2_8_2;
    const sealed = await p.aeadSeal(hex(v.key), hex(v.nonce), hex(v.aad), utf8(v.plaintext_utf8));
    assert.is(toHex(sealed), v.ciphertext + v.tag);
    const opened = await p.aeadOpen(hex(v.key), hex(v.nonce), hex(v.aad), hex(v.ciphertext + v.tag));
    assert.ok(opened);
    assert.is(Buffer.from(opened).toString('utf8'), v.plaintext_utf8);
  });

  t('RFC 4231: HMAC-SHA256 test cases (including a key longer than a block)', async () => {
    for (const v of V.hmac_sha256_rfc4231) {
      assert.is(toHex(await p.hmacSha256(hex(v.key), utf8(v.data_utf8))), v.hmac_sha256);
    }
  });

  t('SHA-256: FIPS vectors, including "a" repeated 1,000,000 times', async () => {
    for (const v of V.sha256) {
      const data = v.data_utf8 === 'a x 1000000' ? new Uint8Array(1_000_000).fill(0x61) : utf8(v.data_utf8);
      assert.is(toHex(await p.sha256(data)), v.sha256);
    }
  });

  t('SHA-256 and HMAC-SHA256 match @noble/hashes at every length', async () => {
    for (const n of LENGTHS) {
      const data = rnd(n);
      assert.is(toHex(await p.sha256(data)), toHex(nobleSha256(data)), `sha256 of ${n} bytes`);
      for (const keyLen of [0, 1, 32, 64, 65, 200]) {
        const key = rnd(keyLen);
        assert.is(toHex(await p.hmacSha256(key, data)), toHex(nobleHmac(nobleSha256, key, data)), `hmac, key ${keyLen}, data ${n}`);
      }
    }
  });

  t('X25519 matches @noble/curves for random scalars and points', async () => {
    for (let i = 0; i < 24; i++) {
      const a = rnd(32);
      const b = rnd(32);
      const pubB = nobleX25519.scalarMultBase(b);
      assert.is(toHex(await p.x25519Base(a)), toHex(nobleX25519.scalarMultBase(a)));
      assert.is(toHex(await p.x25519(a, pubB)), toHex(nobleX25519.scalarMult(a, pubB)));
      // any 32 bytes as u, including the top bit and values >= p, as RFC 7748 asks
      const u = rnd(32);
      if (i % 3 === 0) u[31] |= 0x80;
      if (i % 4 === 0) {
        u.fill(0xff, 1); // u >= p: it stands for u - p = 3 ... 10 (0, 1 and p - 1 would be low order)
        u[0] = 0xf0 | (i & 7);
      }
      assert.is(toHex(await p.x25519(a, u)), toHex(nobleX25519.scalarMult(a, u)), `u = ${toHex(u)}`);
    }
  });

  t('X25519 of a low-order point is 32 zero bytes', async () => {
    for (const u of LOW_ORDER) {
      assert.is(toHex(await p.x25519(rnd(32), hex(u))), '00'.repeat(32), `u = ${u}`);
    }
  });

  t('AEAD seal matches @noble/ciphers and opens again at every length', async () => {
    for (const n of LENGTHS) {
      for (const aadLen of [0, 1, 16, 17, n]) {
        const key = rnd(32);
        const nonce = rnd(12);
        const aad = rnd(aadLen);
        const pt = rnd(n);
        const sealed = await p.aeadSeal(key, nonce, aad, pt);
        assert.is(toHex(sealed), toHex(chacha20poly1305(key, nonce, aad).encrypt(pt)), `pt ${n}, aad ${aadLen}`);
        const opened = await p.aeadOpen(key, nonce, aad, sealed);
        assert.ok(opened, `opens: pt ${n}, aad ${aadLen}`);
        assert.is(toHex(opened), toHex(pt));
      }
    }
  });

  t('AEAD open refuses any flipped bit: every tag bit, sampled bits of key, nonce, aad, ciphertext', async () => {
    const key = rnd(32);
    const nonce = rnd(12);
    const aad = rnd(40);
    const pt = rnd(100);
    const sealed = await p.aeadSeal(key, nonce, aad, pt);
    const ctBits = pt.length * 8;
    const tagBits = Array.from({ length: 128 }, (_, i) => ctBits + i);
    const fails = async (what: string, k: Uint8Array, n: Uint8Array, a: Uint8Array, s: Uint8Array) =>
      assert.is(await p.aeadOpen(k, n, a, s), undefined, what);
    for (const bit of tagBits) await fails(`tag bit ${bit - ctBits}`, key, nonce, aad, flipped(sealed, bit));
    for (const bit of sampleBits(pt.length, 48)) await fails(`ciphertext bit ${bit}`, key, nonce, aad, flipped(sealed, bit));
    for (const bit of sampleBits(32, 32)) await fails(`key bit ${bit}`, flipped(key, bit), nonce, aad, sealed);
    for (const bit of sampleBits(12, 24)) await fails(`nonce bit ${bit}`, key, flipped(nonce, bit), aad, sealed);
    for (const bit of sampleBits(aad.length, 32)) await fails(`aad bit ${bit}`, key, nonce, flipped(aad, bit), sealed);
    await fails('a dropped tag byte', key, nonce, aad, sealed.subarray(0, sealed.length - 1));
    await fails('an extra byte', key, nonce, aad, Uint8Array.from([...sealed, 0]));
    await fails('an empty aad in place of the real one', key, nonce, new Uint8Array(0), sealed);
    // and the untouched input still opens
    assert.is(toHex((await p.aeadOpen(key, nonce, aad, sealed))!), toHex(pt));
  });

  t('AEAD with an empty plaintext: 16-byte tag only, opens to empty', async () => {
    const key = rnd(32);
    const nonce = rnd(12);
    const sealed = await p.aeadSeal(key, nonce, rnd(5), new Uint8Array(0));
    assert.is(sealed.length, 16);
    const bad = await p.aeadOpen(key, nonce, new Uint8Array(0), sealed);
    assert.is(bad, undefined);
    const aad = rnd(3);
    const good = await p.aeadSeal(key, nonce, aad, new Uint8Array(0));
    const opened = await p.aeadOpen(key, nonce, aad, good);
    assert.ok(opened);
    assert.is(opened.length, 0);
  });

  t.run();
}
