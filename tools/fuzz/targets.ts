// Fuzz targets: every parser and decision of the project that sees bytes from
// outside, driven by fast-check with inputs that mix plain random bytes with
// mutations of valid messages (so the deep branches are reached, not just the
// first check). Each target states its properties and counts its outcomes;
// a property that fails throws with fast-check's shrunk counterexample.
import fc from 'fast-check';
import * as P from '../../src/protocol/index.ts';
import { createParser, encodeAck, encodePublish, PUBLISH } from '../../src/mqtt/codec.ts';
import { isRefusal, readRequest, MAX_URL } from '../../src/gateway/http/request.ts';
import type { HttpRequest } from '../../src/gateway/http/request.ts';
import { readFrame } from '../../src/gateway/ws/frame.ts';
import { applyConfig, configText, defaultConfig, parseConfig } from '../../src/gateway/config.ts';
import { route } from '../../src/gateway/http/routes.ts';
import { runRequest } from '../../src/gateway/ws/rpc.ts';
import { SECURITY_REASONS } from '../../src/gateway/admin/wire.ts';
import { BLOCK_S, FAIL_BUDGET } from '../../src/gateway/strikes.ts';
import { crypto, DEVICE, Rig, T0 } from './rig.ts';

export interface Outcome {
  runs: number;
  /** how often each outcome (accepted, or a refusal reason) came up */
  counts: Record<string, number>;
}

export interface Target {
  name: string;
  /** what is fuzzed and what must hold */
  what: string;
  run(numRuns: number, seed?: number): Outcome;
}

function tally(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] || 0) + 1;
}

const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');
/** Bytes as the firmware sees them: an 8-bit string. */
const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map(latin1);
const ascii = (max: number) => fc.string({ unit: 'binary-ascii', maxLength: max });

/** Replaces, inserts or deletes one byte of `s` at a spot chosen by the numbers. */
function mutate(s: string, where: number, what: number, how: number): string {
  const at = s.length ? where % s.length : 0;
  const c = String.fromCharCode(what & 255);
  if (how % 3 === 0) return s.slice(0, at) + c + s.slice(at + 1);
  if (how % 3 === 1) return s.slice(0, at) + c + s.slice(at);
  return s.slice(0, at) + s.slice(at + 1);
}
const mutation = fc.tuple(fc.nat(), fc.nat(), fc.nat());

/** Any JSON value, with the odd values attackers like. */
const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, '', '__proto__', 'constructor', -1, 1e308, 9007199254740993, '\u0000', 'a'.repeat(300)),
);

function check(name: string, numRuns: number, seed: number | undefined, prop: fc.IProperty<any>): void {
  fc.assert(prop, { numRuns, seed, endOnFailure: true });
  void name;
}

// ---- connect requests (docs/protocol.md §3.1) -----------------------------

const validPub = P.toHex(P.newKeyPair(crypto).publicKey);
/** Mostly the right thing, sometimes anything. */
const usually = <T>(good: fc.Arbitrary<T>, ...bad: fc.Arbitrary<unknown>[]) => fc.oneof({ weight: 4, arbitrary: good }, ...bad.map((b) => ({ weight: 1, arbitrary: b })));

const connectFields = fc.record(
  {
    jsonrpc: usually(fc.constant('2.0'), jsonish),
    id: usually(fc.nat(), ascii(8), jsonish),
    method: usually(fc.constant('connect'), jsonish),
    params: usually(
      fc.record(
        {
          device_id: usually(fc.constantFrom('dev-1', 'a'.repeat(64), 'fuzz-dev', 'x.y_z-1'), fc.constantFrom('a'.repeat(65), 'bad id', '', '../x', '__proto__'), ascii(70), jsonish),
          pubkey: usually(fc.constant(validPub), fc.constant(validPub.toUpperCase()), ascii(66), jsonish),
          psk_proof: fc.oneof(fc.constant(validPub), ascii(66), jsonish),
          name: fc.oneof(ascii(80), bytes(200), jsonish),
        },
        { requiredKeys: ['device_id', 'pubkey'] },
      ),
      fc.record({ device_id: jsonish, pubkey: jsonish }, { requiredKeys: [] }),
      jsonish,
    ),
  },
  { requiredKeys: ['jsonrpc', 'id', 'method', 'params'] },
);

