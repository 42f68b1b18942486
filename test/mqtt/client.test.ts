// The client state machine in virtual time, over an in-memory transport whose
// server side is played by the test with mqtt-packet (the oracle parses
// everything the client writes).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import mqttPacket from 'mqtt-packet';
import { createClient } from '../../src/mqtt/client';
import type { ClientOptions } from '../../src/mqtt/client';
import { parseMqttUrl } from '../../src/mqtt/checks';
import type { Transport, TransportHandlers } from '../../src/mqtt/transport';
import { fromBytes, toBytes, virtualClock } from './helpers';

interface FakeConn {
  host: string;
  port: number;
  handlers: TransportHandlers;
  sent: any[]; // packets the client wrote, parsed by mqtt-packet
  ended: boolean;
  accept(): void; // TCP connected
  reply(p: any): void; // server → client
  raw(bytes: string): void;
  drop(reason?: string): void; // connection lost
}

function memoryTransport(clock: { t(): number }) {
  const conns: FakeConn[] = [];
  const calls: number[] = []; // clock time of every connect() call
  let failNext = 0;
  const transport: Transport = {
    connect(host, port, handlers) {
      calls.push(clock.t());
      if (failNext > 0) {
        failNext--;
        throw new Error('no route to host');
      }
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      const c: FakeConn = {
        host,
        port,
        handlers,
        sent: [],
        ended: false,
        accept: () => handlers.connect(),
        reply: (p) => handlers.data(mqttPacket.generate(p).toString('latin1')),
        raw: (bytes) => handlers.data(bytes),
        drop: (reason) => handlers.close(reason),
      };
      parser.on('packet', (p: any) => c.sent.push(p));
      parser.on('error', (e: Error) => {
        throw e;
      });
      conns.push(c);
      return {
        write(bytes: string) {
          assert.ok(!c.ended, 'no write after end()');
          parser.parse(fromBytes(bytes));
        },
        end() {
          c.ended = true;
        },
      };
    },
  };
  return {
    transport,
    conns,
    calls,
    last: () => conns[conns.length - 1],
    failConnects: (n: number) => (failNext = n),
  };
}

function setup(extra: Partial<ClientOptions> = {}) {
  const clock = virtualClock();
  const mem = memoryTransport(clock);
  const client = createClient(
    { url: 'mqtt://broker.local:1884', clientId: 'dev-1', random: () => 0.5, ...extra },
    mem.transport,
    clock,
  );
  const events: any[][] = [];
  client.on('connect', (sp) => events.push(['connect', sp]));
  client.on('close', (r) => events.push(['close', r]));
  client.on('error', (e) => events.push(['error', e.message]));
  client.on('message', (t, p, pk) => events.push(['message', t, p, pk.qos, pk.retain]));
  /** Connects and answers CONNACK on the newest connection. */
  const online = (sessionPresent = false) => {
    const c = mem.last();
    c.accept();
    c.reply({ cmd: 'connack', returnCode: 0, sessionPresent });
    return c;
  };
  return { clock, mem, client, events, online };
}

const cmds = (c: FakeConn) => c.sent.map((p) => p.cmd);

test('parseMqttUrl', () => {
  assert.equal(parseMqttUrl('mqtt://10.0.0.2'), { host: '10.0.0.2', port: 1883 });
  assert.equal(parseMqttUrl('mqtt://broker.lan:8883/'), { host: 'broker.lan', port: 8883 });
  assert.equal(parseMqttUrl('tcp://h:1'), { host: 'h', port: 1 });
  assert.equal(parseMqttUrl('h:65535'), { host: 'h', port: 65535 });
  for (const bad of ['mqtts://h', 'ws://h:80', 'mqtt://', 'mqtt://h:', 'mqtt://h:0', 'mqtt://h:65536', 'mqtt://h:12x', 'mqtt://u@h', 'mqtt://h/x'])
    assert.throws(() => parseMqttUrl(bad), /mqtt:/, bad);
});

