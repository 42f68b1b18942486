// The device side of docs/protocol.md as a sans-I/O state machine. Inputs: MQTT
// connection up/down, messages on the device's rx topic, calls from the
// application, and tick() once a second; outputs go through DeviceIO
// (publish, save, event). No timers, sockets or globals in here, so the same
// code runs on Espruino and Node, and tests drive it in virtual time. The
// parts: keyring.ts (keys, counters, what is saved), outbox.ts (calls
// awaiting answers, recent notifications), handlers.ts (the methods the
// gateway calls), time.ts (gateway time), envelopes.ts (sealing and opening);
// api.ts is the contract.
//
//   enrolling ──pending──▶ pending ──approved──▶ approved ──first authentic
//       ▲   └──-32001──▶ refused          │        envelope──▶ authorized
//       └───────── revoked (sealed notification): new key pair ◀──┘
import type { Crypto } from '../crypto/types';
import {
  CONNECT_GAP_S,
  DEFAULT_PREFIX,
  ECHO_BYTES,
  ECHO_REQUIRED,
  ECHO_REQUIRED_METHOD,
  NOT_AUTHENTICATED,
  REVOKED_METHOD,
  STEP_NOT_JSONRPC,
  ConnectRequest,
  RpcId,
  RpcMessage,
  clockIsSet,
  connectRequestText,
  connectTopic,
  deriveSessionKeys,
  deviceRxTopic,
  errorText,
  gatewayRxTopic,
  fromHex,
  isHex,
  isObject,
  notificationText,
  pskHash,
  pskProof,
  readConnectReply,
  requestText,
} from '../protocol';
import { NOT_SENT, SESSION_ENDED, TIMED_OUT } from './api';
import type { DeviceCore, DeviceIO, DeviceOptions, DeviceStats, DeviceStatus } from './api';
import { fingerprint } from './fingerprint';
import { openFromGateway, sealToGateway } from './envelopes';
import { createHandlers } from './handlers';
import { beginSession, endSession as endKeyringSession, fromSaved, newKeyring, toSaved } from './keyring';
import type { Keyring } from './keyring';
import { createOutbox } from './outbox';
import type { SavedState } from './state';
import { createDeviceTime } from './time';

const CONNECT_GAP_MS = CONNECT_GAP_S * 1000;
// Calls timing out in a row before the device asks the gateway where it stands.
const MISSES_BEFORE_PROBE = 3;

