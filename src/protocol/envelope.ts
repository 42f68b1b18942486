// Sealed envelopes of docs/protocol.md §5: seal, and open with every receiver
// check of §5.3 in order. Pure: the caller owns sessions, clocks and counters.
// The byte work (base64, AEAD, HMAC, hex) is one Crypto call each way, so on
// the interpreter a message costs a handful of calls, not loops over bytes.
import { Bytes, Crypto } from '../crypto/types';
import { envelopeNonce } from '../crypto/envelope';
import { isHex, isObject, isStr, isSafeUint, isNum, decimal } from './bytes';
import { isDeviceId } from './device-id';
import { parseJson, classify, isRpcId, RpcId, RpcKind, RpcMessage } from './jsonrpc';
import {
  ECHO_BYTES, INVALID_REQUEST, MAX_CLOCK_SKEW, MAX_ENVELOPE_BYTES, PARSE_ERROR, STEP_BAD_CIPHERTEXT, STEP_BAD_HMAC,
  STEP_MALFORMED, STEP_NOT_JSONRPC, STEP_REPLAY, STEP_STALE, STEP_UNKNOWN_DEVICE,
} from './constants';

export type Direction = 0 | 1;
export const DEVICE_TO_GATEWAY: Direction = 0;
export const GATEWAY_TO_DEVICE: Direction = 1;

/** An envelope as it travels (field names as on the wire). */
export interface Envelope {
  device_id: string;
  nonce: number;
  timestamp: number;
  ciphertext: string;
  hmac: string;
  echo?: string;
}

/** u32_be(direction) ‖ u64_be(nonce). */
export const aeadNonce: (direction: Direction, nonce: number) => Uint8Array = envelopeNonce;

/** The two session keys as an envelope uses them: Uint8Arrays or byte strings. */
export interface EnvelopeKeys {
  encKey: Bytes;
  hmacKey: Bytes;
}

export function aadString(deviceId: string, nonce: number, timestamp: number, echo?: string): string {
  return deviceId + '\n' + decimal(nonce) + '\n' + decimal(timestamp) + '\n' + (echo || '');
}

/** `rpcId` null for a notification (and an error response with id null). */
export function canonicalString(deviceId: string, method: string, rpcId: RpcId | null, nonce: number, timestamp: number): string {
  const id = rpcId === null ? '' : isNum(rpcId) ? decimal(rpcId) : rpcId;
  return deviceId + '\n' + method + '\n' + id + '\n' + decimal(nonce) + '\n' + decimal(timestamp);
}

export interface SealParams {
  direction: Direction;
  deviceId: string;
  nonce: number;
  timestamp: number;
  /** The exact JSON-RPC 2.0 message text, a byte string (UTF-8 as bytes). */
  plaintext: string;
  /** 32 lowercase hex: the gateway's echo value when repeating a call (§6). */
  echo?: string;
  /**
   * The method and id of `plaintext` (method '' for a response, id null for
   * a notification), when the caller built the text itself and knows them:
   * spares reading it back. They go into the HMAC: they must be the text's.
   */
  rpc?: { method: string; id: RpcId | null };
}

/**
 * The envelope JSON text (a byte string). Throws on arguments no correct
 * caller passes: bad id/nonce/time/echo, or a plaintext that is not JSON-RPC.
 * The receiver drops envelopes above its limit (4096 by default): check length.
 */
export function sealEnvelope(c: Crypto, keys: EnvelopeKeys, p: SealParams): string {
  if (!isDeviceId(p.deviceId) || !isSafeUint(p.nonce) || p.nonce < 1 || !isSafeUint(p.timestamp) ||
      (p.echo !== undefined && !isHex(p.echo, ECHO_BYTES * 2))) {
    throw new Error('sealEnvelope: bad device id, nonce, timestamp or echo');
  }
  const rpc = p.rpc || classify(parseJson(p.plaintext));
  if (!rpc) throw new Error('sealEnvelope: plaintext is not a JSON-RPC 2.0 message');
  const ciphertext = c.envelopeSeal(keys.encKey, p.direction, aadString(p.deviceId, p.nonce, p.timestamp, p.echo), p.plaintext);
  const mac = c.hmacHex(keys.hmacKey, canonicalString(p.deviceId, rpc.method, rpc.id, p.nonce, p.timestamp));
  // Written by hand: every field is ASCII from a checked charset, and the
  // numbers go through decimal() rather than a runtime's number formatting.
  return '{"device_id":"' + p.deviceId + '","nonce":' + decimal(p.nonce) + ',"timestamp":' + decimal(p.timestamp) +
    ',"ciphertext":"' + ciphertext + '","hmac":"' + mac + '"' +
    (p.echo !== undefined ? ',"echo":"' + p.echo + '"' : '') + '}';
}

/** What the receiver knows about its peer in one session. */
export interface PeerSession {
  keys: EnvelopeKeys;
  /** Highest nonce accepted from the peer so far (0 before the first). */
  highNonce: number;
}

export interface OpenOptions {
  /** The direction the envelope travelled: DEVICE_TO_GATEWAY when the gateway opens it. */
  direction: Direction;
  /**
   * Step 2. Gateway: the session of that device id, if any. Device: its own
   * session when the id is its own, else undefined.
   */
  findSession: (deviceId: string) => PeerSession | undefined;
  /** Step 4, gateway only: its Unix time, passed only while its clock is set. */
  now?: number;
  maxBytes?: number;
}

