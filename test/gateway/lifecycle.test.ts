// The whole life of a device, with and without a PSK, against the built
// gateway image on the real interpreter, once through aedes and once through Mosquitto:
// enrollment, approval (gw_proof), sealed calls, telemetry, allow-lists,
// gateway → device calls, offline timeout, the re-connection table of
// docs/protocol.md §3.4, revoke, re-enrollment and removal.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createAedes, createMosquitto } from '../mqtt/brokers.ts';
import { GatewayUnderTest } from './harness.ts';
import { sleep, until } from './device.ts';
import type { TestDevice } from './device.ts';
import * as P from '../../src/protocol/index.ts';

interface Ctx {
  gw: GatewayUnderTest;
  closeBroker: () => Promise<void>;
  devices: TestDevice[];
}

// one connect request per device id per second (the default is 2 s): the
// tests wait that long between a device's requests
const CONNECT_S = 1;
const nextConnect = () => sleep(CONNECT_S * 1000 + 100);

const BROKERS: Record<string, () => Promise<{ port: number; close: () => Promise<void> }>> = {
  aedes: async () => {
    const b = await createAedes();
    return { port: b.port, close: () => b.close() };
  },
  mosquitto: async () => {
    const m = await createMosquitto();
    return { port: m.port, close: () => m.dispose() };
  },
};

