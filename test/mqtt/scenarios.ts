// Scenarios run against every real broker: our client (node:net transport)
// on one side, the independent oracle client on the other.
import * as assert from 'uvu/assert';
import { randomBytes as cryptoRandom } from 'node:crypto';
import { createNodeClient } from '../../src/mqtt/node/client';
import type { ClientOptions, MqttClient } from '../../src/mqtt/client';
import { oracleConnect } from './oracle-client';
import type { Oracle } from './oracle-client';
import { startProxy } from './proxy';
import { fromBytes, toBytes, waitFor } from './helpers';

export interface Ours {
  client: MqttClient;
  connects: number;
  closes: string[];
  errors: string[];
  messages: { topic: string; payload: string; qos: number; retain: boolean }[];
}

/** Our client with short timings, connected (waits for the first CONNACK unless told not to). */
export async function ours(port: number, extra: Partial<ClientOptions> = {}, waitConnected = true): Promise<Ours> {
  const client = createNodeClient({
    host: '127.0.0.1',
    port,
    clientId: 'ours-' + cryptoRandom(4).toString('hex'),
    keepalive: 5,
    timeout: 2000,
    backoffMin: 100,
    backoffMax: 400,
    ...extra,
  });
  const o: Ours = { client, connects: 0, closes: [], errors: [], messages: [] };
  client.on('connect', () => o.connects++);
  client.on('close', (r) => o.closes.push(r));
  client.on('error', (e) => o.errors.push(e.message));
  client.on('message', (topic, payload, p) => o.messages.push({ topic, payload, qos: p.qos!, retain: p.retain! }));
  client.connect();
  if (waitConnected) await waitFor('our client connected', () => o.connects > 0);
  return o;
}

/**
 * Publishes to a topic our client subscribed to and waits for it to come back:
 * the broker handles a client's packets in order, so the subscriptions sent
 * before are in force afterwards.
 */
async function subscribed(o: Ours, topic: string): Promise<void> {
  const n = o.messages.length;
  const marker = 'probe-' + cryptoRandom(4).toString('hex');
  o.client.publish(topic, marker, 1);
  await waitFor('probe on ' + topic, () => o.messages.slice(n).some((m) => m.payload === marker));
}

const prefix = () => 'itest/' + cryptoRandom(4).toString('hex');
const allBytes = () => Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');

/** Runs `fn`, then ends every client and oracle it registered, pass or fail. */
async function withCleanup(fn: (track: <T extends Ours | Oracle>(x: T) => T, after: (f: () => unknown) => void) => Promise<void>) {
  const clients: (Ours | Oracle)[] = [];
  const extra: (() => unknown)[] = [];
  try {
    await fn(
      (x) => (clients.push(x), x),
      (f) => extra.push(f),
    );
  } finally {
    for (const c of clients) {
      if ('client' in c) c.client.end();
      else await c.disconnect().catch(() => {});
    }
    for (const f of extra) await f();
  }
}

export function trafficBothWays(port: number) {
  return withCleanup(async (track) => {
    const p = prefix();
    const c = track(await ours(port));
    c.client.subscribe(p + '/in/#', 1);
    const o = track(await oracleConnect(port, { clientId: 'oracle-' + p }));
    assert.equal(await o.subscribe(p + '/out/#', 1), [1]);
    await subscribed(c, p + '/in/probe');

    const bin = allBytes();
    const big = cryptoRandom(5000).toString('latin1');
    assert.ok(c.client.publish(toBytes(p + '/out/ünï'), bin, 0));
    assert.ok(c.client.publish(p + '/out/q1', big, 1));
    await waitFor('oracle got both', () => o.messages.length === 2);
    assert.is(o.messages[0].topic, p + '/out/ünï');
    assert.ok(o.messages[0].payload.equals(fromBytes(bin)));
    assert.is(o.messages[0].qos, 0);
    assert.ok(o.messages[1].payload.equals(fromBytes(big)));
    assert.is(o.messages[1].qos, 1);
    await waitFor('PUBACK for our QoS 1', () => c.client.stats().inflight === 0);

    const n = c.messages.length;
    await o.publish(p + '/in/a', fromBytes(bin), 0);
    await o.publish(p + '/in/b', Buffer.from('√ utf-8 ✓'), 1);
    await waitFor('ours got both', () => c.messages.length === n + 2);
    assert.equal(c.messages.slice(n), [
      { topic: p + '/in/a', payload: bin, qos: 0, retain: false },
      { topic: p + '/in/b', payload: toBytes('√ utf-8 ✓'), qos: 1, retain: false },
    ]);
    assert.equal(c.errors, []);
    assert.equal(c.closes, []);
  });
}

