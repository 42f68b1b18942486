// The sensor image (dist/sensor.js) and the gateway image (dist/gateway.js),
// each on the real Espruino interpreter, through a real Mosquitto: enrollment
// with a PSK, approval through the admin API, telemetry, gateway → device
// calls, revoke and re-enroll, a gateway restart, a reboot that keeps the keys,
// and both images on stock firmware, where X25519 runs in pure JS (seconds a
// key on this PC: the waits below are long on purpose, nothing is timed).
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
// pure-JS X25519 on the interpreter: a key pair, then a shared secret, each seconds
const STOCK_MS = 120000;
let broker: Mosquitto;
let gw: GatewayBoard;
let sensor: Board;

const device = () => gw.admin.device(ID);
const call = (method: string, params?: unknown) => gw.admin.post(`/api/devices/${ID}/call`, { method, params, timeout_ms: 10000 });

/** Waits for `id` pending at `at`, checks the fingerprint `board` printed, approves. */
async function approve(at: GatewayBoard, board: Board, id: string, psk?: string, ms = 30000): Promise<void> {
  const pending = await waitFor(async () => {
    const d = await at.admin.device(id);
    return d && d.status === 'pending' ? d : undefined;
  }, ms, `${id} to be pending at the gateway`);
  // the admin compares the fingerprint the device printed with the key the gateway shows
  const printed = [...board.out().matchAll(/key fingerprint ([0-9a-f:]{19})/g)].map((m) => m[1]);
  assert.is(printed[printed.length - 1], fingerprint(jsCrypto, fromHex(pending.pubkey)!));
  await at.admin.post(`/api/devices/${id}/approve`, psk === undefined ? {} : { psk });
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
  await sensor.emu.waitForOutput(/sensor kitchen-1 key fingerprint [0-9a-f]{4}(:[0-9a-f]{4}){3}/, 30000);
  await approve(gw, sensor, ID, PSK);
  await sensor.emu.waitForOutput('sensor: authorized', 30000);
  const d = await waitFor(async () => {
    const x = await device();
    return x?.telemetry?.temperature && x?.telemetry?.analog ? x : undefined;
  }, 30000, 'telemetry at the gateway');
  assert.is(d.status, 'authorized');
  assert.is(d.psk, true);
  assert.is(d.name, 'Kitchen');
  // the PC build has no temperature sensor (E.getTemperature() is NaN): the image's stand-in reports
  const t = d.telemetry.temperature.value;
  assert.ok(typeof t === 'number' && t > 10 && t < 35, `a room temperature, got ${t}`);
  // nor an ADC: analogRead of the configured pin reads 0 there
  assert.is(d.telemetry.analog.value, 0);
});

test('gateway → device calls: led.set, config.get keeps secrets, bad params and unknown methods are refused', async () => {
  assert.equal(await call('led.set', { on: true }), { result: { on: true } });
  assert.is((await call('config.get')).result.led, true, 'the sensor holds the LED on');
  assert.equal(await call('led.set', { on: false }), { result: { on: false } });
  assert.is((await call('config.get')).result.led, false);

  const bad = await call('led.set', { on: 'yes' });
  assert.is(bad.error.code, -32602);
  const cfg = await call('config.get');
  assert.is(cfg.result.device_id, ID);
  assert.is(cfg.result.psk, true);
  assert.is(cfg.result.firmware, '2v29', 'process.env.VERSION of the interpreter');
  assert.not.ok(JSON.stringify(cfg).includes('psk ✓'), 'the PSK never leaves the device');
  const unknown = await call('self.destruct');
  assert.is(unknown.error.code, -32601);
});

