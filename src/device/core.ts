// The device side of PROTOCOL.md as a sans-I/O state machine. Inputs: MQTT
// connection up/down, messages on the device's rx topic, calls from the
// application, and tick() once a second; outputs go through DeviceIO
// (publish, save, event). No timers, sockets or globals in here, so the same
// code runs on Espruino and Node, and tests drive it in virtual time.
//
//   enrolling ──pending──▶ pending ──approved──▶ approved ──first authentic
//       ▲   └──-32001──▶ refused          │        envelope──▶ authorized
//       └───────── revoked (sealed notification): new key pair ◀──┘
import { Crypto } from '../crypto/types';
import {
  ECHO_REQUIRED,
  ECHO_REQUIRED_METHOD,
  GATEWAY_TO_DEVICE,
  DEVICE_TO_GATEWAY,
  INTERNAL_ERROR,
  MAX_ENVELOPE_BYTES,
  METHOD_NOT_FOUND,
  NOT_AUTHENTICATED,
  SendCounter,
  SessionKeys,
  deriveSessionKeys,
  errorText,
  fromHex,
  isHex,
  isObject,
  isSafeUint,
  newKeyPair,
  nextNonce,
  notificationText,
  openEnvelope,
  pskHash,
  pskProof,
  readConnectReply,
  requestText,
  resultText,
  resumeCounter,
  sealEnvelope,
  stringifyJson,
  toHex,
} from '../protocol';
import { fingerprint } from './fingerprint';
import { SavedState } from './state';

/** Local error codes (JSON-RPC's implementation-defined range): the call never got an answer. */
export const TIMED_OUT = -32090;
/** The call could not be sent: no session yet, offline, or too many calls in flight. */
export const NOT_SENT = -32091;
/** The session ended (revoked or re-keyed) while the call was in flight. */
export const SESSION_ENDED = -32092;

export interface RpcError {
  code: number;
  message: string;
  data?: any;
}
export type CallCallback = (err: RpcError | null, result?: any) => void;
/** A gateway → device method: answer once through `reply`. */
export type Handler = (params: any, reply: CallCallback) => void;

export type DeviceStatus = 'enrolling' | 'pending' | 'refused' | 'approved' | 'authorized';

/**
 * JSON text ⇄ wire bytes. Absent on Espruino, whose strings are bytes; on
 * Node, UTF-8 encoding of outgoing text and decoding of incoming plaintext.
 */
export interface TextCodec {
  encode(text: string): string;
  parse(bytes: string): any;
}

export interface DeviceOptions {
  /** 1–64 of A-Z a-z 0-9 _ . - */
  deviceId: string;
  /** Display name (≤ 64 characters). */
  name?: string;
  /** Pre-shared key as a byte string (UTF-8 as bytes). */
  psk?: string;
  /** Topic prefix, default "jrpc". */
  prefix?: string;
  /** Default timeout of call(), ms; default 10000. */
  callTimeoutMs?: number;
  /** A ping goes out when nothing authentic was heard for this long, ms; default 20000 (gateway: offline after 60 s). */
  heartbeatMs?: number;
  /** Connect request repeated after this long without a reply, ms; default 10000. */
  retryMs?: number;
  /** ... and while pending or refused, ms; default 60000. */
  pendingRetryMs?: number;
  /** Nonces reserved per flash write; default 1000. */
  reserveStep?: number;
  /** Calls in flight at most; default 8. */
  maxCalls?: number;
  codec?: TextCodec;
}

/** The outputs. `now` is the wall clock in ms (virtual in tests). */
export interface DeviceIO {
  now(): number;
  publish(topic: string, payload: string): void;
  save(state: SavedState): void;
  /**
   * 'status' (DeviceStatus), 'key' ({fingerprint, pubkey}), 'drop' (reason),
   * 'refused' (message), 'revoked', 'notification' ({method, params}).
   */
  event(type: string, detail?: any): void;
}

export interface DeviceStats {
  sent: number;
  received: number;
  dropped: number;
  timeouts: number;
}

