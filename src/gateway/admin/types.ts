// The gateway's admin core: one dispatcher behind both the HTTP routes of
// ADMIN-API.md (src/gateway/http) and the JSON-RPC methods over /ws
// (src/gateway/ws). Contract: /work/notes/admin-core.md.

/**
 * HTTP status + ADMIN-API error word + a sentence a person can act on.
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

/**
 * What the admin core hands the gateway core with an approval, beyond id and PSK.
 * `pskWeak`: the PSK is easy to guess (psk-strength.ts). The gateway core keeps it in
 * the device's flash record with the PSK hash (cleared with it on revoke, replaced on a
 * PSK re-key, which keeps the PSK) and shows it as `psk_weak` in the device object.
 */
export interface ApproveOptions {
  pskWeak: boolean;
}

export type AdminReply = (err: AdminError | null, result?: any) => void;

export interface AdminCore {
  /**
   * Method names: "devices.list", "device.get" {device_id}, "device.approve" {device_id, psk?, pubkey?},
   * "device.reject" {device_id}, "device.revoke" {device_id}, "device.remove" {device_id},
   * "device.setMethods" {device_id, allow}, "device.call" {device_id, method, params, timeout_ms},
   * "status", "security", "config.get", "config.set" {...}, "password.change" {old, new}.
   * Unknown method → {status:404, code:"not_found"}; bad params → {status:400, code:"bad_request"}.
   */
  call(method: string, params: any, reply: AdminReply): void;
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
  /**
   * Live events, exactly the objects of ADMIN-API.md "Live updates":
   * {type:"device",device}, {type:"removed",device_id}, {type:"telemetry",device_id,values,at},
   * {type:"log",device_id,level,msg,at}, {type:"security",device_id,reason,at}, {type:"status",...}.
   * Returns the unsubscribe function.
   */
  onEvent(listener: (ev: any) => void): () => void;
}
