// The checks every implementation of the envelope calls (docs/protocol.md §5.2 in
// one call each: envelopeSeal, envelopeOpen, hmacHex, hmacVerify) must pass,
// written once against a small async interface so they run on the Node
// addon, both harness builds of native/envelope.c (c-sources.test.ts), the
// pure-JS Crypto (test/crypto) and GatewayCrypto in the real interpreter
// (espruino.test.ts): the protocol vectors, @noble/ciphers and @noble/hashes
// (independent code), the pure-JS path on random inputs, and every way a
// ciphertext field can fail to be canonical base64.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { jsCrypto } from '../../src/crypto/node/js.ts';
import { LENGTHS, flipped, hex, rnd, toHex, utf8 } from './primitive-cases.ts';

/**
 * The envelope calls of one implementation; bytes in as Uint8Arrays,
 * plaintext out as bytes; an AAD that names no nonce rejects the promise.
 */
export interface EnvelopeOps {
  envelopeSeal(key: Uint8Array, direction: number, aad: Uint8Array, pt: Uint8Array): Promise<string>;
  /** null: not canonical base64 of ≥ 16 bytes; undefined: the tag does not verify. */
  envelopeOpen(key: Uint8Array, direction: number, aad: Uint8Array, b64: string): Promise<Uint8Array | null | undefined>;
  hmacHex(key: Uint8Array, data: Uint8Array): Promise<string>;
  hmacVerify(key: Uint8Array, data: Uint8Array, mac: string): Promise<boolean>;
}

/**
 * The EnvelopeOps of an in-process Crypto (the addon, the JS module). Its calls
 * take bytes or byte strings: inputs go in as one and the other in turn.
 */
export function cryptoEnvelopeOps(c: Pick<typeof jsCrypto, 'envelopeSeal' | 'envelopeOpen' | 'hmacHex' | 'hmacVerify'>): EnvelopeOps {
  let asString = false;
  const either = (b: Uint8Array): Uint8Array => ((asString = !asString) ? (Buffer.from(b).toString('latin1') as unknown as Uint8Array) : b);
  return {
    envelopeSeal: async (k, d, a, p) => c.envelopeSeal(either(k), d, either(a), either(p)),
    envelopeOpen: async (k, d, a, b) => {
      const r = c.envelopeOpen(either(k), d, either(a), b);
      return typeof r === 'string' ? Uint8Array.from(Buffer.from(r, 'latin1')) : r;
    },
    hmacHex: async (k, d) => c.hmacHex(either(k), either(d)),
    hmacVerify: async (k, d, m) => c.hmacVerify(either(k), either(d), m),
  };
}

const P = JSON.parse(readFileSync(new URL('../fixtures/protocol-vectors.json', import.meta.url), 'utf8')).protocol;

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

/** u32_be(direction) ‖ u64_be(nonce), written here without the project's code. */
export function nonceBytes(direction: number, nonce: number): Uint8Array {
  const n = Buffer.alloc(12);
  n.writeUInt32BE(direction, 0);
  n.writeBigUInt64BE(BigInt(nonce), 4);
  return Uint8Array.from(n);
}

/** An AAD naming `nonce`: device id, nonce, timestamp, echo (any bytes after the nonce's line). */
export function aadFor(nonce: number, tail: Uint8Array = rnd(randomInt(0, 60))): Uint8Array {
  return Uint8Array.from(Buffer.concat([Buffer.from(`sensor-${randomInt(100)}\n${nonce}\n`, 'latin1'), tail]));
}

/** AADs that name no nonce (the second line must be decimal digits as decimal() writes them, ended by "\n"). */
export const NO_NONCE = [
  '',
  'dev',
  'dev\n',
  'dev\n5',
  'dev\n\n1700000000\n',
  'dev\n05\n1700000000\n',
  'dev\n-5\n1700000000\n',
  'dev\n+5\n1700000000\n',
  'dev\n5.0\n1700000000\n',
  'dev\n 5\n1700000000\n',
  'dev\n9007199254740992\n1700000000\n',
  'dev\n99999999999999999999\n1\n',
  'dev\n5x\n1\n',
];

/** Nonces at the edges of their encoding, and random ones. */
export const NONCES = [0, 1, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, randomInt(1, 2 ** 48)];

