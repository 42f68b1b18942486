// The gateway's long-lived records of each device, and the functions the
// rest of the gateway reads and changes the RAM record through.
//
// A Hot record lives in RAM for every registered device as long as the
// gateway runs: it is a number into a table of packed slots (below), and the
// rest of the gateway reads and changes it only through the functions here.
// Cold and Pending records go to flash as JSON and have one- and two-letter
// property names, which keep the files and their parsing small (and a Pending
// record in RAM small: on Espruino a name of more than four characters costs
// one more JsVar, docs/espruino.md).
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

/** The last value of each telemetry key: key → the JSON text of [value, Unix seconds] (methods.ts). */
export type Telemetry = { [key: string]: string };

/**
 * What RAM keeps per registered device: a record number (1, 2, …) into the
 * record table below, valid until the registry drops or replaces the record.
 */
export type Hot = number;

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

// The record table. The numbers of every record live in one slot of a
// Float64Array, SLOTS slots to a chunk (a chunk is added when all slots are in
// use, never freed): 104 bytes, 7.5 JsVars, a device, where an object with a
// property per field took over 30 on Espruino (docs/espruino.md). The session
// keys, telemetry and custom allow-lists are kept by record number in objects
// of their own: the keys as one ordinary string, which two substr calls a
// message cut fast (bytes in the slot took ten times as long to turn into
// strings).
const SLOTS = 8;
// float64 words of a slot
const STATUS = 0; // index in STATUSES (0: a free slot), plus UNPROVEN until the device proved it is live since this boot (§6)
const TAG = 1; // first 8 hex of the gateway public key, as a number: ties gw.st entries to this session; -1 revoked
const RX_NONCE = 2; // highest nonce accepted from the device
const TX_NONCE = 3; // last nonce sent to the device
const RESERVED = 4; // send nonces reserved on flash (gw.st): no nonce above it goes out unsaved
const SEEN_MONO = 5; // monotonic seconds of the last authentic envelope; -1 never
const SEEN_WALL = 6; // Unix seconds of the last authentic envelope; 0 unknown
const TOKENS = 7; // rate-limit tokens; -1 a full bucket
const TOKENS_AT = 8; // monotonic seconds the tokens were last counted at
const RX = 9; // envelopes received (authentic), sent, and dropped or refused
const TX = 10;
const DROPPED = 11;
const CONNECT_AT = 12; // monotonic seconds of the last connect request; -1 none
const WORDS = 13;
const UNPROVEN = 8; // above every index in STATUSES
const STATUSES = ['', 'approved', 'authorized', 'offline', 'revoked'];

const chunks: Float64Array[] = [];
const keys: { [h: number]: string } = {}; // hmac_key ‖ enc_key, 64 bytes
const telemetries: { [h: number]: Telemetry } = {};
const allowLists: { [h: number]: string } = {};

// Record h is slot (h - 1) % SLOTS of chunk (h - 1) / SLOTS. The accessors
// that every message uses compute that in place: a call to get() costs as
// much again on the interpreter.

/** Field `f` of record `h`. */
function get(h: Hot, f: number): number {
  return chunks[((h - 1) / SLOTS) | 0][((h - 1) % SLOTS) * WORDS + f];
}

function put(h: Hot, f: number, v: number): void {
  chunks[((h - 1) / SLOTS) | 0][((h - 1) % SLOTS) * WORDS + f] = v;
}

/** The RAM record of a session (or revoked device) read from flash. */
export function newHot(c: Cold, mono: number): Hot {
  let h = 1;
  while (h <= chunks.length * SLOTS && get(h, STATUS)) h++;
  if (h > chunks.length * SLOTS) chunks.push(new Float64Array(SLOTS * WORDS));
  const at = ((h - 1) % SLOTS) * WORDS;
  const w = chunks[((h - 1) / SLOTS) | 0];
  for (let i = 0; i < WORDS; i++) w[at + i] = 0;
  w[at + STATUS] = STATUSES.indexOf(c.s);
  w[at + SEEN_MONO] = w[at + TOKENS] = w[at + CONNECT_AT] = -1;
  w[at + TOKENS_AT] = mono;
  w[at + TAG] = c.k ? parseInt(c.g.substr(0, 8), 16) : -1;
  // an ordinary string: E.toString would make a flat one, and the two
  // substr calls per message (sessionKeys) are slow on those in Espruino
  if (c.k) keys[h] = String.fromCharCode.apply(null, fromHex(c.k) as unknown as number[]);
  if (c.a) setAllowList(h, c.a);
  return h;
}

/** The record is no longer the registry's (dropped, or replaced by a new session): its slot is free. */
export function freeHot(h: Hot): void {
  put(h, STATUS, 0);
  delete keys[h];
  delete telemetries[h];
  delete allowLists[h];
}

// ---- session

export function hasSession(h: Hot): boolean {
  return chunks[((h - 1) / SLOTS) | 0][((h - 1) % SLOTS) * WORDS + TAG] >= 0;
}

/** The session keys as byte strings: the envelope calls take them as they are. */
export function sessionKeys(h: Hot): EnvelopeKeys {
  const k = keys[h] || '';
  return { hmacKey: k.substr(0, 32), encKey: k.substr(32) };
}

/** The first 8 hex of the gateway public key of the session; "" when revoked. */
export function sessionTag(h: Hot): string {
  const g = get(h, TAG);
  return g < 0 ? '' : ('0000000' + g.toString(16)).substr(-8);
}

