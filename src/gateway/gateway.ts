// The gateway's protocol engine: enrollment (PROTOCOL.md §3), lifecycle (§4),
// sealed envelopes (§5), echo after restart (§6), methods, allow-lists and
// limits (§7), gateway → device calls, and the device side of the admin
// operations. I/O comes in through GatewayEnv; timers are Espruino's.
// Written as one closure (not a class) so the minifier can shorten every
// internal name: the image has to fit the board.
import type { Crypto } from '../crypto/types';
import { fromHex, isNum, toHex } from '../protocol/bytes';
import {
  approvedNotificationText,
  checkPskProof,
  connectApprovedText,
  connectErrorText,
  connectPendingText,
  gatewayProof,
  parseConnectRequest,
  pskHash,
} from '../protocol/enrollment';
import type { Approval, ConnectRequest } from '../protocol/enrollment';
import { GATEWAY_TO_DEVICE, DEVICE_TO_GATEWAY, openEnvelope, sealEnvelope } from '../protocol/envelope';
import {
  INTERNAL_ERROR,
  METHOD_NOT_ALLOWED,
  METHOD_NOT_FOUND,
  RATE_LIMITED,
  echoRequiredErrorText,
  echoRequiredNotificationText,
  errorText,
  notificationText,
  requestText,
  resultText,
} from '../protocol/jsonrpc';
import type { RpcId } from '../protocol/jsonrpc';
import type { SessionKeys } from '../protocol/keys';
import { nextNonce } from '../protocol/counter';
import type { Config } from './config';
import { createKeyMaker } from './key-maker';
import { METHODS } from './methods';
import { DEFAULT_ALLOW, Registry, hotKeys } from './registry';
import type { Cold, Hot, Pending } from './registry';
import { SecurityLog } from './security';
import type { StorageLike } from './store';

const SEND_RESERVE = 1000; // nonces reserved on flash per state write
const MAX_CALLS = 8; // gateway → device calls in flight
const PENDING_STALE_S = 60; // a full pending table gives up entries idle this long
const REFUSED_RING = 16; // recently refused unknown ids, for the connect rate limit
const SWEEP_MS = 2000;
// an envelope ≤ 4096 bytes holds base64 of about 2900 plaintext bytes
const MAX_CALL_TEXT = 2800;
// The clock counts as set once it is past 2020 (SNTP or setTime).
const CLOCK_SET_AFTER = 1577836800;

export interface GatewayEnv {
  crypto: Crypto;
  storage: StorageLike;
  cfg: Config;
  publish(topic: string, payload: string, qos: number): boolean;
  /** raw clock seconds (getTime()) */
  clock(): number;
  /** monotonic seconds */
  mono(): number;
}

/** What a device answered to a gateway → device call. */
export interface CallResult {
  result?: any;
  error?: any;
}

/** Refusal of an admin operation: HTTP status, ADMIN-API word, sentence. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
}

export interface Gateway {
  reg: Registry;
  sec: SecurityLog;
  start(): void;
  /** Stops the sweep and writes the nonce state (a clean event). */
  stop(): void;
  /** Unix seconds when the clock is set, else undefined. */
  wall(): number | undefined;
  uptime(): number;
  onEvent(fn: (ev: any) => void): () => void;
  emit(ev: any): void;
  /** `P/` + rest */
  topic(rest: string): string;
  onMessage(topic: string, payload: string): void;
  call(id: string, method: string, params: any, timeoutMs: number, cb: (timedOut: boolean, reply?: CallResult) => void): Refusal | undefined;
  /** `done` gets the refusal, or undefined once approved (at once on native crypto; stock firmware's keys take seconds). */
  approve(id: string, psk: string | undefined, done: (r: Refusal | undefined) => void): void;
  reject(id: string): Refusal | undefined;
  revoke(id: string): Refusal | undefined;
  remove(id: string): Refusal | undefined;
  setMethods(id: string, allow: string[]): Refusal | undefined;
  /** true when `id` is registered or pending */
  known(id: string): boolean;
  /** The device object of ADMIN-API.md, or undefined for an unknown id. */
  device(id: string): any;
  deviceIds(): string[];
  /** devices per status */
  counts(): any;
}

