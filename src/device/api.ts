// The device core's contract (core.ts): its options, the outputs it is given
// (DeviceIO), what it offers (DeviceCore), and its local error codes.
import type { SavedState } from './state';

/** Local error codes (JSON-RPC's implementation-defined range): the call never got an answer. */
export const TIMED_OUT = -32090;
/** The call could not be sent: no session yet, offline, or too many calls in flight. */
export const NOT_SENT = -32091;
/** The session ended (revoked or re-keyed) while the call was in flight. */
export const SESSION_ENDED = -32092;

export interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}
export type CallCallback = (err: RpcError | null, result?: unknown) => void;
/** A gateway → device method: answer once through `reply`. */
export type Handler = (params: unknown, reply: CallCallback) => void;

export type DeviceStatus = 'enrolling' | 'pending' | 'refused' | 'approved' | 'authorized';

/**
 * JSON text ⇄ wire bytes. Absent on Espruino, whose strings are bytes; on
 * Node, UTF-8 encoding of outgoing text and decoding of incoming plaintext.
 */
export interface TextCodec {
  encode(text: string): string;
  /** the parsed JSON-RPC message */
  parse(bytes: string): unknown;
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
  /** A heartbeat (ping, or a sealed `time` call) goes out when nothing authentic was heard for this long, ms; default 20000 (gateway: offline after 60 s). */
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
  event(type: string, detail?: unknown): void;
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
  call(method: string, params: unknown, cb: CallCallback, timeoutMs?: number): void;
  /** A sealed notification; false when it could not be sent. */
  notify(method: string, params?: unknown): boolean;
  /** Registers a gateway → device method. */
  handle(method: string, fn: Handler): void;
}
