// The gateway image on both firmware variants: stock Espruino (no native
// GatewayCrypto: the pure-JS crypto module from Storage, where one X25519
// scalar multiplication takes seconds) and custom (GatewayCrypto in C). Each
// enrolls a device with a PSK and answers sealed calls. Records, without
// asserting a time: the longest event-loop stall during the approval (an
// interval on the board notes the largest gap between its runs) and the
// round trip of a sealed ping (p50 of 50).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { VARIANTS } from '../../tools/espruino/build.ts';
import { createAedes } from '../mqtt/brokers.ts';
import type { AedesBroker } from '../mqtt/brokers.ts';
import { GatewayUnderTest } from './harness.ts';
import type { TestDevice } from './device.ts';

const SLOW_MS = 180000; // a stock-firmware approval: two pure-JS X25519 on the interpreter
const PINGS = 50;

/** Starts an interval on the board that keeps the largest gap (ms) between two of its runs. */
const STALL_PROBE =
  'global.stallProbe={at:getTime(),max:0,timer:setInterval(function(){var p=stallProbe,t=getTime();if(t-p.at>p.max)p.max=t-p.at;p.at=t;},20)},0';
const STALL_READ = 'clearInterval(stallProbe.timer),Math.round(stallProbe.max*1000)';

for (const variant of VARIANTS) {
  const t = suite('enrollment and sealed calls on ' + variant + ' firmware');
  let broker: AedesBroker;
  let gw: GatewayUnderTest;
  let dev: TestDevice;

  t.before(async () => {
    broker = await createAedes();
    gw = new GatewayUnderTest({ brokerPort: broker.port, variant });
    await gw.start();
  });

  t.after(async () => {
    dev?.end();
    await gw?.stop();
    await broker?.close();
  });

  t('enrollment with a PSK, then sealed calls', async () => {
    dev = gw.device(variant + '-1', { psk: variant + '-psk' });
    await dev.start();
    assert.equal(await dev.connect(), { kind: 'pending' });
    await gw.emu.eval(STALL_PROBE);
    const ap = dev.approved(SLOW_MS);
    await gw.admin.ok('POST', `/api/devices/${dev.id}/approve`, { psk: variant + '-psk' });
    assert.is((await ap).kind, 'approved');
    const stall = await gw.emu.eval<number>(STALL_READ, SLOW_MS);
    assert.is((await dev.call('ping', undefined, { ms: SLOW_MS })).result, 'pong');
    assert.is((await dev.call('report', { t: 1 }, { ms: SLOW_MS })).result, true);
    const rtt: number[] = [];
    for (let i = 0; i < PINGS; i++) {
      const t0 = performance.now();
      assert.is((await dev.call('ping', undefined, { ms: SLOW_MS })).result, 'pong');
      rtt.push(performance.now() - t0);
    }
    rtt.sort((a, b) => a - b);
    console.log(
      `${variant}: longest event-loop stall during the approval ${stall} ms; sealed ping round trip ` +
        `p50 ${rtt[PINGS >> 1].toFixed(1)} ms, max ${rtt[PINGS - 1].toFixed(1)} ms (${PINGS} calls)`,
    );
    assert.not.match(gw.out, /Uncaught/);
  });

  t.run();
}
