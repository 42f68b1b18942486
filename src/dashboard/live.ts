// The page's one WebSocket to the gateway (/ws): live events in, JSON-RPC 2.0
// requests out. Reconnects with exponential back-off and jitter; a close with
// 4401 (no valid session) stops it until the next login.
import type { GatewayEvent } from '../gateway/admin/wire';

/** A JSON-RPC response as it may arrive (checked field by field). */
interface Reply {
  jsonrpc?: unknown;
  id: number;
  result?: unknown;
  error?: { code?: number; message?: string; data?: { status?: number } };
}

export const hooks = {
  /** a live event as received: not checked here (state.apply ignores what it does not know) */
  event: (_ev: GatewayEvent) => {},
  up: () => {},
  down: () => {},
  /** the session is gone; `notice` says why when the page itself ended it */
  unauthorized: (_notice?: string) => {},
};

export class RpcError extends Error {
  constructor(message: string, public status = 0) {
    super(message);
  }
}

const CALL_TIMEOUT_MS = 20000;
let ws: WebSocket | null = null;
let wanted = false;
let delay = 500;
let timer = 0;
let seq = 0;
const waiting = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void; timer: number }>();

function settle(id: number, err: Error | null, result?: unknown): void {
  const w = waiting.get(id);
  if (!w) return;
  waiting.delete(id);
  clearTimeout(w.timer);
  if (err) w.fail(err);
  else w.ok(result);
}

export function connect(): void {
  wanted = true;
  clearTimeout(timer);
  if (ws) return;
  const s = (ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws'));
  s.onopen = () => hooks.up();
  s.onmessage = (m) => {
    let d: unknown;
    try {
      d = JSON.parse(m.data);
    } catch {
      return;
    }
    const r = d as Reply | null;
    if (r && r.jsonrpc) {
      const e = r.error;
      settle(r.id, e ? new RpcError(e.message || 'Error ' + e.code, (e.data && e.data.status) || 0) : null, r.result);
    } else hooks.event(d as GatewayEvent);
  };
  s.onclose = (e) => {
    if (ws !== s) return;
    ws = null;
    waiting.forEach((_w, id) => settle(id, new RpcError('Connection to the gateway lost')));
    if (e.code === 4401) {
      wanted = false;
      hooks.unauthorized();
      return;
    }
    hooks.down();
    if (!wanted) return;
    timer = setTimeout(connect, delay * (0.5 + Math.random() / 2));
    delay = Math.min(delay * 2, 15000);
  };
}

/** Called once the gateway has answered on a fresh connection. */
export function connected(): void {
  delay = 500;
}

export function disconnect(): void {
  wanted = false;
  clearTimeout(timer);
  if (ws) ws.close(1000);
}

/** A call to the gateway; T is what the admin API documents for `method` (docs/admin-api.md). */
export function call<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T> {
  return new Promise<T>((ok, fail) => {
    if (!ws || ws.readyState !== 1) return fail(new RpcError('Not connected to the gateway; reconnecting…'));
    const id = ++seq;
    waiting.set(id, { ok: ok as (v: unknown) => void, fail, timer: setTimeout(() => settle(id, new RpcError('The gateway did not answer in time')), CALL_TIMEOUT_MS) });
    ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params: params || {} }));
  });
}