for (const brokerName of Object.keys(BROKERS)) {
  const t = suite<Ctx>('lifecycle via ' + brokerName, {} as Ctx);

  t.before(async (ctx) => {
    const b = await BROKERS[brokerName]();
    ctx.closeBroker = b.close;
    ctx.devices = [];
    ctx.gw = new GatewayUnderTest({ brokerPort: b.port, offlineTimeout: 60, config: { limits: { connect_s: CONNECT_S } } });
    await ctx.gw.start();
  });

  t.after(async (ctx) => {
    for (const d of ctx.devices) d.end();
    await ctx.gw?.stop();
    await ctx.closeBroker?.();
  });

  async function newDevice(ctx: Ctx, id: string, o: { psk?: string; name?: string } = {}): Promise<TestDevice> {
    const d = ctx.gw.device(id, o);
    ctx.devices.push(d);
    await d.start();
    return d;
  }

  t('device without PSK: pending, approved, authorized, offline, revoked, re-enrolled, removed', async (ctx) => {
    const { gw } = ctx;
    const d = await newDevice(ctx, 'plain-1', { name: 'Plain one' });

    const r1 = await d.connect();
    assert.equal(r1, { kind: 'pending' });
    const pending = await gw.admin.ok('GET', '/api/devices/plain-1');
    assert.is(pending.status, 'pending');
    assert.is(pending.pubkey, d.pub);
    assert.is(pending.name, 'Plain one');
    assert.is(pending.psk, false);
    const list = await gw.admin.ok('GET', '/api/devices');
    assert.ok(list.some((x: any) => x.device_id === 'plain-1' && x.status === 'pending'));

    const approvedP = d.approved();
    const dev = await gw.admin.ok('POST', '/api/devices/plain-1/approve', {});
    assert.is(dev.status, 'approved');
    assert.equal(dev.allow, ['ping', 'time', 'report', 'log']);
    assert.type(dev.approved_at, 'number');
    const a = await approvedP;
    assert.is(a.kind, 'approved');
    assert.is(JSON.stringify(dev).includes(d.gatewayPub!), false, 'the gateway key is not in the device object');

    // first sealed call: pong, and the device is authorized
    const pong = await d.call('ping');
    assert.equal(pong, { jsonrpc: '2.0', id: pong.id, result: 'pong' });
    assert.is((await gw.admin.ok('GET', '/api/devices/plain-1')).status, 'authorized');

    const time = await d.call('time');
    assert.type(time.result.unix, 'number');

    // telemetry, as request and as notification
    assert.is((await d.call('report', { temperature: 21.5, humidity: 40 })).result, true);
    d.notify('report', { temperature: 22 });
    d.notify('log', { level: 'warn', msg: 'hello' });
    await until(async () => (await gw.admin.ok('GET', '/api/devices/plain-1')).telemetry.temperature?.value === 22, 15000, 'telemetry');
    const withTel = await gw.admin.ok('GET', '/api/devices/plain-1');
    assert.is(withTel.telemetry.humidity.value, 40);
    assert.ok(withTel.counters.rx >= 5);
    assert.type(withTel.last_seen, 'number');

    // bad params
    assert.is((await d.call('report', [1, 2])).error.code, -32602);
    assert.is((await d.call('log', { level: 'loud', msg: 'x' })).error.code, -32602);

    // offline once offline_timeout passes without a valid envelope (5 s here), back on the next one
    await gw.admin.ok('PUT', '/api/config', { offline_timeout: 5 });
    await until(async () => (await gw.admin.ok('GET', '/api/devices/plain-1')).status === 'offline', 30000, 'offline');
    assert.is((await d.call('ping')).result, 'pong');
    assert.is((await gw.admin.ok('GET', '/api/devices/plain-1')).status, 'authorized');
    await gw.admin.ok('PUT', '/api/config', { offline_timeout: 60 });

    // allow-list
    const set = await gw.admin.ok('PUT', '/api/devices/plain-1/methods', { allow: ['time', 'report'] });
    assert.equal(set.allow, ['time', 'report']);
    const before = (await gw.security())['not allowed'];
    assert.equal((await d.call('ping')).error.code, -32002);
    assert.type((await d.call('time')).result.unix, 'number');
    d.notify('log', { level: 'info', msg: 'not allowed now' });
    await until(async () => (await gw.security())['not allowed'] === before + 2, 15000, 'not-allowed count');
    await gw.admin.ok('PUT', '/api/devices/plain-1/methods', { allow: ['ping', 'time', 'report', 'log', 'custom.thing'] });
    assert.is((await d.call('custom.thing')).error.code, -32601);

    // revoke: sealed "revoked" notification, then the session is gone
    const revokedP = d.nextSealed((m) => m.method === 'revoked');
    const rev = await gw.admin.ok('POST', '/api/devices/plain-1/revoke');
    assert.is(rev.status, 'revoked');
    const note = await revokedP;
    assert.is(note.kind, 'notification');
    const unknown = (await gw.security())['unknown device'];
    d.send(d.seal(P.requestText(1, 'ping')));
    await until(async () => (await gw.security())['unknown device'] === unknown + 1, 15000, 'unknown-device drop');
    assert.ok(await d.silent((p) => p.includes('ciphertext')));
    assert.is((await gw.admin.req('POST', '/api/devices/plain-1/revoke')).status, 409);

    // re-enrollment: pending again, approve, works
    assert.equal(await d.connect(), { kind: 'pending' });
    assert.is((await gw.admin.ok('GET', '/api/devices/plain-1')).status, 'pending');
    const again = d.approved();
    await gw.admin.ok('POST', '/api/devices/plain-1/approve');
    await again;
    assert.is((await d.call('ping')).result, 'pong');

    // remove
    assert.equal(await gw.admin.ok('DELETE', '/api/devices/plain-1'), { ok: true });
    assert.is((await gw.admin.req('GET', '/api/devices/plain-1')).status, 404);
    assert.is((await gw.admin.req('DELETE', '/api/devices/plain-1')).status, 404);
  });

  t('device with PSK: gw_proof, reconnect table, forged proofs refused', async (ctx) => {
    const { gw } = ctx;
    const d = await newDevice(ctx, 'psk-1', { psk: 'my-device-secret' });
    assert.equal(await d.connect(), { kind: 'pending' });

    // approving with the wrong PSK, or without one, is refused; the request stays
    assert.is((await gw.admin.req('POST', '/api/devices/psk-1/approve', { psk: 'wrong' })).status, 409);
    assert.is((await gw.admin.req('POST', '/api/devices/psk-1/approve', {})).status, 409);
    const ap = d.approved();
    const dev = await gw.admin.ok('POST', '/api/devices/psk-1/approve', { psk: 'my-device-secret' });
    assert.is(dev.psk, true);
    const a = await ap;
    assert.is(a.kind, 'approved', 'the approval carries a valid gw_proof');
    const gwPub = d.gatewayPub;
    assert.is((await d.call('ping')).result, 'pong');

    // same key, valid proof: approved with the existing gateway key (no re-key)
    await nextConnect();
    const same = await d.connect({ id: 2 });
    assert.is(same.kind, 'approved');
    assert.is((same as any).gatewayPubkey, gwPub);
    assert.is((await d.call('ping')).result, 'pong');

    // proof missing or wrong: -32001, the session is untouched
    const psk0 = (await gw.security())['psk proof'];
    await nextConnect();
    const missing = await d.connect({ id: 3, proof: null });
    assert.is(missing.kind, 'refused');
    assert.is((missing as any).code, -32001);
    await nextConnect();
    const wrong = await d.connect({ id: 4, proof: '00'.repeat(32) });
    assert.is((wrong as any).code, -32001);
    assert.is((await gw.security())['psk proof'], psk0 + 2);
    assert.is((await d.call('ping')).result, 'pong');

    // a forged approval without gw_proof is ignored by the device
    const forged = JSON.stringify({ jsonrpc: '2.0', method: 'approved', params: { device_id: 'psk-1', gateway_pubkey: '11'.repeat(32), time: null } });
    assert.is(d.readReply(forged).kind, 'ignored');

    // new key with a valid proof: a new session, counters restart, no admin needed
    await nextConnect();
    d.rekey();
    const fresh = await d.connect({ id: 5 });
    assert.is(fresh.kind, 'approved');
    assert.is.not((fresh as any).gatewayPubkey, gwPub);
    d.adopt((fresh as any).gatewayPubkey);
    assert.is((await d.call('ping')).result, 'pong');
    const after = await gw.admin.ok('GET', '/api/devices/psk-1');
    assert.is(after.pubkey, d.pub);
    assert.is(after.key_change_pending, false);

    // connect requests faster than one per connect_s are dropped and counted
    const rl = (await gw.security())['rate limited'];
    d.sendConnect({ id: 6 });
    d.sendConnect({ id: 7 });
    await until(async () => (await gw.security())['rate limited'] >= rl + 1, 15000, 'connect rate limit');
  });

  t('no PSK, new key: the old session keeps working, the admin sees a key change', async (ctx) => {
    const { gw } = ctx;
    const d = await newDevice(ctx, 'plain-2');
    await d.connect();
    const ap = d.approved();
    await gw.admin.ok('POST', '/api/devices/plain-2/approve');
    await ap;
    const oldKeys = d.keys!;
    assert.is((await d.call('ping')).result, 'pong');

    // same key again: approved, same gateway key
    await nextConnect();
    const same = await d.connect({ id: 9 });
    assert.is((same as any).gatewayPubkey, d.gatewayPub);

    // someone posts a connect request with another key for this id
    const spoofer = await newDevice(ctx, 'plain-2');
    await nextConnect();
    assert.equal(await spoofer.connect({ id: 11 }), { kind: 'pending' });
    const dev = await gw.admin.ok('GET', '/api/devices/plain-2');
    assert.is(dev.status, 'authorized');
    assert.is(dev.key_change_pending, true);
    assert.is(dev.pubkey, d.pub);
    assert.is(dev.pending_pubkey, spoofer.pub);

    // the real device is not disturbed
    d.keys = oldKeys;
    assert.is((await d.call('ping')).result, 'pong');

    // the admin rejects the key change
    await gw.admin.ok('POST', '/api/devices/plain-2/reject');
    const back = await gw.admin.ok('GET', '/api/devices/plain-2');
    assert.is(back.key_change_pending, false);
    assert.is(back.status, 'authorized');
  });

  t('gateway → device calls: result, error, timeout', async (ctx) => {
    const { gw } = ctx;
    const d = await newDevice(ctx, 'callee');
    await d.connect();
    const ap = d.approved();
    await gw.admin.ok('POST', '/api/devices/callee/approve');
    await ap;
    assert.is((await d.call('ping')).result, 'pong');

    // the device answers led.set with a sealed result, and fails bad.method
    let lastNonce = 0;
    const answer = async () => {
      const m = await d.nextSealed((x) => x.kind === 'request');
      assert.ok(m.envelope.nonce > lastNonce, 'gateway nonces increase');
      lastNonce = m.envelope.nonce;
      if (m.method === 'led.set') d.send(d.seal(P.resultText(m.id!, { on: m.message.params.on })));
      else d.send(d.seal(P.errorText(m.id!, -32601, 'no such method')));
    };
    const res1 = gw.admin.req('POST', '/api/devices/callee/call', { method: 'led.set', params: { on: true }, timeout_ms: 3000 });
    await answer();
    assert.equal((await res1).body, { result: { on: true } });
    const res2 = gw.admin.req('POST', '/api/devices/callee/call', { method: 'bad.method', timeout_ms: 3000 });
    await answer();
    assert.equal((await res2).body, { error: { code: -32601, message: 'no such method' } });

    // no answer: 504 after the timeout
    const res3 = gw.admin.req('POST', '/api/devices/callee/call', { method: 'sleepy', timeout_ms: 2000 });
    await d.nextSealed((x) => x.method === 'sleepy');
    const r3 = await res3;
    assert.is(r3.status, 504);
    assert.is(r3.body.error.code, 'timeout');

    // not for pending / unknown devices
    assert.is((await gw.admin.req('POST', '/api/devices/nobody/call', { method: 'x' })).status, 404);
    assert.is((await gw.admin.req('POST', '/api/devices/callee/call', { method: '' })).status, 400);
    assert.is((await gw.admin.req('POST', '/api/devices/callee/call', { method: 'x', timeout_ms: -1 })).status, 400);
  });

  t('status and live counts', async (ctx) => {
    const s = await ctx.gw.admin.ok('GET', '/api/status');
    assert.is(s.mqtt.connected, true);
    assert.ok(s.mqtt.broker.startsWith('mqtt://127.0.0.1:'));
    assert.type(s.uptime_s, 'number');
    assert.type(s.memory.free, 'number');
    for (const k of ['pending', 'approved', 'authorized', 'offline', 'revoked']) assert.type(s.devices[k], 'number');
    assert.type(s.version, 'string');
    assert.type(s.time_set, 'boolean');
  });

  t.run();
}