/** Ciphertext fields that are not canonical base64 of at least 16 bytes, made from `good`, one that is. */
export function notCanonical(good: string): string[] {
  return [
    '', // no bytes
    'A'.repeat(20), // 15 bytes: shorter than a tag
    good.slice(0, -1), // length not a multiple of 4
    good + 'A', // nor this
    good.replace(/=+$/, ''), // padding left out (when there is some)
    ' ' + good.slice(1), // a space
    good.slice(0, 4) + '\n' + good.slice(5), // a newline
    '-' + good.slice(1), // the URL-safe alphabet
    '_' + good.slice(1),
    good.slice(0, 8) + '=' + good.slice(9), // '=' inside
    good.slice(0, 8) + '\u00e9' + good.slice(9), // a byte above 127
    'A'.repeat(20) + '====', // padding of a whole group
    'A'.repeat(20) + 'AAB=', // stray bits under one '='
    'A'.repeat(20) + 'AB==', // stray bits under two
    'A'.repeat(20) + 'A===', // three '='
  ].filter((s) => s !== good);
}

export interface EnvelopeSuiteOptions {
  before?: () => void | Promise<void>;
  after?: () => void | Promise<void>;
  /** plaintext lengths and nonces to sweep (default LENGTHS and NONCES; fewer for slow implementations) */
  lengths?: number[];
  nonces?: number[];
}

