// The minified gateway image on the real Espruino interpreter (custom
// firmware) against the device SDK on Node, through aedes: enrollment with a
// PSK, approval, sealed calls both ways, a call that times out, and the
// offline timeout, with the MQTT connection still up at the end. A short
// whole-system check on top of the in-process core tests (core.test.ts):
// what the minifier makes of the code, and what the interpreter makes of
// that, only shows here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createNodeDevice } from '../../src/device/node/device.ts';
import type { NodeDevice } from '../../src/device/node/device.ts';
import { createAedes } from '../mqtt/brokers.ts';
import type { AedesBroker } from '../mqtt/brokers.ts';
import { until } from './device.ts';
import { GatewayUnderTest } from './harness.ts';

let broker: AedesBroker;
let gw: GatewayUnderTest;
let dev: NodeDevice;

test.before(async () => {
  broker = await createAedes();
  gw = new GatewayUnderTest({ brokerPort: broker.port, variant: 'custom', offlineTimeout: 5 });
  await gw.start();
});

test.after(async () => {
  dev?.stop();
  await gw?.stop();
  await broker?.close();
});

test('enroll with a PSK, approve, calls both ways, a call timing out, offline after the timeout', async () => {
  dev = createNodeDevice({ broker: 'mqtt://127.0.0.1:' + broker.port, deviceId: 'sdk-1', psk: 'sdk secret', heartbeatMs: 60000 });
  dev.handle('led.set', (p, reply) => reply(null, { on: p.on }));
  dev.handle('sleepy', () => {});
  dev.start();
  await until(async () => (await gw.admin.req('GET', '/api/devices/sdk-1')).body.status === 'pending', 10000, 'the pending request');

  const approved = await gw.admin.ok('POST', '/api/devices/sdk-1/approve', { psk: 'sdk secret' });
  assert.is(approved.status, 'approved');
  await until(() => dev.status() === 'authorized', 15000, 'the device authorized');

  assert.is(await dev.request('ping'), 'pong');
  assert.is(await dev.request('report', { temperature: 21.5 }), true);
  const call = await gw.admin.req('POST', '/api/devices/sdk-1/call', { method: 'led.set', params: { on: true }, timeout_ms: 5000 });
  assert.equal([call.status, call.body], [200, { result: { on: true } }]);
  const slow = await gw.admin.req('POST', '/api/devices/sdk-1/call', { method: 'sleepy', timeout_ms: 1000 });
  assert.is(slow.status, 504);

  dev.stop(); // silence: offline after 5 s
  await until(async () => (await gw.admin.req('GET', '/api/devices/sdk-1')).body.status === 'offline', 15000, 'offline');
  const d = await gw.admin.ok('GET', '/api/devices/sdk-1');
  assert.equal(d.telemetry.temperature.value, 21.5);
  assert.ok((await gw.admin.ok('GET', '/api/status')).mqtt.connected, 'MQTT still up');
  assert.not.match(gw.out, /Uncaught/);
});

test.run();
