// MQTT 3.1.1 packets as 8-bit byte strings (one char = one byte), the form
// Espruino sockets read and write. Encoders build the packets a client sends;
// the streaming parser reads the packets a server sends. Topics, payloads,
// client id and credentials are byte strings too: UTF-8 text stays encoded and
// every length is a byte count.

export const CONNECT = 1;
export const CONNACK = 2;
export const PUBLISH = 3;
export const PUBACK = 4;
export const PUBREC = 5;
export const PUBREL = 6;
export const PUBCOMP = 7;
export const SUBSCRIBE = 8;
export const SUBACK = 9;
export const UNSUBSCRIBE = 10;
export const UNSUBACK = 11;
export const PINGREQ = 12;
export const PINGRESP = 13;
export const DISCONNECT = 14;

/** A packet read from the server; only the fields of its type are set. */
export interface Packet {
  type: number;
  /** packet identifier (PUBLISH QoS > 0, acks, SUBACK, UNSUBACK) */
  id?: number;
  topic?: string;
  payload?: string;
  qos?: number;
  retain?: boolean;
  dup?: boolean;
  /** CONNACK */
  sessionPresent?: boolean;
  returnCode?: number;
  /** SUBACK: granted QoS per topic filter, 0x80 = refused */
  granted?: number[];
}

export interface Will {
  topic: string;
  payload: string;
  qos?: number;
  retain?: boolean;
}

export interface ConnectFields {
  clientId: string;
  /** seconds, 0 = no keep-alive */
  keepalive: number;
  clean: boolean;
  username?: string;
  password?: string;
  will?: Will;
}

export interface Subscription {
  topic: string;
  qos: number;
}

// The largest remaining length four length bytes can express.
const MAX_REMAINING = 268435455;

function u16(n: number): string {
  return String.fromCharCode((n >> 8) & 255, n & 255);
}

function lengthPrefixed(s: string): string {
  if (s.length > 65535) throw new Error('mqtt: string field longer than 65535 bytes');
  return u16(s.length) + s;
}

function frame(first: number, body: string): string {
  let n = body.length;
  if (n > MAX_REMAINING) throw new Error('mqtt: packet too large');
  let head = String.fromCharCode(first);
  do {
    let digit = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) digit |= 128;
    head += String.fromCharCode(digit);
  } while (n > 0);
  return head + body;
}

export function checkQos(qos: number, max: number): void {
  if (!(qos >= 0 && qos <= max && qos % 1 === 0)) throw new Error('mqtt: QoS must be 0..' + max);
}

export function encodeConnect(c: ConnectFields): string {
  let flags = c.clean ? 2 : 0;
  let tail = '';
  const will = c.will;
  if (will) {
    const wq = will.qos || 0;
    checkQos(wq, 2);
    flags |= 4 | (wq << 3) | (will.retain ? 32 : 0);
    tail += lengthPrefixed(will.topic) + lengthPrefixed(will.payload);
  }
  if (c.username !== undefined) {
    flags |= 128;
    tail += lengthPrefixed(c.username);
  }
  if (c.password !== undefined) {
    // MQTT 3.1.1 §3.1.2.9: no password without a user name
    if (c.username === undefined) throw new Error('mqtt: password needs a username');
    flags |= 64;
    tail += lengthPrefixed(c.password);
  }
  if (!(c.keepalive >= 0 && c.keepalive <= 65535)) throw new Error('mqtt: keepalive must be 0..65535 s');
  return frame(
    CONNECT << 4,
    '\x00\x04MQTT\x04' + String.fromCharCode(flags) + u16(c.keepalive) + lengthPrefixed(c.clientId) + tail,
  );
}

export function encodePublish(
  topic: string,
  payload: string,
  qos: number,
  retain: boolean,
  dup: boolean,
  id: number,
): string {
  const first = (PUBLISH << 4) | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0);
  return frame(first, lengthPrefixed(topic) + (qos ? u16(id) : '') + payload);
}

export function encodeSubscribe(id: number, subs: Subscription[]): string {
  const parts = [u16(id)];
  for (let i = 0; i < subs.length; i++) parts.push(lengthPrefixed(subs[i].topic) + String.fromCharCode(subs[i].qos));
  return frame((SUBSCRIBE << 4) | 2, parts.join(''));
}

export function encodeUnsubscribe(id: number, topics: string[]): string {
  const parts = [u16(id)];
  for (let i = 0; i < topics.length; i++) parts.push(lengthPrefixed(topics[i]));
  return frame((UNSUBSCRIBE << 4) | 2, parts.join(''));
}

/** PUBACK, PUBREC, PUBREL or PUBCOMP for packet `id`. */
export function encodeAck(type: number, id: number): string {
  return frame((type << 4) | (type === PUBREL ? 2 : 0), u16(id));
}

// Built, not written as literals: a minifier may print '\xc0' as a raw
// non-ASCII char, which a UTF-8 upload to Espruino would turn into two bytes.
export const PINGREQ_PACKET = frame(PINGREQ << 4, '');
export const DISCONNECT_PACKET = frame(DISCONNECT << 4, '');