export interface DeviceCore {
  /** The topic to subscribe to: P/devices/{id}/rx. */
  rxTopic: string;
  fingerprint(): string;
  /** Public key, 64 hex. */
  pubkey(): string;
  /** The session's gateway public key (64 hex), '' without a session. */
  gatewayPubkey(): string;
  status(): DeviceStatus;
  stats(): DeviceStats;
  /** MQTT connected (and rxTopic subscribed). */
  connected(): void;
  disconnected(): void;
  message(topic: string, payload: string): void;
  /** Call about once a second: timeouts, retries, heartbeats. */
  tick(): void;
  /** A sealed call to the gateway; cb(err, result) exactly once. */
  call(method: string, params: any, cb: CallCallback, timeoutMs?: number): void;
  /** A sealed notification; false when it could not be sent. */
  notify(method: string, params?: any): boolean;
  /** Registers a gateway → device method. */
  handle(method: string, fn: Handler): void;
}

interface PendingCall {
  id: number;
  method: string;
  text: string;
  cb: CallCallback;
  due: number;
  echoed: boolean;
}

// Connect requests for one device at most one per 2 s (PROTOCOL.md §7).
const CONNECT_GAP_MS = 2000;
// Notifications kept this long for a resend with the gateway's echo (§6).
const ECHO_WINDOW_MS = 10000;
const ECHO_KEEP = 4;
// A device clock before this (2020) is not set: learn the time before sending.
const CLOCK_SET = 1600000000;
// Calls timing out in a row before the device asks the gateway where it stands.
const MISSES_BEFORE_PROBE = 3;
// How the device clock was last set (PROTOCOL.md §3.2). An approval's `time`
// is not covered by gw_proof: anyone on the broker can replay an old one. It
// may set a clock that nothing else set since boot, provisionally; once a
// sealed `time` response has set the clock, only sealed ones move it.
const CLOCK_UNSET = 0;
const CLOCK_FROM_APPROVAL = 1;
const CLOCK_SEALED = 2;
// A heartbeat asks for the time instead of a ping this often, to follow drift.
const TIME_EVERY_MS = 3600000;

