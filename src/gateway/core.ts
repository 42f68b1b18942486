// The gateway's protocol engine as a sans-I/O state machine: inputs are MQTT
// messages (onMessage), the admin's operations and tick() about once a
// second; outputs go through GatewayEnv (publish, clock reads, Storage) and
// the live events. No timers in here: deadlines (calls, offline timeouts,
// the state write-behind) are kept in state and checked by tick(), so tests
// drive it in virtual time. The parts:
//   enroll.ts     connect requests, the pending table, new sessions (§3)
//   envelopes.ts  sealed traffic in and out (§5–§7)
//   calls.ts      gateway → device calls in flight
//   views.ts      the device objects of the admin API
//   registry.ts   the records (records.ts) in RAM and on flash
// (§ are sections of docs/protocol.md.)
//
//   connect request ─▶ pending ─approve─▶ approved ─authentic envelope─▶ authorized
//                                          revoke ▼              offline ⇄ ┘
//                                             revoked ─connect request─▶ pending
import { toHex } from '../protocol/bytes';
import { checkPskProof, approvedNotificationText, pskHash } from '../protocol/enrollment';
import type { ConnectRequest } from '../protocol/enrollment';
import { clockIsSet, connectTopic, deviceRxTopic, gatewayRxTopic, REVOKED_METHOD } from '../protocol/constants';
import { notificationText, requestText } from '../protocol/jsonrpc';
import type { DeviceView, GatewayEvent } from './admin/wire';
import { adminError, FLASH_FULL } from './admin/types';
import type { AdminError, ApproveOptions } from './admin/types';
import type { Gateway, GatewayEnv } from './api';
import { createCalls } from './calls';
import type { CallDone } from './calls';
import type { Context } from './context';
import { createEnrollment } from './enroll';
import { createEnvelopes } from './envelopes';
import { countDropped, endSession, hasSession, lastAuthenticAt, setAllowList, setStatus, statusOf } from './records';
import type { Cold } from './records';
import { createRegistry } from './registry';
import { createSecurityLog } from './security';
import { deviceIds, deviceView, statusCounts } from './views';

// an envelope ≤ 4096 bytes holds base64 of about 2900 plaintext bytes
const MAX_CALL_TEXT = 2800;

function unknown(id: string): AdminError {
  return adminError(404, 'not_found', 'No device ' + id + '.');
}

/** 409: device `id` is not in the state the operation needs. */
function conflict(id: string, what: string): AdminError {
  return adminError(409, 'conflict', 'Device ' + id + what);
}

