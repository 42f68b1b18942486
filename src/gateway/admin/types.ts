// The gateway's admin core: one dispatcher behind both the HTTP routes of
// the admin API (src/gateway/http, table in http/routes.ts) and the JSON-RPC
// methods over /ws (src/gateway/ws), its error form and reply callback.
// The API itself: docs/admin-api.md.
import type { GatewayEvent } from './wire';

/**
 * HTTP status + the admin API's error word + a sentence a person can act on.
 * Words used: 400 "bad_request", 401 "unauthorized", 403 "forbidden", 404 "not_found",
 * 405 "method_not_allowed", 409 "conflict", 413 "too_large", 429 "rate_limited",
 * 503 "busy"/"unavailable", 504 "timeout", 500 "internal".
 */
export interface AdminError {
  status: number;
  code: string;
  message: string;
  /** seconds the client should wait before trying again (429/503) */
  retry_after?: number;
}

export function adminError(status: number, code: string, message: string): AdminError {
  return { status: status, code: code, message: message };
}

/** Flash refused a write: the change did not happen. */
export const FLASH_FULL = adminError(503, 'unavailable', 'Flash full.');

/**
 * What the admin core hands the gateway core with an approval, beyond id and PSK.
 * `pskWeak`: the PSK is easy to guess (psk-strength.ts). The gateway core keeps it in
 * the device's flash record with the PSK hash (cleared with it on revoke, kept on a
 * PSK re-key, which keeps the PSK) and shows it as `psk_weak` in the device object.
 */
export interface ApproveOptions {
  pskWeak: boolean;
}

export type AdminReply = (err: AdminError | null, result?: unknown) => void;

export interface AdminCore {
  /**
   * The methods of the route table (http/routes.ts), e.g. "device.approve" {device_id, psk?, pubkey?}.
   * Unknown method → {status:404, code:"not_found"}; bad params → {status:400, code:"bad_request"}.
   */
  call(method: string, params: unknown, reply: AdminReply): void;
  /**
   * When the client at address `client` ("" when unknown) may try a password: 0 now,
   * n > 0 in n seconds (its turn is reserved: call login then), or 429 "rate_limited".
   * `now` here, in login and in checkSession: seconds on one clock; the gateway passes
   * its monotonic clock (SNTP must not expire sessions).
   */
  loginTurn(client: string, now: number): number | AdminError;
  /** Checks the admin password (after loginTurn allowed it): a new session, or 401. */
  login(password: string, now: number, client: string): { token: string; max_age: number } | AdminError;
  logout(token: string): void;
  /** 12 h idle and 24 h absolute expiry; touches the session when valid. */
  checkSession(token: string, now: number): boolean;
  /** Live events (admin/wire.ts); returns the unsubscribe function. */
  onEvent(listener: (ev: GatewayEvent) => void): () => void;
}