interface OutCall {
  dev: string;
  cb: (timedOut: boolean, reply?: CallResult) => void;
  timer: any;
}

function refusal(status: number, code: string, message: string): Refusal {
  return { status: status, code: code, message: message };
}

function unknown(id: string): Refusal {
  return refusal(404, 'not_found', 'No device ' + id + '.');
}

/** 409: device `id` is not in the state the operation needs. */
function conflict(id: string, what: string): Refusal {
  return refusal(409, 'conflict', 'Device ' + id + what);
}

const FLASH_FULL = refusal(503, 'unavailable', 'Flash full.');

export function createGateway(env: GatewayEnv): Gateway {
  const crypto = env.crypto;
  const cfg = env.cfg;
  const reg = new Registry(env.storage);
  const sec = new SecurityLog();
  const hot = reg.hot; // keyed '#' + id (see Registry)
  const pending = reg.pending;
  const listeners: ((ev: any) => void)[] = [];
  const calls: { [rpcId: string]: OutCall } = {};
  const keyMaker = createKeyMaker(crypto);
  const making: { [key: string]: boolean } = {}; // '#' + id: a session's keys are being made
  let callCount = 0;
  const refused: any[] = []; // [id, mono] of unknown ids refused lately
  let seenId = ''; // device id named by the envelope being opened
  let sweeper: any;
  const bootMono = env.mono();
  /** 16 random bytes, new at each boot (§6) */
  const echo = toHex(crypto.randomBytes(16));
  const r3 = crypto.randomBytes(3);
  // call ids unique to this boot, so a replayed old response matches nothing
  let callSeq = ((r3[0] << 16) | (r3[1] << 8) | r3[2]) * 1000;

  // ---- time, events, topics

  function wall(): number | undefined {
    const t = Math.floor(env.clock());
    return t > CLOCK_SET_AFTER ? t : undefined;
  }

  function emit(ev: any): void {
    for (let i = 0; i < listeners.length; i++)
      try {
        listeners[i](ev);
      } catch (e) {
        // a broken listener must not stop the gateway
      }
  }

  function changed(id: string): void {
    if (listeners.length) emit({ type: 'device', device: device(id) });
  }

  function removed(id: string): void {
    emit({ type: 'removed', device_id: id });
  }

  function security(reason: string, id: string): void {
    const ev = sec.add(reason, id, wall() || 0);
    const h = hot['#' + id];
    if (h && reason !== 'psk proof') h.cd++;
    if (listeners.length) emit(ev);
  }

  function topic(rest: string): string {
    return cfg.prefix + '/' + rest;
  }

  function sendPlain(id: string, text: string, qos: number): boolean {
    return env.publish(topic('devices/' + id + '/rx'), text, qos);
  }

  // ---- enrollment (§3.4)

  function approval(id: string, c: Cold): Approval {
    const a: Approval = { deviceId: id, gatewayPubkey: c.g, time: wall() ?? null };
    if (c.p) a.gwProof = gatewayProof(crypto, fromHex(c.p) as Uint8Array, id, c.pk, c.g);
    return a;
  }

  function onConnect(payload: string): void {
    const lim = cfg.limits;
    const parsed = parseConnectRequest(payload, lim.envelope);
    if (!parsed.ok) return security('malformed', parsed.deviceId || '');
    const q = parsed.request;
    const id = q.deviceId;
    const mono = env.mono();
    const h = hot['#' + id];
    const p = pending['#' + id];
    const last = h ? h.cc : p ? p.m : refusedAt(id);
    if (last >= 0 && mono - last < lim.connect_s) return security('rate limited', id);
    if (h) h.cc = mono;
    const reply = function (text: string): void {
      sendPlain(id, text, 0);
    };

    if (h && h.k) {
      const c = reg.cold(id) as Cold;
      if (c.p) {
        if (!checkPskProof(crypto, fromHex(c.p) as Uint8Array, q)) {
          security('psk proof', id);
          return reply(connectErrorText(q.id, 'psk proof missing or wrong'));
        }
        if (q.pubkey === c.pk) return reply(connectApprovedText(q.id, approval(id, c)));
        // a PSK holder with a new key: a new session, no admin needed (the
        // reply follows when its keys are made; meanwhile requests get none)
        if (making['#' + id]) return;
        return newSession(id, q.pubkey, q.name || c.n, c.p, c.a, function () {
          return hot['#' + id] === h && !!h.k;
        }, function (r, n) {
          reply(n ? connectApprovedText(q.id, approval(id, n)) : connectErrorText(q.id, 'request refused'));
          if (n) changed(id);
        });
      }
      if (q.pubkey === c.pk) {
        if (p) {
          reg.dropPending(id); // the key change was not real
          changed(id);
        }
        return reply(connectApprovedText(q.id, approval(id, c)));
      }
      // no PSK and a new key: the admin decides; the old session keeps working
    }
    if (!p && !roomForPending(mono)) {
      security('rate limited', id);
      rememberRefused(id, mono);
      return reply(connectErrorText(q.id, 'request refused: too many pending requests'));
    }
    reg.addPending(id, {
      pk: q.pubkey,
      n: q.name !== undefined ? q.name : p ? p.n : '',
      pr: q.pskProof || '',
      m: mono,
      at: p ? p.at : wall() || 0,
    });
    reply(connectPendingText(q.id));
    if (!p || p.pk !== q.pubkey) changed(id);
  }

  function roomForPending(mono: number): boolean {
    if (reg.pendingCount < cfg.limits.pending) return true;
    let oldest = '';
    for (const k in pending) {
      const e = pending[k];
      if (mono - e.m > PENDING_STALE_S && (!oldest || e.m < pending[oldest].m)) oldest = k;
    }
    if (!oldest) return false;
    const id = oldest.substr(1);
    reg.dropPending(id);
    if (hot[oldest]) changed(id);
    else removed(id);
    return true;
  }

  function refusedAt(id: string): number {
    for (let i = 0; i < refused.length; i++) if (refused[i][0] === id) return refused[i][1];
    return -1;
  }

  function rememberRefused(id: string, mono: number): void {
    for (let i = 0; i < refused.length; i++)
      if (refused[i][0] === id) {
        refused[i][1] = mono;
        return;
      }
    if (refused.length >= REFUSED_RING) refused.shift();
    refused.push([id, mono]);
  }

  /**
   * A new session for `id` with the device key `pk`: a fresh gateway key pair
   * (only its public half and the derived keys are kept), on flash first.
   * `done` gets it once the keys are made, unless `still()` says the request
   * changed meanwhile (a newer key, a reject, a revoke).
   */
  function newSession(
    id: string, pk: string, name: string, psk: string, allow: string[] | null,
    still: () => boolean, done: (r: Refusal | undefined, c?: Cold) => void,
  ): void {
    making['#' + id] = true;
    keyMaker.make(fromHex(pk) as Uint8Array, function (made) {
      delete making['#' + id];
      if (!still()) return done(conflict(id, ' changed meanwhile: try again.'));
      const c = made && storeSession(id, pk, name, psk, allow, toHex(made.gatewayPublic), made.keys);
      done(c ? undefined : refusal(400, 'bad_key', 'Bad device key, or flash full.'), c);
    });
  }

  function storeSession(id: string, pk: string, name: string, psk: string, allow: string[] | null, g: string, keys: SessionKeys): Cold | undefined {
    const c: Cold = {
      id: id,
      n: name,
      pk: pk,
      g: g,
      k: toHex(keys.hmacKey) + toHex(keys.encKey),
      p: psk,
      a: allow,
      t: wall() ?? null,
      s: 'approved',
    };
    if (!reg.putCold(id, c)) return undefined;
    const old = hot['#' + id];
    const h = reg.newHot(c, env.mono());
    if (old) {
      if (old.tel) h.tel = old.tel;
      h.cc = old.cc;
    }
    hot['#' + id] = h;
    reg.dropPending(id);
    failCalls(id);
    return c;
  }

  // ---- sealed envelopes (§5.3, §6, §7)

  function findSession(id: string) {
    seenId = id;
    const h = hot['#' + id];
    return h && h.k ? { keys: hotKeys(h), highNonce: h.r } : undefined;
  }

  function onEnvelope(payload: string): void {
    seenId = '';
    const r = openEnvelope(crypto, payload, {
      direction: DEVICE_TO_GATEWAY,
      findSession: findSession,
      now: wall(),
      maxBytes: cfg.limits.envelope,
    });
    const id = seenId;
    const h = hot['#' + id];
    if (!r.ok) {
      if (r.step !== 6) return security(r.reason, id);
      // authentic, but not JSON-RPC: record the nonce, answer with the error
      authentic(id, h, r.highNonce as number);
      security('malformed', id);
      seal(id, h, errorText(r.id ?? null, r.code as number, r.reason));
      return;
    }
    authentic(id, h, r.highNonce);
    const kind = r.kind;
    const rid = r.id as RpcId;
    const answer = function (text: string): void {
      if (kind === 'request') seal(id, h, text, 0, rid);
    };
    if (kind === 'response') return answered(id, rid, r.message);
    if (!h.f) {
      if (r.envelope.echo !== echo) {
        if (kind === 'request') answer(echoRequiredErrorText(rid, echo));
        else seal(id, h, echoRequiredNotificationText(echo));
        return;
      }
      h.f = true;
    }
    if (!take(h)) {
      security('rate limited', id);
      return answer(errorText(rid, RATE_LIMITED, 'rate limited'));
    }
    const method = r.method;
    if (method.indexOf(',') >= 0 || (h.al ? h.al.indexOf(',' + method + ',') < 0 : DEFAULT_ALLOW.indexOf(method) < 0)) {
      security('not allowed', id);
      return answer(errorText(rid, METHOD_NOT_ALLOWED, 'method not allowed'));
    }
    const fn = METHODS.hasOwnProperty(method) ? METHODS[method] : undefined;
    if (!fn) return answer(errorText(rid, METHOD_NOT_FOUND, 'method not found'));
    let text: string;
    try {
      const w = wall();
      text = resultText(
        rid,
        fn(r.message.params, {
          deviceId: id,
          at: w || Math.floor(env.clock()),
          timeSet: w !== undefined,
          telemetry: function () {
            return h.tel || (h.tel = {});
          },
          emit: emit,
        }),
      );
    } catch (e: any) {
      text = e && isNum(e.code) ? errorText(rid, e.code, e.message) : errorText(rid, INTERNAL_ERROR, 'internal error');
    }
    answer(text);
  }

  // After step 7: record the nonce and last-seen time; offline → authorized.
  function authentic(id: string, h: Hot, nonce: number): void {
    h.r = nonce;
    h.m = env.mono();
    h.w = wall() || 0;
    h.cr++;
    reg.touch();
    if (h.s !== 'authorized') {
      h.s = 'authorized';
      changed(id);
    }
  }

  // Token bucket: `rate` per second, `burst` at most.
  function take(h: Hot): boolean {
    const lim = cfg.limits;
    const now = env.mono();
    h.b = h.b < 0 ? lim.burst : Math.min(lim.burst, h.b + (now - h.bt) * lim.rate);
    h.bt = now;
    if (h.b < 1) return false;
    h.b--;
    return true;
  }

  /**
   * Seals `text` (a JSON-RPC message) to device `id`; false when it could not
   * go out. Answers go at QoS 0 (a burst of them must not fill the QoS 1
   * in-flight window; the device retries), messages the gateway starts at QoS 1.
   */
  function seal(id: string, h: Hot, text: string, qos?: number, answerTo?: RpcId): boolean {
    const n = nextNonce({ last: h.t, reserved: h.R }, SEND_RESERVE);
    if (!n || !h.k) return false;
    if (n.persist) {
      const before = h.R;
      h.R = n.counter.reserved;
      // never send under a nonce the flash does not cover (§5.2)
      if (!reg.saveState(env.mono())) {
        h.R = before;
        return false;
      }
    }
    h.t = n.nonce;
    const sealed = sealEnvelope(crypto, hotKeys(h), {
      direction: GATEWAY_TO_DEVICE,
      deviceId: id,
      nonce: n.nonce,
      timestamp: Math.floor(env.clock()),
      plaintext: text,
      // an answer's method and id are known: its text need not be read back
      rpc: answerTo !== undefined ? { method: '', id: answerTo } : undefined,
    });
    h.ct++;
    return sendPlain(id, sealed, qos || 0);
  }

  // ---- gateway → device calls

  function call(id: string, method: string, params: any, timeoutMs: number, cb: (timedOut: boolean, reply?: CallResult) => void): Refusal | undefined {
    const h = hot['#' + id];
    if (!h && !pending['#' + id]) return unknown(id);
    if (!h || !h.k) return conflict(id, ' has no session.');
    if (callCount >= MAX_CALLS) return refusal(503, 'busy', 'Too many calls in progress.');
    const rpcId = ++callSeq;
    const text = requestText(rpcId, method, params);
    if (text.length > MAX_CALL_TEXT) return refusal(413, 'too_large', 'Call too large.');
    if (!seal(id, h, text, 1)) return refusal(503, 'unavailable', 'Cannot send now.');
    callCount++;
    calls[rpcId] = {
      dev: id,
      cb: cb,
      timer: setTimeout(function () {
        delete calls[rpcId];
        callCount--;
        cb(true);
      }, timeoutMs),
    };
    return undefined;
  }

  function answered(id: string, rpcId: RpcId, m: any): void {
    const c = calls.hasOwnProperty(rpcId) ? calls[rpcId] : undefined;
    if (!c || c.dev !== id) return;
    clearTimeout(c.timer);
    delete calls[rpcId];
    callCount--;
    c.cb(false, m.error !== undefined ? { error: m.error } : { result: m.result });
  }

  function failCalls(id: string): void {
    for (const k in calls) {
      const c = calls[k];
      if (c.dev !== id) continue;
      clearTimeout(c.timer);
      delete calls[k];
      callCount--;
      c.cb(true);
    }
  }

  // ---- admin operations on devices

  function approve(id: string, psk: string | undefined, done: (r: Refusal | undefined) => void): void {
    const p = pending['#' + id];
    if (!p) return done(hot['#' + id] ? conflict(id, ' is not pending.') : unknown(id));
    if (making['#' + id]) return done(conflict(id, ' is being approved.'));
    let hashHex = '';
    if (psk) {
      const hash = pskHash(crypto, psk);
      const q: ConnectRequest = { id: 0, deviceId: id, pubkey: p.pk };
      if (p.pr) q.pskProof = p.pr;
      if (!checkPskProof(crypto, hash, q)) {
        security('psk proof', id);
        return done(refusal(409, 'psk_mismatch', p.pr ? 'Wrong PSK.' : 'The device has no PSK.'));
      }
      hashHex = toHex(hash);
    } else if (p.pr) return done(refusal(409, 'psk_required', 'The device needs its PSK.'));
    const old = reg.cold(id);
    newSession(id, p.pk, p.n || (old ? old.n : ''), hashHex, old ? old.a : null, function () {
      return pending['#' + id] === p;
    }, function (r, c) {
      if (!c) return done(r);
      // A full QoS 1 window (PUBACKs queued behind a burst of device traffic)
      // refuses the publish: send it at QoS 0 rather than leave the device
      // waiting for its next connect request (60 s while pending).
      const text = approvedNotificationText(approval(id, c));
      if (!sendPlain(id, text, 1)) sendPlain(id, text, 0);
      changed(id);
      done(undefined);
    });
  }

  function reject(id: string): Refusal | undefined {
    if (!pending['#' + id]) return hot['#' + id] ? conflict(id, ' is not pending.') : unknown(id);
    reg.dropPending(id);
    if (hot['#' + id]) changed(id);
    else removed(id);
    return undefined;
  }

  function revoke(id: string): Refusal | undefined {
    const h = hot['#' + id];
    if (!h || !h.k) return h || pending['#' + id] ? conflict(id, ' has no session.') : unknown(id);
    seal(id, h, notificationText('revoked'), 1); // best effort
    const c = reg.cold(id) as Cold;
    c.g = c.k = c.p = '';
    c.s = 'revoked';
    if (!reg.putCold(id, c)) return FLASH_FULL;
    h.k = h.g = '';
    h.s = 'revoked';
    failCalls(id);
    reg.saveState(env.mono());
    changed(id);
    return undefined;
  }

  function remove(id: string): Refusal | undefined {
    const h = hot['#' + id];
    if (!h && !pending['#' + id]) return unknown(id);
    if (h) {
      if (!reg.putCold(id, undefined)) return FLASH_FULL;
      delete hot['#' + id];
      failCalls(id);
      reg.saveState(env.mono());
    }
    reg.dropPending(id);
    removed(id);
    return undefined;
  }

  function setMethods(id: string, allow: string[]): Refusal | undefined {
    const h = hot['#' + id];
    if (!h) return pending['#' + id] ? conflict(id, ' is not approved.') : unknown(id);
    const c = reg.cold(id) as Cold;
    c.a = allow;
    if (!reg.putCold(id, c)) return FLASH_FULL;
    h.al = ',' + allow.join(',') + ',';
    changed(id);
    return undefined;
  }

  // ---- views

  function device(id: string): any {
    const h = hot['#' + id];
    const p = pending['#' + id];
    if (!h && !p) return undefined;
    const c = h ? reg.cold(id) : undefined;
    const tel: any = {};
    if (h && h.tel) for (const k in h.tel) tel[k] = { value: h.tel[k][0], at: h.tel[k][1] };
    const session = h && h.k;
    const own = session || !p; // the record speaks, not a pending request
    const d: any = {
      device_id: id,
      name: own ? (c as Cold).n : (p as Pending).n,
      status: session ? h.s : p ? 'pending' : 'revoked',
      pubkey: own ? (c as Cold).pk : (p as Pending).pk,
      key_change_pending: !!(session && p),
      psk: !!(c && c.p),
      allow: c && c.a ? c.a : DEFAULT_ALLOW,
      last_seen: h && h.w ? h.w : null,
      approved_at: c && c.t ? c.t : null,
      telemetry: tel,
      counters: { rx: h ? h.cr : 0, tx: h ? h.ct : 0, dropped: h ? h.cd : 0 },
    };
    if (d.key_change_pending) d.pending_pubkey = (p as Pending).pk;
    return d;
  }

  function deviceIds(): string[] {
    const ids: string[] = [];
    for (const k in hot) ids.push(k.substr(1));
    for (const k in pending) if (!hot[k]) ids.push(k.substr(1));
    return ids;
  }

  function counts(): any {
    const n: any = { pending: 0, approved: 0, authorized: 0, offline: 0, revoked: 0 };
    const ids = deviceIds();
    for (let i = 0; i < ids.length; i++) {
      const k = '#' + ids[i];
      const h = hot[k];
      n[h && h.k ? h.s : pending[k] ? 'pending' : 'revoked']++;
    }
    return n;
  }

  // ---- periodic work: offline timeout (§4) and the state write-behind

  function sweep(): void {
    const mono = env.mono();
    for (const k in hot) {
      const h = hot[k];
      if (h.s === 'authorized' && mono - h.m > cfg.offline_timeout) {
        h.s = 'offline';
        changed(k.substr(1));
      }
    }
    reg.maybeSaveState(mono);
  }

  return {
    reg: reg,
    sec: sec,
    start: function () {
      reg.load(env.mono());
      keyMaker.prepare(); // the first approval's key pair
      sweeper = setInterval(sweep, SWEEP_MS);
    },
    stop: function () {
      if (sweeper !== undefined) clearInterval(sweeper);
      sweeper = undefined;
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
    topic: topic,
    onMessage: function (t, payload) {
      try {
        if (t === topic('gateway/rx')) onEnvelope(payload);
        else if (t === topic('connect/request')) onConnect(payload);
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
      return !!(hot['#' + id] || pending['#' + id]);
    },
    device: device,
    deviceIds: deviceIds,
    counts: counts,
  };
}
