// The pure-JS Crypto on Node: the envelope checks every implementation
// passes (test/native/envelope-cases.ts), and the X25519 ladder as steps:
// stepped through it gives x25519's answer, and x25519Async calls back on a
// later turn of the event loop with the same answer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { x25519 as nobleX25519 } from '@noble/curves/ed25519.js';
import { jsCrypto } from '../../src/crypto/node/js.ts';
import { ladder, x25519 } from '../../src/crypto/x25519.ts';
import { cryptoEnvelopeOps, runEnvelopeSuite } from '../native/envelope-cases.ts';
import { rnd, toHex } from '../native/primitive-cases.ts';

runEnvelopeSuite('js: envelope calls', cryptoEnvelopeOps(jsCrypto));

test('the ladder, one step at a time: 255 ladder steps and 32 of inversion, then the answer', () => {
  const k = rnd(32);
  const u = nobleX25519.scalarMultBase(rnd(32));
  const l = ladder(k, u);
  let steps = 0;
  let out: Uint8Array | undefined;
  while (!(out = l.step())) steps++;
  assert.is(steps, 255 + 31);
  assert.is(toHex(out), toHex(nobleX25519.scalarMult(k, u)));
  assert.is(toHex(out), toHex(x25519(k, u)));
});

test('x25519Async calls back later (not before it returns) with the same answer', async () => {
  const k = rnd(32);
  const u = nobleX25519.scalarMultBase(rnd(32));
  let called = false;
  const got = await new Promise<Uint8Array>((resolve) => {
    jsCrypto.x25519Async(k, u, (o) => {
      called = true;
      resolve(o);
    });
    assert.not.ok(called, 'not called synchronously');
  });
  assert.is(toHex(got), toHex(nobleX25519.scalarMult(k, u)));
});

test('wrong lengths are refused before any work', () => {
  assert.throws(() => ladder(rnd(31), rnd(32)), /32 bytes/);
  assert.throws(() => jsCrypto.x25519Async(rnd(32), rnd(33), () => undefined), /32 bytes/);
});

test.run();
