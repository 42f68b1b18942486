// The sensor image (dist/sensor.js) in one emulator and the gateway image in
// another, through a real Mosquitto: enrollment with a PSK, approval through
// the admin API, telemetry, gateway → device calls, revoke and re-enroll,
// and a reboot that keeps the keys.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMosquitto } from '../mqtt/brokers.ts';
import type { Mosquitto } from '../mqtt/brokers.ts';
import { jsCrypto } from '../../src/crypto/node/js.ts';
import { fromHex } from '../../src/protocol/index.ts';
import { fingerprint } from '../../src/device/fingerprint.ts';
import { createNodeClient } from '../../src/mqtt/node/client.ts';
import { startGateway, startSensor, waitFor } from './rig.ts';
import type { Board, GatewayBoard } from './rig.ts';

const ID = 'kitchen-1';
const PSK = 'sensor psk ✓';
let broker: Mosquitto;
let gw: GatewayBoard;
let sensor: Board;

const device = () => gw.admin.device(ID);

async function approve(): Promise<void> {
  const pending = await waitFor(async () => {
    const d = await device();
    return d && d.status === 'pending' ? d : undefined;
  }, 20000, 'the sensor to be pending at the gateway');
  // the admin compares the fingerprint the device printed with the key the gateway shows
  const printed = /key fingerprint ([0-9a-f:]{19})/g;
  const all = [...sensor.out().matchAll(printed)].map((m) => m[1]);
  assert.is(all[all.length - 1], fingerprint(jsCrypto, fromHex(pending.pubkey)!));
  await gw.admin.post(`/api/devices/${ID}/approve`, { psk: PSK });
}

test.before(async () => {
  broker = await createMosquitto();
  gw = await startGateway(broker.port);
  sensor = await startSensor({
    device_id: ID,
    name: 'Kitchen',
    psk: PSK,
    broker: `mqtt://127.0.0.1:${broker.port}`,
    rate: 1,
    analog_pin: 'D34',
  });
});

test.after(async () => {
  await sensor?.stop();
  await gw?.stop();
  await broker?.dispose();
});

test('enrolls with its PSK, is approved through the admin API, reports telemetry', async () => {
  await sensor.emu.waitForOutput(/sensor kitchen-1 key fingerprint [0-9a-f]{4}(:[0-9a-f]{4}){3}/, 20000);
  await approve();
  await sensor.emu.waitForOutput('sensor: authorized', 20000);
  const d = await waitFor(async () => {
    const x = await device();
    return x?.telemetry?.temperature && x?.telemetry?.analog ? x : undefined;
  }, 20000, 'telemetry at the gateway');
  assert.is(d.status, 'authorized');
  assert.is(d.psk, true);
  assert.is(d.name, 'Kitchen');
  assert.is(d.telemetry.temperature.value, 40, 'E.getTemperature() of the board');
  assert.is(d.telemetry.analog.value, 0.5, 'analogRead of the configured pin');
});

test('gateway → device calls: led.set drives the pin, config.get keeps secrets, unknown methods are refused', async () => {
  const on = await gw.admin.post(`/api/devices/${ID}/call`, { method: 'led.set', params: { on: true }, timeout_ms: 5000 });
  assert.equal(on, { result: { on: true } });
  assert.is(sensor.emu.eval('digitalRead("D2")'), 1);
  const off = await gw.admin.post(`/api/devices/${ID}/call`, { method: 'led.set', params: { on: false }, timeout_ms: 5000 });
  assert.equal(off, { result: { on: false } });
  assert.is(sensor.emu.eval('digitalRead("D2")'), 0);

  const bad = await gw.admin.post(`/api/devices/${ID}/call`, { method: 'led.set', params: { on: 'yes' }, timeout_ms: 5000 });
  assert.is(bad.error.code, -32602);
  const cfg = await gw.admin.post(`/api/devices/${ID}/call`, { method: 'config.get', timeout_ms: 5000 });
  assert.is(cfg.result.device_id, ID);
  assert.is(cfg.result.psk, true);
  assert.not.ok(JSON.stringify(cfg).includes('psk ✓'), 'the PSK never leaves the device');
  const unknown = await gw.admin.post(`/api/devices/${ID}/call`, { method: 'self.destruct', timeout_ms: 5000 });
  assert.is(unknown.error.code, -32601);
});