export type DropReason = 'malformed' | 'unknown device' | 'replay' | 'stale' | 'bad ciphertext' | 'bad hmac';

export interface Opened {
  ok: true;
  envelope: Envelope;
  /** The decrypted JSON-RPC text, a byte string. */
  plaintext: string;
  /** The parsed message. */
  message: RpcMessage;
  kind: RpcKind;
  method: string;
  id: RpcId | null;
  session: PeerSession;
  /** Record this as the session's highNonce (and the last-seen time). */
  highNonce: number;
}

export interface Refused {
  ok: false;
  /** The §5.3 step that failed: STEP_MALFORMED … STEP_BAD_HMAC. */
  step: number;
  /** The device the envelope named; absent when it was malformed (step 1). */
  deviceId?: string;
  reason: DropReason | 'parse error' | 'invalid request';
  /**
   * STEP_NOT_JSONRPC only. The envelope was AEAD-authentic but its plaintext is not
   * JSON-RPC: answer with a sealed error `code` (−32700/−32600) for `id`, and
   * record `highNonce` so the same envelope cannot draw the answer twice.
   */
  code?: number;
  id?: RpcId | null;
  highNonce?: number;
  envelope?: Envelope;
  session?: PeerSession;
}

function drop(step: number, reason: DropReason, deviceId?: string): Refused {
  const r: Refused = { ok: false, step: step, reason: reason };
  if (deviceId !== undefined) r.deviceId = deviceId;
  return r;
}

// Step 1 but for the ciphertext's base64, which the AEAD call (step 5) reads:
// the payload as an Envelope, or undefined if malformed.
function readEnvelope(payload: unknown, maxBytes: number): Envelope | undefined {
  if (!isStr(payload) || payload.length > maxBytes) return undefined;
  const e = parseJson(payload);
  if (!isObject(e)) return undefined;
  if (!isDeviceId(e.device_id) || !isSafeUint(e.nonce) || e.nonce < 1 || !isSafeUint(e.timestamp)) return undefined;
  if (!isStr(e.ciphertext) || !isHex(e.hmac, 64)) return undefined;
  if (e.echo !== undefined && e.echo !== null && !isHex(e.echo, ECHO_BYTES * 2)) return undefined;
  const env: Envelope = { device_id: e.device_id, nonce: e.nonce, timestamp: e.timestamp, ciphertext: e.ciphertext, hmac: e.hmac };
  if (isStr(e.echo)) env.echo = e.echo;
  return env;
}

// The rest of step 1: canonical base64 of at least 16 bytes (ciphertext and tag).
function sealedBase64(s: string): boolean {
  let bin: string;
  try {
    bin = atob(s);
  } catch (e) {
    return false;
  }
  return bin.length >= 16 && btoa(bin) === s;
}

/**
 * The checks of §5.3 in order. Never throws and never changes `session`: on
 * success the caller records `highNonce`; on a drop it counts `reason`.
 * The ciphertext's base64 (step 1) is read with the AEAD (step 5); a drop at
 * steps 2–4 checks it first, so every drop still names the first failing step.
 */
export function openEnvelope(c: Crypto, payload: string, o: OpenOptions): Opened | Refused {
  const env = readEnvelope(payload, o.maxBytes === undefined ? MAX_ENVELOPE_BYTES : o.maxBytes);
  if (!env) return drop(STEP_MALFORMED, 'malformed');
  const id = env.device_id;
  const session = o.findSession(id);
  const refused = !session ? drop(STEP_UNKNOWN_DEVICE, 'unknown device', id) :
    env.nonce <= session.highNonce ? drop(STEP_REPLAY, 'replay', id) :
    o.now !== undefined && Math.abs(env.timestamp - o.now) > MAX_CLOCK_SKEW ? drop(STEP_STALE, 'stale', id) : undefined;
  const plaintext = refused || !session ? null :
    c.envelopeOpen(session.keys.encKey, o.direction, aadString(env.device_id, env.nonce, env.timestamp, env.echo), env.ciphertext);
  if (plaintext === null) return refused && sealedBase64(env.ciphertext) ? refused : drop(STEP_MALFORMED, 'malformed');
  if (plaintext === undefined) return drop(STEP_BAD_CIPHERTEXT, 'bad ciphertext', id);
  const peer = session as PeerSession; // a plaintext means a session
  const value = parseJson(plaintext);
  const rpc = classify(value);
  if (!rpc) {
    const bad = value === undefined;
    const rpcId = !bad && typeof value === 'object' && value !== null && isRpcId((value as { id?: unknown }).id) ? (value as { id: RpcId }).id : null;
    return {
      ok: false, step: STEP_NOT_JSONRPC, reason: bad ? 'parse error' : 'invalid request', code: bad ? PARSE_ERROR : INVALID_REQUEST,
      deviceId: id, id: rpcId, highNonce: env.nonce, envelope: env, session: peer,
    };
  }
  const canonical = canonicalString(env.device_id, rpc.method, rpc.id, env.nonce, env.timestamp);
  if (!c.hmacVerify(peer.keys.hmacKey, canonical, env.hmac)) return drop(STEP_BAD_HMAC, 'bad hmac', id);
  return {
    ok: true, envelope: env, plaintext: plaintext, message: value as RpcMessage, kind: rpc.kind, method: rpc.method, id: rpc.id,
    session: peer, highNonce: env.nonce,
  };
}
