// LAN clients that never finish, send junk or flood the admin port, against
// the built image on the real interpreter (stock firmware, as the review that
// found it: twelve connections with 20 KB of header each ran 2v29's `http`
// module OUT OF MEMORY). Each costs a bounded share of memory and sockets,
// is answered and closed, memory returns to its baseline, the admin API
// answers again, and MQTT keeps working throughout.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Socket } from 'node:net';
import { createAedes } from '../mqtt/brokers.ts';
import type { AedesBroker } from '../mqtt/brokers.ts';
import { GatewayUnderTest } from './harness.ts';
import { sleep, until } from './device.ts';

let broker: AedesBroker;
let gw: GatewayUnderTest;
let port: number;
let baseline: number;
let probe = 0;
const probes: string[] = []; // pending entries the MQTT checks left, rejected once the admin API is free

/** A raw connection: what the server sent, and whether it closed the connection. */
interface Raw {
  sock: Socket;
  got: () => string;
  closed: () => boolean;
}

function raw(first?: string | Buffer): Promise<Raw> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    let closed = false;
    sock.on('data', (d) => (got += d.toString('latin1')));
    sock.on('close', () => (closed = true));
    sock.on('error', () => (closed = true));
    sock.on('connect', () => {
      if (first !== undefined) sock.write(first);
      resolve({ sock, got: () => got, closed: () => closed });
    });
  });
}

const statusOf = (r: Raw) => Number(r.got().split(' ')[1]);

/** Writes `n` bytes of `fill` in chunks while the server keeps the connection. */
async function stream(r: Raw, n: number, fill = 'a'): Promise<number> {
  let sent = 0;
  while (sent < n && !r.closed()) {
    const chunk = fill.repeat(Math.min(4096, n - sent));
    const ok = await new Promise<boolean>((res) => r.sock.write(chunk, (e) => res(!e)));
    if (!ok) break;
    sent += chunk.length;
  }
  return sent;
}

async function usage(): Promise<number> {
  return (await gw.emu.memory()).usage;
}

/** MQTT still works both ways: a connect request gets its (plain) reply. */
async function mqttWorks(): Promise<void> {
  const d = gw.device('probe-' + ++probe);
  probes.push(d.id);
  await d.start();
  try {
    assert.equal(await d.connect(), { kind: 'pending' });
  } finally {
    d.end();
  }
}

/** The admin API answers a request (a slot may take a moment to free). */
async function adminAnswers(): Promise<void> {
  await until(async () => (await gw.admin.req('GET', '/api/status').catch(() => ({ status: 0 }))).status === 200, 30000, 'the admin API');
}

/** The admin API answers, and the probes' pending entries are gone. */
async function settle(): Promise<void> {
  await adminAnswers();
  for (const id of probes.splice(0)) await gw.admin.ok('POST', '/api/devices/' + id + '/reject', {});
}

async function back(): Promise<void> {
  await settle();
  // memory is back where it was (give or take the odd timer or event object)
  await until(async () => (await usage()) <= baseline + 60, 20000, `memory back to ${baseline} (now ${await usage()})`);
}

test.before(async () => {
  broker = await createAedes();
  gw = new GatewayUnderTest({ brokerPort: broker.port, variant: 'stock' });
  await gw.start();
  port = gw.emu.hostPort(80);
  await mqttWorks();
  await settle();
  await sleep(500);
  baseline = await usage();
});

test.after(async () => {
  await gw?.stop();
  await broker?.close();
});

test('twelve clients each sending 20 KB of header: refused at 2 KB, closed, memory bounded', async () => {
  let peak = 0;
  const clients: Raw[] = [];
  for (let i = 0; i < 12; i++) clients.push(await raw('GET /api/status HTTP/1.1\r\nX-Pad: '));
  const sends = clients.map((c) => stream(c, 20 * 1024));
  while (!clients.every((c) => c.closed())) {
    peak = Math.max(peak, await usage());
    await sleep(100);
  }
  const sent = await Promise.all(sends);
  assert.ok(Math.min(...sent) < 20 * 1024, 'the gateway closed them before the header was complete: ' + sent);
  for (const c of clients) if (c.got()) assert.ok([413, 503].includes(statusOf(c)), c.got());
  assert.ok(clients.some((c) => statusOf(c) === 413), 'the ones it took were told why');
  assert.ok(peak - baseline < 2500, `peak ${peak} vs baseline ${baseline}`);
  await back();
  await mqttWorks();
});

test('a 413 and then 80 KB of body: answered at once, the rest never read into memory', async () => {
  const c = await raw('PUT /api/config HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 90000\r\n\r\n');
  const sent = stream(c, 80 * 1024, '{');
  await until(() => c.closed(), 10000, 'the close');
  await sent;
  assert.is(statusOf(c), 413, c.got());
  assert.match(c.got(), /"code":"too_large"/);
  await back();
});

test('nine idle connections: 408 after the idle timeout, then the admin API answers; MQTT untouched', async () => {
  const idle: Raw[] = [];
  for (let i = 0; i < 9; i++) idle.push(await raw());
  await mqttWorks(); // while they hold the admin port
  await until(() => idle.every((c) => c.closed()), 30000, 'every idle connection closed');
  // the ones it took got a 408; the ones over the cap were closed (within a second)
  assert.is(idle.filter((c) => statusOf(c) === 408).length, 4, idle.map((c) => c.got().slice(0, 12)).join('|'));
  await back();
  await mqttWorks();
});

test('a client sending one byte at a time never finishes: 408 at the deadline', async () => {
  const c = await raw();
  const text = 'GET /api/status HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'z'.repeat(200);
  for (let i = 0; i < text.length && !c.closed(); i++) {
    c.sock.write(text[i]);
    await sleep(100);
  }
  await until(() => c.closed(), 20000, 'the close');
  assert.is(statusOf(c), 408, c.got());
  await back();
});

test('junk (a TLS hello, binary, a bare-LF request) is refused at the first bytes and closed', async () => {
  for (const junk of [Buffer.from('16030100a5010000a10303', 'hex'), Buffer.from([0, 1, 2, 255, 254]), 'GET / HTTP/1.1\nHost: x\n\n' + 'x'.repeat(3000)]) {
    const c = await raw(junk);
    await until(() => c.closed(), 10000, 'the close');
    assert.ok([400, 413].includes(statusOf(c)), c.got());
  }
  await back();
});

test('a flood of connections: never more than the cap in progress, the admin API answers after, MQTT untouched', async () => {
  const all: Raw[] = [];
  for (let round = 0; round < 5; round++) {
    const batch = await Promise.all(Array.from({ length: 20 }, () => raw('GET /api/status HTTP/1.1\r\n')));
    all.push(...batch);
    await sleep(200);
  }
  await mqttWorks();
  await until(() => all.every((c) => c.closed()), 30000, 'every flood connection closed');
  await back();
  await mqttWorks();
});

test.run();