const connectRequest: Target = {
  name: 'connect-request',
  what: 'parseConnectRequest on random bytes and mutated requests: never throws; accepts only well-formed requests (§3.1)',
  run(numRuns, seed) {
    const counts: Record<string, number> = {};
    const payload = fc.oneof(
      { weight: 1, arbitrary: bytes(300) },
      { weight: 4, arbitrary: connectFields.map((o) => JSON.stringify(o)) },
      { weight: 1, arbitrary: fc.tuple(connectFields, mutation).map(([o, m]) => mutate(JSON.stringify(o), ...m)) },
    );
    check(this.name, numRuns, seed, fc.property(payload, (text) => {
      const r = P.parseConnectRequest(text, 4096);
      if (!r.ok) {
        if (!r.reason) throw new Error('a refusal without a reason');
        return tally(counts, r.reason.split(' ')[0]);
      }
      const q = r.request;
      if (!P.isDeviceId(q.deviceId) || !P.isHex(q.pubkey, 64) || (q.pskProof !== undefined && !P.isHex(q.pskProof, 64))) throw new Error('accepted a bad request: ' + text);
      if (q.name !== undefined && typeof q.name !== 'string') throw new Error('name not a string');
      tally(counts, 'accepted');
    }));
    return { runs: numRuns, counts };
  },
};

// ---- connect replies at the device (§3.2): forged approvals ---------------

const connectReply: Target = {
  name: 'connect-reply',
  what: 'readConnectReply at a device holding a PSK: random and forged approvals (any gateway key, missing/wrong gw_proof) are never taken',
  run(numRuns, seed) {
    const counts: Record<string, number> = {};
    const devPub = validPub;
    const pskHash = P.pskHash(crypto, 'device-psk');
    const gwPub = P.toHex(P.newKeyPair(crypto).publicKey);
    const genuine = P.gatewayProof(crypto, pskHash, 'dev-1', devPub, gwPub);
    const forged = fc.record({
      jsonrpc: fc.constant('2.0'),
      method: fc.constantFrom('approved', 'connect'),
      id: fc.oneof(fc.constant(1), jsonish),
      result: fc.oneof(fc.record({ status: fc.constantFrom('approved', 'pending'), device_id: fc.constantFrom('dev-1', 'dev-2'), gateway_pubkey: fc.oneof(fc.constant(gwPub), ascii(64)), gw_proof: fc.oneof(ascii(64), fc.constant(genuine.replace(/^./, genuine[0] === 'a' ? 'b' : 'a'))), time: jsonish }, { requiredKeys: [] }), jsonish),
      params: fc.oneof(fc.record({ device_id: fc.constantFrom('dev-1'), gateway_pubkey: fc.oneof(fc.constant(gwPub), ascii(64)), gw_proof: fc.oneof(ascii(64), jsonish), time: jsonish }, { requiredKeys: [] }), jsonish),
    }, { requiredKeys: ['jsonrpc'] });
    const payload = fc.oneof(bytes(300), forged.map((o) => JSON.stringify(o)), fc.tuple(forged, mutation).map(([o, m]) => mutate(JSON.stringify(o), ...m)));
    check(this.name, numRuns, seed, fc.property(payload, (text) => {
      const r = P.readConnectReply(crypto, text, { deviceId: 'dev-1', pubkey: devPub, pskHash });
      if (r.kind === 'approved') throw new Error('took a forged approval: ' + text);
      tally(counts, r.kind);
    }));
    return { runs: numRuns, counts };
  },
};

// ---- sealed envelopes (§5.3) ----------------------------------------------

/** Ways to spoil a genuine envelope; each must make it fail. */
function tamper(env: string, kind: number, a: number, b: number): string {
  const e = JSON.parse(env);
  switch (kind % 9) {
    case 0:
      e.nonce += 1 + (a % 5);
      break;
    case 1:
      e.timestamp += a % 2 ? 1 : -1;
      break;
    case 2: {
      const c = Buffer.from(e.ciphertext, 'base64');
      c[a % c.length] ^= 1 << (b % 8);
      e.ciphertext = c.toString('base64');
      break;
    }
    case 3: {
      const c = Buffer.from(e.ciphertext, 'base64');
      e.ciphertext = c.subarray(0, a % c.length).toString('base64');
      break;
    }
    case 4:
      e.hmac = e.hmac.slice(0, a % 64) + (e.hmac[a % 64] === '0' ? '1' : '0') + e.hmac.slice((a % 64) + 1);
      break;
    case 5:
      e.device_id = e.device_id + 'x';
      break;
    case 6:
      e.echo = (b.toString(16) + '0'.repeat(32)).slice(0, 32);
      break;
    case 7:
      return env.slice(0, a % env.length); // truncated
    default:
      e.ciphertext = Buffer.concat([Buffer.from(e.ciphertext, 'base64'), Buffer.from([a & 255])]).toString('base64');
  }
  return JSON.stringify(e);
}

