// MQTT 3.1.1 client: the connection state machine over an injected transport
// and clock, so the same code runs on Espruino, on Node and in virtual time.
//
//   const c = createClient(options, transport, clock);
//   c.on('connect', (sessionPresent) => c.publish('P/gateway/status', 'online', 1, true));
//   c.on('message', (topic, payload, packet) => ...);  // byte strings; packet.qos/retain/dup
//   c.on('close', (reason) => ...);   // after a 'connect', when that connection ends
//   c.on('fail', (reason) => ...);    // a connection attempt ended before its CONNACK (retried)
//   c.on('error', (err) => ...);      // refused CONNACK or subscription, protocol error,
//                                     // an exception thrown by another listener
//   c.subscribe(filter, qos /* 0|1 */); c.unsubscribe(filter);  // kept across reconnects
//   c.publish(topic, payload, qos /* 0|1 */, retain) → false when dropped (QoS 0 while
//     offline, or QoS 1 beyond `maxInflight` / `maxInflightBytes` awaiting PUBACK)
//   c.connect(); c.end();  // end() sends DISCONNECT (no will) and stops reconnecting
//   c.stats() → { connected, inflight, reconnects, droppedIncoming, droppedOutgoing, protocolErrors }
//
// Behaviour: after every CONNACK it resubscribes everything and resends every
// QoS 1 message not yet acknowledged (DUP set on those sent before), in order.
// It pings when nothing was sent for `keepalive` s (the next interval starts
// at the PINGRESP); no CONNACK or PINGRESP within `timeout` ms closes the
// connection. Lost connections are retried with exponential back-off from
// `backoffMin` to `backoffMax` ms, each delay jittered into [d/2, d].
// Incoming QoS 1 is acknowledged after the 'message' listeners ran; a QoS 2 PUBLISH (never asked for: subscriptions are QoS ≤ 1)
// is delivered and completed with PUBREC/PUBCOMP, at least once.
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
  checkQos,
  createParser,
  encodeAck,
  encodeConnect,
  encodePublish,
  encodeSubscribe,
  encodeUnsubscribe,
} from './codec';
import type { Packet, Subscription } from './codec';
import { freeId, takeById } from './awaiting';
import type { Outgoing, PendingSubscribe } from './awaiting';
import { checkFilter, checkTopic, parseMqttUrl } from './checks';
import type { Clock, Connection, Transport } from './transport';
import type { ClientOptions, MqttClient } from './types';

export type { ClientOptions, ClientStats, MqttClient } from './types';

const REFUSED = ['', 'bad protocol version', 'client id rejected', 'server unavailable', 'bad username or password', 'not authorized'];

// States of the connection.
const IDLE = 0; // not started, or ended
const CONNECTING = 1; // TCP connect and CONNECT/CONNACK
const CONNECTED = 2;
const WAITING = 3; // back-off before the next attempt

