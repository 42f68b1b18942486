// The gateway's long-lived records of each device, and the functions the
// rest of the gateway reads and changes the RAM record through.
//
// Property names are one or two letters on purpose: on Espruino a property
// name of more than four characters costs one more JsVar in every object that
// carries it (docs/espruino.md), and a Hot record lives in RAM for every
// registered device as long as the gateway runs; Cold and Pending records go
// to flash as JSON, where short names keep the files and their parsing small.
// Only this file and registry.ts (which loads and stores them) use the short
// names of Hot; the rest of the gateway calls the functions below.
import { contains, fromHex } from '../protocol/bytes';
import type { SendCounter } from '../protocol/counter';
import type { EnvelopeKeys } from '../protocol/envelope';
import { DEFAULT_ALLOW } from './methods';

/** The gateway-side lifecycle of a registered device (docs/protocol.md §4). */
export type SessionStatus = 'approved' | 'authorized' | 'offline' | 'revoked';

/** A session or a revoked device as stored on flash: one JSON line of gw.reg. */
export interface Cold {
  /** device id */
  id: string;
  /** display name */
  n: string;
  /** device public key, 64 hex */
  pk: string;
  /** gateway public key of this session, 64 hex; "" when revoked */
  g: string;
  /** hmac_key ‖ enc_key, 128 hex; "" when revoked */
  k: string;
  /** SHA256(psk), 64 hex; "" when the device has no PSK */
  p: string;
  /** 1: the PSK is easy to guess (psk_weak in the device object); absent otherwise */
  w?: number;
  /** allow-list; null = the default (DEFAULT_ALLOW) */
  a: string[] | null;
  /** approved_at, Unix seconds; null when the clock was not set then */
  t: number | null;
  s: 'approved' | 'revoked';
}

/** The last value of each telemetry key: key → [value, Unix seconds]. */
export type Telemetry = { [key: string]: [unknown, number] };

/**
 * What RAM keeps per registered device: what every message needs. Fields a
 * device has never changed are not in the record but read through its
 * prototype, HOT_DEFAULTS (a field costs JsVars only once written).
 */
export interface Hot {
  s: SessionStatus;
  /** hmac_key ‖ enc_key as a 64-byte string; "" when revoked */
  k: string;
  /** first 8 hex of the gateway public key: ties gw.st entries to this session */
  g: string;
  /** ",m1,m2," the custom allow-list; "" = the default */
  al: string;
  /** highest nonce accepted from the device */
  r: number;
  /** last nonce sent to the device */
  t: number;
  /** send nonces reserved on flash (gw.st): no nonce above it goes out unsaved */
  R: number;
  /** monotonic seconds of the last authentic envelope; -1 never */
  m: number;
  /** Unix seconds of the last authentic envelope; 0 unknown */
  w: number;
  /** fresh: the device proved it is live since this boot (§6), its calls may run */
  f: boolean;
  /** rate-limit tokens; -1 = a full bucket */
  b: number;
  /** monotonic seconds the tokens were last counted at */
  bt: number;
  /** envelopes received (authentic), sent, and dropped or refused */
  cr: number;
  ct: number;
  cd: number;
  /** monotonic seconds of the last connect request; -1 none */
  cc: number;
  tel?: Telemetry;
}

/** A connect request waiting for the admin (also: a key change on a session). */
export interface Pending {
  /** device public key, 64 hex */
  pk: string;
  /** display name */
  n: string;
  /** psk_proof, 64 hex; "" when the request had none */
  pr: string;
  /** monotonic seconds of the last request */
  m: number;
  /** Unix seconds of the first request; 0 unknown */
  at: number;
}

// Shared through the prototype of every Hot record; nothing writes here. A
// record with all twelve as its own fields takes 16 JsVars; one on this
// prototype with two fields written, 6 (docs/espruino.md).
const HOT_DEFAULTS = { al: '', r: 0, t: 0, R: 0, m: -1, w: 0, f: true, b: -1, cr: 0, ct: 0, cd: 0, cc: -1 };

