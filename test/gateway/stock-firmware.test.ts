// The gateway image on stock Espruino firmware: no native GatewayCrypto
// module, so it loads the pure-JS crypto from flash and still enrolls a
// device with a PSK and answers sealed calls.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAedes } from '../mqtt/brokers.ts';
import type { AedesBroker } from '../mqtt/brokers.ts';
import { GatewayUnderTest } from './harness.ts';
import type { TestDevice } from './device.ts';

let broker: AedesBroker;
let gw: GatewayUnderTest;
let dev: TestDevice;

test.before(async () => {
  broker = await createAedes();
  gw = new GatewayUnderTest({ brokerPort: broker.port, nativeCrypto: false });
  await gw.start();
});

test.after(async () => {
  dev?.end();
  await gw?.stop();
  await broker?.close();
});

test('enrollment with a PSK and sealed calls through the pure-JS crypto', async () => {
  dev = gw.device('stock-1', { psk: 'stock-psk' });
  await dev.start();
  assert.equal(await dev.connect(), { kind: 'pending' });
  const ap = dev.approved(20000);
  await gw.admin.ok('POST', '/api/devices/stock-1/approve', { psk: 'stock-psk' });
  assert.is((await ap).kind, 'approved');
  assert.is((await dev.call('ping', undefined, { ms: 20000 })).result, 'pong');
  assert.is((await dev.call('report', { t: 1 }, { ms: 20000 })).result, true);
  assert.not.match(gw.out, /Uncaught/);
});

test.run();
