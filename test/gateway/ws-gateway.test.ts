// /ws of the built gateway image (dist/gateway.js) on the real interpreter with a real
// broker: the session from POST /api/login (cookie, as a browser sends it),
// live events for a device's whole enrollment, JSON-RPC admin methods, and the
// refusals (no session, logged out, foreign Origin, too many sockets).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAedes, type AedesBroker } from '../mqtt/brokers';
import { GatewayUnderTest, PASSWORD } from './harness';
import type { TestDevice } from './device';
import { RawClient, refusedUpgrade, waitFor, wsClient } from './ws-helpers';

let broker: AedesBroker;
let gw: GatewayUnderTest;
let port: number;
let token: string;
const closers: (() => void)[] = [];

async function login(): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) });
  assert.is(r.status, 200);
  assert.match(r.headers.get('set-cookie') || '', /^session=\w+/);
  return (await r.json()).token;
}

async function client(t = token) {
  const c = await wsClient(port, t, `http://127.0.0.1:${port}`, true);
  // a closing handshake, as a browser leaving the page does (a vanished client holds its slot until the keepalive finds it)
  closers.push(() => c.ws.close());
  return c;
}

/** A client once a slot is free (sockets of earlier tests may still be closing). */
async function clientWhenFree() {
  let c: Awaited<ReturnType<typeof client>> | undefined;
  await waitFor('a free slot', async () => {
    c = await client().catch(() => undefined);
    return !!c;
  });
  return c!;
}

test.before(async () => {
  broker = await createAedes();
  gw = new GatewayUnderTest({ brokerPort: broker.port });
  await gw.start();
  port = gw.emu.hostPort(80);
  token = await login();
});

test.after.each(() => {
  for (const c of closers.splice(0)) c();
});

test.after(async () => {
  await gw?.stop();
  await broker?.close();
});

test('a device enrolls and reports: every step arrives as a live event; admin methods over JSON-RPC', async () => {
  const c = await client();
  assert.equal((await c.rpc('devices.list')).result, []);
  const status = (await c.rpc('status')).result;
  assert.is(status.mqtt.connected, true);
  assert.type(status.uptime_s, 'number');

  const dev: TestDevice = gw.device('ws-dev-1', { psk: 'pw-of-dev-1', name: 'Porch' });
  await dev.start();
  closers.push(() => dev.end());
  await dev.connect();
  const seen = (pred: (e: any) => boolean) => waitFor('an event', () => c.events.some(pred));
  await seen((e) => e.type === 'device' && e.device.device_id === 'ws-dev-1' && e.device.status === 'pending');

  const approved = await c.rpc('device.approve', { device_id: 'ws-dev-1', psk: 'pw-of-dev-1' });
  assert.is(approved.result.status, 'approved');
  assert.is(approved.result.psk, true);
  const r = await dev.approved();
  assert.is(r.kind, 'approved');
  assert.is((await dev.call('report', { temperature: 19.5 })).result, true);
  await seen((e) => e.type === 'telemetry' && e.device_id === 'ws-dev-1' && e.values.temperature === 19.5);
  await seen((e) => e.type === 'device' && e.device.status === 'authorized');

  const allow = await c.rpc('device.setMethods', { device_id: 'ws-dev-1', allow: ['ping'] });
  assert.equal(allow.result.allow, ['ping']);
  assert.is((await dev.call('report', { temperature: 1 })).error.code, -32002);
  await seen((e) => e.type === 'security' && e.reason === 'not allowed' && e.device_id === 'ws-dev-1');

  const bad = await c.rpc('device.setMethods', { device_id: 'ws-dev-1', allow: 'ping' });
  assert.is(bad.error.code, -32602);
  assert.is(bad.error.data.code, 'bad_request');
  const missing = await c.rpc('device.get', { device_id: 'nobody' });
  assert.equal(missing.error.data, { status: 404, code: 'not_found' });

  assert.is((await c.rpc('device.revoke', { device_id: 'ws-dev-1' })).result.status, 'revoked');
  await seen((e) => e.type === 'device' && e.device.status === 'revoked');
  assert.ok((await c.rpc('device.remove', { device_id: 'ws-dev-1' })).result);
  await seen((e) => e.type === 'removed' && e.device_id === 'ws-dev-1');
  assert.ok((await c.rpc('security')).result.counters['not allowed'] >= 1);
});

test('device.call through the socket reaches the device and brings its answer back', async () => {
  const c = await client();
  const dev = gw.device('ws-dev-2');
  await dev.start();
  closers.push(() => dev.end());
  await dev.connect();
  await c.rpc('device.approve', { device_id: 'ws-dev-2' });
  await dev.approved();
  assert.is((await dev.call('ping')).result, 'pong');
  const answer = c.rpc('device.call', { device_id: 'ws-dev-2', method: 'led.set', params: { on: true }, timeout_ms: 5000 });
  const req = await dev.nextSealed((m) => m.message.method === 'led.set');
  dev.send(dev.seal(JSON.stringify({ jsonrpc: '2.0', id: req.message.id, result: { on: true } })));
  const reply = await answer;
  assert.equal(reply.result.result, { on: true });
});

test('no session, a logged-out session, and a foreign Origin are refused', async () => {
  const anon = await RawClient.open(port, RawClient.handshake());
  closers.push(() => anon.destroy());
  assert.is(anon.status, 101);
  assert.is(await anon.closeCode(), 4401);

  const mine = await login();
  const c = await client(mine);
  assert.is((await c.rpc('status')).result.mqtt.connected, true);
  const out = await fetch(`http://127.0.0.1:${port}/api/logout`, { method: 'POST', headers: { authorization: 'Bearer ' + mine, 'content-type': 'application/json' } });
  assert.is(out.status, 200);
  c.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'status' }));
  await waitFor('4401 after logout', () => c.closed() === 4401);

  const foreign = await refusedUpgrade(port, token, 'http://attacker.example');
  assert.is(foreign.status, 403);
});

test('three dashboards at once; the fourth waits for a free one (503)', async () => {
  const cs = [await clientWhenFree(), await clientWhenFree(), await clientWhenFree()];
  assert.is((await refusedUpgrade(port, token, undefined, { Cookie: 'session=' + token })).status, 503);
  for (const c of cs) assert.ok(Array.isArray((await c.rpc('devices.list')).result));
  cs[2].ws.close();
  await waitFor('closed', () => cs[2].closed() !== 0);
  const again = await clientWhenFree();
  assert.is((await again.rpc('status')).result.mqtt.connected, true);
});

test.run();
