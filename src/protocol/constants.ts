// Every number and name of the wire protocol, in one place for the gateway,
// the device SDK, the tools and the tests. Sections (§) are those of
// docs/protocol.md.

// ---- §2 topics: P is the prefix, configurable so gateways can share a broker

export const DEFAULT_PREFIX = 'jrpc';

/** P/connect/request: device → gateway, plain connect requests. */
export function connectTopic(prefix: string): string {
  return prefix + '/connect/request';
}

/** P/gateway/rx: device → gateway, sealed envelopes. */
export function gatewayRxTopic(prefix: string): string {
  return prefix + '/gateway/rx';
}

/** P/devices/{id}/rx: gateway → device, connect replies and sealed envelopes. */
export function deviceRxTopic(prefix: string, deviceId: string): string {
  return prefix + '/devices/' + deviceId + '/rx';
}

/** P/gateway/status: retained "online" / "offline" (the gateway's last will). */
export function statusTopic(prefix: string): string {
  return prefix + '/gateway/status';
}

// ---- §1 conventions

/** Device ids: 1–64 of A-Z a-z 0-9 _ . - */
export const MAX_DEVICE_ID = 64;
/** Display names: at most 64 characters. */
export const MAX_NAME_CHARS = 64;
/**
 * A Unix time at or past 2020-01-01 means the clock has been set (SNTP,
 * setTime or the gateway's time); before that it counts from 1970 at boot.
 */
export const CLOCK_SET_FROM = 1577836800;

export function clockIsSet(unix: number): boolean {
  return unix >= CLOCK_SET_FROM;
}

// ---- §3.3 key derivation labels (HMAC keys; the message is the shared secret)

export const HMAC_KEY_LABEL = 'esp32-dashboard-hmac-key';
export const ENC_KEY_LABEL = 'esp32-dashboard-enc-key';

// ---- §5 envelopes

export const MAX_ENVELOPE_BYTES = 4096;
/** Step 4: |timestamp − now| at most this many seconds, when the gateway's clock is set. */
export const MAX_CLOCK_SKEW = 300;

/** The receiver's checks of §5.3, in the order they run. */
export const STEP_MALFORMED = 1;
export const STEP_UNKNOWN_DEVICE = 2;
export const STEP_REPLAY = 3;
export const STEP_STALE = 4;
export const STEP_BAD_CIPHERTEXT = 5;
/** Authentic, but not JSON-RPC: the only failed step that is answered (sealed −32700/−32600). */
export const STEP_NOT_JSONRPC = 6;
export const STEP_BAD_HMAC = 7;

// ---- §6 freshness after a gateway restart

/** The echo value: 16 random bytes, 32 hex on the wire. */
export const ECHO_BYTES = 16;
export const ECHO_REQUIRED_METHOD = 'echo.required';

// ---- §3, §4, §7 method names of enrollment and lifecycle, limits (defaults; the gateway's are configurable)

export const CONNECT_METHOD = 'connect';
export const APPROVED_METHOD = 'approved';
export const REVOKED_METHOD = 'revoked';
/** No valid envelope for this long: authorized → offline. */
export const OFFLINE_AFTER_S = 60;
export const MAX_PENDING = 32;
/** Envelopes per second per device, and the bucket size. */
export const RATE_PER_S = 20;
export const RATE_BURST = 40;
/** Connect requests of one device id at most one per this many seconds. */
export const CONNECT_GAP_S = 2;

// ---- §7 error codes: JSON-RPC 2.0's, then the protocol's own

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
export const NOT_AUTHENTICATED = -32001;
export const METHOD_NOT_ALLOWED = -32002;
export const RATE_LIMITED = -32003;
export const ECHO_REQUIRED = -32010;