/**
 * A genuine envelope for any plaintext: sealEnvelope for JSON-RPC, and by hand
 * (§5.2, HMAC over an empty method and id) for text that is not, which an
 * authentic but confused sender might seal.
 */
function sealAny(keys: P.SessionKeys, id: string, nonce: number, text: string): string {
  const rpc = P.classify(P.parseJson(text));
  if (rpc) return P.sealEnvelope(crypto, keys, { direction: 0, deviceId: id, nonce, timestamp: T0, plaintext: text });
  const aad = P.toBytes(P.aadString(id, nonce, T0));
  const sealed = crypto.aeadSeal(keys.encKey, P.aeadNonce(0, nonce), aad, P.toBytes(text));
  const hmac = crypto.hmacSha256(keys.hmacKey, P.toBytes(P.canonicalString(id, '', null, nonce, T0)));
  return JSON.stringify({ device_id: id, nonce, timestamp: T0, ciphertext: P.toBase64(sealed), hmac: P.toHex(hmac) });
}

/** Well-formed envelopes made without the keys: fresh nonces, right time, random cipher and MAC. */
function forgedEnvelope(id: string): fc.Arbitrary<string> {
  return fc
    .record({
      nonce: fc.integer({ min: 1, max: 2 ** 40 }),
      ciphertext: fc.uint8Array({ minLength: 16, maxLength: 200 }),
      hmac: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      echo: fc.option(fc.uint8Array({ minLength: 16, maxLength: 16 })),
    })
    .map((e) => {
      const o: any = { device_id: id, nonce: 1e6 + e.nonce, timestamp: T0, ciphertext: Buffer.from(e.ciphertext).toString('base64'), hmac: P.toHex(e.hmac) };
      if (e.echo) o.echo = P.toHex(e.echo);
      return JSON.stringify(o);
    });
}

const envelope: Target = {
  name: 'envelope',
  what: 'openEnvelope (§5.3): fresh genuine envelopes open; forged, replayed, tampered and truncated ones never do; every refusal names a §5.3 reason',
  run(numRuns, seed) {
    const counts: Record<string, number> = {};
    const keys: P.SessionKeys = { hmacKey: crypto.randomBytes(32), encKey: crypto.randomBytes(32) };
    const session = { keys, highNonce: 0 };
    let nonce = 0;
    const sent: string[] = [];
    const seal = (text: string) => sealAny(keys, 'dev-1', ++nonce, text);
    const reasons = ['malformed', 'unknown device', 'replay', 'stale', 'bad ciphertext', 'bad hmac', 'parse error', 'invalid request'];
    const plaintext = fc.oneof(fc.constant('{"jsonrpc":"2.0","id":7,"method":"ping"}'), jsonish.map((v) => JSON.stringify(v) ?? 'x'), bytes(60));
    const input = fc.oneof(
      { weight: 2, arbitrary: fc.tuple(fc.constant('genuine'), plaintext, fc.nat(), fc.nat(), fc.nat()) },
      { weight: 4, arbitrary: fc.tuple(fc.constant('tampered'), plaintext, fc.nat(), fc.nat(), fc.nat()) },
      { weight: 2, arbitrary: fc.tuple(fc.constant('replayed'), plaintext, fc.nat(), fc.nat(), fc.nat()) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('forged'), bytes(400), fc.nat(), fc.nat(), fc.nat()) },
      { weight: 2, arbitrary: fc.tuple(fc.constant('forged'), forgedEnvelope('dev-1'), fc.nat(), fc.nat(), fc.nat()) },
    );
    check(this.name, numRuns, seed, fc.property(input, ([kind, text, a, b, c]) => {
      let payload: string;
      if (kind === 'forged') payload = text;
      else if (kind === 'replayed') payload = sent.length ? sent[a % sent.length] : seal(text);
      else payload = seal(text);
      if (kind === 'tampered') payload = tamper(payload, a, b, c);
      const r = P.openEnvelope(crypto, payload, { direction: 0, findSession: (id) => (id === 'dev-1' ? session : undefined), now: T0, maxBytes: 4096 });
      if (r.ok) {
        if (kind !== 'genuine' && !(kind === 'replayed' && !sent.length)) throw new Error(kind + ' envelope accepted: ' + payload);
        session.highNonce = r.highNonce;
        sent.push(payload);
        if (sent.length > 64) sent.shift();
        return tally(counts, 'accepted');
      }
      if (!reasons.includes(r.reason)) throw new Error('refusal without a §5.3 reason: ' + r.reason);
      if (r.step === 6) session.highNonce = r.highNonce as number; // authentic but not JSON-RPC: the nonce is used
      if (kind === 'genuine' && r.step !== 6) throw new Error('a genuine envelope refused: ' + r.reason);
      tally(counts, r.reason);
    }));
    return { runs: numRuns, counts };
  },
};

