// The codec against mqtt-packet as the oracle: what we write parses there with
// the same fields; what it generates parses here, whole and in random pieces.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import mqttPacket from 'mqtt-packet';
import {
  CONNACK,
  DISCONNECT_PACKET,
  PINGREQ_PACKET,
  PINGRESP,
  PUBACK,
  PUBCOMP,
  PUBLISH,
  PUBREC,
  PUBREL,
  SUBACK,
  UNSUBACK,
  createParser,
  encodeAck,
  encodeConnect,
  encodePublish,
  encodeSubscribe,
  encodeUnsubscribe,
} from '../../src/mqtt/codec';
import type { Packet } from '../../src/mqtt/codec';
import { fromBytes, randomBytes, randomTopic, seededRandom, toBytes } from './helpers';

const rnd = seededRandom('codec.test');
const BIG = 300_000_000; // parser limit that lets every legal packet through

/** Parses a byte string with mqtt-packet; fails on any parser error. */
function oracleParse(bytes: string): any[] {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const out: any[] = [];
  parser.on('packet', (p: any) => out.push(p));
  parser.on('error', (e: Error) => {
    throw e;
  });
  parser.parse(fromBytes(bytes));
  return out;
}

function oracleOne(bytes: string): any {
  const ps = oracleParse(bytes);
  assert.is(ps.length, 1, 'exactly one packet');
  return ps[0];
}

const generate = (p: any): string => mqttPacket.generate(p).toString('latin1');

function ourParse(bytes: string, max = BIG): Packet[] {
  const parser = createParser(max);
  const out = parser.feed(bytes);
  assert.is(parser.error, '', 'no protocol error');
  return out;
}

/** Payload length giving a PUBLISH of exactly `remaining` remaining-length bytes. */
const payloadFor = (remaining: number, topicBytes: number, qos: number) => remaining - 2 - topicBytes - (qos ? 2 : 0);

const BOUNDARIES = [127, 128, 16383, 16384, 2097151, 2097152];

test('CONNECT with every option combination parses in mqtt-packet', () => {
  for (let i = 0; i < 64; i++) {
    const withWill = (i & 1) !== 0;
    const withUser = (i & 2) !== 0;
    const withPass = withUser && (i & 4) !== 0;
    const clean = (i & 8) !== 0;
    const fields = {
      clientId: toBytes(i & 16 ? 'gw-é' + i : 'c' + i),
      keepalive: [0, 1, 60, 65535][i % 4],
      clean,
      username: withUser ? toBytes('üser' + i) : undefined,
      password: withPass ? randomBytes(rnd, (i * 7) % 40) : undefined,
      will: withWill
        ? { topic: toBytes('P/gateway/status/ü'), payload: randomBytes(rnd, i * 3), qos: i % 3, retain: (i & 32) !== 0 }
        : undefined,
    };
    const p = oracleOne(encodeConnect(fields));
    assert.is(p.cmd, 'connect');
    assert.is(p.protocolId, 'MQTT');
    assert.is(p.protocolVersion, 4);
    assert.is(p.clientId, fromBytes(fields.clientId).toString('utf8'));
    assert.is(p.keepalive, fields.keepalive);
    assert.is(p.clean, clean);
    assert.is(p.username, withUser ? fromBytes(fields.username!).toString('utf8') : undefined);
    if (withPass) assert.ok(fromBytes(fields.password!).equals(p.password));
    else assert.is(p.password, undefined);
    if (withWill) {
      assert.is(p.will.topic, 'P/gateway/status/ü');
      assert.ok(fromBytes(fields.will!.payload).equals(p.will.payload));
      assert.is(p.will.qos, fields.will!.qos);
      assert.is(p.will.retain, fields.will!.retain);
    } else assert.is(p.will, undefined);
  }
});

test('encoders refuse what MQTT 3.1.1 cannot carry', () => {
  assert.throws(() => encodeConnect({ clientId: 'x', keepalive: 60, clean: true, password: 'p' }), /username/);
  assert.throws(() => encodeConnect({ clientId: 'x', keepalive: 70000, clean: true }), /keepalive/);
  assert.throws(() => encodeConnect({ clientId: 'x'.repeat(65536), keepalive: 1, clean: true }), /65535/);
  assert.throws(
    () => encodeConnect({ clientId: 'x', keepalive: 1, clean: true, will: { topic: 't', payload: '', qos: 3 } }),
    /QoS/,
  );
  assert.throws(() => encodePublish('t'.repeat(70000), '', 0, false, false, 0), /65535/);
});