/** Registers the envelope checks as one uvu suite and runs it. */
export function runEnvelopeSuite(name: string, e: EnvelopeOps, hooks: EnvelopeSuiteOptions = {}): void {
  const lengths = hooks.lengths || LENGTHS;
  const nonces = hooks.nonces || NONCES;
  const t = suite(name);
  if (hooks.before) t.before(hooks.before);
  if (hooks.after) t.after(hooks.after);

  t('docs/protocol.md §8 vectors: ciphertext and hmac of each sealed envelope, and open', async () => {
    for (const s of Object.values(P.sealed) as any[]) {
      const env = s.envelope;
      // text is hashed and sealed as its UTF-8 bytes (§1)
      const aad = utf8(s.aad);
      const ct = await e.envelopeSeal(hex(P.enc_key), s.direction, aad, utf8(s.plaintext));
      assert.is(ct, env.ciphertext);
      assert.is(await e.hmacHex(hex(P.hmac_key), utf8(s.canonical)), env.hmac);
      assert.ok(await e.hmacVerify(hex(P.hmac_key), utf8(s.canonical), env.hmac));
      const opened = await e.envelopeOpen(hex(P.enc_key), s.direction, aad, env.ciphertext);
      assert.ok(opened);
      assert.is(Buffer.from(opened).toString('utf8'), s.plaintext);
      assert.is(await e.envelopeOpen(hex(P.enc_key), 1 - s.direction, aad, env.ciphertext), undefined, 'the other direction');
    }
  });

  t('envelopeSeal is base64 of @noble/ciphers under the envelope nonce, and opens again', async () => {
    for (const n of lengths) {
      for (const nonce of nonces) {
        const key = rnd(32);
        const direction = randomInt(2);
        const aad = aadFor(nonce);
        const pt = rnd(n);
        const ct = await e.envelopeSeal(key, direction, aad, pt);
        assert.is(ct, b64(chacha20poly1305(key, nonceBytes(direction, nonce), aad).encrypt(pt)), `pt ${n}, nonce ${nonce}`);
        const opened = await e.envelopeOpen(key, direction, aad, ct);
        assert.ok(opened, `opens: pt ${n}, nonce ${nonce}`);
        assert.is(toHex(opened), toHex(pt));
      }
    }
  });

  t('envelopeOpen refuses flipped bits, another nonce, direction, key or aad: undefined', async () => {
    const key = rnd(32);
    const tail = rnd(30);
    const aad = aadFor(17, tail);
    const pt = rnd(70);
    const ct = await e.envelopeSeal(key, 0, aad, pt);
    const sealed = Uint8Array.from(Buffer.from(ct, 'base64'));
    for (const bit of [0, 7, 100, 8 * 70 - 1, 8 * 70, 8 * 86 - 1]) {
      assert.is(await e.envelopeOpen(key, 0, aad, b64(flipped(sealed, bit))), undefined, `bit ${bit}`);
    }
    const other = Uint8Array.from(Buffer.concat([Buffer.from(aad.subarray(0, aad.length - tail.length - 3)), Buffer.from('18\n'), tail]));
    assert.is(toHex(other).length, toHex(aad).length, 'the same AAD but for the nonce');
    assert.is(await e.envelopeOpen(key, 0, other, ct), undefined, 'nonce');
    assert.is(await e.envelopeOpen(key, 1, aad, ct), undefined, 'direction');
    assert.is(await e.envelopeOpen(flipped(key, 3), 0, aad, ct), undefined, 'key');
    assert.is(await e.envelopeOpen(key, 0, flipped(aad, 8 * (aad.length - 1)), ct), undefined, 'aad');
    assert.is(toHex((await e.envelopeOpen(key, 0, aad, ct))!), toHex(pt), 'and the untouched one opens');
  });

  t('an AAD that names no nonce is refused (the promise rejects), sealing and opening', async () => {
    const key = rnd(32);
    for (const bad of NO_NONCE) {
      const aad = Uint8Array.from(Buffer.from(bad, 'latin1'));
      let sealed = false;
      let opened = false;
      await e.envelopeSeal(key, 0, aad, rnd(3)).then(() => (sealed = true), () => undefined);
      await e.envelopeOpen(key, 0, aad, 'A'.repeat(24)).then(() => (opened = true), () => undefined);
      assert.not.ok(sealed, `seal with ${JSON.stringify(bad)}`);
      assert.not.ok(opened, `open with ${JSON.stringify(bad)}`);
    }
    // the largest nonce and 0 are named fine
    for (const n of [0, 2 ** 53 - 1]) assert.ok(await e.envelopeOpen(key, 0, aadFor(n), await e.envelopeSeal(key, 0, aadFor(n), rnd(2))) !== null);
  });

  t('envelopeOpen: a ciphertext field that is not canonical base64 of ≥ 16 bytes is null', async () => {
    const key = rnd(32);
    const aad = aadFor(5);
    for (const n of [0, 1, 2, 3, 10]) {
      const good = await e.envelopeSeal(key, 0, aad, rnd(n));
      assert.ok(await e.envelopeOpen(key, 0, aad, good), `the unspoilt field opens (${n})`);
      for (const bad of notCanonical(good)) {
        assert.is(await e.envelopeOpen(key, 0, aad, bad), null, JSON.stringify(bad));
      }
    }
    // 16 bytes exactly is a tag without ciphertext: well formed, and here not authentic
    assert.is(await e.envelopeOpen(key, 0, aad, 'A'.repeat(20) + 'AA=='), undefined);
  });

  t('hmacHex matches @noble/hashes; hmacVerify takes exactly its 64 lowercase hex digits', async () => {
    for (const n of lengths) {
      const key = rnd([0, 1, 32, 64, 65, 100][n % 6]);
      const data = rnd(n);
      const want = toHex(nobleHmac(nobleSha256, key, data));
      assert.is(await e.hmacHex(key, data), want, `data ${n}`);
      assert.ok(await e.hmacVerify(key, data, want));
      const pos = randomInt(64);
      const wrongDigit = want.slice(0, pos) + ((parseInt(want[pos], 16) + 1) % 16).toString(16) + want.slice(pos + 1);
      const refused = [
        wrongDigit,
        want.toUpperCase(),
        want.slice(0, 63),
        want + '0',
        want.slice(0, 63) + 'g',
        want.slice(0, 10) + ' ' + want.slice(11),
        '',
        toHex(nobleHmac(nobleSha256, key, flipped(data.length ? data : rnd(1), 0))),
      ];
      for (const m of refused) if (m !== want) assert.is(await e.hmacVerify(key, data, m), false, JSON.stringify(m));
    }
  });

  t('random inputs: the same answers as the pure-JS path', async () => {
    for (let i = 0; i < 12; i++) {
      const key = rnd(32);
      const direction = randomInt(2);
      const aad = aadFor(randomInt(1, 2 ** 48));
      const pt = rnd(randomInt(0, Math.min(600, Math.max(...lengths))));
      const ct = await e.envelopeSeal(key, direction, aad, pt);
      assert.is(ct, jsCrypto.envelopeSeal(key, direction, aad, pt));
      assert.is(toHex((await e.envelopeOpen(key, direction, aad, ct))!), toHex(Uint8Array.from(Buffer.from(jsCrypto.envelopeOpen(key, direction, aad, ct) as string, 'latin1'))));
      const spoilt = ct.slice(0, 3) + (ct[3] === 'A' ? 'B' : 'A') + ct.slice(4);
      assert.is(await e.envelopeOpen(key, direction, aad, spoilt), jsCrypto.envelopeOpen(key, direction, aad, spoilt) as undefined);
      const mk = rnd(randomInt(0, 100));
      assert.is(await e.hmacHex(mk, pt), jsCrypto.hmacHex(mk, pt));
    }
  });

  t.run();
}