function u16At(d: string, at: number): number {
  return (d.charCodeAt(at) << 8) | d.charCodeAt(at + 1);
}

// Decodes the packet whose first byte is `first` and whose body is d[s, e).
// Returns the packet, or a string saying why it breaks the protocol.
function decode(d: string, first: number, s: number, e: number): Packet | string {
  const type = first >> 4;
  const flags = first & 15;
  const len = e - s;
  if (type === PUBLISH) {
    const qos = (flags >> 1) & 3;
    if (qos === 3) return 'PUBLISH with QoS 3';
    let at = s + 2 + (len >= 2 ? u16At(d, s) : 0);
    if (len < 2 || at + (qos ? 2 : 0) > e) return 'PUBLISH shorter than its topic';
    const p: Packet = { type: type, topic: d.substring(s + 2, at), qos: qos, retain: (flags & 1) === 1, dup: (flags & 8) === 8 };
    if (qos) {
      p.id = u16At(d, at);
      if (!p.id) return 'PUBLISH with packet id 0';
      at += 2;
    }
    p.payload = d.substring(at, e);
    return p;
  }
  if (flags !== (type === PUBREL ? 2 : 0)) return 'bad flags ' + flags + ' on packet type ' + type;
  switch (type) {
    case CONNACK:
      if (len !== 2) return 'CONNACK of length ' + len;
      return { type: type, sessionPresent: (d.charCodeAt(s) & 1) === 1, returnCode: d.charCodeAt(s + 1) };
    case PUBACK:
    case PUBREC:
    case PUBREL:
    case PUBCOMP:
    case UNSUBACK:
      if (len !== 2) return 'ack type ' + type + ' of length ' + len;
      return { type: type, id: u16At(d, s) };
    case SUBACK: {
      if (len < 3) return 'SUBACK of length ' + len;
      const granted: number[] = [];
      for (let i = s + 2; i < e; i++) granted.push(d.charCodeAt(i));
      return { type: type, id: u16At(d, s), granted: granted };
    }
    case PINGRESP:
      if (len) return 'PINGRESP of length ' + len;
      return { type: type };
  }
  return 'packet type ' + type + ' is not sent by servers';
}

export interface Parser {
  /** Parses what `chunk` completes; keeps the rest for the next call. */
  feed(chunk: string): Packet[];
  /** Forgets buffered bytes and the error, for a new connection; keeps `dropped`. */
  reset(): void;
  /** Set when the stream broke the protocol: the connection must be closed. Non-empty = broken. */
  error: string;
  /** Packets skipped because their remaining length exceeded the limit. */
  dropped: number;
}

/**
 * A streaming parser of server-to-client packets. Packets may arrive split
 * across chunks or several to a chunk. A packet whose remaining length exceeds
 * `maxLength` is skipped as its bytes arrive (never buffered) and counted.
 */
export function createParser(maxLength: number): Parser {
  let parts: string[] = []; // received bytes not yet parsed, joined only when useful
  let have = 0; // bytes in parts
  let need = 2; // bytes parts must hold before another parse attempt can progress
  let skip = 0; // bytes of an oversized packet still to discard
  const parser: Parser = {
    error: '',
    dropped: 0,
    reset: function () {
      parts = [];
      have = skip = 0;
      need = 2;
      parser.error = '';
    },
    feed: function (chunk) {
      const out: Packet[] = [];
      if (parser.error) return out;
      if (skip) {
        if (chunk.length <= skip) {
          skip -= chunk.length;
          return out;
        }
        chunk = chunk.substring(skip);
        skip = 0;
      }
      parts.push(chunk);
      have += chunk.length;
      if (have < need) return out;
      const d = parts.length === 1 ? parts[0] : parts.join('');
      const end = d.length;
      let pos = 0;
      need = 2;
      while (end - pos >= 2) {
        const first = d.charCodeAt(pos);
        if (first < 16 || first >= 240) {
          parser.error = 'invalid packet type ' + (first >> 4);
          break;
        }
        let len = 0;
        let mul = 1;
        let i = pos + 1;
        let b = 128;
        while (b & 128 && i < end && i - pos <= 4) {
          b = d.charCodeAt(i++);
          len += (b & 127) * mul;
          mul *= 128;
        }
        if (b & 128) {
          if (i - pos > 4) parser.error = 'remaining length longer than 4 bytes';
          else need = end - pos + 1;
          break;
        }
        const total = i - pos + len;
        if (len > maxLength) {
          parser.dropped++;
          if (end - pos < total) {
            skip = total - (end - pos);
            pos = end;
            break;
          }
          pos += total;
          continue;
        }
        if (end - pos < total) {
          need = total;
          break;
        }
        const p = decode(d, first, i, pos + total);
        if (typeof p === 'string') {
          parser.error = p;
          break;
        }
        out.push(p);
        pos += total;
      }
      if (parser.error) {
        parts = [];
        have = 0;
        return out;
      }
      const rest = pos ? d.substring(pos) : d;
      parts = rest ? [rest] : [];
      have = rest.length;
      return out;
    },
  };
  return parser;
}