function has(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

export function createDeviceCore(c: Crypto, o: DeviceOptions, io: DeviceIO, saved?: SavedState): DeviceCore {
  const deviceId = o.deviceId;
  const prefix = o.prefix || 'jrpc';
  const rxTopic = prefix + '/devices/' + deviceId + '/rx';
  const txTopic = prefix + '/gateway/rx';
  const connectTopic = prefix + '/connect/request';
  const callTimeout = o.callTimeoutMs || 10000;
  const heartbeat = o.heartbeatMs || 20000;
  const retry = o.retryMs || 10000;
  const pendingRetry = o.pendingRetryMs || 60000;
  const reserveStep = o.reserveStep || 1000;
  const maxCalls = o.maxCalls || 8;
  const codec = o.codec;
  const psk = o.psk ? pskHash(c, o.psk) : undefined;

  let priv: Uint8Array;
  let pubHex: string;
  let keys: SessionKeys | undefined;
  let gwHex = '';
  let counter: SendCounter;
  let rx = 0;
  let status: DeviceStatus;
  let online = false;
  let offset = 0; // seconds added to the local clock to get gateway time
  let lastConnectAt = -CONNECT_GAP_MS;
  let connectDue = 0; // when the next connect request goes out; 0 = none planned
  let expecting = false; // a connect request with the current key is unanswered: approvals are solicited
  let connectSeq = 0;
  let calls: PendingCall[] = [];
  let recent: { at: number; text: string }[] = [];
  let lastEcho = '';
  let lastHeard = 0;
  let gatewayClockUnset = false; // the gateway said time: null, so it checks no timestamps
  let clockFrom = CLOCK_UNSET;
  let timeAt = -TIME_EVERY_MS; // when a sealed time response last set the clock
  let pinging = false;
  let misses = 0;
  let generation = 0; // bumped when a session ends: late replies of handlers are dropped
  const handlers: { [method: string]: Handler } = {};
  const counts: DeviceStats = { sent: 0, received: 0, dropped: 0, timeouts: 0 };

  function emit(type: string, detail?: any): void {
    io.event(type, detail);
  }

  function setStatus(s: DeviceStatus): void {
    if (s === status) return;
    status = s;
    emit('status', s);
  }

  function drop(reason: string): void {
    counts.dropped++;
    emit('drop', reason);
  }

  function save(): void {
    const s: SavedState = { v: 1, id: deviceId, priv: toHex(priv), pub: pubHex, tx: counter.reserved, rx: rx };
    if (keys) {
      s.gw = gwHex;
      s.enc = toHex(keys.encKey);
      s.mac = toHex(keys.hmacKey);
    }
    io.save(s);
  }

  function makeKey(): void {
    const kp = newKeyPair(c);
    priv = kp.privateKey;
    pubHex = toHex(kp.publicKey);
    emit('key', { fingerprint: fingerprint(c, kp.publicKey), pubkey: pubHex });
  }

  function unixNow(): number {
    return Math.floor(io.now() / 1000) + offset;
  }

  // Timestamps are checked by a gateway with a set clock: send none from 1970.
  function clockOk(): boolean {
    return gatewayClockUnset || unixNow() >= CLOCK_SET;
  }

  /**
   * The gateway's time: `sealed` from a sealed `time` response, else from an
   * approval, which counts only while no sealed response has set the clock
   * and the clock has no time of its own (SNTP, an RTC) or only an approval's.
   */
  function syncTime(unix: any, sealed: boolean): void {
    if (!sealed && (clockFrom === CLOCK_SEALED || (clockFrom === CLOCK_UNSET && unixNow() >= CLOCK_SET))) return;
    if (unix === null) gatewayClockUnset = true;
    if (!isSafeUint(unix) || unix < CLOCK_SET) return;
    gatewayClockUnset = false;
    if (Math.abs(unix - unixNow()) > (sealed ? 2 : 30)) offset = unix - Math.floor(io.now() / 1000);
    clockFrom = sealed ? CLOCK_SEALED : CLOCK_FROM_APPROVAL;
    if (sealed) timeAt = io.now();
  }

  function wire(text: string): string {
    return codec ? codec.encode(text) : text;
  }

  // ---- enrollment ----

  function sendConnect(): void {
    const now = io.now();
    lastConnectAt = now;
    connectDue = keys ? 0 : now + (status === 'enrolling' ? retry : pendingRetry);
    expecting = true;
    const p: { [k: string]: string } = { device_id: deviceId, pubkey: pubHex };
    if (psk) p.psk_proof = pskProof(c, psk, deviceId, pubHex);
    if (o.name) p.name = o.name;
    io.publish(connectTopic, wire(stringifyJson({ jsonrpc: '2.0', id: ++connectSeq, method: 'connect', params: p })));
  }

  // As soon as the 2 s spacing allows (the next tick when it does not yet).
  function requestConnect(): void {
    connectDue = Math.max(lastConnectAt + CONNECT_GAP_MS, 1);
    if (online && io.now() >= connectDue) sendConnect();
  }

  function endSession(why: string): void {
    keys = undefined;
    gwHex = '';
    counter = resumeCounter(0);
    rx = 0;
    generation++;
    recent = [];
    const failed = calls;
    calls = [];
    for (let i = 0; i < failed.length; i++) failed[i].cb({ code: SESSION_ENDED, message: why });
  }

  function onConnectReply(payload: string): void {
    const r = readConnectReply(c, payload, { deviceId: deviceId, pubkey: pubHex, pskHash: psk });
    if (r.kind === 'ignored') return drop(r.reason);
    if (!expecting) return drop('unsolicited connect reply');
    if (r.kind === 'approved') return approved(r.gatewayPubkey, r.time);
    if (r.kind === 'pending') {
      // Asked while holding a session: the gateway no longer has it (removed or revoked).
      if (keys) {
        endSession('the gateway has no session for this device');
        save();
      }
      setStatus('pending');
      connectDue = io.now() + pendingRetry;
      return;
    }
    if (keys) {
      // The gateway keeps the session on a refused request (§3.4): carry on with it.
      expecting = false;
      return emit('refused', r.message);
    }
    if (r.code === NOT_AUTHENTICATED) setStatus('refused');
    emit('refused', r.message);
    connectDue = io.now() + pendingRetry;
  }

  function approved(gatewayPubkey: string, time: number | null): void {
    if (keys && gatewayPubkey === gwHex) {
      // The gateway confirms the session this device holds.
      expecting = false;
      syncTime(time, false);
      lastHeard = io.now() - heartbeat; // check it with a heartbeat now
      return;
    }
    // Without a PSK nothing proves a new gateway key while a session exists (§3.4 never re-keys then).
    if (keys && !psk) return drop('gateway key change without PSK');
    const k = deriveSessionKeys(c, priv, fromHex(gatewayPubkey) as Uint8Array);
    if (!k) return drop('all-zero shared secret');
    if (keys) endSession('re-keyed');
    keys = k;
    gwHex = gatewayPubkey;
    counter = resumeCounter(0);
    rx = 0;
    expecting = false;
    connectDue = 0;
    misses = 0;
    lastHeard = io.now() - heartbeat;
    syncTime(time, false);
    save();
    setStatus('approved');
  }

  function reenroll(): void {
    endSession('revoked');
    makeKey();
    save();
    setStatus('enrolling');
    emit('revoked');
    requestConnect();
  }

  // ---- sealed traffic ----

  function sendSealed(text: string, echo?: string): boolean {
    if (!keys || !online) return false;
    const n = nextNonce(counter, reserveStep);
    if (!n) return false;
    counter = n.counter;
    if (n.persist) save();
    const params: any = { direction: DEVICE_TO_GATEWAY, deviceId: deviceId, nonce: n.nonce, timestamp: unixNow(), plaintext: text };
    if (echo) params.echo = echo;
    const env = sealEnvelope(c, keys, params);
    if (env.length > MAX_ENVELOPE_BYTES) return false;
    io.publish(txTopic, env);
    counts.sent++;
    return true;
  }

  function serve(id: any, method: string, params: any): void {
    save(); // the nonce high-water first: a replay after a restart must not run the call again
    let done = false;
    const gen = generation;
    const reply: CallCallback = function (err, result) {
      if (done || gen !== generation) return;
      done = true;
      sendSealed(
        wire(err ? errorText(id, typeof err.code === 'number' ? err.code : INTERNAL_ERROR, String(err.message), err.data) : resultText(id, result)),
      );
    };
    if (!has(handlers, method)) return reply({ code: METHOD_NOT_FOUND, message: 'method not found' });
    try {
      handlers[method](params, reply);
    } catch (e) {
      reply({ code: INTERNAL_ERROR, message: 'handler failed: ' + e });
    }
  }

  function answered(m: any): void {
    let call: PendingCall | undefined;
    for (let i = 0; i < calls.length; i++) if (calls[i].id === m.id) call = calls[i];
    if (!call) return drop('response to no call');
    const err = m.error;
    // §6: the gateway restarted and wants proof of liveness: repeat with its echo.
    if (err && err.code === ECHO_REQUIRED && err.data && isHex(err.data.echo, 32) && !call.echoed) {
      call.echoed = true;
      call.due = io.now() + callTimeout;
      sendSealed(call.text, err.data.echo);
      return;
    }
    calls.splice(calls.indexOf(call), 1);
    // the one source of time once the device holds session keys (§3.2)
    if (!err && call.method === 'time' && isObject(m.result)) syncTime(m.result.unix, true);
    if (err) call.cb({ code: err.code, message: err.message, data: err.data });
    else call.cb(null, m.result);
  }

  function notified(method: string, params: any): void {
    if (method === 'revoked') return reenroll();
    if (method === ECHO_REQUIRED_METHOD) {
      const echo = params && params.echo;
      // One echo value answers all notifications sent while the gateway was unfresh.
      if (!isHex(echo, 32) || echo === lastEcho) return;
      lastEcho = echo;
      const list = recent;
      recent = [];
      for (let i = 0; i < list.length; i++) sendSealed(list[i].text, echo);
      return;
    }
    emit('notification', { method: method, params: params });
  }

  function onSealed(payload: string): void {
    if (!keys) return drop('sealed message without a session');
    const session = { keys: keys, highNonce: rx };
    const r = openEnvelope(c, payload, {
      direction: GATEWAY_TO_DEVICE,
      findSession: function (id) {
        return id === deviceId ? session : undefined;
      },
    });
    if (!r.ok) {
      if (r.step !== 6) return drop(r.reason);
      rx = r.highNonce as number;
      if (r.id !== null && r.id !== undefined) sendSealed(wire(errorText(r.id, r.code as number, r.reason)));
      return drop(r.reason);
    }
    rx = r.highNonce;
    counts.received++;
    lastHeard = io.now();
    misses = 0;
    setStatus('authorized');
    const m = codec ? codec.parse(r.plaintext) : r.message;
    if (r.kind === 'response') answered(m);
    else if (r.kind === 'request') serve(r.id, r.method, m.params);
    else notified(r.method, m.params);
  }

  // ---- start ----

  if (saved) {
    priv = fromHex(saved.priv) as Uint8Array;
    pubHex = saved.pub;
    emit('key', { fingerprint: fingerprint(c, fromHex(pubHex) as Uint8Array), pubkey: pubHex });
    counter = resumeCounter(saved.tx);
    rx = saved.rx;
    if (saved.gw) {
      keys = { encKey: fromHex(saved.enc as string) as Uint8Array, hmacKey: fromHex(saved.mac as string) as Uint8Array };
      gwHex = saved.gw;
    }
  } else {
    makeKey();
    counter = resumeCounter(0);
    save();
  }
  setStatus(keys ? 'approved' : 'enrolling');

  const core: DeviceCore = {
    rxTopic: rxTopic,
    fingerprint: function () {
      return fingerprint(c, fromHex(pubHex) as Uint8Array);
    },
    pubkey: function () {
      return pubHex;
    },
    gatewayPubkey: function () {
      return gwHex;
    },
    status: function () {
      return status;
    },
    stats: function () {
      return { sent: counts.sent, received: counts.received, dropped: counts.dropped, timeouts: counts.timeouts };
    },
    connected: function () {
      online = true;
      // Without a session, ask for one; with one and an unset clock, ask too: the reply carries the time.
      if (!keys || unixNow() < CLOCK_SET) requestConnect();
      lastHeard = io.now() - heartbeat;
      core.tick();
    },
    disconnected: function () {
      online = false;
    },
    message: function (topic, payload) {
      if (topic !== rxTopic) return;
      if (payload.indexOf('"ciphertext"') >= 0) onSealed(payload);
      else onConnectReply(payload);
    },
    tick: function () {
      const now = io.now();
      const late: PendingCall[] = [];
      for (let i = 0; i < calls.length; i++) if (calls[i].due <= now) late.push(calls.splice(i--, 1)[0]);
      for (let i = 0; i < late.length; i++) {
        counts.timeouts++;
        if (++misses >= MISSES_BEFORE_PROBE && keys && (!expecting || now - lastConnectAt >= retry)) {
          // Silence from the gateway: ask where this device stands (pending → session gone; approved → time).
          misses = 0;
          if (status === 'authorized') setStatus('approved');
          requestConnect();
        }
        late[i].cb({ code: TIMED_OUT, message: 'timed out' });
      }
      while (recent.length && recent[0].at + ECHO_WINDOW_MS < now) recent.shift();
      if (!online) return;
      if (connectDue && now >= connectDue) sendConnect();
      if (keys && !pinging && now - lastHeard >= heartbeat && clockOk()) {
        pinging = true;
        // the heartbeat learns the time while only an approval has set it, and now and then after
        const method = clockFrom !== CLOCK_SEALED || now - timeAt >= TIME_EVERY_MS ? 'time' : 'ping';
        core.call(method, undefined, function () {
          pinging = false;
        });
      }
    },
    call: function (method, params, cb, timeoutMs) {
      if (!keys || !online || !clockOk() || calls.length >= maxCalls) {
        const why = !keys ? 'no session yet' : !online ? 'offline' : !clockOk() ? 'clock not set yet' : 'too many calls in flight';
        return cb({ code: NOT_SENT, message: why });
      }
      const id = counter.last + 1; // the nonce it goes out with: never reused in this session
      const text = wire(requestText(id, method, params));
      if (!sendSealed(text)) return cb({ code: NOT_SENT, message: 'could not seal or send' });
      calls.push({ id: id, method: method, text: text, cb: cb, due: io.now() + (timeoutMs || callTimeout), echoed: false });
    },
    notify: function (method, params) {
      const text = wire(notificationText(method, params));
      if (!sendSealed(text)) return false;
      recent.push({ at: io.now(), text: text });
      if (recent.length > ECHO_KEEP) recent.shift();
      return true;
    },
    handle: function (method, fn) {
      handlers[method] = fn;
    },
  };
  return core;
}