// ---- JSON-RPC: the protocol's classifier and the admin socket's runner -----

const jsonRpc: Target = {
  name: 'jsonrpc',
  what: 'classify (device/gateway JSON-RPC) and the admin WebSocket runner: never throw; the runner answers exactly once, with JSON-RPC or nothing',
  run(numRuns, seed) {
    const counts: Record<string, number> = {};
    const rig = new Rig();
    const request = fc.record(
      {
        jsonrpc: usually(fc.constant('2.0'), jsonish),
        id: usually(fc.nat(), ascii(6), jsonish),
        method: usually(fc.constantFrom('status', 'security', 'devices.list', 'device.get', 'device.approve', 'device.reject', 'device.revoke', 'device.setMethods', 'device.call', 'password.change', 'config.set', '|status|'), jsonish),
        params: usually(fc.record({ device_id: usually(fc.constant(DEVICE), ascii(10), jsonish), allow: jsonish, method: jsonish, psk: jsonish, pubkey: jsonish, timeout_ms: jsonish }, { requiredKeys: [] }), jsonish),
      },
      { requiredKeys: ['jsonrpc', 'method'] },
    );
    const msg = fc.oneof({ weight: 4, arbitrary: request }, fc.record({ jsonrpc: jsonish, id: jsonish, method: jsonish, result: jsonish, error: jsonish }, { requiredKeys: [] }));
    const text = fc.oneof(bytes(200), msg.map((o) => JSON.stringify(o)), fc.tuple(msg, mutation).map(([o, m]) => mutate(JSON.stringify(o), ...m)));
    check(this.name, numRuns, seed, fc.property(text, fc.boolean(), (t, busy) => {
      const c = P.classify(P.parseJson(t));
      tally(counts, c ? c.kind : 'not json-rpc');
      let answers = 0;
      let answer = '';
      runRequest(rig.admin, t, busy, (json) => {
        answers++;
        answer = json;
      });
      if (answers !== 1) throw new Error('answered ' + answers + ' times: ' + t);
      if (answer) {
        const m = JSON.parse(answer);
        if (m.jsonrpc !== '2.0' || !('id' in m) || ('result' in m) === ('error' in m)) throw new Error('not a JSON-RPC response: ' + answer);
        if (m.error && m.error.code === -32603) throw new Error('internal error for ' + t);
        tally(counts, m.error ? 'error ' + m.error.code : 'result');
      }
    }));
    return { runs: numRuns, counts };
  },
};

// ---- MQTT codec -------------------------------------------------------------

const mqttCodec: Target = {
  name: 'mqtt-codec',
  what: 'the MQTT parser on random streams, in any chunking: never throws, stops at the first protocol error, keeps oversized packets out; PUBLISH/ack round trips',
  run(numRuns, seed) {
    const counts: Record<string, number> = {};
    const MAX = 512;
    const packet = fc.oneof(
      fc.tuple(ascii(40), bytes(700), fc.constantFrom(0, 1), fc.integer({ min: 1, max: 65535 }), fc.boolean()).map(([t, p, q, id, r]) => encodePublish(t, p, q, r, false, id)),
      fc.tuple(fc.constantFrom(4, 5, 6, 7, 11), fc.integer({ min: 1, max: 65535 })).map(([t, id]) => encodeAck(t, id)),
      bytes(20),
    );
    const stream = fc.tuple(fc.array(packet, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), mutation, fc.boolean());
    check(this.name, numRuns, seed, fc.property(stream, ([packets, cuts, m, spoil]) => {
      let all = packets.join('');
      if (spoil) all = mutate(all, ...m);
      const whole = createParser(MAX);
      const a = whole.feed(all);
      const split = createParser(MAX);
      const b: any[] = [];
      let at = 0;
      for (const c of cuts.map((x) => (all.length ? x % all.length : 0)).sort((x, y) => x - y)) {
        b.push(...split.feed(all.slice(at, c)));
        at = c;
      }
      b.push(...split.feed(all.slice(at)));
      if (JSON.stringify(a) !== JSON.stringify(b) || whole.error !== split.error) throw new Error('chunking changed the result');
      for (const p of a) {
        if (p.type === PUBLISH && (p.payload!.length > MAX || (p.qos && !p.id))) throw new Error('bad PUBLISH through');
        tally(counts, 'packet ' + p.type);
      }
      if (whole.error) tally(counts, 'protocol error');
      if (whole.dropped) tally(counts, 'oversized');
      if (!spoil) {
        // unspoilt server packets of known kinds come back as sent
        const ok = packets.every((s) => s.length >= 2);
        if (ok && !whole.error) for (const p of a) if (p.type === PUBLISH && p.topic === undefined) throw new Error('topic lost');
      }
    }));
    return { runs: numRuns, counts };
  },
};

