// Enrollment (docs/protocol.md §3): PSK proofs both ways, the connect request as
// the gateway reads it, the replies it sends, and the device reading them.
// Hex is lowercase only, as §1 says: a key or proof in uppercase is refused,
// since the proofs MAC the hex text itself and "same pubkey" compares text.
import { Crypto } from '../crypto/types';
import { toBytes, toHex, isHex, isNum, isObject, isStr, fromHex, isSafeUint, equalBytes } from './bytes';
import { isDeviceId } from './device-id';
import { parseJson, stringifyJson, isRpcId, RpcId } from './jsonrpc';
import { APPROVED_METHOD, CONNECT_METHOD, MAX_ENVELOPE_BYTES, MAX_NAME_CHARS, NOT_AUTHENTICATED } from './constants';

/** SHA256(psk), the only form of the PSK the gateway keeps. `psk` is a byte string (UTF-8 as bytes). */
export function pskHash(c: Crypto, psk: string): Uint8Array {
  return c.sha256(toBytes(psk));
}

/** psk_proof = HMAC(SHA256(psk), device_id ‖ pubkey_hex), as 64 hex. */
export function pskProof(c: Crypto, hash: Uint8Array, deviceId: string, pubkeyHex: string): string {
  return toHex(c.hmacSha256(hash, toBytes(deviceId + pubkeyHex)));
}

/** gw_proof = HMAC(SHA256(psk), device_id ‖ device_pubkey_hex ‖ gateway_pubkey_hex), as 64 hex. */
export function gatewayProof(c: Crypto, hash: Uint8Array, deviceId: string, devicePubHex: string, gatewayPubHex: string): string {
  return toHex(c.hmacSha256(hash, toBytes(deviceId + devicePubHex + gatewayPubHex)));
}

// A received proof (64 hex or anything else) against the expected hex, in constant time.
function proofMatches(received: unknown, expectedHex: string): boolean {
  return isHex(received, 64) && equalBytes(fromHex(received) as Uint8Array, fromHex(expectedHex) as Uint8Array);
}

/** The gateway's PSK check of a connect request: false when the proof is missing or wrong. */
export function checkPskProof(c: Crypto, hash: Uint8Array, req: ConnectRequest): boolean {
  const expected = pskProof(c, hash, req.deviceId, req.pubkey);
  return proofMatches(req.pskProof, expected);
}

export interface ConnectRequest {
  id: RpcId;
  deviceId: string;
  /** 64 lowercase hex. */
  pubkey: string;
  pskProof?: string;
  name?: string;
}

export type ConnectParse =
  | { ok: true; request: ConnectRequest }
  /** `id`/`deviceId` are set when they were readable, so the caller may answer. */
  | { ok: false; reason: string; id?: RpcId; deviceId?: string };

// Characters of a UTF-8 byte string: bytes that do not continue a sequence.
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if ((s.charCodeAt(i) & 0xc0) !== 0x80) n++;
  return n;
}

/** The connect request a device sends (§3.1). */
export function connectRequestText(r: ConnectRequest): string {
  const p: { [k: string]: string } = { device_id: r.deviceId, pubkey: r.pubkey };
  if (r.pskProof !== undefined) p.psk_proof = r.pskProof;
  if (r.name !== undefined) p.name = r.name;
  return stringifyJson({ jsonrpc: '2.0', id: r.id, method: CONNECT_METHOD, params: p });
}

/** A connect request payload (byte string) read and checked; never throws. */
export function parseConnectRequest(payload: string, maxBytes?: number): ConnectParse {
  if (!isStr(payload) || payload.length > (maxBytes === undefined ? MAX_ENVELOPE_BYTES : maxBytes)) {
    return { ok: false, reason: 'too large' };
  }
  const m = parseJson(payload);
  if (!isObject(m)) return { ok: false, reason: 'not a JSON object' };
  const id = isRpcId(m.id) ? m.id : undefined;
  const p = m.params;
  const deviceId = isObject(p) && isDeviceId(p.device_id) ? p.device_id : undefined;
  const fail = function (reason: string): ConnectParse {
    return { ok: false, reason: reason, id: id, deviceId: deviceId };
  };
  if (m.jsonrpc !== '2.0' || m.method !== CONNECT_METHOD) return fail('not a JSON-RPC 2.0 connect request');
  if (id === undefined) return fail('id missing or not a string or non-negative integer');
  if (!isObject(p)) return fail('params must be an object');
  if (deviceId === undefined) return fail('device_id must be 1-64 of A-Z a-z 0-9 _ . -');
  if (!isHex(p.pubkey, 64)) return fail('pubkey must be 64 lowercase hex');
  if (p.psk_proof !== undefined && !isHex(p.psk_proof, 64)) return fail('psk_proof must be 64 lowercase hex');
  if (p.name !== undefined && (!isStr(p.name) || utf8Length(p.name) > MAX_NAME_CHARS)) {
    return fail('name must be a string of at most 64 characters');
  }
  const request: ConnectRequest = { id: id, deviceId: deviceId, pubkey: p.pubkey };
  if (p.psk_proof !== undefined) request.pskProof = p.psk_proof;
  if (p.name !== undefined) request.name = p.name;
  return { ok: true, request: request };
}

