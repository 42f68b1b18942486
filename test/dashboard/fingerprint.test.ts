// The page's SHA-256 and the key fingerprint definition the device SDK prints too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { sha256 } from '../../src/crypto/sha256';
import { fingerprint } from '../../src/dashboard/fingerprint';
import { fingerprint as deviceFingerprint } from '../../src/device/fingerprint';
import { jsCrypto } from '../../src/crypto/node/js';

test('sha256 matches node:crypto for every length across block boundaries', () => {
  for (let n = 0; n < 200; n++) {
    const b = randomBytes(n);
    assert.is(Buffer.from(sha256(b)).toString('hex'), createHash('sha256').update(b).digest('hex'), `length ${n}`);
  }
  assert.is(Buffer.from(sha256(new TextEncoder().encode('abc'))).toString('hex'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('fingerprint: first 8 digest bytes of the raw key, 4 groups of 4 hex digits joined by ":"', () => {
  const key = randomBytes(32);
  const want = createHash('sha256').update(key).digest('hex').slice(0, 16).match(/.{4}/g)!.join(':');
  assert.is(fingerprint(key.toString('hex')), want);
  assert.is(fingerprint(key.toString('hex').toUpperCase()), want);
  assert.match(want, /^[0-9a-f]{4}(:[0-9a-f]{4}){3}$/);
});

test('the page shows exactly what the device SDK prints', () => {
  for (let i = 0; i < 20; i++) {
    const key = randomBytes(32);
    assert.is(fingerprint(key.toString('hex')), deviceFingerprint(jsCrypto, new Uint8Array(key)));
  }
});

test('fingerprint of something that is not a 32-byte hex key is empty', () => {
  for (const bad of ['', 'ab', 'zz'.repeat(32), 'ab'.repeat(33), undefined as unknown as string]) assert.is(fingerprint(bad), '');
});

test.run();
