// JsVars the gateway image uses on the real interpreter (process.memory(),
// 14-byte variables, a pool of 16,383 as on the ESP32), on both firmware
// variants: at idle, and per device with 8 and 32 sessions that have talked
// to it (the echo round trip after boot, a call, two telemetry readings),
// then no growth over many more calls. The sessions are written into Storage
// before boot, as approvals leave them, so no board-side X25519 is needed.
// Prints the figures; the budgets below come from them, with headroom.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { statSync } from 'node:fs';
import { VARIANTS } from '../../tools/espruino/build.ts';
import { createAedes } from '../mqtt/brokers.ts';
import type { AedesBroker } from '../mqtt/brokers.ts';
import { GatewayUnderTest, IMAGE } from './harness.ts';
import type { TestDevice } from './device.ts';
import { approvedSession, writeSessions } from './sessions.ts';

// budgets (JsVars), from measured figures with an admin logged in: idle 3,710
// (custom) and 4,505 (stock: the pure-JS crypto module in RAM); per device,
// with two telemetry readings each, 26.3-27.3 on custom firmware and
// 22.5-30.0 on stock, where what the pure-JS crypto leaves until the next
// collection makes the reading at 8 noisy (issue 11 asks for at most 24
// without telemetry: the bench reports it)
const IDLE_MAX: Record<string, number> = { custom: 3900, stock: 4700 };
const PER_DEVICE_MAX: Record<string, number> = { custom: 30, stock: 34 };
const GROWTH_MAX = 20; // after 5 more calls per device: garbage-collected noise only
const CALL_MS = 60000;

for (const variant of VARIANTS) {
  const t = suite('gateway JsVars on ' + variant + ' firmware');
  let broker: AedesBroker;
  let gw: GatewayUnderTest;
  let devices: TestDevice[] = [];

  t.before(async () => {
    broker = await createAedes();
    gw = new GatewayUnderTest({ brokerPort: broker.port, variant });
    await gw.start();
  });

  t.after(async () => {
    for (const d of devices) d.end();
    await gw?.stop();
    await broker?.close();
  });

  /** Boots again with `n` sessions in Storage; each device proves liveness and reports. */
  async function withSessions(n: number): Promise<number> {
    for (const d of devices) d.end();
    devices = [];
    const colds = [];
    for (let i = 0; i < n; i++) {
      const d = gw.device('mem-' + String(i).padStart(2, '0'), { psk: i % 2 ? 'psk-' + i : undefined });
      colds.push(approvedSession(d, { psk: d.psk }));
      devices.push(d);
    }
    await gw.emu.kill();
    await writeSessions(gw.storageDir, colds, variant);
    await gw.restart();
    for (const d of devices) {
      await d.start();
      assert.is((await d.call('ping', undefined, { ms: CALL_MS })).result, 'pong'); // with the echo round trip
      assert.is((await d.call('report', { t: 20.5, h: 40 }, { ms: CALL_MS })).result, true);
    }
    return (await gw.emu.memory()).usage;
  }

  t('idle, then 8 and 32 sessions that talked; no growth over more calls', async () => {
    const idle = (await gw.emu.memory()).usage;
    const with8 = await withSessions(8);
    const with32 = await withSessions(32);
    const per8 = (with8 - idle) / 8;
    const per32 = (with32 - idle) / 32;
    for (let round = 0; round < 5; round++)
      for (const d of devices) assert.is((await d.call(round % 2 ? 'ping' : 'report', round % 2 ? undefined : { t: round }, { ms: CALL_MS })).error, undefined);
    const after = (await gw.emu.memory()).usage;
    console.log(
      `${variant}: gateway image ${statSync(IMAGE).size} bytes; JsVars idle ${idle}, 8 sessions ${with8} (${per8.toFixed(1)} per device), ` +
        `32 sessions ${with32} (${per32.toFixed(1)} per device), after 160 more calls ${after}`,
    );
    assert.ok(idle < IDLE_MAX[variant], 'idle ' + idle);
    assert.ok(per8 < PER_DEVICE_MAX[variant], 'per device (8) ' + per8);
    assert.ok(per32 < PER_DEVICE_MAX[variant], 'per device (32) ' + per32);
    assert.ok(after - with32 < GROWTH_MAX, `grew by ${after - with32} over 160 calls`);
  });

  t.run();
}