export function createClient(o: ClientOptions, transport: Transport, clock: Clock): MqttClient {
  let host = o.host || '';
  let port = o.port || 1883;
  if (o.url) {
    const u = parseMqttUrl(o.url);
    host = u.host;
    port = u.port;
  }
  if (!host) throw new Error('mqtt: no host');
  const keepalive = o.keepalive ?? 60;
  // Encoded once: this also checks the options up front.
  const connectPacket = encodeConnect({
    clientId: o.clientId,
    keepalive: keepalive,
    clean: o.clean ?? true,
    username: o.username,
    password: o.password,
    will: o.will,
  });
  if (o.will) checkTopic(o.will.topic);
  const timeout = o.timeout || 10000;
  const backoffMin = o.backoffMin || 1000;
  const backoffMax = o.backoffMax || 60000;
  const maxInflight = o.maxInflight || 16;
  const maxInflightBytes = o.maxInflightBytes || 16384;
  const random = o.random || Math.random;
  const parser = createParser(o.maxPacket || 6144);

  const subs: Subscription[] = [];
  const inflight: Outgoing[] = [];
  const pendingSubs: PendingSubscribe[] = []; // awaiting SUBACK
  const listeners: { [event: string]: Function[] } = {};
  const counts = { reconnects: 0, droppedOutgoing: 0, protocolErrors: 0 };
  let state = IDLE;
  let conn: Connection | undefined;
  let generation = 0; // bumped whenever a connection is abandoned: stale callbacks compare it
  let timer: unknown;
  let attempts = 0; // failed attempts since the last CONNACK
  let pingSent = false;
  let lastId = 0;
  let inflightBytes = 0;

  function emit(event: string, a?: unknown, b?: unknown, c?: unknown): void {
    const l = listeners[event];
    if (!l) return;
    for (let i = 0; i < l.length; i++) {
      try {
        l[i](a, b, c);
      } catch (e) {
        if (event !== 'error') emit('error', e);
      }
    }
  }

  function arm(ms: number, fn: () => void): void {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = clock.setTimeout(function () {
      timer = undefined;
      fn();
    }, ms);
  }

  function disarm(): void {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  }

  function send(bytes: string): void {
    if (!conn) return;
    conn.write(bytes);
    // Keep-alive counts from the last packet sent, measured by restarting the
    // timer rather than by reading a clock that setTime() may move.
    if (state === CONNECTED && keepalive && !pingSent) arm(keepalive * 1000, tick);
  }

  function nextId(): number {
    return (lastId = freeId(lastId, inflight, pendingSubs));
  }

  function sendSubscribe(list: Subscription[]): void {
    const id = nextId();
    pendingSubs.push({ id: id, topics: list });
    send(encodeSubscribe(id, list));
  }

  function open(): void {
    const mine = ++generation;
    state = CONNECTING;
    parser.reset();
    pendingSubs.splice(0);
    pingSent = false;
    arm(timeout, function () {
      lost('no CONNACK within ' + timeout + ' ms');
    });
    let c: Connection | undefined;
    try {
      c = transport.connect(host, port, {
        connect: function () {
          if (mine === generation) send(connectPacket);
        },
        data: function (chunk) {
          if (mine === generation) received(chunk);
        },
        close: function (reason) {
          if (mine === generation) lost(reason || 'closed by the server');
        },
      });
    } catch (e) {
      lost('connect failed: ' + e);
    }
    if (mine === generation) conn = c;
  }

  // Abandons the current connection and, unless ended, schedules the next attempt.
  function lost(reason: string): void {
    const was = state;
    const c = conn;
    conn = undefined;
    generation++;
    state = WAITING;
    if (c) c.end();
    const base = Math.min(backoffMax, backoffMin * Math.pow(2, attempts));
    if (base < backoffMax) attempts++;
    arm(base / 2 + (random() * base) / 2, function () {
      counts.reconnects++;
      open();
    });
    if (was === CONNECTED) emit('close', reason);
    else if (was === CONNECTING) emit('fail', reason);
  }

  function protocolError(why: string): void {
    counts.protocolErrors++;
    emit('error', new Error('mqtt: protocol error: ' + why));
    if (state === CONNECTED || state === CONNECTING) lost('protocol error');
  }

  // Keep-alive timer while connected: fires after `keepalive` s without
  // sending, and sends a ping; fires again if no PINGRESP came in `timeout` ms.
  function tick(): void {
    if (pingSent) return lost('no PINGRESP within ' + timeout + ' ms');
    send(PINGREQ_PACKET);
    pingSent = true;
    arm(timeout, tick);
  }

  function received(chunk: string): void {
    const mine = generation;
    const packets = parser.feed(chunk);
    for (let i = 0; i < packets.length && mine === generation; i++) handle(packets[i]);
    if (parser.error && mine === generation) protocolError(parser.error);
  }

  function handle(p: Packet): void {
    // one loop index for every case: Espruino does not hoist `var`, so an
    // index declared in one case would be a closure variable in another
    let i: number;
    if (state !== CONNECTED && p.type !== CONNACK) return protocolError('packet type ' + p.type + ' before CONNACK');
    switch (p.type) {
      case CONNACK: {
        if (state === CONNECTED) return protocolError('second CONNACK');
        const code = p.returnCode as number;
        if (code) {
          emit('error', new Error('mqtt: connection refused: ' + (REFUSED[code] || 'code ' + code)));
          if (state === CONNECTING) lost('refused');
          return;
        }
        state = CONNECTED;
        attempts = 0;
        if (keepalive) arm(keepalive * 1000, tick);
        else disarm();
        if (subs.length) sendSubscribe(subs.slice());
        for (i = 0; i < inflight.length; i++) {
          const m = inflight[i];
          send(encodePublish(m.topic, m.payload, 1, m.retain, m.sent, m.id));
          m.sent = true;
        }
        emit('connect', p.sessionPresent);
        return;
      }
      case PUBLISH:
        emit('message', p.topic, p.payload, p);
        if (p.qos === 1) send(encodeAck(PUBACK, p.id as number));
        else if (p.qos === 2) send(encodeAck(PUBREC, p.id as number));
        return;
      case PUBREL:
        send(encodeAck(PUBCOMP, p.id as number));
        return;
      case PUBACK: {
        const acked = takeById(inflight, p.id);
        if (acked) inflightBytes -= acked.payload.length;
        return;
      }
      case SUBACK: {
        const sub = takeById(pendingSubs, p.id);
        if (!sub) return;
        const granted = p.granted as number[];
        for (i = 0; i < sub.topics.length; i++)
          if (!(granted[i] <= 2)) emit('error', new Error('mqtt: subscription refused: ' + sub.topics[i].topic));
        return;
      }
      case PINGRESP:
        if (pingSent) arm(keepalive * 1000, tick);
        pingSent = false;
        return;
    }
    // UNSUBACK needs nothing; PUBREC/PUBCOMP cannot refer to anything (no QoS 2 sent).
  }

  const client: MqttClient = {
    connect: function () {
      if (state !== IDLE) return;
      attempts = 0;
      open();
    },
    end: function () {
      const was = state;
      if (was === CONNECTED) send(DISCONNECT_PACKET);
      const c = conn;
      conn = undefined;
      generation++;
      state = IDLE;
      disarm();
      if (c) c.end();
      if (was === CONNECTED) emit('close', 'ended');
    },
    publish: function (topic, payload, qos, retain) {
      checkTopic(topic);
      if (typeof payload !== 'string') throw new Error('mqtt: payload must be a byte string');
      const q = qos || 0;
      checkQos(q, 1);
      if (!q) {
        if (state !== CONNECTED) {
          counts.droppedOutgoing++;
          return false;
        }
        send(encodePublish(topic, payload, 0, !!retain, false, 0));
        return true;
      }
      if (inflight.length >= maxInflight || inflightBytes + payload.length > maxInflightBytes) {
        counts.droppedOutgoing++;
        return false;
      }
      const m: Outgoing = { id: nextId(), topic: topic, payload: payload, retain: !!retain, sent: false };
      inflight.push(m);
      inflightBytes += payload.length;
      if (state === CONNECTED) {
        send(encodePublish(topic, payload, 1, m.retain, false, m.id));
        m.sent = true;
      }
      return true;
    },
    subscribe: function (filter, qos) {
      checkFilter(filter);
      const q = qos || 0;
      checkQos(q, 1);
      let s: Subscription | undefined;
      for (let i = 0; i < subs.length; i++) if (subs[i].topic === filter) s = subs[i];
      if (s) s.qos = q;
      else subs.push((s = { topic: filter, qos: q }));
      if (state === CONNECTED) sendSubscribe([s]);
    },
    unsubscribe: function (filter) {
      for (let i = 0; i < subs.length; i++) if (subs[i].topic === filter) subs.splice(i--, 1);
      if (state === CONNECTED) send(encodeUnsubscribe(nextId(), [filter]));
    },
    on: function (event: string, fn: Function) {
      (listeners[event] || (listeners[event] = [])).push(fn);
      return client;
    },
    stats: function () {
      return {
        connected: state === CONNECTED,
        inflight: inflight.length,
        reconnects: counts.reconnects,
        droppedIncoming: parser.dropped,
        droppedOutgoing: counts.droppedOutgoing,
        protocolErrors: counts.protocolErrors,
      };
    },
  };
  return client;
}
