// The small helpers: bytes, hex/base64, decimal and u64, JSON-RPC
// classification and builders, keys, and the send counter.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { impls, toHexStr } from '../crypto/impls.ts';
import * as P from '../../src/protocol/index.ts';
import { utf8ToBinary, binaryToUtf8 } from '../../src/protocol/node/text.ts';
import { LOW_ORDER } from '../crypto/low-order.ts';

test('byte strings ⇄ Uint8Array, and UTF-8 ⇄ byte strings on Node', () => {
  const all = new Uint8Array(256).map((_, i) => i);
  assert.equal(P.toBytes(P.fromBytes(all)), all);
  assert.is(P.fromBytes(new Uint8Array(0)), '');
  assert.is(utf8ToBinary('é✓'), '\xc3\xa9\xe2\x9c\x93');
  assert.is(binaryToUtf8('\xc3\xa9\xe2\x9c\x93'), 'é✓');
});

test('hex: lowercase out, strict in', () => {
  assert.is(P.toHex(new Uint8Array([0, 15, 16, 255])), '000f10ff');
  assert.equal(P.fromHex('000f10ff'), new Uint8Array([0, 15, 16, 255]));
  assert.equal(P.fromHex(''), new Uint8Array(0));
  for (const bad of ['0', 'abc', '0G', 'AB', ' 00', '0x00']) assert.is(P.fromHex(bad), undefined, bad);
  assert.ok(P.isHex('ab'.repeat(16), 32));
  assert.not.ok(P.isHex('ab'.repeat(16), 31));
  assert.not.ok(P.isHex(12, 2));
});

test('base64: standard padded, strict decode', () => {
  for (const n of [0, 1, 2, 3, 4, 5, 100]) {
    const b = new Uint8Array(randomBytes(n));
    const s = P.toBase64(b);
    assert.is(s, Buffer.from(b).toString('base64'));
    assert.equal(P.fromBase64(s), b);
  }
  for (const bad of ['A', 'AA', 'AA=', 'AA=A', 'AB==', 'AAA', '====', 'AA==AA==', ' AA==', 'AA==\n', 'A-_A', 'A*AA']) {
    assert.is(P.fromBase64(bad), undefined, JSON.stringify(bad));
  }
});

test('decimal text and u64 big-endian up to 2^53−1', () => {
  for (const n of [0, 1, 9, 10, 99999999, 100000000, 100000001, 1764072000, 9007199254740000, 9007199254740991]) {
    assert.is(P.decimal(n), String(n));
  }
  const out = new Uint8Array(8);
  P.putU64(out, 0, 9007199254740991);
  assert.is(toHexStr(out), '001fffffffffffff');
  P.putU64(out, 0, 4294967296 + 258);
  assert.is(toHexStr(out), '0000000100000102');
  assert.is(toHexStr(P.aeadNonce(1, 2)), '000000010000000000000002');
});

test('isSafeUint and constant-time helpers', () => {
  for (const v of [0, 1, 9007199254740991]) assert.ok(P.isSafeUint(v), String(v));
  for (const v of [-1, 0.5, 9007199254740992, NaN, Infinity, '1', null, undefined, true]) assert.not.ok(P.isSafeUint(v), String(v));
  assert.ok(P.equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2])));
  assert.not.ok(P.equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3])));
  assert.not.ok(P.equalBytes(new Uint8Array([1]), new Uint8Array([1, 0])));
  assert.ok(P.isAllZero(new Uint8Array(32)));
  assert.not.ok(P.isAllZero(new Uint8Array(32).fill(0).map((_, i) => (i === 31 ? 1 : 0))));
});

test('device ids: 1-64 of A-Z a-z 0-9 _ . -', () => {
  for (const ok of ['a', 'Z9', 'sensor-01', 'a_b.c-d', 'x'.repeat(64)]) assert.ok(P.isDeviceId(ok), ok);
  for (const bad of ['', 'x'.repeat(65), 'a/b', 'a+', '#', 'a b', 'é', 'a\n', 5, null]) assert.not.ok(P.isDeviceId(bad), String(bad));
});

test('JSON-RPC classification', () => {
  const cls = (s: string) => P.classify(JSON.parse(s));
  assert.equal(cls('{"jsonrpc":"2.0","method":"a","id":1,"params":[1]}'), { kind: 'request', method: 'a', id: 1 });
  assert.equal(cls('{"jsonrpc":"2.0","method":"a","params":{}}'), { kind: 'notification', method: 'a', id: null });
  assert.equal(cls('{"jsonrpc":"2.0","id":"x","result":null}'), { kind: 'response', method: '', id: 'x' });
  assert.equal(cls('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"m"}}'), { kind: 'response', method: '', id: null });
  for (const bad of [
    '{"method":"a","id":1}', '{"jsonrpc":"2.0"}', '{"jsonrpc":"2.0","method":"a","id":null}', '{"jsonrpc":"2.0","method":"a","id":-1}',
    '{"jsonrpc":"2.0","method":"a","id":{}}', '{"jsonrpc":"2.0","method":"a","params":"x"}', '{"jsonrpc":"2.0","method":"a","result":1,"id":1}',
    '{"jsonrpc":"2.0","id":1}', '{"jsonrpc":"2.0","id":null,"result":1}', '{"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":""}}',
    '{"jsonrpc":"2.0","id":1,"error":{"code":1}}', '[]', 'null', '3',
  ]) {
    assert.is(cls(bad), undefined, bad);
  }
});