/** The RAM record of a session (or revoked device) read from flash. */
export function newHot(c: Cold, mono: number): Hot {
  const h: Hot = Object.create(HOT_DEFAULTS);
  h.s = c.s;
  // an ordinary string: E.toString would make a flat one, and the two
  // substr calls per message (sessionKeys) are slow on those in Espruino
  h.k = c.k ? String.fromCharCode.apply(null, fromHex(c.k) as unknown as number[]) : '';
  h.g = c.g.substr(0, 8);
  if (c.a) setAllowList(h, c.a);
  h.bt = mono;
  return h;
}

// ---- session

export function hasSession(h: Hot): boolean {
  return !!h.k;
}

/** The session keys as byte strings: the envelope calls take them as they are. */
export function sessionKeys(h: Hot): EnvelopeKeys {
  return { hmacKey: h.k.substr(0, 32), encKey: h.k.substr(32) };
}

/** The session is over (revoked): no keys, no way back but a new enrollment. */
export function endSession(h: Hot): void {
  h.k = h.g = '';
  h.s = 'revoked';
}

export function statusOf(h: Hot): SessionStatus {
  return h.s;
}

export function setStatus(h: Hot, s: SessionStatus): void {
  h.s = s;
}

/** Restored from flash at boot: calls wait until the device proves it is live (§6). */
export function markUnfresh(h: Hot): void {
  h.f = false;
}

export function isFresh(h: Hot): boolean {
  return h.f;
}

export function markFresh(h: Hot): void {
  h.f = true;
}

// ---- nonces

export function highNonceFromDevice(h: Hot): number {
  return h.r;
}

export function sendCounter(h: Hot): SendCounter {
  return { last: h.t, reserved: h.R };
}

export function setSendCounter(h: Hot, c: SendCounter): void {
  h.t = c.last;
  h.R = c.reserved;
}

/** After step 7 of §5.3: the nonce, the time last seen, one more received. */
export function noteAuthentic(h: Hot, nonce: number, mono: number, wall: number): void {
  h.r = nonce;
  h.m = mono;
  h.w = wall;
  h.cr++;
}

/** Monotonic seconds of the last authentic envelope; -1 never. */
export function lastAuthenticAt(h: Hot): number {
  return h.m;
}

/** Unix seconds of the last authentic envelope; 0 unknown. */
export function lastSeen(h: Hot): number {
  return h.w;
}

// ---- counters and limits

export function countSent(h: Hot): void {
  h.ct++;
}

export function countDropped(h: Hot): void {
  h.cd++;
}

export function counters(h: Hot): { rx: number; tx: number; dropped: number } {
  return { rx: h.cr, tx: h.ct, dropped: h.cd };
}

/** Token bucket: `rate` per second, `burst` at most; false when empty. */
export function takeToken(h: Hot, now: number, rate: number, burst: number): boolean {
  h.b = h.b < 0 ? burst : Math.min(burst, h.b + (now - h.bt) * rate);
  h.bt = now;
  if (h.b < 1) return false;
  h.b--;
  return true;
}

/** Monotonic seconds of the last connect request; -1 none. */
export function lastConnectAt(h: Hot): number {
  return h.cc;
}

export function noteConnect(h: Hot, mono: number): void {
  h.cc = mono;
}

// ---- methods and telemetry

export function allows(h: Hot, method: string): boolean {
  return method.indexOf(',') < 0 && (h.al ? contains(h.al, ',' + method + ',') : DEFAULT_ALLOW.indexOf(method) >= 0);
}

export function setAllowList(h: Hot, allow: string[]): void {
  h.al = ',' + allow.join(',') + ',';
}

/** The device's telemetry, made on first use. */
export function telemetry(h: Hot): Telemetry {
  return h.tel || (h.tel = {});
}

/** The telemetry, undefined when nothing was reported. */
export function readings(h: Hot): Telemetry | undefined {
  return h.tel;
}

/** What a new session of the same device keeps from the old record. */
export function carryOver(from: Hot, to: Hot): void {
  if (from.tel) to.tel = from.tel;
  to.cc = from.cc;
}
