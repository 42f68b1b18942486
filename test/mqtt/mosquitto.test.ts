// Our client against a real Mosquitto started on a free loopback port.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { createMosquitto, MOSQUITTO, MOSQUITTO_PASSWD } from './brokers';
import type { Mosquitto } from './brokers';
import { oracleConnect } from './oracle-client';
import {
  credentials,
  deadLinkDetected,
  keepalivePings,
  ours,
  oversizedDropped,
  trafficBothWays,
  willAndRetainedOnline,
} from './scenarios';
import { waitFor } from './helpers';

const mosquitto = suite<{ m?: Mosquitto }>('mosquitto', {});
mosquitto.before(async (ctx) => {
  assert.ok(existsSync(MOSQUITTO), MOSQUITTO + ' is installed');
  ctx.m = await createMosquitto();
});
mosquitto.after(async (ctx) => {
  await ctx.m?.dispose();
});

mosquitto('connect, subscribe, QoS 0 and 1 both ways, binary payloads', (ctx) => trafficBothWays(ctx.m!.port));
mosquitto('retained will on abrupt socket loss, retained online after each connect', (ctx) =>
  willAndRetainedOnline(ctx.m!.port),
);
mosquitto('keep-alive pings are sent and answered', (ctx) => keepalivePings(ctx.m!.port));
mosquitto('a silent dead link is detected; reconnect and resubscribe', (ctx) => deadLinkDetected(ctx.m!.port));
mosquitto('an oversized incoming packet is dropped and counted, the connection survives', (ctx) =>
  oversizedDropped(ctx.m!.port),
);

mosquitto('broker restart mid-traffic: back-off, resubscribe, QoS 1 queued offline delivered', async (ctx) => {
  const m = ctx.m!;
  const total = 60;
  // The observer keeps a persistent session (clean = false) that Mosquitto
  // saves on SIGTERM, so messages reach it whenever our client gets them through.
  let observer = await oracleConnect(m.port, { clientId: 'restart-observer', clean: false });
  await observer.subscribe('restart/out', 1);
  const c = await ours(m.port, { maxInflight: total, backoffMin: 200, backoffMax: 800 });
  try {
    c.client.subscribe('restart/in', 1);
    const received = new Set<string>();
    const collect = () => observer.messages.forEach((x) => received.add(x.payload.toString()));
    let sent = 0;
    const publishSome = (n: number) => {
      for (let i = 0; i < n; i++) assert.ok(c.client.publish('restart/out', 'm' + ++sent, 1));
    };
    publishSome(20);
    await m.stop('SIGTERM'); // while some of those are likely still in flight
    await waitFor('our client noticed', () => c.closes.length === 1);
    publishSome(20); // queued while offline
    assert.ok(!c.client.publish('restart/out', 'qos0', 0), 'QoS 0 offline is refused');
    await waitFor('some failed attempts', () => c.client.stats().reconnects >= 2);
    assert.ok(c.client.stats().inflight >= 20);
    collect();
    await m.start();
    await waitFor('reconnected', () => c.connects === 2, 20000);
    publishSome(total - sent);
    await waitFor('all acknowledged', () => c.client.stats().inflight === 0);
    observer = await oracleConnect(m.port, { clientId: 'restart-observer', clean: false });
    await waitFor('observer has every message', () => {
      collect();
      return received.size === total;
    });
    for (let i = 1; i <= total; i++) assert.ok(received.has('m' + i), 'm' + i);
    // resubscribed after the restart
    await observer.publish('restart/in', 'hello again', 1);
    await waitFor('message on the resubscribed topic', () => c.messages.some((x) => x.payload === 'hello again'));
    assert.equal(c.errors, []);
  } finally {
    c.client.end();
    await observer.disconnect();
  }
});

mosquitto.run();

const auth = suite<{ m?: Mosquitto }>('mosquitto with a password file', {});
auth.before(async (ctx) => {
  assert.ok(existsSync(MOSQUITTO_PASSWD), MOSQUITTO_PASSWD + ' is installed');
  ctx.m = await createMosquitto({ users: { gateway: 'pässwörd' } });
});
auth.after(async (ctx) => {
  await ctx.m?.dispose();
});
auth('username and password are checked', (ctx) => credentials(ctx.m!.port, 'gateway', Buffer.from('pässwörd').toString('latin1')));
auth.run();