test('JSON parse/stringify keep UTF-8 as bytes; \\u escapes of non-ASCII become UTF-8', () => {
  assert.equal(P.parseJson('{"m":"caf\\u00e9 \\ud83d\\ude00 \\u0022 \\\\u00e9"}'), {
    m: utf8ToBinary('café 😀 " \\u00e9'),
  });
  assert.is(P.parseJson('{"m":"\\u00zz"}'), undefined);
  // raw bytes (UTF-8 or not) read as themselves; outside a string they are not JSON
  assert.equal(P.parseJson('{"m":"K\xc3\xbcche \xff"}'), { m: 'K\xc3\xbcche \xff' });
  assert.is(P.parseJson('{"m":1}\xe4'), undefined);
  assert.is(P.parseJson('\xe4\xf23\xa0'), undefined);
  assert.is(P.parseJson('{'), undefined);
  assert.is(P.parseJson('null'), null);
  const bytes = utf8ToBinary('héllo ✓');
  assert.is(P.stringifyJson({ msg: bytes }), `{"msg":"${bytes}"}`);
  assert.is(P.stringifyJson(undefined), 'null');
});

test('JSON that may name a "__proto__" key is refused (Espruino makes it the prototype)', () => {
  for (const t of [
    '{"__proto__":5}',
    '{"a":{"__proto__" :{"x":1}}}',
    "{'__proto__':5}",
    '{"\\u005f_proto__":5}',
    '{"__pr\\u006Fto__":5}',
    '{"\\x5f_proto__":5}',
    '{"\\137_proto__":5}',
    '[{"__proto__":\n null}]',
  ])
    assert.is(P.parseJson(t), undefined, t);
  // the name as a value, and other escapes, are ordinary JSON
  assert.equal(P.parseJson('{"device_id":"__proto__","m":"a\\"b\\\\ \\u003c"}'), { device_id: '__proto__', m: 'a"b\\ <' });
  assert.equal(P.parseJson('["__proto__"]'), ['__proto__']);
});

test('JSON-RPC builders and the echo-required messages of docs/protocol.md §6', () => {
  assert.is(P.requestText(1, 'ping'), '{"jsonrpc":"2.0","method":"ping","id":1}');
  assert.is(P.notificationText('log', { level: 'info' }), '{"jsonrpc":"2.0","method":"log","params":{"level":"info"}}');
  assert.is(P.resultText('a', 'pong'), '{"jsonrpc":"2.0","id":"a","result":"pong"}');
  assert.is(P.resultText(2, undefined), '{"jsonrpc":"2.0","id":2,"result":null}');
  assert.is(P.errorText(null, P.PARSE_ERROR, 'parse error'), '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}');
  const echo = '00112233445566778899aabbccddeeff';
  assert.equal(JSON.parse(P.echoRequiredErrorText(4, echo)), {
    jsonrpc: '2.0', id: 4, error: { code: -32010, message: 'echo required', data: { echo } },
  });
  assert.equal(JSON.parse(P.echoRequiredNotificationText(echo)), { jsonrpc: '2.0', method: 'echo.required', params: { echo } });
  assert.equal(
    [P.METHOD_NOT_FOUND, P.INVALID_PARAMS, P.INTERNAL_ERROR, P.NOT_AUTHENTICATED, P.METHOD_NOT_ALLOWED, P.RATE_LIMITED, P.INVALID_REQUEST],
    [-32601, -32602, -32603, -32001, -32002, -32003, -32600],
  );
});

for (const { name, crypto: c } of impls) {
  test(`[${name}] deriveSessionKeys refuses every low-order peer key; key pairs agree`, () => {
    for (const u of LOW_ORDER) assert.is(P.deriveSessionKeys(c, c.randomBytes(32), Uint8Array.from(Buffer.from(u, 'hex'))), undefined, u);
    const a = P.newKeyPair(c);
    const b = P.newKeyPair(c);
    const ka = P.deriveSessionKeys(c, a.privateKey, b.publicKey)!;
    const kb = P.deriveSessionKeys(c, b.privateKey, a.publicKey)!;
    assert.equal([toHexStr(ka.encKey), toHexStr(ka.hmacKey)], [toHexStr(kb.encKey), toHexStr(kb.hmacKey)]);
    assert.is.not(toHexStr(ka.encKey), toHexStr(ka.hmacKey));
  });
}

test('send counter: resumes above the stored reserve, persists before passing it', () => {
  let ctr = P.resumeCounter(0);
  const persisted: number[] = [];
  const used: number[] = [];
  for (let i = 0; i < 25; i++) {
    const n = P.nextNonce(ctr, 10)!;
    if (n.persist) persisted.push(n.counter.reserved);
    used.push(n.nonce);
    ctr = n.counter;
    assert.ok(n.nonce <= n.counter.reserved, 'never beyond what flash covers');
  }
  assert.equal(used, Array.from({ length: 25 }, (_, i) => i + 1));
  assert.equal(persisted, [10, 20, 30]);
  // A crash after nonce 25: flash says 30, the next boot starts at 31.
  const after = P.nextNonce(P.resumeCounter(30), 10)!;
  assert.equal([after.nonce, after.persist, after.counter.reserved], [31, true, 40]);
  assert.is(P.nextNonce({ last: 9007199254740991, reserved: 9007199254740991 }, 10), undefined);
  assert.equal(P.nextNonce({ last: 9007199254740990, reserved: 9007199254740990 }, 1000)!.counter.reserved, 9007199254740991);
});

test.run();