export function createGateway(env: GatewayEnv): Gateway {
  const crypto = env.crypto;
  const cfg = env.cfg;
  const reg = createRegistry(env.storage);
  const sec = createSecurityLog();
  const listeners: ((ev: GatewayEvent) => void)[] = [];
  const bootMono = env.mono();
  const r3 = crypto.randomBytes(3);
  // call ids unique to this boot, so a replayed old response matches nothing
  const calls = createCalls(((r3[0] << 16) | (r3[1] << 8) | r3[2]) * 1000);

  function wall(): number | undefined {
    const t = Math.floor(env.clock());
    return clockIsSet(t) ? t : undefined;
  }

  function emit(ev: GatewayEvent): void {
    for (let i = 0; i < listeners.length; i++)
      try {
        listeners[i](ev);
      } catch (e) {
        // a broken listener must not stop the gateway
      }
  }

  function changed(id: string): void {
    if (listeners.length) emit({ type: 'device', device: deviceView(reg, id) as DeviceView });
  }

  function removed(id: string): void {
    emit({ type: 'removed', device_id: id });
  }

  function security(reason: string, id: string): void {
    const ev = sec.add(reason, id, wall() || 0);
    const h = reg.record(id);
    if (h && reason !== 'psk proof') countDropped(h);
    if (listeners.length) emit(ev);
  }

  function sendPlain(id: string, text: string, qos: number): boolean {
    return env.publish(deviceRxTopic(cfg.prefix, id), text, qos);
  }

  const cx: Context = {
    env: env,
    reg: reg,
    calls: calls,
    wall: wall,
    emit: emit,
    changed: changed,
    removed: removed,
    security: security,
    sendPlain: sendPlain,
  };
  const enroll = createEnrollment(cx);
  const envelopes = createEnvelopes(cx);

  // ---- admin operations on devices

  function call(id: string, method: string, params: unknown, timeoutMs: number, done: CallDone): AdminError | undefined {
    const h = reg.record(id);
    if (!h && !reg.request(id)) return unknown(id);
    if (!h || !hasSession(h)) return conflict(id, ' has no session.');
    if (!calls.room()) return adminError(503, 'busy', 'Too many calls in progress.');
    const rpcId = calls.nextId();
    const text = requestText(rpcId, method, params);
    if (text.length > MAX_CALL_TEXT) return adminError(413, 'too_large', 'Call too large.');
    if (!envelopes.seal(id, h, text, 1)) return adminError(503, 'unavailable', 'Cannot send now.');
    calls.add(rpcId, id, env.mono() + timeoutMs / 1000, done);
    return undefined;
  }

  function approve(id: string, psk: string | undefined, o: ApproveOptions, done: (err: AdminError | undefined) => void): void {
    const p = reg.request(id);
    if (!p) return done(reg.record(id) ? conflict(id, ' is not pending.') : unknown(id));
    if (enroll.making(id)) return done(conflict(id, ' is being approved.'));
    let hashHex = '';
    if (psk) {
      const hash = pskHash(crypto, psk);
      const q: ConnectRequest = { id: 0, deviceId: id, pubkey: p.pk };
      if (p.pr) q.pskProof = p.pr;
      if (!checkPskProof(crypto, hash, q)) {
        security('psk proof', id);
        return done(adminError(409, 'psk_mismatch', p.pr ? 'Wrong PSK.' : 'The device has no PSK.'));
      }
      hashHex = toHex(hash);
    } else if (p.pr) return done(adminError(409, 'psk_required', 'The device needs its PSK.'));
    const old = reg.cold(id);
    enroll.newSession(id, p.pk, p.n || (old ? old.n : ''), hashHex, o.pskWeak, old ? old.a : null, function () {
      // still the key the admin approved (a repeat request with it is fine)
      const now = reg.request(id);
      return !!now && now.pk === p.pk;
    }, function (err, c) {
      if (!c) return done(err);
      // A full QoS 1 window (PUBACKs queued behind a burst of device traffic)
      // refuses the publish: send it at QoS 0 rather than leave the device
      // waiting for its next connect request (60 s while pending).
      const text = approvedNotificationText(enroll.approval(id, c));
      if (!sendPlain(id, text, 1)) sendPlain(id, text, 0);
      changed(id);
      done(undefined);
    });
  }

  function reject(id: string): AdminError | undefined {
    if (!reg.request(id)) return reg.record(id) ? conflict(id, ' is not pending.') : unknown(id);
    reg.dropPending(id);
    if (reg.record(id)) changed(id);
    else removed(id);
    return undefined;
  }

  function revoke(id: string): AdminError | undefined {
    const h = reg.record(id);
    if (!h || !hasSession(h)) return h || reg.request(id) ? conflict(id, ' has no session.') : unknown(id);
    envelopes.seal(id, h, notificationText(REVOKED_METHOD), 1); // best effort
    const c = reg.cold(id) as Cold;
    c.g = c.k = c.p = '';
    delete c.w;
    c.s = 'revoked';
    if (!reg.putCold(id, c)) return FLASH_FULL;
    endSession(h);
    calls.endFor(id);
    reg.saveState(env.mono());
    changed(id);
    return undefined;
  }

  function remove(id: string): AdminError | undefined {
    const h = reg.record(id);
    if (!h && !reg.request(id)) return unknown(id);
    if (h) {
      if (!reg.putCold(id, undefined)) return FLASH_FULL;
      reg.dropRecord(id);
      calls.endFor(id);
      reg.saveState(env.mono());
    }
    reg.dropPending(id);
    removed(id);
    return undefined;
  }

  function setMethods(id: string, allow: string[]): AdminError | undefined {
    const h = reg.record(id);
    if (!h) return reg.request(id) ? conflict(id, ' is not approved.') : unknown(id);
    const c = reg.cold(id) as Cold;
    c.a = allow;
    if (!reg.putCold(id, c)) return FLASH_FULL;
    setAllowList(h, allow);
    changed(id);
    return undefined;
  }

  // ---- time: call deadlines, offline timeout (§4), the state write-behind

  function tick(): void {
    const mono = env.mono();
    calls.expire(mono);
    envelopes.prune(mono);
    reg.eachRecord(function (id, h) {
      if (statusOf(h) === 'authorized' && mono - lastAuthenticAt(h) > cfg.offline_timeout) {
        setStatus(h, 'offline');
        changed(id);
      }
    });
    reg.maybeSaveState(mono, cfg.limits.nonce_flush_s);
  }

  return {
    sec: sec,
    start: function () {
      reg.load(env.mono());
      enroll.start(); // the first approval's key pair
    },
    tick: tick,
    persist: function () {
      reg.saveState(env.mono());
    },
    wall: wall,
    uptime: function () {
      return Math.floor(env.mono() - bootMono);
    },
    onEvent: function (fn) {
      listeners.push(fn);
      return function () {
        const i = listeners.indexOf(fn);
        if (i >= 0) listeners.splice(i, 1);
      };
    },
    emit: emit,
    onMessage: function (t, payload) {
      try {
        if (t === gatewayRxTopic(cfg.prefix)) envelopes.received(payload);
        else if (t === connectTopic(cfg.prefix)) enroll.received(payload);
      } catch (e) {
        // bad input must never take the gateway down: count it
        security('malformed', '');
      }
    },
    call: call,
    approve: approve,
    reject: reject,
    revoke: revoke,
    remove: remove,
    setMethods: setMethods,
    known: function (id) {
      return !!(reg.record(id) || reg.request(id));
    },
    device: function (id) {
      return deviceView(reg, id);
    },
    deviceIds: function () {
      return deviceIds(reg);
    },
    counts: function () {
      return statusCounts(reg);
    },
  };
}
