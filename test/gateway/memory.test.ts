// JsVar use of the gateway image (the emulator's estimate, process.memory()):
// at idle, and with 32 approved devices that have talked to it. Prints the
// figures; fails when the gateway would not fit a small pool.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { statSync } from 'node:fs';
import { createAedes } from '../mqtt/brokers.ts';
import type { AedesBroker } from '../mqtt/brokers.ts';
import { GatewayUnderTest, IMAGE } from './harness.ts';
import type { TestDevice } from './device.ts';

let broker: AedesBroker;
let gw: GatewayUnderTest;
const devices: TestDevice[] = [];

test.before(async () => {
  broker = await createAedes();
  gw = new GatewayUnderTest({ brokerPort: broker.port, virtualTime: true, startTime: Math.floor(Date.now() / 1000) });
  await gw.start();
});

test.after(async () => {
  for (const d of devices) d.end();
  await gw?.stop();
  await broker?.close();
});

test('idle, then 32 approved devices', async () => {
  const idle = gw.emu.memory().usage;
  for (let i = 0; i < 32; i++) {
    const d = gw.device('mem-' + String(i).padStart(2, '0'), { psk: i % 2 ? 'psk-' + i : undefined });
    devices.push(d);
    await d.start();
    await d.connect();
    const ap = d.approved();
    await gw.admin.ok('POST', `/api/devices/${d.id}/approve`, i % 2 ? { psk: 'psk-' + i } : {});
    await ap;
    assert.is((await d.call('ping')).result, 'pong');
  }
  await gw.advance(61); // state written, everything settled
  const withDevices = gw.emu.memory().usage;
  for (const d of devices) assert.is((await d.call('report', { t: 20.5, h: 40 })).result, true);
  const withTelemetry = gw.emu.memory().usage;
  const per = (withDevices - idle) / 32;
  console.log(
    `gateway image ${statSync(IMAGE).size} bytes; JsVars: idle ${idle}, 32 approved devices ${withDevices} ` +
      `(${per.toFixed(1)} per device), with 2 telemetry values each ${withTelemetry}`,
  );
  assert.ok(idle < 5000, 'idle ' + idle);
  assert.ok(per < 60, 'per device ' + per);
});

test.run();