test('connects with the options, subscribes, publishes, and reports stats', () => {
  const { mem, client, events, online } = setup({
    username: 'gw',
    password: 'sécret',
    keepalive: 30,
    clean: false,
    will: { topic: 'P/gateway/status', payload: 'offline', qos: 1, retain: true },
  });
  client.subscribe('P/gateway/rx', 1);
  assert.is(mem.conns.length, 0, 'nothing before connect()');
  client.connect();
  client.connect(); // no second connection
  assert.is(mem.conns.length, 1);
  const c = online(true);
  assert.is(c.host, 'broker.local');
  assert.is(c.port, 1884);
  const connect = c.sent[0];
  assert.is(connect.cmd, 'connect');
  assert.is(connect.clientId, 'dev-1');
  assert.is(connect.keepalive, 30);
  assert.is(connect.clean, false);
  assert.is(connect.username, 'gw');
  assert.is(connect.password.toString('latin1'), 'sécret');
  assert.equal(
    { topic: connect.will.topic, payload: connect.will.payload.toString(), qos: connect.will.qos, retain: connect.will.retain },
    { topic: 'P/gateway/status', payload: 'offline', qos: 1, retain: true },
  );
  assert.equal(events, [['connect', true]]);
  assert.is(c.sent[1].cmd, 'subscribe');
  assert.equal(c.sent[1].subscriptions, [{ topic: 'P/gateway/rx', qos: 1 }]);
  assert.ok(client.publish('P/gateway/status', 'online', 1, true));
  assert.ok(client.publish('a/b', '\x00\xff', 0));
  const [pub1, pub0] = c.sent.slice(2);
  assert.equal([pub1.topic, pub1.payload.toString(), pub1.qos, pub1.retain, pub1.dup], ['P/gateway/status', 'online', 1, true, false]);
  assert.ok(pub0.payload.equals(Buffer.from([0, 255])));
  assert.is(client.stats().inflight, 1);
  c.reply({ cmd: 'puback', messageId: pub1.messageId });
  assert.equal(client.stats(), {
    connected: true,
    inflight: 0,
    reconnects: 0,
    droppedIncoming: 0,
    droppedOutgoing: 0,
    protocolErrors: 0,
  });
});

test('incoming QoS 0, 1 and 2: delivered, then acknowledged', () => {
  const { client, events, online } = setup();
  client.connect();
  const c = online();
  const bin = Buffer.from([0, 1, 2, 200, 255]);
  c.reply({ cmd: 'publish', topic: 'jrpc/devices/ü/rx', payload: bin, qos: 0, retain: true });
  c.reply({ cmd: 'publish', topic: 'q1', payload: 'one', qos: 1, messageId: 11 });
  c.reply({ cmd: 'publish', topic: 'q2', payload: 'two', qos: 2, messageId: 12 });
  c.reply({ cmd: 'pubrel', messageId: 12 });
  assert.equal(events.slice(1), [
    ['message', toBytes('jrpc/devices/ü/rx'), bin.toString('latin1'), 0, true],
    ['message', 'q1', 'one', 1, false],
    ['message', 'q2', 'two', 2, false],
  ]);
  assert.equal(
    c.sent.slice(1).map((p) => [p.cmd, p.messageId]),
    [
      ['puback', 11],
      ['pubrec', 12],
      ['pubcomp', 12],
    ],
  );
});

test('a throwing listener becomes an error event; the QoS 1 ack still goes out', () => {
  const { client, events, online } = setup();
  client.on('message', () => {
    throw new Error('listener bug');
  });
  client.connect();
  const c = online();
  c.reply({ cmd: 'publish', topic: 't', payload: 'x', qos: 1, messageId: 5 });
  assert.equal(events.slice(-1), [['error', 'listener bug']]);
  assert.equal(cmds(c).slice(-1), ['puback']);
  assert.ok(client.stats().connected);
});

test('keep-alive: pings after idle time, and only then', () => {
  const { clock, client, online } = setup({ keepalive: 10, timeout: 5000 });
  client.connect();
  const c = online();
  clock.advance(9999);
  assert.equal(cmds(c), ['connect']);
  clock.advance(1);
  assert.equal(cmds(c), ['connect', 'pingreq']);
  c.reply({ cmd: 'pingresp' });
  clock.advance(6000);
  client.publish('t', 'x'); // traffic postpones the next ping
  clock.advance(9999);
  assert.equal(cmds(c), ['connect', 'pingreq', 'publish']);
  clock.advance(1);
  assert.equal(cmds(c), ['connect', 'pingreq', 'publish', 'pingreq']);
  // an answered ping every 10 s keeps the connection up
  const pings = () => c.sent.filter((p) => p.cmd === 'pingreq').length;
  for (let i = 0, answered = 0; i < 600; i++) {
    while (answered < pings()) {
      answered++;
      c.reply({ cmd: 'pingresp' });
    }
    clock.advance(100);
  }
  assert.ok(client.stats().connected);
  assert.is(pings(), 8);
});

test('no PINGRESP in time: the connection is dropped and re-established', () => {
  const { clock, mem, client, events, online } = setup({ keepalive: 10, timeout: 3000 });
  client.connect();
  const c = online();
  clock.advance(10_000);
  assert.equal(cmds(c).slice(-1), ['pingreq']);
  clock.advance(1000);
  client.publish('t', 'sending does not postpone the PINGRESP deadline');
  clock.advance(1999);
  assert.ok(!c.ended);
  clock.advance(1);
  assert.ok(c.ended);
  assert.equal(events.slice(-1), [['close', 'no PINGRESP within 3000 ms']]);
  assert.ok(!client.stats().connected);
  // back-off 1000 ms with jitter 0.5 → 750 ms
  clock.advance(749);
  assert.is(mem.conns.length, 1);
  clock.advance(1);
  assert.is(mem.conns.length, 2);
  online();
  assert.is(client.stats().reconnects, 1);
  // late bytes on the dead connection change nothing
  c.reply({ cmd: 'publish', topic: 'stale', payload: 'x', qos: 1, messageId: 3 });
  c.drop('late close');
  assert.equal(
    events.filter((e) => e[0] !== 'connect' && e[0] !== 'close'),
    [],
  );
  assert.ok(client.stats().connected);
});

