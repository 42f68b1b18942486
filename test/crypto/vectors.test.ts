// RFC test vectors (as repeated in protocol-vectors.json) for every Crypto.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { impls, nativeLoadError, hex, toHexStr, utf8 } from './impls.ts';

const V = JSON.parse(readFileSync(new URL('../fixtures/protocol-vectors.json', import.meta.url), 'utf8')).primitives;

test('the native addon loads (src/crypto/node/native.ts)', () => {
  assert.ok(impls.some((i) => i.name === 'native'), `native addon not loaded: ${String(nativeLoadError)}`);
});

for (const { name, crypto: c } of impls) {
  test(`[${name}] SHA-256 vectors`, () => {
    for (const v of V.sha256) {
      const data = v.data_utf8 === 'a x 1000000' ? new Uint8Array(1000000).fill(0x61) : utf8(v.data_utf8);
      assert.is(toHexStr(c.sha256(data)), v.sha256, v.data_utf8);
    }
  });

  test(`[${name}] HMAC-SHA256 RFC 4231 vectors`, () => {
    for (const v of V.hmac_sha256_rfc4231) {
      assert.is(toHexStr(c.hmacSha256(hex(v.key), utf8(v.data_utf8))), v.hmac_sha256);
    }
  });

  test(`[${name}] ChaCha20-Poly1305 RFC 8439 §2.8.2`, () => {
    const v = V.chacha20poly1305_rfc8439_2_8_2;
    const sealed = c.aeadSeal(hex(v.key), hex(v.nonce), hex(v.aad), utf8(v.plaintext_utf8));
    assert.is(toHexStr(sealed), v.ciphertext + v.tag);
    const opened = c.aeadOpen(hex(v.key), hex(v.nonce), hex(v.aad), hex(v.ciphertext + v.tag));
    assert.ok(opened);
    assert.is(Buffer.from(opened!).toString('utf8'), v.plaintext_utf8);
  });

  test(`[${name}] X25519 RFC 7748 §5.2`, () => {
    for (const v of V.x25519_rfc7748_5_2) assert.is(toHexStr(c.x25519(hex(v.scalar), hex(v.u))), v.out);
  });

  test(`[${name}] X25519 RFC 7748 §5.2 iterated 1 and 1000 times`, () => {
    let k = new Uint8Array(32);
    k[0] = 9;
    let u = k.slice();
    for (let i = 1; i <= 1000; i++) {
      const out = c.x25519(k, u);
      u = k;
      k = out;
      if (i === 1) assert.is(toHexStr(k), V.x25519_rfc7748_5_2_iterated.after_1);
    }
    assert.is(toHexStr(k), V.x25519_rfc7748_5_2_iterated.after_1000);
  });

  test(`[${name}] X25519 RFC 7748 §6.1 key agreement`, () => {
    const v = V.x25519_rfc7748_6_1;
    assert.is(toHexStr(c.x25519Base(hex(v.alice_private))), v.alice_public);
    assert.is(toHexStr(c.x25519Base(hex(v.bob_private))), v.bob_public);
    assert.is(toHexStr(c.x25519(hex(v.alice_private), hex(v.bob_public))), v.shared);
    assert.is(toHexStr(c.x25519(hex(v.bob_private), hex(v.alice_public))), v.shared);
  });

  test(`[${name}] randomBytes gives the asked length and varies`, () => {
    for (const n of [0, 1, 16, 32, 33]) assert.is(c.randomBytes(n).length, n);
    assert.is.not(toHexStr(c.randomBytes(32)), toHexStr(c.randomBytes(32)));
  });
}

test.run();
