// The pure-JS Crypto on Node: the envelope checks every implementation
// passes (test/native/envelope-cases.ts), and the X25519 ladder as steps:
// stepped through it gives x25519's answer, and x25519Async calls back on a
// later turn of the event loop with the same answer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { x25519 as nobleX25519 } from '@noble/curves/ed25519.js';
import { jsCrypto } from '../../src/crypto/node/js.ts';
import { ladder, x25519 } from '../../src/crypto/x25519.ts';
import { runEnvelopeSuite } from '../native/envelope-cases.ts';
import { rnd, toHex } from '../native/primitive-cases.ts';

const latin1 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
// inputs as bytes and as byte strings in turn: the calls take either
let asString = false;
const either = (b: Uint8Array): Uint8Array => ((asString = !asString) ? (Buffer.from(b).toString('latin1') as unknown as Uint8Array) : b);

runEnvelopeSuite('js: envelope calls', {
  envelopeSeal: async (k, d, a, p) => jsCrypto.envelopeSeal(either(k), d, either(a), either(p)),
  envelopeOpen: async (k, d, a, b) => {
    const r = jsCrypto.envelopeOpen(either(k), d, either(a), b);
    return typeof r === 'string' ? latin1(r) : r;
  },
  hmacHex: async (k, d) => jsCrypto.hmacHex(either(k), either(d)),
  hmacVerify: async (k, d, m) => jsCrypto.hmacVerify(either(k), either(d), m),
});

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