export function createDeviceCore(c: Crypto, o: DeviceOptions, io: DeviceIO, saved?: SavedState): DeviceCore {
  const deviceId = o.deviceId;
  const prefix = o.prefix || DEFAULT_PREFIX;
  const rxTopic = deviceRxTopic(prefix, deviceId);
  const txTopic = gatewayRxTopic(prefix);
  const requestTopic = connectTopic(prefix);
  const callTimeout = o.callTimeoutMs || 10000;
  const heartbeat = o.heartbeatMs || 20000;
  const retry = o.retryMs || 10000;
  const pendingRetry = o.pendingRetryMs || 60000;
  const reserveStep = o.reserveStep || 1000;
  const maxCalls = o.maxCalls || 8;
  const codec = o.codec;
  const psk = o.psk ? pskHash(c, o.psk) : undefined;

  let ring: Keyring = saved ? fromSaved(saved) : newKeyring(c);
  let status: DeviceStatus;
  let online = false;
  let lastConnectAt = -CONNECT_GAP_MS;
  let connectDue = 0; // when the next connect request goes out; 0 = none planned
  let expecting = false; // a connect request with the current key is unanswered: approvals are solicited
  let connectSeq = 0;
  const out = createOutbox();
  let lastEcho = '';
  let lastHeard = 0;
  let pinging = false;
  let misses = 0;
  const handlers = createHandlers();
  const clock = createDeviceTime(io.now);
  const counts: DeviceStats = { sent: 0, received: 0, dropped: 0, timeouts: 0 };

  function emit(type: string, detail?: unknown): void {
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
    io.save(toSaved(deviceId, ring));
  }

  function announceKey(): void {
    emit('key', { fingerprint: fingerprint(c, fromHex(ring.pub) as Uint8Array), pubkey: ring.pub });
  }

  function wire(text: string): string {
    return codec ? codec.encode(text) : text;
  }

  // ---- enrollment ----

  function sendConnect(): void {
    const now = io.now();
    lastConnectAt = now;
    connectDue = ring.keys ? 0 : now + (status === 'enrolling' ? retry : pendingRetry);
    expecting = true;
    const q: ConnectRequest = { id: ++connectSeq, deviceId: deviceId, pubkey: ring.pub };
    if (psk) q.pskProof = pskProof(c, psk, deviceId, ring.pub);
    if (o.name) q.name = o.name;
    io.publish(requestTopic, wire(connectRequestText(q)));
  }

  // As soon as the 2 s spacing allows (the next tick when it does not yet).
  function requestConnect(): void {
    connectDue = Math.max(lastConnectAt + CONNECT_GAP_MS, 1);
    if (online && io.now() >= connectDue) sendConnect();
  }

  function endSession(why: string): void {
    endKeyringSession(ring);
    handlers.endSession();
    const failed = out.clear();
    for (let i = 0; i < failed.length; i++) failed[i].cb({ code: SESSION_ENDED, message: why });
  }

  function onConnectReply(payload: string): void {
    const r = readConnectReply(c, payload, { deviceId: deviceId, pubkey: ring.pub, pskHash: psk });
    if (r.kind === 'ignored') return drop(r.reason);
    if (!expecting) return drop('unsolicited connect reply');
    if (r.kind === 'approved') return approved(r.gatewayPubkey, r.time);
    if (r.kind === 'pending') {
      // Asked while holding a session: the gateway no longer has it (removed or revoked).
      if (ring.keys) {
        endSession('the gateway has no session for this device');
        save();
      }
      setStatus('pending');
      connectDue = io.now() + pendingRetry;
      return;
    }
    if (ring.keys) {
      // The gateway keeps the session on a refused request (docs/protocol.md §3.4): carry on with it.
      expecting = false;
      return emit('refused', r.message);
    }
    if (r.code === NOT_AUTHENTICATED) setStatus('refused');
    emit('refused', r.message);
    connectDue = io.now() + pendingRetry;
  }

  function approved(gatewayPubkey: string, time: number | null): void {
    if (ring.keys && gatewayPubkey === ring.gw) {
      // The gateway confirms the session this device holds.
      expecting = false;
      clock.learn(time, false);
      lastHeard = io.now() - heartbeat; // check it with a heartbeat now
      return;
    }
    // Without a PSK nothing proves a new gateway key while a session exists (§3.4 never re-keys then).
    if (ring.keys && !psk) return drop('gateway key change without PSK');
    const k = deriveSessionKeys(c, ring.priv, fromHex(gatewayPubkey) as Uint8Array);
    if (!k) return drop('all-zero shared secret');
    if (ring.keys) endSession('re-keyed');
    beginSession(ring, k, gatewayPubkey);
    expecting = false;
    connectDue = 0;
    misses = 0;
    lastHeard = io.now() - heartbeat;
    clock.learn(time, false);
    save();
    setStatus('approved');
  }

  function reenroll(): void {
    endSession('revoked');
    ring = newKeyring(c);
    announceKey();
    save();
    setStatus('enrolling');
    emit('revoked');
    requestConnect();
  }

  // ---- sealed traffic ----

  function sendSealed(text: string, echo?: string): boolean {
    if (!online) return false;
    const env = sealToGateway(c, ring, deviceId, reserveStep, save, clock.unix(), text, echo);
    if (!env) return false;
    io.publish(txTopic, env);
    counts.sent++;
    return true;
  }

  function answered(m: RpcMessage): void {
    const call = out.find(m.id);
    if (!call) return drop('response to no call');
    const err = m.error;
    // docs/protocol.md §6: the gateway restarted and wants proof of liveness: repeat with its echo.
    if (err && err.code === ECHO_REQUIRED && err.data && isHex((err.data as { echo?: unknown }).echo, ECHO_BYTES * 2) && !call.echoed) {
      call.echoed = true;
      call.due = io.now() + callTimeout;
      sendSealed(call.text, (err.data as { echo: string }).echo);
      return;
    }
    out.remove(call);
    // the one source of time once the device holds session keys (§3.2)
    if (!err && call.method === 'time' && isObject(m.result)) clock.learn(m.result.unix, true);
    if (err) call.cb({ code: err.code, message: err.message, data: err.data });
    else call.cb(null, m.result);
  }

  function notified(method: string, params: unknown): void {
    if (method === REVOKED_METHOD) return reenroll();
    if (method === ECHO_REQUIRED_METHOD) {
      const echo = params && (params as { echo?: unknown }).echo;
      // One echo value answers all notifications sent while the gateway was unfresh.
      if (!isHex(echo, ECHO_BYTES * 2) || echo === lastEcho) return;
      lastEcho = echo;
      const list = out.takeRecent();
      for (let i = 0; i < list.length; i++) sendSealed(list[i], echo);
      return;
    }
    emit('notification', { method: method, params: params });
  }

  function onSealed(payload: string): void {
    if (!ring.keys) return drop('sealed message without a session');
    const r = openFromGateway(c, ring, deviceId, payload);
    if (!r.ok) {
      if (r.step !== STEP_NOT_JSONRPC) return drop(r.reason);
      ring.rx = r.highNonce as number;
      if (r.id !== null && r.id !== undefined) sendSealed(wire(errorText(r.id, r.code as number, r.reason)));
      return drop(r.reason);
    }
    ring.rx = r.highNonce;
    counts.received++;
    lastHeard = io.now();
    misses = 0;
    setStatus('authorized');
    const m = codec ? (codec.parse(r.plaintext) as RpcMessage) : r.message;
    if (r.kind === 'response') answered(m);
    else if (r.kind === 'request') {
      save(); // the nonce high-water first: a replay after a restart must not run the call again
      handlers.run(r.id as RpcId, r.method, m.params, function (text) {
        sendSealed(wire(text));
      });
    } else notified(r.method, m.params);
  }

  // ---- start ----

  announceKey();
  if (!saved) save();
  setStatus(ring.keys ? 'approved' : 'enrolling');

  const core: DeviceCore = {
    rxTopic: rxTopic,
    fingerprint: function () {
      return fingerprint(c, fromHex(ring.pub) as Uint8Array);
    },
    pubkey: function () {
      return ring.pub;
    },
    gatewayPubkey: function () {
      return ring.gw;
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
      if (!ring.keys || !clockIsSet(clock.unix())) requestConnect();
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
      const late = out.late(now);
      for (let i = 0; i < late.length; i++) {
        counts.timeouts++;
        if (++misses >= MISSES_BEFORE_PROBE && ring.keys && (!expecting || now - lastConnectAt >= retry)) {
          // Silence from the gateway: ask where this device stands (pending → session gone; approved → time).
          misses = 0;
          if (status === 'authorized') setStatus('approved');
          requestConnect();
        }
        late[i].cb({ code: TIMED_OUT, message: 'timed out' });
      }
      out.age(now);
      if (!online) return;
      if (connectDue && now >= connectDue) sendConnect();
      if (ring.keys && !pinging && now - lastHeard >= heartbeat && clock.ok()) {
        pinging = true;
        // a `time` call while only an approval has set the clock, and now and then after
        core.call(clock.wantsTime() ? 'time' : 'ping', undefined, function () {
          pinging = false;
        });
      }
    },
    call: function (method, params, cb, timeoutMs) {
      if (!ring.keys || !online || !clock.ok() || out.size() >= maxCalls) {
        const why = !ring.keys ? 'no session yet' : !online ? 'offline' : !clock.ok() ? 'clock not set yet' : 'too many calls in flight';
        return cb({ code: NOT_SENT, message: why });
      }
      const id = ring.tx.last + 1; // the nonce it goes out with: never reused in this session
      const text = wire(requestText(id, method, params));
      if (!sendSealed(text)) return cb({ code: NOT_SENT, message: 'could not seal or send' });
      out.add({ id: id, method: method, text: text, cb: cb, due: io.now() + (timeoutMs || callTimeout), echoed: false });
    },
    notify: function (method, params) {
      const text = wire(notificationText(method, params));
      if (!sendSealed(text)) return false;
      out.sent(text, io.now());
      return true;
    },
    handle: function (method, fn) {
      handlers.add(method, fn);
    },
  };
  return core;
}