test('PUBLISH QoS 0/1 at remaining-length boundaries parses in mqtt-packet', () => {
  const topic = toBytes('sensors/ü/temp');
  for (const rl of BOUNDARIES)
    for (const qos of [0, 1]) {
      const payload = randomBytes(rnd, payloadFor(rl, topic.length, qos));
      const bytes = encodePublish(topic, payload, qos, qos === 1, qos === 1, 4242);
      assert.is(bytes.length, 1 + (rl < 128 ? 1 : rl < 16384 ? 2 : rl < 2097152 ? 3 : 4) + rl, 'header size for ' + rl);
      const p = oracleOne(bytes);
      assert.is(p.cmd, 'publish');
      assert.is(p.topic, 'sensors/ü/temp');
      assert.is(p.qos, qos);
      assert.is(p.retain, qos === 1);
      assert.is(p.dup, qos === 1);
      if (qos) assert.is(p.messageId, 4242);
      assert.ok(fromBytes(payload).equals(p.payload), 'payload bytes of ' + rl);
    }
});

test('random PUBLISH, SUBSCRIBE, UNSUBSCRIBE and acks parse in mqtt-packet', () => {
  for (let i = 0; i < 300; i++) {
    const text = randomTopic(rnd);
    const qos = i % 2;
    const payload = randomBytes(rnd, Math.floor(rnd() * (i % 10 === 0 ? 20000 : 300)));
    const id = 1 + Math.floor(rnd() * 65535);
    const retain = rnd() < 0.5;
    const pub = oracleOne(encodePublish(toBytes(text), payload, qos, retain, false, id));
    assert.is(pub.topic, text);
    assert.ok(fromBytes(payload).equals(pub.payload));
    assert.is(pub.retain, retain);
    if (qos) assert.is(pub.messageId, id);

    const subs = [];
    for (let j = 0, n = 1 + Math.floor(rnd() * 5); j < n; j++) subs.push({ topic: randomTopic(rnd) + '/+/#', qos: j % 2 });
    const sub = oracleOne(encodeSubscribe(id, subs.map((s) => ({ topic: toBytes(s.topic), qos: s.qos }))));
    assert.is(sub.cmd, 'subscribe');
    assert.is(sub.messageId, id);
    assert.equal(sub.subscriptions.map((s: any) => ({ topic: s.topic, qos: s.qos })), subs);

    const unsub = oracleOne(encodeUnsubscribe(id, subs.map((s) => toBytes(s.topic))));
    assert.is(unsub.cmd, 'unsubscribe');
    assert.is(unsub.messageId, id);
    assert.equal(unsub.unsubscriptions, subs.map((s) => s.topic));

    for (const [type, cmd] of [
      [PUBACK, 'puback'],
      [PUBREC, 'pubrec'],
      [PUBREL, 'pubrel'],
      [PUBCOMP, 'pubcomp'],
    ] as const) {
      const ack = oracleOne(encodeAck(type, id));
      assert.is(ack.cmd, cmd);
      assert.is(ack.messageId, id);
    }
  }
  assert.is(oracleOne(PINGREQ_PACKET).cmd, 'pingreq');
  assert.is(oracleOne(DISCONNECT_PACKET).cmd, 'disconnect');
});