test('revoke: the sensor wipes its session, enrolls with a new key, and works again once re-approved', async () => {
  const before = (await device()).pubkey;
  await gw.admin.post(`/api/devices/${ID}/revoke`);
  await sensor.emu.waitForOutput(/sensor: new key fingerprint [0-9a-f:]{19}/, 30000);
  await approve(gw, sensor, ID, PSK);
  const d = await waitFor(async () => {
    const x = await device();
    return x?.status === 'authorized' ? x : undefined;
  }, 30000, 'authorized again');
  assert.is.not(d.pubkey, before, 'a new key pair');
  assert.equal(await call('led.set', { on: true }), { result: { on: true } });
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
  await waitFor(() => spy.stats().connected, 10000, 'the spy client');
  await gw.restart();
  const since = Math.floor(Date.now() / 1000);
  const d = await waitFor(async () => {
    const x = await device();
    return x?.status === 'authorized' && x.telemetry?.temperature?.at >= since ? x : undefined;
  }, 30000, 'telemetry after the gateway restart');
  assert.is(d.pubkey, key, 'the same session');
  spy.end();
  assert.ok(echoed.length >= 1, 'a call was repeated with the echo');
  assert.not.match(sensor.out().slice(mark), /report failed|new key|enrolling|pending/, 'nothing the sensor noticed');
  assert.equal(await call('led.set', { on: false }), { result: { on: false } });
});

test('reboot: answered first, then the board starts again with the same keys and session', async () => {
  const key = (await device()).pubkey;
  const pid = sensor.emu.pid;
  const mark = sensor.out().length;
  assert.equal(await call('reboot'), { result: true });
  const fp = fingerprint(jsCrypto, fromHex(key)!);
  await sensor.waitForText(`sensor kitchen-1 key fingerprint ${fp}`, 30000, mark);
  assert.is.not(sensor.emu.pid, pid, 'a new power-on');
  // the board comes back on its saved session (no new approval) and keeps reporting
  const since = Math.floor(Date.now() / 1000);
  await waitFor(async () => {
    const x = await device();
    return x?.status === 'authorized' && x.pubkey === key && x.telemetry.temperature.at >= since;
  }, 30000, 'telemetry after the reboot');
  assert.equal(await call('led.set', { on: true }), { result: { on: true } });
  const m = await sensor.emu.memory();
  assert.is(m.total, 16383, 'the ESP32 pool');
  console.log(`sensor JsVars (process.memory().usage on the interpreter, authorized and reporting): ${m.usage} of ${m.total}`);
});

test('stock sensor firmware (pure-JS crypto from Storage) without a PSK enrolls at the custom gateway and reports', async () => {
  const stock = await startSensor({ device_id: 'garage-1', broker: `mqtt://127.0.0.1:${broker.port}`, rate: 1 }, 'stock');
  try {
    await stock.emu.waitForOutput(/sensor garage-1 key fingerprint/, STOCK_MS);
    await approve(gw, stock, 'garage-1', undefined, STOCK_MS);
    await stock.emu.waitForOutput('sensor: authorized', STOCK_MS);
    await waitFor(async () => (await gw.admin.device('garage-1'))?.telemetry?.temperature, 30000, 'garage-1 telemetry');
  } finally {
    await stock.stop();
  }
});

test('stock firmware on both ends: a sensor with a PSK enrolls at a stock gateway, reports and answers calls', async () => {
  const prefix = 'stockgw';
  const gw2 = await startGateway(broker.port, { variant: 'stock', prefix });
  const stock = await startSensor({ device_id: 'shed-1', psk: PSK, prefix, broker: `mqtt://127.0.0.1:${broker.port}`, rate: 1 }, 'stock');
  try {
    await stock.emu.waitForOutput(/sensor shed-1 key fingerprint/, STOCK_MS);
    await approve(gw2, stock, 'shed-1', PSK, STOCK_MS);
    await stock.emu.waitForOutput('sensor: authorized', STOCK_MS);
    await waitFor(async () => (await gw2.admin.device('shed-1'))?.telemetry?.temperature, 30000, 'shed-1 telemetry');
    const r = await gw2.admin.post('/api/devices/shed-1/call', { method: 'led.set', params: { on: true }, timeout_ms: 10000 });
    assert.equal(r, { result: { on: true } });
    assert.is((await gw.admin.device('shed-1')), undefined, 'the other prefix\'s gateway never saw it');
  } finally {
    await stock.stop();
    await gw2.stop();
  }
});

test.run();