test('no CONNACK in time, refused CONNACK, failing connects: exponential back-off with jitter, capped', () => {
  let jitter = 0;
  const { clock, mem, client, events } = setup({ timeout: 2000, backoffMin: 1000, backoffMax: 8000, random: () => jitter });
  const fails: string[] = [];
  client.on('fail', (r) => fails.push(r));
  const t0 = clock.t();
  client.connect();
  mem.last().accept(); // TCP up, broker silent
  clock.advance(2000);
  assert.ok(mem.last().ended, 'gave up waiting for CONNACK');
  // with jitter 0 each delay is half its base: 500, 1000, 2000, 4000, then capped at 4000
  clock.advance(500);
  const refused = mem.last();
  refused.accept();
  refused.reply({ cmd: 'connack', returnCode: 4 });
  assert.ok(refused.ended);
  mem.failConnects(1);
  clock.advance(1000); // this attempt throws inside transport.connect
  clock.advance(2000);
  mem.last().drop('ECONNREFUSED');
  clock.advance(4000);
  mem.last().drop('ECONNREFUSED');
  clock.advance(4000);
  assert.equal(
    mem.calls.map((t) => t - t0),
    [0, 2500, 3500, 5500, 9500, 13500],
  );
  assert.is(client.stats().reconnects, 5);
  assert.ok(events.some((e) => e[0] === 'error' && /refused: bad username or password/.test(e[1])));
  assert.ok(!events.some((e) => e[0] === 'connect' || e[0] === 'close'), 'connect/close only pair up around a CONNACK');
  assert.equal(fails, ['no CONNACK within 2000 ms', 'refused', 'connect failed: Error: no route to host', 'ECONNREFUSED', 'ECONNREFUSED'], 'every failed attempt says why');
  // full jitter waits the whole base; a CONNACK resets the back-off
  jitter = 0.999999;
  mem.last().drop('ECONNREFUSED');
  clock.advance(7999);
  assert.is(mem.calls.length, 6);
  clock.advance(1);
  assert.is(mem.calls.length, 7);
  const c = mem.last();
  c.accept();
  c.reply({ cmd: 'connack', returnCode: 0 });
  c.drop('reset by peer');
  clock.advance(999);
  assert.is(mem.calls.length, 7);
  clock.advance(1);
  assert.is(mem.calls.length, 8);
});

test('after a reconnect: resubscribe everything, resend unacknowledged QoS 1 in order with DUP', () => {
  const { clock, client, online } = setup({ maxInflight: 4 });
  client.subscribe('a/#', 1);
  client.subscribe('b/+/c', 0);
  client.connect();
  assert.ok(client.publish('out', 'queued-before-connect', 1));
  assert.ok(!client.publish('out', 'qos0-offline', 0), 'QoS 0 offline is dropped');
  let c = online();
  assert.equal(cmds(c), ['connect', 'subscribe', 'publish']);
  const first = c.sent[2];
  assert.is(first.dup, false);
  client.publish('out', 'm2', 1);
  client.publish('out', 'm3', 1);
  c.reply({ cmd: 'puback', messageId: c.sent[3].messageId }); // m2 acked
  client.unsubscribe('b/+/c');
  assert.equal(c.sent.slice(-1)[0].unsubscriptions, ['b/+/c']);
  client.subscribe('d', 1);
  c.drop('gone');
  client.publish('out', 'm4-offline', 1);
  assert.ok(client.publish('out', 'm5-offline', 1));
  assert.ok(!client.publish('out', 'm6-over-the-bound', 1), 'in-flight queue bound');
  assert.equal(client.stats().inflight, 4);
  assert.equal(client.stats().droppedOutgoing, 2);
  clock.advance(1000);
  c = online();
  assert.equal(cmds(c), ['connect', 'subscribe', 'publish', 'publish', 'publish', 'publish']);
  assert.equal(c.sent[1].subscriptions, [
    { topic: 'a/#', qos: 1 },
    { topic: 'd', qos: 1 },
  ]);
  const resent = c.sent.slice(2);
  assert.equal(
    resent.map((p) => [p.payload.toString(), p.dup]),
    [
      ['queued-before-connect', true],
      ['m3', true],
      ['m4-offline', false],
      ['m5-offline', false],
    ],
  );
  assert.is(resent[0].messageId, first.messageId, 'same packet id on resend');
  assert.is(new Set(resent.map((p) => p.messageId)).size, 4);
  for (const p of resent) c.reply({ cmd: 'puback', messageId: p.messageId });
  assert.is(client.stats().inflight, 0);
});