export function willAndRetainedOnline(port: number) {
  return withCleanup(async (track, after) => {
    const status = prefix() + '/gateway/status';
    const proxy = await startProxy(port);
    after(() => proxy.close());
    const watcher = track(await oracleConnect(port, { clientId: 'watch-' + status }));
    await watcher.subscribe(status, 1);
    const c = track(
      await ours(proxy.port, { will: { topic: status, payload: 'offline', qos: 1, retain: true } }, false),
    );
    c.client.on('connect', () => c.client.publish(status, 'online', 1, true));
    const seen = () => watcher.messages.map((m) => m.payload.toString());
    await waitFor('online', () => seen().length === 1);
    assert.equal(seen(), ['online']);

    const late = track(await oracleConnect(port, { clientId: 'late-' + status }));
    await late.subscribe(status, 1);
    await waitFor('retained online for a late subscriber', () => late.messages.length === 1);
    assert.is(late.messages[0].payload.toString(), 'online');
    assert.is(late.messages[0].retain, true);

    proxy.cut(); // abrupt loss: no DISCONNECT, so the broker publishes the will
    await waitFor('will, then online again after the reconnect', () => seen().length === 3);
    assert.equal(seen(), ['online', 'offline', 'online']);
    assert.is(c.connects, 2);
    assert.is(c.closes.length, 1);

    const later = track(await oracleConnect(port, { clientId: 'later-' + status }));
    await later.subscribe(status, 1);
    await waitFor('retained online again', () => later.messages.length === 1);
    assert.is(later.messages[0].payload.toString(), 'online');
  });
}

export function keepalivePings(port: number) {
  return withCleanup(async (track, after) => {
    const proxy = await startProxy(port);
    after(() => proxy.close());
    const c = track(await ours(proxy.port, { keepalive: 1 }));
    const count = (list: string[], cmd: string) => list.filter((x) => x === cmd).length;
    await waitFor('3 pings answered', () => count(proxy.up, 'pingreq') >= 3 && count(proxy.down, 'pingresp') >= 3);
    assert.ok(c.client.stats().connected);
    assert.is(c.client.stats().reconnects, 0);
    assert.equal(c.closes, []);
  });
}

export function deadLinkDetected(port: number) {
  return withCleanup(async (track, after) => {
    const p = prefix();
    const proxy = await startProxy(port);
    after(() => proxy.close());
    const c = track(await ours(proxy.port, { keepalive: 1, timeout: 1000 }));
    c.client.subscribe(p + '/in', 1);
    await subscribed(c, p + '/in');
    proxy.freeze(); // the link goes silent without closing
    await waitFor('dead link noticed', () => c.closes.length === 1);
    assert.match(c.closes[0], /PINGRESP/);
    await waitFor('reconnected', () => c.connects === 2);
    const o = track(await oracleConnect(port, { clientId: 'oracle-' + p }));
    await subscribed(c, p + '/in'); // resubscribed on the new connection
    await o.publish(p + '/in', 'after', 1);
    await waitFor('message after reconnect', () => c.messages.some((m) => m.payload === 'after'));
  });
}

export function oversizedDropped(port: number) {
  return withCleanup(async (track) => {
    const p = prefix();
    const c = track(await ours(port, { maxPacket: 2048 }));
    c.client.subscribe(p + '/#', 1);
    await subscribed(c, p + '/probe');
    const o = track(await oracleConnect(port, { clientId: 'oracle-' + p }));
    await o.publish(p + '/big', cryptoRandom(10000), 1);
    await o.publish(p + '/fits', Buffer.alloc(2000, 'x'), 1);
    await waitFor('the one that fits', () => c.messages.some((m) => m.topic === p + '/fits'));
    assert.ok(!c.messages.some((m) => m.topic === p + '/big'));
    assert.is(c.client.stats().droppedIncoming, 1);
    assert.ok(c.client.stats().connected);
    assert.is(c.client.stats().reconnects, 0);
    assert.equal(c.closes, []);
  });
}

/** `user` / `password` are accepted by the broker; any other password is not. */
export function credentials(port: number, user: string, password: string) {
  return withCleanup(async (track) => {
    const good = track(await ours(port, { username: user, password }));
    assert.ok(good.client.stats().connected);
    const bad = track(await ours(port, { username: user, password: password + 'x' }, false));
    await waitFor('refused twice', () => bad.errors.length >= 2);
    assert.match(bad.errors[0], /connection refused: (bad username or password|not authorized)/);
    assert.is(bad.connects, 0);
    assert.ok(bad.client.stats().reconnects >= 1);
    const none = track(await ours(port, {}, false));
    await waitFor('anonymous refused', () => none.errors.length >= 1);
    assert.is(none.connects, 0);
  });
}
