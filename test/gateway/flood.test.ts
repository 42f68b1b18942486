// Abuse from the broker and the LAN: 3,000 connect requests with random ids
// (the pending table stays capped, memory stays bounded, the gateway still
// answers), random or malformed payloads on every topic it reads (no crash,
// counted drops), a mix of hostile MQTT payloads and HTTP requests (the
// bounded share of `npm run fuzz`'s 10^4 each: tools/fuzz/image.ts; memory
// back to its baseline). Through Mosquitto, with the broker restarted
// mid-traffic at the end. On the real interpreter, in real time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import type { Mosquitto } from '../mqtt/brokers.ts';
import type { MqttClient } from '../../src/mqtt/client.ts';
import { HostileImage, IMAGE_SLACK } from '../../tools/fuzz/image.ts';
import { GatewayUnderTest } from './harness.ts';
import { TestDevice, sleep, until } from './device.ts';

const img = new HostileImage();
let broker: Mosquitto;
let gw: GatewayUnderTest;
let dev: TestDevice;
let flooder: MqttClient;

test.before(async () => {
  // the image, a device with a PSK session ("steady", the liveness probe), one
  // more session ("target", for forged envelopes) and a client that floods
  await img.start();
  ({ broker, gw, steady: dev, flooder } = img);
  assert.is((await dev.call('ping')).result, 'pong');
});

test.after(async () => {
  await img.stop();
});

async function drain(): Promise<void> {
  // the gateway has read everything once a sealed call after it gets its answer
  const r = await dev.call('ping', undefined, { ms: 120000 });
  assert.is(r.result, 'pong', JSON.stringify(r));
}

const FLOOD = 3000;

test('3,000 connect requests with random ids: pending capped at 32 (oldest evicted), memory bounded, still answering', async () => {
  const mem0 = await gw.emu.memory();
  // in batches, each read by the gateway before the next, so the broker never has to shed any
  for (let i = 0; i < FLOOD; i++) {
    const id = 'f' + randomBytes(6).toString('hex');
    const pub = randomBytes(32).toString('hex');
    flooder.publish('jrpc/connect/request', JSON.stringify({ jsonrpc: '2.0', id: i, method: 'connect', params: { device_id: id, pubkey: pub } }), 0);
    if (i % 250 === 249) await drain();
  }
  await until(async () => (await gw.admin.ok('GET', '/api/status')).devices.pending === 32, 120000, 'pending table full');
  const s = await gw.admin.ok('GET', '/api/status');
  assert.is(s.devices.pending, 32);
  const list = await gw.admin.ok('GET', '/api/devices');
  assert.is(list.filter((d: any) => d.status === 'pending').length, 32);
  const mem1 = await gw.emu.memory();
  // 32 pending entries and their bookkeeping, not 3,000
  assert.ok(mem1.usage - mem0.usage < 3000, `JsVars grew by ${mem1.usage - mem0.usage}`);
  const evicted = (await gw.security())['evicted'];
  // a full table gives up its oldest entry for each new id, counted; a busy broker may shed QoS 0
  assert.ok(evicted >= FLOOD * 0.9 && evicted <= FLOOD - 32, 'evictions counted: ' + evicted);
  // a real new device gets in at once, though the flood filled the table
  const late = gw.device('late-comer');
  await late.start();
  assert.equal(await late.connect(), { kind: 'pending' });
  assert.is((await gw.admin.ok('GET', '/api/devices/late-comer')).status, 'pending');
  assert.is((await gw.admin.ok('GET', '/api/status')).devices.pending, 32);
  late.end();
  assert.is((await dev.call('ping')).result, 'pong');
});

