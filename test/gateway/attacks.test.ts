// Someone on the broker attacks an enrolled device's session: replays,
// tampering, stale and forged envelopes, spoofed key changes, calls outside
// the allow-list, floods. Nothing forged may run, every drop is counted, and
// the real device keeps working.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAedes } from '../mqtt/brokers.ts';
import type { AedesBroker } from '../mqtt/brokers.ts';
import { GatewayUnderTest } from './harness.ts';
import { TestDevice, crypto, sleep, until } from './device.ts';
import * as P from '../../src/protocol/index.ts';

let broker: AedesBroker;
let gw: GatewayUnderTest;
let dev: TestDevice;
let attacker: TestDevice;
const others: TestDevice[] = [];

test.before(async () => {
  broker = await createAedes();
  gw = new GatewayUnderTest({ brokerPort: broker.port });
  await gw.start();
  dev = gw.device('victim', { psk: 'secret-psk' });
  await dev.start();
  await dev.connect();
  const ap = dev.approved();
  await gw.admin.ok('POST', '/api/devices/victim/approve', { psk: 'secret-psk' });
  await ap;
  assert.is((await dev.call('ping')).result, 'pong');
  attacker = gw.device('victim'); // same id, own keys, sees the same rx topic
  await attacker.start();
});

test.after(async () => {
  dev?.end();
  attacker?.end();
  for (const d of others) d.end();
  await gw?.stop();
  await broker?.close();
});

async function counted(reason: string, act: () => void | Promise<void>, n = 1): Promise<void> {
  const before = (await gw.security())[reason];
  await act();
  await until(async () => (await gw.security())[reason] >= before + n, 15000, reason);
}

test('a replayed envelope is dropped, its call does not run twice', async () => {
  const env = dev.seal(P.requestText(50, 'report', { replayed: 1 }));
  dev.send(env);
  assert.is((await dev.nextSealed((m) => m.id === 50)).message.result, true);
  await counted('replay', () => dev.send(env));
  assert.ok(await dev.silent((p) => p.includes('ciphertext'), 300));
  // an older nonce than the last one is a replay too
  await counted('replay', () => dev.send(dev.seal(P.requestText(51, 'ping'), { nonce: 1 })));
});

test('tampered fields are dropped: ciphertext, tag, nonce, timestamp, echo, device id, hmac', async () => {
  const base = JSON.parse(dev.seal(P.requestText(60, 'ping')));
  const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  await counted('bad ciphertext', () => attacker.send(JSON.stringify({ ...base, ciphertext: flip(base.ciphertext, 3) })));
  await counted('bad ciphertext', () => attacker.send(JSON.stringify({ ...base, nonce: base.nonce + 1 })));
  await counted('bad ciphertext', () => attacker.send(JSON.stringify({ ...base, timestamp: base.timestamp + 1 })));
  await counted('bad ciphertext', () => attacker.send(JSON.stringify({ ...base, echo: '00'.repeat(16) })));
  await counted('bad hmac', () => attacker.send(JSON.stringify({ ...base, hmac: 'ab'.repeat(32) })));
  await counted('unknown device', () => attacker.send(JSON.stringify({ ...base, device_id: 'victim2' })));
  // the untouched envelope still goes through once
  dev.send(JSON.stringify(base));
  assert.is((await dev.nextSealed((m) => m.id === 60)).message.result, 'pong');
});

test('an envelope sealed with other keys, or by a stranger, is dropped', async () => {
  const stranger = { hmacKey: P.fromHex('11'.repeat(32))!, encKey: P.fromHex('22'.repeat(32))! };
  await counted('bad ciphertext', () => attacker.send(attacker.seal(P.requestText(1, 'ping'), { keys: stranger, nonce: 1e9 })));
  // AEAD right (the attacker somehow has enc_key) but canonical string mismatched: bad hmac
  const e = JSON.parse(dev.seal(P.requestText(61, 'ping')));
  const other = JSON.parse(dev.seal(P.requestText(62, 'time'), { nonce: e.nonce + 1 }));
  await counted('bad hmac', () => attacker.send(JSON.stringify({ ...other, hmac: e.hmac })));
});

test('stale timestamps are dropped when the clock is set', async () => {
  const s = await gw.admin.ok('GET', '/api/status');
  assert.is(s.time_set, true);
  const now = dev.clock();
  await counted('stale', () => dev.send(dev.seal(P.requestText(70, 'ping'), { timestamp: now - 400 })));
  await counted('stale', () => dev.send(dev.seal(P.requestText(71, 'ping'), { timestamp: now + 400 })));
  assert.is((await dev.call('ping')).result, 'pong');
});

