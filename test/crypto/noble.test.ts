// Randomised cross-checks of every Crypto against @noble/* (independent code),
// and the AEAD's refusal of any single flipped bit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes, randomInt } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { poly1305 } from '@noble/ciphers/_poly1305.js';
import { poly1305Padded } from '../../src/crypto/chacha20poly1305.ts';
import { impls, toHexStr } from './impls.ts';
import { LOW_ORDER } from './low-order.ts';

const LENGTHS = [0, 1, 15, 16, 17, 55, 56, 63, 64, 65, 127, 128, 129, 1000, randomInt(1, 5000), randomInt(1, 5000)];

function rnd(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}

function flipped(b: Uint8Array, bit: number): Uint8Array {
  const c = b.slice();
  c[bit >> 3] ^= 1 << (bit & 7);
  return c;
}

function padded16(parts: Uint8Array[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    out.push(...p);
    while (out.length % 16) out.push(0);
  }
  return Uint8Array.from(out);
}

test('[js] Poly1305 limbs: random keys and parts match noble', () => {
  for (const n of LENGTHS) {
    const key = rnd(32);
    const parts = [rnd(n), rnd(n % 17), rnd(16)];
    assert.is(toHexStr(poly1305Padded(key, parts)), toHexStr(poly1305(padded16(parts), key)), `length ${n}`);
  }
});

test('[js] Poly1305 final reduction: h equal to or just above p = 2^130 − 5', () => {
  // r = 1, s = 0: the tag is (Σ (m_i + 2^128)) mod p, low 128 bits. One block of
  // 2^128 − 5 (+k) and two zero blocks sum to p + k, which only the final
  // conditional subtraction brings down to k.
  const key = new Uint8Array(32);
  key[0] = 1;
  for (let k = 0; k < 5; k++) {
    const m = new Uint8Array(16).fill(0xff);
    m[0] = 0xfb + k; // m = 2^128 − 5 + k
    const parts = [m, new Uint8Array(16), new Uint8Array(16)];
    const tag = poly1305Padded(key, parts);
    assert.is(toHexStr(tag), toHexStr(poly1305(padded16(parts), key)), `k ${k}`);
    const expect = new Uint8Array(16);
    expect[0] = k;
    assert.is(toHexStr(tag), toHexStr(expect), `k ${k}`);
  }
});

for (const { name, crypto: c } of impls) {
  test(`[${name}] SHA-256 matches noble`, () => {
    for (const n of LENGTHS) {
      const d = rnd(n);
      assert.is(toHexStr(c.sha256(d)), toHexStr(sha256(d)), `length ${n}`);
    }
  });

  test(`[${name}] HMAC-SHA256 matches noble (keys shorter, equal and longer than a block)`, () => {
    for (const kn of [0, 1, 32, 63, 64, 65, 200]) {
      for (const n of LENGTHS) {
        const k = rnd(kn);
        const d = rnd(n);
        assert.is(toHexStr(c.hmacSha256(k, d)), toHexStr(hmac(sha256, k, d)), `key ${kn}, data ${n}`);
      }
    }
  });

  test(`[${name}] ChaCha20-Poly1305 seal/open match noble`, () => {
    for (const n of LENGTHS) {
      for (const an of [0, 1, 16, 17, n]) {
        const key = rnd(32);
        const nonce = rnd(12);
        const aad = rnd(an);
        const pt = rnd(n);
        const ref = chacha20poly1305(key, nonce, aad).encrypt(pt);
        const sealed = c.aeadSeal(key, nonce, aad, pt);
        assert.is(toHexStr(sealed), toHexStr(ref), `pt ${n}, aad ${an}`);
        const opened = c.aeadOpen(key, nonce, aad, ref);
        assert.ok(opened, `open pt ${n}, aad ${an}`);
        assert.is(toHexStr(opened!), toHexStr(pt));
      }
    }
  });

  test(`[${name}] Poly1305 limb arithmetic at its extremes (all-ones keys and data)`, () => {
    const key = new Uint8Array(32).fill(0xff);
    const nonce = new Uint8Array(12).fill(0xff);
    for (const n of [16, 64, 1000]) {
      for (const fillByte of [0xff, 0x00]) {
        const pt = new Uint8Array(n).fill(fillByte);
        const aad = new Uint8Array(n).fill(0xff);
        const ref = chacha20poly1305(key, nonce, aad).encrypt(pt);
        assert.is(toHexStr(c.aeadSeal(key, nonce, aad, pt)), toHexStr(ref), `n ${n} fill ${fillByte}`);
      }
    }
  });

  test(`[${name}] AEAD open fails on any single flipped bit of key, nonce, AAD, ciphertext or tag`, () => {
    const key = rnd(32);
    const nonce = rnd(12);
    const aad = rnd(21);
    const pt = rnd(70);
    const sealed = c.aeadSeal(key, nonce, aad, pt);
    assert.ok(c.aeadOpen(key, nonce, aad, sealed));
    for (let b = 0; b < 256; b++) assert.is(c.aeadOpen(flipped(key, b), nonce, aad, sealed), undefined, `key bit ${b}`);
    for (let b = 0; b < 96; b++) assert.is(c.aeadOpen(key, flipped(nonce, b), aad, sealed), undefined, `nonce bit ${b}`);
    for (let b = 0; b < aad.length * 8; b++) assert.is(c.aeadOpen(key, nonce, flipped(aad, b), sealed), undefined, `aad bit ${b}`);
    for (let b = 0; b < sealed.length * 8; b++) {
      assert.is(c.aeadOpen(key, nonce, aad, flipped(sealed, b)), undefined, `ciphertext/tag bit ${b}`);
    }
    assert.is(c.aeadOpen(key, nonce, aad, sealed.subarray(0, sealed.length - 1)), undefined, 'truncated');
  });

  test(`[${name}] AEAD open of input shorter than a tag releases nothing (undefined or a throw)`, () => {
    // The JS fallback answers undefined, the native addon a TypeError: both
    // refuse; the protocol core never passes such input (it checks first).
    for (const n of [0, 1, 15]) {
      let r: Uint8Array | undefined;
      try {
        r = c.aeadOpen(rnd(32), rnd(12), rnd(3), rnd(n));
      } catch {
        r = undefined;
      }
      assert.is(r, undefined, `length ${n}`);
    }
  });

  test(`[${name}] X25519 matches noble for random scalars and points`, () => {
    for (let i = 0; i < 20; i++) {
      const k = rnd(32);
      const u = x25519.getPublicKey(rnd(32));
      assert.is(toHexStr(c.x25519(k, u)), toHexStr(x25519.scalarMult(k, u)));
      assert.is(toHexStr(c.x25519Base(k)), toHexStr(x25519.getPublicKey(k)));
    }
    // Random 32-byte strings as u (top bit set, non-canonical values ≥ p included).
    for (let i = 0; i < 20; i++) {
      const k = rnd(32);
      const u = rnd(32);
      assert.is(toHexStr(c.x25519(k, u)), toHexStr(x25519.scalarMult(k, u)));
    }
  });

  test(`[${name}] X25519 of a low-order point is all zeros`, () => {
    for (const u of LOW_ORDER) {
      const out = c.x25519(rnd(32), Uint8Array.from(Buffer.from(u, 'hex')));
      assert.is(toHexStr(out), '00'.repeat(32), u);
    }
  });
}


test.run();