/** A random server-to-client packet from mqtt-packet, with what we must read from it. */
function randomServerPacket(big: boolean): { bytes: string; expect: Packet } {
  const id = 1 + Math.floor(rnd() * 65535);
  const r = Math.floor(rnd() * 10);
  if (r < 4 || big) {
    const qos = Math.floor(rnd() * 3);
    const topic = randomTopic(rnd);
    const len = big
      ? payloadFor(BOUNDARIES[Math.floor(rnd() * 4)] + Math.floor(rnd() * 3) - 1, Buffer.byteLength(topic), qos)
      : Math.floor(rnd() * 700);
    const payload = randomBytes(rnd, len);
    const retain = rnd() < 0.3;
    const dup = qos > 0 && rnd() < 0.3;
    const bytes = generate({ cmd: 'publish', topic, payload: fromBytes(payload), qos, retain, dup, messageId: id });
    const expect: Packet = { type: PUBLISH, topic: toBytes(topic), qos, retain, dup, payload };
    if (qos) expect.id = id;
    return { bytes, expect };
  }
  if (r === 4) {
    const returnCode = Math.floor(rnd() * 6);
    const sessionPresent = returnCode === 0 && rnd() < 0.5;
    return {
      bytes: generate({ cmd: 'connack', returnCode, sessionPresent }),
      expect: { type: CONNACK, returnCode, sessionPresent },
    };
  }
  if (r === 5) {
    const granted = [];
    for (let i = 0, n = 1 + Math.floor(rnd() * 6); i < n; i++) granted.push([0, 1, 2, 128][Math.floor(rnd() * 4)]);
    return { bytes: generate({ cmd: 'suback', messageId: id, granted }), expect: { type: SUBACK, id, granted } };
  }
  if (r === 6) return { bytes: generate({ cmd: 'pingresp' }), expect: { type: PINGRESP } };
  const [cmd, type] = (
    [
      ['puback', PUBACK],
      ['pubrec', PUBREC],
      ['pubrel', PUBREL],
      ['pubcomp', PUBCOMP],
      ['unsuback', UNSUBACK],
    ] as const
  )[Math.floor(rnd() * 5)];
  return { bytes: generate({ cmd, messageId: id }), expect: { type, id } };
}

test('every server packet mqtt-packet generates parses here with the same fields', () => {
  for (let i = 0; i < 1000; i++) {
    const { bytes, expect } = randomServerPacket(i % 50 === 0);
    assert.equal(ourParse(bytes), [expect]);
  }
});

/** Feeds `bytes` in random pieces: 1-byte runs, Espruino-sized chunks, and larger ones. */
function feedInPieces(parser: ReturnType<typeof createParser>, bytes: string): Packet[] {
  const out: Packet[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const mode = rnd();
    const n = mode < 0.3 ? 1 : mode < 0.8 ? 1 + Math.floor(rnd() * 536) : 1 + Math.floor(rnd() * 20000);
    for (const p of parser.feed(bytes.substring(pos, pos + n))) out.push(p);
    assert.is(parser.error, '');
    pos += n;
  }
  return out;
}

test('runs of many packets survive random fragmentation, including 1-byte chunks', () => {
  for (let round = 0; round < 8; round++) {
    const list = [];
    for (let i = 0; i < 150; i++) list.push(randomServerPacket(i === 75));
    const bytes = list.map((x) => x.bytes).join('');
    const expect = list.map((x) => x.expect);
    assert.equal(ourParse(bytes), expect, 'whole');
    assert.equal(feedInPieces(createParser(BIG), bytes), expect, 'in pieces');
  }
});

test('a packet comes out exactly when its last byte arrives, wherever it was split', () => {
  for (let i = 0; i < 40; i++) {
    const { bytes, expect } = randomServerPacket(i % 10 === 0);
    const cuts = bytes.length < 600 ? bytes.length : 40;
    for (let c = 0; c < cuts; c++) {
      const k = bytes.length < 600 ? c : 1 + Math.floor(rnd() * (bytes.length - 1));
      const parser = createParser(BIG);
      if (k > 0) assert.equal(parser.feed(bytes.substring(0, k)), [], 'nothing before the end');
      assert.equal(parser.feed(bytes.substring(k)), [expect], 'split at ' + k);
    }
  }
  const ping = generate({ cmd: 'pingresp' });
  const pub = generate({ cmd: 'publish', topic: 'a', payload: 'xyz', qos: 1, messageId: 3 });
  const parser = createParser(BIG);
  const bytes = pub + ping + pub;
  const counts = [];
  for (let i = 0; i < bytes.length; i++) counts.push(parser.feed(bytes[i]).length);
  assert.equal(counts.join(''), '0'.repeat(pub.length - 1) + '1' + '01' + '0'.repeat(pub.length - 1) + '1');
});