test('malformed envelopes: each broken field is counted, no reply', async () => {
  const good = JSON.parse(dev.seal(P.requestText(80, 'ping')));
  const bad = [
    'not json',
    '[]',
    '{}',
    JSON.stringify({ ...good, nonce: '5' }),
    JSON.stringify({ ...good, nonce: 0 }),
    JSON.stringify({ ...good, nonce: -1 }),
    JSON.stringify({ ...good, nonce: 1.5 }),
    JSON.stringify({ ...good, timestamp: 'x' }),
    JSON.stringify({ ...good, hmac: 'AB'.repeat(32) }),
    JSON.stringify({ ...good, hmac: undefined }),
    JSON.stringify({ ...good, ciphertext: '!!!' }),
    JSON.stringify({ ...good, ciphertext: 'AAAA' }),
    JSON.stringify({ ...good, echo: 'xyz' }),
    JSON.stringify({ ...good, device_id: 'bad id/+' }),
    JSON.stringify({ ...good, pad: 'x'.repeat(4100) }),
  ];
  await counted('malformed', () => bad.forEach((b) => attacker.send(b)), bad.length);
  assert.ok(await dev.silent((p) => p.includes('ciphertext'), 300));
});

/** An envelope around any `plaintext` (sealEnvelope refuses text that is not JSON-RPC), sealed with `d`'s session keys. */
function sealRaw(d: TestDevice, plaintext: string): string {
  const nonce = ++d.tx;
  const ts = d.clock();
  const aad = P.toBytes(P.aadString(d.id, nonce, ts));
  const ct = crypto.aeadSeal(d.keys!.encKey, P.aeadNonce(0, nonce), aad, P.toBytes(plaintext));
  const mac = crypto.hmacSha256(d.keys!.hmacKey, P.toBytes(P.canonicalString(d.id, '', null, nonce, ts)));
  return JSON.stringify({ device_id: d.id, nonce, timestamp: ts, ciphertext: P.toBase64(ct), hmac: P.toHex(mac) });
}

test('authentic but not JSON-RPC: sealed -32700 / -32600', async () => {
  dev.send(sealRaw(dev, '{not json'));
  const e1 = await dev.nextSealed();
  assert.is(e1.message.error.code, -32700);
  dev.send(sealRaw(dev, '{"jsonrpc":"1.0","method":"ping","id":5}'));
  const e2 = await dev.nextSealed();
  assert.is(e2.message.error.code, -32600);
});

test('a spoofed key change cannot take over a PSK session', async () => {
  // the attacker sends a connect request for "victim" with its own key: no proof → -32001
  // (one connect request per device id per 2 s)
  await sleep(2100);
  const r = await attacker.connect({ id: 90, proof: null });
  assert.is(r.kind, 'refused');
  await sleep(2100);
  const r2 = await attacker.connect({ id: 91, proof: 'ff'.repeat(32) });
  assert.is(r2.kind, 'refused');
  const d = await gw.admin.ok('GET', '/api/devices/victim');
  assert.is(d.pubkey, dev.pub);
  assert.is(d.key_change_pending, false);
  assert.is((await dev.call('ping')).result, 'pong');
});

test('forged connect requests are not charged to the connect rate: they cannot keep the PSK device out', async () => {
  await sleep(2100);
  const p0 = (await gw.security())['psk proof'];
  const rl0 = (await gw.security())['rate limited'];
  for (let i = 0; i < 3; i++) {
    attacker.sendConnect({ id: 100 + i, proof: 'ee'.repeat(32) });
    await sleep(300);
  }
  // the device's own request right after a forged one: approved, not rate limited
  attacker.sendConnect({ id: 103, proof: 'ee'.repeat(32) });
  const r = await dev.connect({ id: 104 });
  assert.is(r.kind, 'approved');
  await until(async () => (await gw.security())['psk proof'] === p0 + 4, 15000, 'forged requests counted');
  assert.is((await gw.security())['rate limited'], rl0);
  assert.is((await dev.call('ping')).result, 'pong');
});

test('failed decryptions past the budget: the id\'s envelopes are dropped unopened for a while, counted', async () => {
  await sleep(1100);
  const base = JSON.parse(dev.seal(P.requestText(110, 'ping')));
  const u0 = (await gw.security())['unopened'];
  const b0 = (await gw.security())['bad ciphertext'];
  // 20 envelopes with fresh nonces that fail the AEAD, all at once
  for (let i = 0; i < 20; i++) attacker.send(JSON.stringify({ ...base, nonce: base.nonce + 1 + i }));
  await until(async () => (await gw.security())['unopened'] - u0 + (await gw.security())['bad ciphertext'] - b0 === 20, 15000, 'all 20 counted');
  const opened = (await gw.security())['bad ciphertext'] - b0;
  assert.ok(opened >= 8 && opened < 20, `${opened} opened before the block`);
  // blocked: the device's own envelope is dropped unopened too ...
  dev.tx = base.nonce + 100;
  dev.send(dev.seal(P.requestText(111, 'ping')));
  await until(async () => (await gw.security())['unopened'] === u0 + 20 - opened + 1, 15000, 'dropped unopened');
  // ... until the block is over (5 s)
  await sleep(5100);
  assert.is((await dev.call('ping')).result, 'pong');
});