test('random and malformed payloads on every topic: no crash, drops counted', async () => {
  const sec0 = await gw.security();
  const topics = ['jrpc/connect/request', 'jrpc/gateway/rx', 'jrpc/gateway/status', 'jrpc/devices/someone/rx', 'jrpc/other'];
  const samples: string[] = [
    '',
    '{',
    'null',
    '[]',
    '"str"',
    '123',
    '{"jsonrpc":"2.0"}',
    '{"jsonrpc":"2.0","id":1,"method":"connect"}',
    '{"jsonrpc":"2.0","id":1,"method":"connect","params":{"device_id":"x","pubkey":"zz"}}',
    '{"jsonrpc":"2.0","id":{},"method":"connect","params":{"device_id":"x","pubkey":"' + 'a'.repeat(64) + '"}}',
    '{"jsonrpc":"2.0","id":1,"method":"connect","params":{"device_id":"' + 'x'.repeat(65) + '","pubkey":"' + 'a'.repeat(64) + '"}}',
    '{"device_id":"steady","nonce":1e300,"timestamp":1,"ciphertext":"","hmac":""}',
    '{"device_id":"steady","nonce":5,"timestamp":1,"ciphertext":"AAAAAAAAAAAAAAAAAAAAAA==","hmac":"' + '0'.repeat(64) + '","echo":5}',
    '{"device_id":"constructor","nonce":5,"timestamp":1,"ciphertext":"AAAAAAAAAAAAAAAAAAAAAA==","hmac":"' + '0'.repeat(64) + '"}',
    // a "__proto__" key is the prototype in Espruino's JSON.parse: refused as malformed
    '{"__proto__":{"x":1},"device_id":"steady","nonce":5,"timestamp":1,"ciphertext":"AAAAAAAAAAAAAAAAAAAAAA==","hmac":"' + '0'.repeat(64) + '"}',
    '{"__proto__":5,"device_id":"steady","nonce":5,"timestamp":1,"ciphertext":"AAAAAAAAAAAAAAAAAAAAAA==","hmac":"' + '0'.repeat(64) + '"}',
    '{"jsonrpc":"2.0","id":1,"method":"connect","params":{"__proto__":7,"device_id":"x","pubkey":"' + 'a'.repeat(64) + '"}}',
    '{"device_id":"hasOwnProperty","nonce":5,"timestamp":1,"ciphertext":"AAAAAAAAAAAAAAAAAAAAAA==","hmac":"' + '0'.repeat(64) + '"}',
    'x'.repeat(5000),
    '{"a":' + '['.repeat(2000) + ']'.repeat(2000) + '}',
  ];
  for (let i = 0; i < 300; i++) samples.push(randomBytes(1 + (i % 300)).toString('latin1'));
  for (const t of topics) {
    for (const s of samples) flooder.publish(t, s, 0);
    await drain();
  }
  const sec1 = await gw.security();
  assert.ok(sec1.malformed > sec0.malformed + 300, `malformed ${sec0.malformed} → ${sec1.malformed}`);
  assert.ok(sec1['unknown device'] >= sec0['unknown device'] + 2, 'constructor / hasOwnProperty ids are unknown devices');
  assert.ok(!gw.out.includes('Uncaught'), 'no uncaught error on the console:\n' + gw.out.slice(-2000));
  const s = await gw.admin.ok('GET', '/api/status');
  assert.is(s.mqtt.connected, true);
});

test('1,500 hostile MQTT payloads and 1,000 HTTP requests, mixed: it keeps serving, memory returns to its baseline', async () => {
  const o = await img.run(1500, 1000, 12);
  assert.ok(!gw.out.includes('Uncaught'), 'no uncaught error on the console:\n' + gw.out.slice(-2000));
  // every kind of refusal was met and counted
  for (const reason of ['malformed', 'unknown device', 'psk proof', 'unopened', 'evicted']) assert.ok(o.counted[reason] > 0, reason + ': ' + JSON.stringify(o.counted));
  // every HTTP request was refused (no 200: nothing hostile got through), most with an answer
  assert.is(o.answers['200'], undefined, JSON.stringify(o.answers));
  assert.ok((o.answers.closed || 0) < 300, JSON.stringify(o.answers));
  assert.ok(o.memory.after - o.memory.baseline <= IMAGE_SLACK, `JsVars ${o.memory.baseline} → ${o.memory.after}`);
});

test('broker restart mid-traffic: the gateway reconnects, resubscribes, and the device goes on', async () => {
  const pings = (async () => {
    for (let i = 0; i < 5; i++) await dev.call('ping').catch(() => undefined);
  })();
  await broker.stop('SIGKILL');
  await pings;
  await sleep(300);
  await broker.start();
  // the gateway's reconnect back-off runs from 1 s up to 30 s
  await until(async () => (await gw.admin.ok('GET', '/api/status')).mqtt.connected, 90000, 'gateway reconnected');
  await until(() => dev.client.stats().connected, 30000, 'device reconnected');
  await sleep(200);
  assert.is((await dev.call('ping')).result, 'pong');
  assert.is((await dev.call('report', { after: 1 })).result, true);
});

test.run();