test('oversized packets are skipped and counted, the stream goes on', () => {
  const max = 1000;
  for (let round = 0; round < 20; round++) {
    const list: { bytes: string; expect: Packet; rl: number }[] = [];
    for (let i = 0; i < 60; i++) {
      const size = [10, 300, 998, 999, 1000, 1001, 1002, 5000, 70000][Math.floor(rnd() * 9)];
      const topic = 'big/' + i;
      const payload = randomBytes(rnd, payloadFor(size, topic.length, 1));
      list.push({
        bytes: generate({ cmd: 'publish', topic, payload: fromBytes(payload), qos: 1, messageId: i + 1 }),
        expect: { type: PUBLISH, topic, qos: 1, retain: false, dup: false, id: i + 1, payload },
        rl: size,
      });
      if (rnd() < 0.3) list.push({ bytes: generate({ cmd: 'pingresp' }), expect: { type: PINGRESP }, rl: 0 });
    }
    const parser = createParser(max);
    const got = feedInPieces(parser, list.map((x) => x.bytes).join(''));
    assert.equal(got, list.filter((x) => x.rl <= max).map((x) => x.expect));
    assert.is(parser.dropped, list.filter((x) => x.rl > max).length);
  }
});

test('a huge announced length is skipped without waiting to buffer it', () => {
  const parser = createParser(6144);
  // PUBLISH announcing 268435455 bytes (the maximum), then 1 MB of it arrives
  assert.equal(parser.feed('\x30\xff\xff\xff\x7f'), []);
  assert.is(parser.dropped, 1);
  for (let i = 0; i < 2000; i++) assert.equal(parser.feed('x'.repeat(500)), []);
  assert.is(parser.error, '');
  // a fresh connection resets the skip but keeps the count
  parser.reset();
  assert.equal(parser.feed(generate({ cmd: 'pingresp' })), [{ type: PINGRESP }]);
  assert.is(parser.dropped, 1);
});

const BAD: [string, string, RegExp][] = [
  ['5-byte remaining length', '\x30\xff\xff\xff\xff\x01', /longer than 4/],
  ['packet type 0', '\x00\x00', /type 0/],
  ['packet type 15', '\xf0\x00', /type 15/],
  ['CONNECT from a server', generate({ cmd: 'connect', clientId: 'x' }), /not sent by servers/],
  ['SUBSCRIBE from a server', generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a', qos: 0 }] }), /flags|not sent/],
  ['PINGREQ from a server', '\xc0\x00', /not sent/],
  ['DISCONNECT from a server', '\xe0\x00', /not sent/],
  ['PUBACK with flags', '\x41\x02\x00\x01', /flags/],
  ['PUBREL without its flag bit', '\x60\x02\x00\x01', /flags/],
  ['PUBLISH with QoS 3', '\x36\x05\x00\x01a\x00\x01', /QoS 3/],
  ['PUBLISH with id 0', '\x32\x05\x00\x01a\x00\x00', /id 0/],
  ['PUBLISH topic past the end', '\x30\x03\x00\x05a', /shorter/],
  ['PUBLISH of length 1', '\x30\x01\x00', /shorter/],
  ['PUBLISH QoS 1 without room for an id', '\x32\x03\x00\x01a', /shorter/],
  ['CONNACK of length 3', '\x20\x03\x00\x00\x00', /CONNACK/],
  ['PINGRESP with a body', '\xd0\x01\x00', /PINGRESP/],
  ['SUBACK without codes', '\x90\x02\x00\x01', /SUBACK/],
  ['UNSUBACK of length 3', '\xb0\x03\x00\x01\x00', /length 3/],
];

test('protocol errors are reported, also when the bytes come one by one', () => {
  const ok = generate({ cmd: 'puback', messageId: 7 });
  for (const [name, bad, why] of BAD) {
    for (const oneByOne of [false, true]) {
      const parser = createParser(6144);
      const bytes = ok + bad + ok;
      const got: Packet[] = [];
      const step = oneByOne ? 1 : bytes.length;
      for (let i = 0; i < bytes.length; i += step) got.push(...parser.feed(bytes.substring(i, i + step)));
      assert.equal(got, [{ type: PUBACK, id: 7 }], name + ': packets before the error');
      assert.match(parser.error, why, name);
      assert.equal(parser.feed(ok), [], name + ': nothing after the error');
      parser.reset();
      assert.is(parser.error, '');
      assert.equal(parser.feed(ok), [{ type: PUBACK, id: 7 }], name + ': reset');
    }
  }
});

test('a PUBLISH with an empty payload and QoS 2 decodes', () => {
  assert.equal(ourParse(generate({ cmd: 'publish', topic: 't', payload: '', qos: 2, messageId: 9 })), [
    { type: PUBLISH, topic: 't', qos: 2, retain: false, dup: false, id: 9, payload: '' },
  ]);
});

test.run();