test('methods outside the allow-list: -32002 for requests, dropped notifications, counted', async () => {
  await gw.admin.ok('PUT', '/api/devices/victim/methods', { allow: ['ping'] });
  const n0 = (await gw.security())['not allowed'];
  assert.is((await dev.call('report', { a: 1 })).error.code, -32002);
  assert.is((await dev.call('time')).error.code, -32002);
  dev.notify('report', { a: 2 });
  await until(async () => (await gw.security())['not allowed'] === n0 + 3, 15000, 'not allowed');
  assert.is((await gw.admin.ok('GET', '/api/devices/victim')).telemetry.a?.value, undefined);
  assert.is((await dev.call('ping')).result, 'pong');
  await gw.admin.ok('PUT', '/api/devices/victim/methods', { allow: ['ping', 'time', 'report', 'log'] });
});

test('rate limit: above the burst, one -32003 a second for requests, the rest dropped, every one counted', async () => {
  // a slow refill (1 per second) while 60 requests go in at once: the burst
  // passes, the rest is refused, whatever time the board takes to read them
  await sleep(2100); // the bucket refills at 20 per second: full (40) by now
  // the refill is counted at the next envelope, at the rate then: count it at 20 (39 left)
  assert.is((await dev.call('ping')).result, 'pong');
  await gw.admin.ok('PUT', '/api/config', { limits: { rate: 1 } });
  const rl0 = (await gw.security())['rate limited'];
  const ids: number[] = [];
  const t0 = Date.now();
  for (let i = 0; i < 60; i++) {
    ids.push(1000 + i);
    dev.send(dev.seal(P.requestText(1000 + i, 'ping')));
  }
  // answers until every request is either answered with a pong or counted
  const answers: any[] = [];
  const pongs = () => answers.filter((m) => m.result === 'pong').length;
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      answers.push((await dev.nextSealed((m) => ids.includes(m.id as number), 1500)).message);
    } catch {
      if ((await gw.security())['rate limited'] - rl0 + pongs() >= 60 || Date.now() > deadline) break;
    }
  }
  const seconds = (Date.now() - t0) / 1000;
  const limited = answers.filter((m) => m.error?.code === -32003).length;
  const ok = answers.filter((m) => m.result === 'pong').length;
  assert.ok(ok >= 39, `at least the burst passes: ${ok}`);
  assert.ok(limited >= 1, 'the first over the rate is told');
  // each −32003 is sealed (a nonce, now and then a flash write): one a second at most
  assert.ok(limited <= Math.ceil(seconds) + 1, `${limited} -32003 replies in ${seconds} s`);
  assert.is(ok + limited, answers.length);
  // every request over the rate is counted, answered or not
  await until(async () => (await gw.security())['rate limited'] === rl0 + 60 - ok, 15000, `${60 - ok} counted`);
  // the bucket refills
  await gw.admin.ok('PUT', '/api/config', { limits: { rate: 20 } });
  await until(async () => (await dev.call('ping')).result === 'pong', 15000, 'a refilled bucket');
});

test('device ids that name object built-ins are ordinary devices', async () => {
  for (const id of ['__proto__', 'constructor', 'hasOwnProperty']) {
    const d = gw.device(id);
    others.push(d);
    await d.start();
    assert.equal(await d.connect(), { kind: 'pending' }, id);
    const ap = d.approved();
    await gw.admin.ok('POST', `/api/devices/${id}/approve`);
    await ap;
    assert.is((await d.call('ping')).result, 'pong', id);
    assert.is((await d.call('report', { __proto__: 1 } as any)).result, true); // a plain object literal: no own key
    // a "__proto__" key becomes the prototype in Espruino's JSON.parse (a
    // number there crashes the interpreter): the message is refused as malformed
    d.send(sealRaw(d, '{"jsonrpc":"2.0","id":77,"method":"report","params":{"__proto__":5}}'));
    assert.is((await d.nextSealed()).message.error.code, -32700, 'a reading named __proto__ is refused');
    assert.is((await d.call('ping')).result, 'pong', 'the gateway lives on');
    assert.is((await gw.admin.ok('GET', '/api/devices/' + id)).status, 'authorized');
    await gw.admin.ok('DELETE', '/api/devices/' + id);
    d.end();
  }
  const list = await gw.admin.ok('GET', '/api/devices');
  assert.equal(list.map((x: any) => x && x.device_id), ['victim'], JSON.stringify(list));
});

test('the device counters saw the drops', async () => {
  const d = await gw.admin.ok('GET', '/api/devices/victim');
  assert.ok(d.counters.dropped > 10, JSON.stringify(d.counters));
  assert.ok(d.counters.rx > 10);
  assert.ok(d.counters.tx > 10);
});

test.run();