// ---- the admin server's HTTP request reader --------------------------------

const LIM = { head: 2048, body: 4096 };
const KEPT = ['host', 'origin', 'content-length', 'content-type', 'transfer-encoding', 'authorization', 'cookie', 'if-none-match', 'upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version'];

const httpRequest: Target = {
  name: 'http-request',
  what: 'readRequest on random bytes and mutated requests, fed whole and in pieces: never throws, answers as soon as it can and the same way, keeps within the limits',
  run(numRuns, seed) {
    const counts: Record<string, number> = {};
    const headerLine = fc.oneof(
      { weight: 16, arbitrary: fc.tuple(fc.constantFrom(...KEPT, 'X-Pad', '__proto__', 'Content-Length'), fc.string({ unit: fc.constantFrom(...'abc xyz=;,-/.0129'.split('')), maxLength: 60 })).map(([k, v]) => k + ': ' + v) },
      { weight: 2, arbitrary: fc.nat({ max: 300 }).map((n) => 'Content-Length: ' + n) },
      { weight: 1, arbitrary: fc.oneof(ascii(80), fc.constantFrom('no colon', ': x', 'A : b', ' folded', 'a:\nb')) },
    );
    const request = fc
      .tuple(usually(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'), fc.constantFrom('get', 'G E T', '', 'CONNECT')), usually(fc.constantFrom('/', '/api/login', '/ws', '/api/devices/x/approve', '/?q=1'), ascii(300), fc.constant('/' + 'a'.repeat(256))), usually(fc.constantFrom('HTTP/1.1', 'HTTP/1.0'), fc.constantFrom('HTTP/2', '')), fc.oneof({ weight: 5, arbitrary: fc.array(headerLine, { maxLength: 8 }) }, { weight: 1, arbitrary: fc.array(headerLine, { maxLength: 45 }) }), bytes(200))
      .map(([m, p, v, h, body]) => m + ' ' + p + ' ' + v + '\r\n' + h.map((l) => l + '\r\n').join('') + '\r\n' + body);
    const input = fc.tuple(fc.oneof({ weight: 1, arbitrary: bytes(3000) }, { weight: 3, arbitrary: request }, { weight: 2, arbitrary: fc.tuple(request, mutation).map(([r, m]) => mutate(r, ...m)) }), fc.array(fc.nat(), { maxLength: 6 }));
    check(this.name, numRuns, seed, fc.property(input, ([text, cuts]) => {
      const whole = readRequest(text, LIM);
      // fed in pieces, the first answer is the answer for the whole buffer up to there
      let first: ReturnType<typeof readRequest> = null;
      let upTo = 0;
      for (const c of cuts.map((x) => (text.length ? x % (text.length + 1) : 0)).sort((x, y) => x - y).concat([text.length])) {
        const r = readRequest(text.slice(0, c), LIM);
        if (r) {
          first = r;
          upTo = c;
          break;
        }
      }
      if (whole && !first) throw new Error('answered for the whole but never for its pieces');
      if (first && !isRefusal(first) && whole && !isRefusal(whole)) {
        const req = first as HttpRequest;
        if (req.body !== (whole as HttpRequest).body) throw new Error('pieces changed the body');
        if (req.rest !== text.slice(upTo - req.rest.length, upTo)) throw new Error('rest is not the tail');
      }
      if (!whole) return tally(counts, 'more needed');
      if (isRefusal(whole)) {
        if (![400, 413].includes(whole.status) || !whole.code || !whole.message) throw new Error('odd refusal ' + JSON.stringify(whole));
        return tally(counts, whole.status + ' ' + whole.message.split(' ').slice(0, 3).join(' '));
      }
      const req = whole as HttpRequest;
      if (req.body.length > LIM.body || req.path.length > MAX_URL || req.path[0] !== '/') throw new Error('over a limit');
      for (const k of Object.keys(req.headers)) if (!KEPT.includes(k)) throw new Error('kept header ' + k);
      tally(counts, 'request');
    }));
    return { runs: numRuns, counts };
  },
};

// ---- WebSocket frames ---------------------------------------------------------

function maskedFrame(op: number, payload: string, fin: boolean, key: number[]): string {
  let s = String.fromCharCode((fin ? 128 : 0) | op);
  const n = payload.length;
  s += n < 126 ? String.fromCharCode(128 | n) : String.fromCharCode(128 | 126, n >> 8, n & 255);
  s += String.fromCharCode(...key);
  for (let i = 0; i < n; i++) s += String.fromCharCode(payload.charCodeAt(i) ^ key[i & 3]);
  return s;
}

const wsFrame: Target = {
  name: 'ws-frame',
  what: 'readFrame on random bytes and mutated client frames: never throws; frames are unmasked exactly, sized within the buffer and the limit; refusals use 1002/1003/1009',
  run(numRuns, seed) {
    const counts: Record<string, number> = {};
    const MAX = 4096;
    const frame = fc.tuple(fc.constantFrom(0, 1, 2, 8, 9, 10, 3, 15), bytes(300), fc.boolean(), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }));
    const input = fc.oneof(
      bytes(400),
      frame.map(([op, p, fin, key]) => ({ f: maskedFrame(op, p, fin, key), op, p, fin })),
      fc.tuple(frame, mutation).map(([[op, p, fin, key], m]) => mutate(maskedFrame(op, p, fin, key), ...m)),
    );
    check(this.name, numRuns, seed, fc.property(input, (x) => {
      const buf = typeof x === 'string' ? x : x.f;
      const r = readFrame(buf, MAX);
      if (r === null) return tally(counts, 'more needed');
      if (typeof r === 'number') {
        if (![1002, 1003, 1009].includes(r)) throw new Error('close code ' + r);
        return tally(counts, 'close ' + r);
      }
      if (![1, 8, 9, 10].includes(r.op) || r.size > buf.length || r.data.length > MAX) throw new Error('bad frame ' + JSON.stringify(r));
      if (typeof x !== 'string' && r.data !== x.p) throw new Error('unmasked wrongly');
      tally(counts, 'op ' + r.op);
    }));
    return { runs: numRuns, counts };
  },
};

