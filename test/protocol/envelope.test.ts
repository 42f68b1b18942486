// openEnvelope: every malformed input dropped as "malformed" without a throw,
// the checks of docs/protocol.md §5.3 in their order, no change to the session, step-6 answers,
// and sealEnvelope's refusals. Runs with each Crypto implementation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { impls, toHexStr } from '../crypto/impls.ts';
import * as P from '../../src/protocol/index.ts';
import { utf8ToBinary } from '../../src/protocol/node/text.ts';

const ID = 'dev-1';
const T = 1764072000;

for (const { name, crypto: c } of impls) {
  const keys: P.SessionKeys = { encKey: c.randomBytes(32), hmacKey: c.randomBytes(32) };
  const newSession = (highNonce = 0): P.PeerSession => ({ keys, highNonce });
  const seal = (over: Partial<P.SealParams> = {}) =>
    P.sealEnvelope(c, keys, {
      direction: 0, deviceId: ID, nonce: 5, timestamp: T, plaintext: '{"jsonrpc":"2.0","method":"ping","id":1}', ...over,
    });
  const open = (payload: any, session = newSession(), extra: Partial<P.OpenOptions> = {}) =>
    P.openEnvelope(c, payload, { direction: 0, findSession: (id) => (id === ID ? session : undefined), now: T, ...extra });
  const reasonOf = (r: ReturnType<typeof open>) => (r.ok ? 'ok' : r.reason);
  const valid = () => JSON.parse(seal());

  test(`[${name}] a sealed envelope opens`, () => {
    const r = open(seal());
    assert.ok(r.ok);
    if (r.ok) assert.equal([r.kind, r.method, r.id, r.highNonce], ['request', 'ping', 1, 5]);
  });

  test(`[${name}] step 1: malformed payloads are dropped as "malformed", never thrown`, () => {
    const bad: Array<[string, unknown]> = [
      ['not a string', 42], ['undefined', undefined], ['an object', valid()], ['empty', ''], ['not JSON', '{"device_id":'],
      ['JSON array', '[1,2]'], ['JSON null', 'null'], ['JSON string', '"x"'], ['JSON number', '7'],
    ];
    const fields: Array<[string, string, unknown]> = [
      ['device_id', 'missing', undefined], ['device_id', 'number', 7], ['device_id', 'empty', ''],
      ['device_id', '65 chars', 'a'.repeat(65)], ['device_id', 'slash', 'a/b'], ['device_id', 'plus', 'a+'],
      ['device_id', 'hash', 'a#'], ['device_id', 'space', 'a b'], ['device_id', 'non-ASCII', 'dév'],
      ['nonce', 'missing', undefined], ['nonce', 'zero', 0], ['nonce', 'negative', -1], ['nonce', 'float', 1.5],
      ['nonce', '2^53', 9007199254740992], ['nonce', 'huge', 1e300], ['nonce', 'string', '5'], ['nonce', 'null', null],
      ['nonce', 'bool', true],
      ['timestamp', 'missing', undefined], ['timestamp', 'negative', -1], ['timestamp', 'float', T + 0.5],
      ['timestamp', 'string', String(T)], ['timestamp', '2^53', 9007199254740992],
      ['ciphertext', 'missing', undefined], ['ciphertext', 'number', 1], ['ciphertext', 'bad chars', '!!!!'],
      ['ciphertext', 'bad length', 'AAAAA'], ['ciphertext', 'no padding', 'AAAAAAAAAAAAAAAAAAAAAA'],
      ['ciphertext', 'whitespace', ' AAAAAAAAAAAAAAAAAAAAAA=='], ['ciphertext', 'shorter than a tag', 'AAAAAAAAAAAAAAAAAAAA'],
      ['ciphertext', 'non-canonical bits', 'AAAAAAAAAAAAAAAAAAAAAB=='], ['ciphertext', 'url-safe alphabet', '-_AAAAAAAAAAAAAAAAAAAA=='],
      ['hmac', 'missing', undefined], ['hmac', '63 hex', 'a'.repeat(63)], ['hmac', '65 hex', 'a'.repeat(65)],
      ['hmac', 'uppercase', 'A'.repeat(64)], ['hmac', 'not hex', 'g'.repeat(64)], ['hmac', 'number', 1],
      ['echo', '31 hex', 'a'.repeat(31)], ['echo', 'uppercase', 'A'.repeat(32)], ['echo', 'number', 5], ['echo', 'empty', ''],
    ];
    for (const [field, what, value] of fields) {
      const e = valid();
      if (value === undefined) delete e[field];
      else e[field] = value;
      bad.push([`${field} ${what}`, JSON.stringify(e)]);
    }
    for (const [what, payload] of bad) {
      const r = open(payload as string);
      assert.equal(r, { ok: false, step: P.STEP_MALFORMED, reason: 'malformed' }, what);
    }
  });

  test(`[${name}] step 1: size limit (4096 bytes by default, configurable)`, () => {
    const text = seal();
    const at = (n: number) => text.slice(0, -1) + ' '.repeat(n - text.length) + '}';
    assert.ok(open(at(4096)).ok, 'exactly 4096 bytes');
    assert.equal(open(at(4097)), { ok: false, step: P.STEP_MALFORMED, reason: 'malformed' });
    assert.equal(open(text, newSession(), { maxBytes: text.length - 1 }), { ok: false, step: P.STEP_MALFORMED, reason: 'malformed' });
  });

  test(`[${name}] echo null counts as absent; a 2^53−1 nonce is well-formed`, () => {
    const e = valid();
    e.echo = null;
    assert.ok(open(JSON.stringify(e)).ok);
    const big = seal({ nonce: 9007199254740991 });
    assert.ok(open(big).ok);
  });

  test(`[${name}] checks run in the order of §5.3`, () => {
    const good = valid();
    // 2 before 3..7: an unknown device with a replayed nonce and a bad tag.
    assert.is(reasonOf(open(JSON.stringify({ ...good, device_id: 'other', hmac: '0'.repeat(64) }), newSession(99))), 'unknown device');
    // 3 before 4: replayed and stale.
    assert.is(reasonOf(open(JSON.stringify({ ...good, timestamp: T + 1000 }), newSession(5))), 'replay');
    assert.is(reasonOf(open(JSON.stringify(good), newSession(6))), 'replay');
    // 4 before 5: stale and not authentic (the AAD no longer matches).
    assert.is(reasonOf(open(JSON.stringify({ ...good, timestamp: T + 1000 }))), 'stale');
    // Clock not set: no step 4, so the changed timestamp fails at step 5.
    assert.is(reasonOf(open(JSON.stringify({ ...good, timestamp: T + 1000 }), newSession(), { now: undefined })), 'bad ciphertext');
    // 5 before 7: a bad tag and a bad hmac.
    const ct = Buffer.from(good.ciphertext, 'base64');
    ct[ct.length - 1] ^= 1;
    assert.is(reasonOf(open(JSON.stringify({ ...good, ciphertext: ct.toString('base64'), hmac: '0'.repeat(64) }))), 'bad ciphertext');
    assert.equal(open(JSON.stringify({ ...good, hmac: '0'.repeat(64) })), { ok: false, step: P.STEP_BAD_HMAC, reason: 'bad hmac', deviceId: ID });
  });

  test(`[${name}] step 4: the ±300 s window, inclusive`, () => {
    const text = seal();
    assert.ok(open(text, newSession(), { now: T + 300 }).ok);
    assert.ok(open(text, newSession(), { now: T - 300 }).ok);
    assert.equal(open(text, newSession(), { now: T + 301 }), { ok: false, step: P.STEP_STALE, reason: 'stale', deviceId: ID });
    assert.equal(open(text, newSession(), { now: T - 301 }), { ok: false, step: P.STEP_STALE, reason: 'stale', deviceId: ID });
  });

  test(`[${name}] the session is never changed, on success or failure`, () => {
    const s = newSession(3);
    const before = { enc: toHexStr(s.keys.encKey), mac: toHexStr(s.keys.hmacKey), high: s.highNonce };
    open(seal(), s);
    open(seal({ nonce: 2 }), s);
    open(JSON.stringify({ ...valid(), hmac: '1'.repeat(64) }), s);
    assert.equal({ enc: toHexStr(s.keys.encKey), mac: toHexStr(s.keys.hmacKey), high: s.highNonce }, before);
  });

  // An AEAD-authentic envelope around an arbitrary plaintext (sealEnvelope refuses non-JSON-RPC).
  const rawEnvelope = (plaintext: string, nonce = 9) => {
    const aad = P.toBytes(P.aadString(ID, nonce, T));
    const sealed = c.aeadSeal(keys.encKey, P.aeadNonce(0, nonce), aad, P.toBytes(plaintext));
    return JSON.stringify({ device_id: ID, nonce, timestamp: T, ciphertext: P.toBase64(sealed), hmac: '0'.repeat(64) });
  };

  test(`[${name}] step 6: not JSON → −32700, JSON but not JSON-RPC → −32600, nonce to record`, () => {
    const cases: Array<[string, string, number, unknown]> = [
      ['{"jsonrpc":"2.0",', 'parse error', -32700, null],
      ['', 'parse error', -32700, null],
      ['[]', 'invalid request', -32600, null],
      ['{"jsonrpc":"1.0","method":"x","id":4}', 'invalid request', -32600, 4],
      ['{"jsonrpc":"2.0","method":5,"id":"a"}', 'invalid request', -32600, 'a'],
      ['{"jsonrpc":"2.0","id":3}', 'invalid request', -32600, 3],
      ['{"jsonrpc":"2.0","id":3,"result":1,"error":{"code":1,"message":""}}', 'invalid request', -32600, 3],
      ['{"jsonrpc":"2.0","method":"x","id":1.5}', 'invalid request', -32600, null],
      ['{"jsonrpc":"2.0","method":"x","params":3}', 'invalid request', -32600, null],
    ];
    for (const [plaintext, reason, code, id] of cases) {
      const r = open(rawEnvelope(plaintext));
      assert.is(r.ok, false, plaintext);
      if (r.ok) continue;
      assert.equal([r.step, r.deviceId, r.reason, r.code, r.id, r.highNonce], [P.STEP_NOT_JSONRPC, ID, reason, code, id, 9], plaintext);
    }
  });

  test(`[${name}] step 7: an hmac over another method or id is refused`, () => {
    const plaintext = '{"jsonrpc":"2.0","method":"ping","id":1}';
    const aad = P.toBytes(P.aadString(ID, 9, T));
    const sealed = c.aeadSeal(keys.encKey, P.aeadNonce(0, 9), aad, P.toBytes(plaintext));
    for (const [method, id] of [['ping', 2], ['pong', 1], ['ping', 'x'], ['', 1]] as const) {
      const mac = c.hmacSha256(keys.hmacKey, P.toBytes(P.canonicalString(ID, method, id, 9, T)));
      const env = { device_id: ID, nonce: 9, timestamp: T, ciphertext: P.toBase64(sealed), hmac: toHexStr(mac) };
      assert.equal(open(JSON.stringify(env)), { ok: false, step: P.STEP_BAD_HMAC, reason: 'bad hmac', deviceId: ID }, `${method} ${id}`);
    }
  });

  test(`[${name}] device side: only its own id, no clock check, responses and notifications`, () => {
    const s = newSession();
    const fromGateway = (over: Partial<P.SealParams>) => seal({ direction: 1, ...over });
    const dev = (payload: string) => P.openEnvelope(c, payload, { direction: 1, findSession: (id) => (id === ID ? s : undefined) });
    const r1 = dev(fromGateway({ timestamp: 0, plaintext: '{"jsonrpc":"2.0","id":"x","error":{"code":-32010,"message":"echo required","data":{"echo":"00"}}}' }));
    assert.ok(r1.ok && r1.kind === 'response' && r1.id === 'x' && r1.method === '');
    const r2 = dev(fromGateway({ plaintext: '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}' }));
    assert.ok(r2.ok && r2.kind === 'response' && r2.id === null);
    const r3 = dev(fromGateway({ plaintext: '{"jsonrpc":"2.0","method":"revoked"}' }));
    assert.ok(r3.ok && r3.kind === 'notification' && r3.method === 'revoked' && r3.id === null);
    const other = P.sealEnvelope(c, keys, { direction: 1, deviceId: 'dev-2', nonce: 1, timestamp: T, plaintext: '{"jsonrpc":"2.0","method":"x"}' });
    assert.equal(dev(other), { ok: false, step: P.STEP_UNKNOWN_DEVICE, reason: 'unknown device', deviceId: 'dev-2' });
  });

  test(`[${name}] non-ASCII method and id: escaped and raw UTF-8 give the same canonical string`, () => {
    const raw = utf8ToBinary('{"jsonrpc":"2.0","method":"café.✓","id":"ü-1"}');
    const escaped = '{"jsonrpc":"2.0","method":"caf\\u00e9.\\u2713","id":"\\u00fc-1"}';
    const a = open(seal({ plaintext: raw }));
    const b = open(seal({ plaintext: escaped }));
    assert.ok(a.ok && b.ok);
    if (!a.ok || !b.ok) return;
    assert.is(a.method, utf8ToBinary('café.✓'));
    assert.is(b.method, a.method);
    assert.is(b.id, utf8ToBinary('ü-1'));
    // And an independent sealer that MACs the UTF-8 bytes of the decoded text agrees.
    const mac = c.hmacSha256(keys.hmacKey, Buffer.from(`${ID}\ncafé.✓\nü-1\n5\n${T}`, 'utf8'));
    assert.is(JSON.parse(seal({ plaintext: escaped })).hmac, toHexStr(mac));
  });

  test(`[${name}] sealEnvelope refuses what no correct caller passes`, () => {
    const bad: Array<Partial<P.SealParams>> = [
      { plaintext: 'not json' }, { plaintext: '{"jsonrpc":"2.0"}' }, { plaintext: '[]' }, { nonce: 0 }, { nonce: 1.5 },
      { nonce: 9007199254740992 }, { timestamp: -1 }, { deviceId: 'a/b' }, { deviceId: '' }, { echo: 'ABC' },
    ];
    for (const over of bad) assert.throws(() => seal(over), /sealEnvelope/, JSON.stringify(over));
  });

  test(`[${name}] random corruption of an envelope is always refused, never thrown`, () => {
    const text = seal();
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(text, 'latin1');
      const n = 1 + (i % 3);
      for (let k = 0; k < n; k++) b[randomBytes(2).readUInt16LE(0) % b.length] = randomBytes(1)[0];
      const mutated = b.toString('latin1');
      if (mutated === text) continue;
      const r = open(mutated);
      assert.is(r.ok, false, mutated);
    }
  });
}

test.run();