/** The session is over (revoked): no keys, no way back but a new enrollment. */
export function endSession(h: Hot): void {
  delete keys[h];
  put(h, TAG, -1);
  setStatus(h, 'revoked');
}

export function statusOf(h: Hot): SessionStatus {
  return STATUSES[chunks[((h - 1) / SLOTS) | 0][((h - 1) % SLOTS) * WORDS + STATUS] % UNPROVEN] as SessionStatus;
}

export function setStatus(h: Hot, s: SessionStatus): void {
  put(h, STATUS, STATUSES.indexOf(s) + (isFresh(h) ? 0 : UNPROVEN));
}

/** Restored from flash at boot: calls wait until the device proves it is live (§6). */
export function markUnfresh(h: Hot): void {
  if (isFresh(h)) put(h, STATUS, get(h, STATUS) + UNPROVEN);
}

export function isFresh(h: Hot): boolean {
  return chunks[((h - 1) / SLOTS) | 0][((h - 1) % SLOTS) * WORDS + STATUS] < UNPROVEN;
}

export function markFresh(h: Hot): void {
  put(h, STATUS, get(h, STATUS) % UNPROVEN);
}

// ---- nonces

export function highNonceFromDevice(h: Hot): number {
  return chunks[((h - 1) / SLOTS) | 0][((h - 1) % SLOTS) * WORDS + RX_NONCE];
}

export function sendCounter(h: Hot): SendCounter {
  const w = chunks[((h - 1) / SLOTS) | 0];
  const at = ((h - 1) % SLOTS) * WORDS;
  return { last: w[at + TX_NONCE], reserved: w[at + RESERVED] };
}

export function setSendCounter(h: Hot, c: SendCounter): void {
  const w = chunks[((h - 1) / SLOTS) | 0];
  const at = ((h - 1) % SLOTS) * WORDS;
  w[at + TX_NONCE] = c.last;
  w[at + RESERVED] = c.reserved;
}

/** Boot: the nonce marks and last-seen time from the state file (gw.st); a session that talked is offline. */
export function restoreState(h: Hot, highNonce: number, reserved: number, wall: number): void {
  put(h, RX_NONCE, highNonce);
  put(h, TX_NONCE, reserved);
  put(h, RESERVED, reserved);
  put(h, SEEN_WALL, wall);
  if (highNonce > 0) setStatus(h, 'offline');
}

/** After step 7 of §5.3: the nonce, the time last seen, one more received. */
export function noteAuthentic(h: Hot, nonce: number, mono: number, wall: number): void {
  const w = chunks[((h - 1) / SLOTS) | 0];
  const at = ((h - 1) % SLOTS) * WORDS;
  w[at + RX_NONCE] = nonce;
  w[at + SEEN_MONO] = mono;
  w[at + SEEN_WALL] = wall;
  w[at + RX] = w[at + RX] + 1;
}

/** Monotonic seconds of the last authentic envelope; -1 never. */
export function lastAuthenticAt(h: Hot): number {
  return get(h, SEEN_MONO);
}

/** Unix seconds of the last authentic envelope; 0 unknown. */
export function lastSeen(h: Hot): number {
  return get(h, SEEN_WALL);
}

// ---- counters and limits

export function countSent(h: Hot): void {
  const w = chunks[((h - 1) / SLOTS) | 0];
  const at = ((h - 1) % SLOTS) * WORDS + TX;
  w[at] = w[at] + 1;
}

export function countDropped(h: Hot): void {
  put(h, DROPPED, get(h, DROPPED) + 1);
}

export function counters(h: Hot): { rx: number; tx: number; dropped: number } {
  return { rx: get(h, RX), tx: get(h, TX), dropped: get(h, DROPPED) };
}

/** Token bucket: `rate` per second, `burst` at most; false when empty. */
export function takeToken(h: Hot, now: number, rate: number, burst: number): boolean {
  const w = chunks[((h - 1) / SLOTS) | 0];
  const at = ((h - 1) % SLOTS) * WORDS;
  const b = w[at + TOKENS];
  let left = b < 0 ? burst : Math.min(burst, b + (now - w[at + TOKENS_AT]) * rate);
  w[at + TOKENS_AT] = now;
  const ok = left >= 1;
  if (ok) left--;
  w[at + TOKENS] = left;
  return ok;
}

/** Monotonic seconds of the last connect request; -1 none. */
export function lastConnectAt(h: Hot): number {
  return get(h, CONNECT_AT);
}

export function noteConnect(h: Hot, mono: number): void {
  put(h, CONNECT_AT, mono);
}

// ---- methods and telemetry

export function allows(h: Hot, method: string): boolean {
  const al = allowLists[h];
  return method.indexOf(',') < 0 && (al ? contains(al, ',' + method + ',') : DEFAULT_ALLOW.indexOf(method) >= 0);
}

export function setAllowList(h: Hot, allow: string[]): void {
  allowLists[h] = ',' + allow.join(',') + ',';
}

/** The device's telemetry, made on first use. */
export function telemetry(h: Hot): Telemetry {
  return telemetries[h] || (telemetries[h] = {});
}

/** The telemetry, undefined when nothing was reported. */
export function readings(h: Hot): Telemetry | undefined {
  return telemetries[h];
}

/** What a new session of the same device keeps from the old record. */
export function carryOver(from: Hot, to: Hot): void {
  if (telemetries[from]) telemetries[to] = telemetries[from];
  put(to, CONNECT_AT, get(from, CONNECT_AT));
}