// ---- gw.cfg -------------------------------------------------------------------

const config: Target = {
  name: 'config',
  what: 'parseConfig on random text and mutated configs: never throws; whatever it returns is itself a valid configuration',
  run(numRuns, seed) {
    const counts: Record<string, number> = {};
    const cfg = fc.record(
      {
        broker: fc.oneof(fc.constantFrom('mqtt://h:1883', 'mqtts://h', 'mqtt://h:0', 'http://x', 'mqtt://@h'), ascii(40), jsonish),
        broker_ca: fc.oneof(fc.constantFrom('', 'AAAA', 'AA=A'), ascii(20), jsonish),
        allow_plain_credentials: jsonish,
        username: fc.oneof(ascii(10), jsonish),
        password: fc.oneof(bytes(140), jsonish),
        prefix: fc.oneof(fc.constantFrom('jrpc', 'a/b', '/x', 'a+b', '#'), ascii(70), jsonish),
        admin: fc.oneof(fc.constantFrom('', '3000:00:' + 'a'.repeat(64), 'aa:' + 'b'.repeat(64)), ascii(100), jsonish),
        offline_timeout: jsonish,
        telnet: fc.oneof(fc.constantFrom('off', 'locked'), jsonish),
        wifi: fc.oneof(fc.record({ ssid: fc.oneof(ascii(40), jsonish), password: fc.oneof(ascii(70), jsonish) }, { requiredKeys: [] }), jsonish),
        limits: fc.oneof(fc.dictionary(fc.constantFrom('envelope', 'pending', 'rate', 'burst', 'connect_s', 'http_conns', 'http_body', 'http_timeout_s', 'nope', '__proto__'), fc.oneof(fc.integer(), jsonish)), jsonish),
      },
      { requiredKeys: [] },
    );
    const text = fc.oneof(bytes(300), cfg.map((o) => JSON.stringify(o)), fc.tuple(cfg, mutation).map(([o, m]) => mutate(JSON.stringify(o), ...m)));
    check(this.name, numRuns, seed, fc.property(text, (t) => {
      const r = parseConfig(t);
      const again = applyConfig(defaultConfig(), JSON.parse(configText(r.cfg)));
      if (again.length) throw new Error('returned an invalid configuration: ' + again.join('; '));
      if (Object.getPrototypeOf(r.cfg.limits) !== Object.prototype) throw new Error('prototype changed');
      tally(counts, r.errors.length ? 'with errors' : 'clean');
    }));
    return { runs: numRuns, counts };
  },
};