test('revoke: the sensor wipes its session, enrolls with a new key, and works again once re-approved', async () => {
  const before = (await device()).pubkey;
  await gw.admin.post(`/api/devices/${ID}/revoke`);
  await sensor.emu.waitForOutput(/sensor: new key fingerprint [0-9a-f:]{19}/, 20000);
  await approve();
  const d = await waitFor(async () => {
    const x = await device();
    return x?.status === 'authorized' ? x : undefined;
  }, 20000, 'authorized again');
  assert.is.not(d.pubkey, before, 'a new key pair');
  const r = await gw.admin.post(`/api/devices/${ID}/call`, { method: 'led.set', params: { on: true }, timeout_ms: 5000 });
  assert.equal(r, { result: { on: true } });
});

test('gateway restart: the sensor proves it is live with the echo (docs/protocol.md §6) and carries on unnoticed', async () => {
  const key = (await device()).pubkey;
  const mark = sensor.out().length;
  // watch the sensor's envelopes: after the restart one must carry the gateway's echo
  const echoed: string[] = [];
  const spy = createNodeClient({ url: `mqtt://127.0.0.1:${broker.port}`, clientId: 'echo-spy' });
  spy.subscribe('jrpc/gateway/rx', 0);
  spy.on('message', (_t, p) => {
    const e = JSON.parse(p);
    if (e.device_id === ID && e.echo) echoed.push(e.echo);
  });
  spy.connect();
  await waitFor(() => spy.stats().connected, 5000, 'the spy client');
  await gw.restart();
  const since = Math.floor(Date.now() / 1000);
  const d = await waitFor(async () => {
    const x = await device();
    return x?.status === 'authorized' && x.telemetry?.temperature?.at >= since ? x : undefined;
  }, 20000, 'telemetry after the gateway restart');
  assert.is(d.pubkey, key, 'the same session');
  spy.end();
  assert.ok(echoed.length >= 1, 'a call was repeated with the echo');
  assert.not.match(sensor.out().slice(mark), /report failed|new key|enrolling|pending/, 'nothing the sensor noticed');
  const r = await gw.admin.post(`/api/devices/${ID}/call`, { method: 'led.set', params: { on: false }, timeout_ms: 5000 });
  assert.equal(r, { result: { on: false } });
});

test('reboot: answered first, then the board restarts with the same keys and session', async () => {
  const key = (await device()).pubkey;
  const r = await gw.admin.post(`/api/devices/${ID}/call`, { method: 'reboot', timeout_ms: 5000 });
  assert.equal(r, { result: true });
  const fp = fingerprint(jsCrypto, fromHex(key)!);
  await sensor.emu.waitForOutput(`sensor kitchen-1 key fingerprint ${fp}`, 20000);
  // the board comes back on its saved session (no new approval) and keeps reporting
  const since = Math.floor(Date.now() / 1000);
  await waitFor(async () => {
    const x = await device();
    return x?.status === 'authorized' && x.pubkey === key && x.telemetry.temperature.at >= since;
  }, 20000, 'telemetry after the reboot');
  const on = await gw.admin.post(`/api/devices/${ID}/call`, { method: 'led.set', params: { on: true }, timeout_ms: 5000 });
  assert.equal(on, { result: { on: true } });
  const m = sensor.emu.memory();
  console.log(`sensor JsVars (emulator estimate): ${m.usage} of ${m.total}`);
});

test('on stock firmware (pure-JS crypto from Storage) a sensor without PSK enrolls and reports too', async () => {
  const stock = await startSensor({ device_id: 'garage-1', broker: `mqtt://127.0.0.1:${broker.port}`, rate: 1 }, true);
  try {
    await stock.emu.waitForOutput(/sensor garage-1 key fingerprint/, 20000);
    const pending = await waitFor(async () => {
      const d = await gw.admin.device('garage-1');
      return d?.status === 'pending' ? d : undefined;
    }, 20000, 'garage-1 pending');
    assert.is(pending.psk, false);
    await gw.admin.post('/api/devices/garage-1/approve', {});
    await stock.emu.waitForOutput('sensor: authorized', 20000);
    await waitFor(async () => (await gw.admin.device('garage-1'))?.telemetry?.temperature, 20000, 'garage-1 telemetry');
  } finally {
    await stock.stop();
  }
});

test.run();