export interface Approval {
  deviceId: string;
  /** 64 lowercase hex. */
  gatewayPubkey: string;
  /** Gateway Unix time, null while its clock is not set. */
  time: number | null;
  /** Present when the device has a PSK (see gatewayProof). */
  gwProof?: string;
}

function approvalFields(a: Approval): { [k: string]: unknown } {
  const f: { [k: string]: unknown } = { device_id: a.deviceId, gateway_pubkey: a.gatewayPubkey, time: a.time };
  if (a.gwProof !== undefined) f.gw_proof = a.gwProof;
  return f;
}

export function connectPendingText(id: RpcId): string {
  return stringifyJson({ jsonrpc: '2.0', id: id, result: { status: 'pending' } });
}

export function connectApprovedText(id: RpcId, a: Approval): string {
  const result = approvalFields(a);
  result.status = 'approved';
  return stringifyJson({ jsonrpc: '2.0', id: id, result: result });
}

/** −32001: PSK proof missing or wrong, or the request refused. */
export function connectErrorText(id: RpcId | null, message: string): string {
  return stringifyJson({ jsonrpc: '2.0', id: id, error: { code: NOT_AUTHENTICATED, message: message } });
}

/** The notification sent when the admin approves. */
export function approvedNotificationText(a: Approval): string {
  return stringifyJson({ jsonrpc: '2.0', method: APPROVED_METHOD, params: approvalFields(a) });
}

export interface ConnectExpectation {
  deviceId: string;
  /** This device's public key, 64 lowercase hex. */
  pubkey: string;
  /** SHA256(psk) when the device holds a PSK: then gw_proof is required. */
  pskHash?: Uint8Array;
}

export type ConnectReply =
  | { kind: 'pending' }
  | { kind: 'approved'; gatewayPubkey: string; time: number | null }
  | { kind: 'refused'; code: number; message: string }
  /** Not a reply for this device, or an approval that failed its checks: ignore it. */
  | { kind: 'ignored'; reason: string };

/**
 * The device's reading of a plain message on its rx topic during enrollment:
 * a connect reply or the `approved` notification. An approval counts only
 * when it names this device, carries a well-formed gateway key and, when the
 * device holds a PSK, the right gw_proof (anyone on the broker can publish).
 * A `refused` reply is unauthenticated too: wait and retry, do not give up.
 */
export function readConnectReply(c: Crypto, payload: string, e: ConnectExpectation): ConnectReply {
  const m = isStr(payload) && payload.length <= MAX_ENVELOPE_BYTES ? parseJson(payload) : undefined;
  if (!isObject(m) || m.jsonrpc !== '2.0') return { kind: 'ignored', reason: 'not JSON-RPC' };
  let fields: unknown;
  if (m.method === APPROVED_METHOD) fields = m.params;
  else if (m.error !== undefined) {
    const err = m.error;
    if (isObject(err) && isNum(err.code) && isStr(err.message)) {
      return { kind: 'refused', code: err.code, message: err.message };
    }
    return { kind: 'ignored', reason: 'malformed error' };
  } else if (isObject(m.result)) {
    if (m.result.status === 'pending') return { kind: 'pending' };
    if (m.result.status === 'approved') fields = m.result;
  }
  if (!isObject(fields)) return { kind: 'ignored', reason: 'not a connect reply' };
  if (fields.device_id !== e.deviceId) return { kind: 'ignored', reason: 'another device' };
  if (!isHex(fields.gateway_pubkey, 64)) return { kind: 'ignored', reason: 'bad gateway_pubkey' };
  const time = fields.time === undefined || fields.time === null ? null : fields.time;
  if (time !== null && !isSafeUint(time)) return { kind: 'ignored', reason: 'bad time' };
  if (e.pskHash && !proofMatches(fields.gw_proof, gatewayProof(c, e.pskHash, e.deviceId, e.pubkey, fields.gateway_pubkey))) {
    return { kind: 'ignored', reason: 'gw_proof missing or wrong' };
  }
  return { kind: 'approved', gatewayPubkey: fields.gateway_pubkey, time: time };
}