// ---- admin API bodies -------------------------------------------------------------

const adminBody: Target = {
  name: 'admin-body',
  what: 'the /api routes and the admin core on a live gateway, with random methods, paths, headers and bodies: exactly one answer, the JSON error form, never a 500',
  run(numRuns, seed) {
    const counts: Record<string, number> = {};
    const rig = new Rig();
    const statuses = [200, 400, 401, 403, 404, 405, 409, 413, 415, 429, 503];
    const body = fc.oneof(
      fc.record({ psk: jsonish, pubkey: fc.oneof(ascii(64), jsonish), allow: fc.oneof(fc.array(ascii(10), { maxLength: 40 }), jsonish), method: jsonish, params: jsonish, timeout_ms: jsonish, old: jsonish, new: jsonish, broker: jsonish, limits: jsonish, prefix: jsonish, offline_timeout: jsonish }, { requiredKeys: [] }),
      jsonish,
    );
    const path = fc.oneof(
      fc.constantFrom('/api/status', '/api/security', '/api/config', '/api/devices', '/api/logout', '/api/password', '/api/login'),
      fc.tuple(fc.oneof(fc.constant(DEVICE), fc.constantFrom('nobody', '__proto__', 'constructor', ''), ascii(20)), fc.constantFrom('', '/approve', '/reject', '/revoke', '/methods', '/call', '/x', '/approve/more')).map(([id, a]) => '/api/devices/' + id + a),
      ascii(40).map((s) => '/' + s),
    );
    const input = fc.tuple(
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
      path,
      body,
      fc.constantFrom('application/json', 'text/plain', undefined),
      fc.constantFrom(undefined, 'http://gw.lan', 'http://evil'),
      fc.boolean(),
    );
    check(this.name, numRuns, seed, fc.property(input, ([method, p, b, type, origin, authed]) => {
      if (p === '/api/login' || p === '/api/password' || p === '/api/logout') {
        // password checks cost a PBKDF2 each, and logout/password end the rig's session: a fixed few
        if (method !== 'POST' || !authed) return tally(counts, 'skipped');
        b = { password: 'wrong' };
        p = '/api/login';
      }
      if (p === '/api/config' && method === 'PUT') return tally(counts, 'skipped'); // would move the rig's broker
      const headers: Record<string, string> = { host: 'gw.lan' };
      if (type) headers['content-type'] = type;
      if (origin) headers.origin = origin;
      const req = { method, path: p, headers, body: '', rest: '' };
      let answers = 0;
      let status = 0;
      let reply: any;
      route(rig.admin, req, b, authed ? rig.token : null, '', () => rig.mono, (s, r) => {
        answers++;
        status = s;
        reply = r;
      });
      if (answers > 1) throw new Error('answered twice');
      if (answers === 0) return tally(counts, 'pending (device call)');
      if (!statuses.includes(status)) throw new Error('status ' + status + ' for ' + method + ' ' + p + ' ' + JSON.stringify(b) + ': ' + JSON.stringify(reply));
      if (status !== 200 && !(reply && reply.error && typeof reply.error.code === 'string' && typeof reply.error.message === 'string')) throw new Error('not the error form');
      tally(counts, String(status));
      if (rig.gw.deviceIds().indexOf(DEVICE) < 0 || rig.gw.device(DEVICE).status === 'revoked') rig.enroll();
    }));
    return { runs: numRuns, counts };
  },
};

// ---- the gateway engine: every refusal counted, nothing false accepted -----------