test('the in-flight queue is bounded in bytes as well; PUBACK frees room', () => {
  const { client, online } = setup({ maxInflightBytes: 100 });
  client.connect();
  const c = online();
  assert.ok(!client.publish('t', 'x'.repeat(101), 1), 'alone too big');
  assert.ok(client.publish('t', 'x'.repeat(60), 1));
  assert.ok(!client.publish('t', 'x'.repeat(50), 1));
  assert.ok(client.publish('t', 'x'.repeat(40), 1));
  c.reply({ cmd: 'puback', messageId: c.sent[1].messageId });
  assert.ok(client.publish('t', 'x'.repeat(60), 1));
  assert.is(client.stats().droppedOutgoing, 2);
  assert.is(client.stats().inflight, 2);
});

test('SUBACK refusals are reported per topic; oversized packets are counted, not fatal', () => {
  const { client, events, online } = setup({ maxPacket: 100 });
  client.subscribe('ok', 1);
  client.subscribe('forbidden/#', 1);
  client.connect();
  const c = online();
  c.reply({ cmd: 'suback', messageId: c.sent[1].messageId, granted: [1, 128] });
  assert.equal(events.slice(-1), [['error', 'mqtt: subscription refused: forbidden/#']]);
  c.reply({ cmd: 'publish', topic: 'ok', payload: Buffer.alloc(200), qos: 1, messageId: 2 });
  c.reply({ cmd: 'publish', topic: 'ok', payload: 'small', qos: 0 });
  assert.equal(events.slice(-1), [['message', 'ok', 'small', 0, false]]);
  assert.is(client.stats().droppedIncoming, 1);
  assert.ok(client.stats().connected);
});

test('protocol errors close the connection, are counted, and the client reconnects', () => {
  const { clock, mem, client, events, online } = setup();
  client.connect();
  let c = mem.last();
  c.accept();
  c.reply({ cmd: 'puback', messageId: 1 }); // before CONNACK
  assert.ok(c.ended);
  clock.advance(1000);
  c = online();
  c.raw('\x30\xff\xff\xff\xff\x01');
  assert.ok(c.ended);
  assert.equal(events.slice(-2), [
    ['error', 'mqtt: protocol error: remaining length longer than 4 bytes'],
    ['close', 'protocol error'],
  ]);
  clock.advance(1000);
  c = online();
  c.reply({ cmd: 'connack', returnCode: 0 });
  assert.ok(c.ended, 'a second CONNACK is an error');
  assert.is(client.stats().protocolErrors, 3);
  assert.is(mem.conns.length, 3);
});

test('end(): DISCONNECT, no will, no timers left, and connect() starts again', () => {
  const { clock, mem, client, events, online } = setup({ keepalive: 5 });
  client.connect();
  const c = online();
  client.end();
  assert.equal(cmds(c).slice(-1), ['disconnect']);
  assert.ok(c.ended);
  assert.equal(events.slice(-1), [['close', 'ended']]);
  assert.is(clock.pending(), 0);
  clock.advance(120_000);
  assert.is(mem.conns.length, 1);
  // ending while waiting to reconnect cancels the attempt
  client.connect();
  online().drop('x');
  assert.ok(clock.pending() > 0);
  client.end();
  assert.is(clock.pending(), 0);
  clock.advance(120_000);
  assert.is(mem.conns.length, 2);
});

test('bad arguments throw clear errors', () => {
  const { client } = setup();
  assert.throws(() => client.subscribe('a/#/b'), /filter/);
  assert.throws(() => client.subscribe('a/b+'), /filter/);
  assert.throws(() => client.subscribe(''), /filter/);
  assert.throws(() => client.subscribe('a', 2), /QoS/);
  assert.throws(() => client.publish('a/+', 'x'), /topic/);
  assert.throws(() => client.publish('', 'x'), /topic/);
  assert.throws(() => client.publish('a', 'x', 2), /QoS/);
  assert.throws(() => client.publish('a', new Uint8Array(2) as any), /byte string/);
  const mem = memoryTransport(virtualClock());
  assert.throws(() => createClient({ clientId: 'x' }, mem.transport, virtualClock()), /no host/);
  assert.throws(() => createClient({ host: 'h', clientId: 'x', password: 'p' }, mem.transport, virtualClock()), /username/);
  assert.throws(
    () => createClient({ host: 'h', clientId: 'x', will: { topic: 'a/#', payload: '' } }, mem.transport, virtualClock()),
    /topic/,
  );
});

test.run();