const gatewayMessages: Target = {
  name: 'gateway-messages',
  what: 'the gateway engine fed hostile MQTT payloads on its topics: each refusal counted exactly once under a known reason; forged, replayed, tampered, truncated envelopes never accepted; genuine ones accepted',
  run(numRuns, seed) {
    const counts: Record<string, number> = {};
    const rig = new Rig();
    // the first envelope after approval is fresh (no restart): keep a few genuine ones to replay
    const genuine: string[] = [];
    const failures: number[] = []; // rig times of failed AEAD/HMAC checks
    let n = 0;
    const input = fc.oneof(
      { weight: 1, arbitrary: fc.tuple(fc.constant('genuine'), fc.nat(), fc.nat(), fc.nat(), bytes(0)) },
      { weight: 3, arbitrary: fc.tuple(fc.constant('tampered'), fc.nat(), fc.nat(), fc.nat(), bytes(0)) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('replayed'), fc.nat(), fc.nat(), fc.nat(), bytes(0)) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('junk'), fc.nat(), fc.nat(), fc.nat(), bytes(500)) },
      { weight: 2, arbitrary: fc.tuple(fc.constant('junk'), fc.nat(), fc.nat(), fc.nat(), forgedEnvelope(DEVICE)) },
      { weight: 2, arbitrary: fc.tuple(fc.constant('connect'), fc.nat(), fc.nat(), fc.nat(), connectFields.map((o) => JSON.stringify(o))) },
    );
    check(this.name, numRuns, seed, fc.property(input, ([kind, a, b, c, text]) => {
      const before = rig.counts();
      let topic = 'gateway/rx';
      let payload: string;
      if (kind === 'genuine') payload = rig.seal('{"jsonrpc":"2.0","id":' + (a % 1000) + ',"method":"ping"}');
      else if (kind === 'tampered') payload = tamper(rig.seal('{"jsonrpc":"2.0","id":1,"method":"ping"}'), a, b, c);
      else if (kind === 'replayed') payload = genuine.length ? genuine[a % genuine.length] : rig.seal('{"jsonrpc":"2.0","method":"log","params":{"level":"info","msg":"x"}}');
      else if (kind === 'junk') payload = text;
      else {
        topic = 'connect/request';
        payload = text;
      }
      const fresh = kind === 'genuine' || (kind === 'replayed' && !genuine.length);
      // time between messages: mostly a few a second, now and then a burst
      // that runs the device over its failure budget (strikes.ts)
      if (++n % 500 >= 40) rig.mono += 0.3;
      rig.deliver(topic, payload);
      const after = rig.counts();
      const accepted = after.accepted - before.accepted;
      const refused = after.refused - before.refused;
      if (topic === 'gateway/rx') {
        const failed = (after.byReason['bad ciphertext'] - before.byReason['bad ciphertext']) + (after.byReason['bad hmac'] - before.byReason['bad hmac']);
        if (failed) failures.push(rig.mono);
        while (failures.length && failures[0] <= rig.mono - BLOCK_S - 1) failures.shift();
        if (fresh && after.byReason.unopened > before.byReason.unopened) {
          // dropped unopened: only while the device is over its failure budget (strikes.ts)
          const recent = failures.length;
          if (recent < FAIL_BUDGET || accepted || refused !== 1) throw new Error('a genuine envelope dropped unopened after ' + recent + ' recent failures');
          return tally(counts, 'genuine, unopened');
        }
        if (fresh) {
          if (accepted !== 1 || refused !== 0) throw new Error('a genuine envelope was not accepted');
          genuine.push(payload);
          if (genuine.length > 32) genuine.shift();
          return tally(counts, 'accepted');
        }
        if (accepted) throw new Error(kind + ' envelope accepted: ' + payload);
        if (refused !== 1) throw new Error('refusal counted ' + refused + ' times');
      } else if (refused > 1) throw new Error('connect request counted ' + refused + ' times');
      for (const r in after.byReason) {
        if (after.byReason[r] !== before.byReason[r]) {
          if (!(SECURITY_REASONS as readonly string[]).includes(r)) throw new Error('unknown reason ' + r);
          tally(counts, topic === 'gateway/rx' ? r : 'connect: ' + r);
        }
      }
      if (topic !== 'gateway/rx' && !refused) tally(counts, 'connect: answered');
      if (rig.gw.deviceIds().length > 40) throw new Error('pending table not bounded');
      rig.sent = [];
    }));
    return { runs: numRuns, counts };
  },
};

export const TARGETS: Target[] = [connectRequest, connectReply, envelope, jsonRpc, mqttCodec, httpRequest, wsFrame, config, adminBody, gatewayMessages];
