// The gateway's WebSocket server for admin browsers (docs/admin-api.md "/ws").
// The HTTP server (http/server.ts) reads the upgrade request on a plain `net`
// socket and hands it here; after the 101 the socket carries frames both ways.
// Every byte queued to a client counts against one cap, whatever sends it
// (events, JSON-RPC answers, pongs, pings): what waits in Espruino's send
// buffer is RAM, so a client further behind than MAX_QUEUED is closed (1013)
// and, if it does not read even that, cut.
import type { AdminCore } from '../admin/types';
import type { GatewayEvent } from '../admin/wire';
import { readFrame, frameHeader, closeFrame } from './frame';
import type { Frame } from './frame';
import { runRequest } from './rpc';
import type { HttpRequest } from '../http/request';
import { jsonResponse, responseHead } from '../http/response';
import { sameOrigin } from '../http/routes';
import { abortSocket } from '../http/socket';
import { isNum } from '../../protocol/bytes';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_CLIENTS = 3; // each one holds one of the ESP32's few sockets
const MAX_FRAME = 4096; // client payload limit, else close 1009
// Bytes written since the last 'drain'. A client further behind than this gets
// a close 1013 instead of more: the page reconnects and reloads its state.
const MAX_QUEUED = 8192;
const MAX_RUNNING = 4; // JSON-RPC requests running per client
// Ping period; a client silent for a whole period is dropped. It also finds
// clients that vanished without a close frame: Espruino reports a connection
// closed by the peer only once a write to it fails.
const KEEPALIVE_MS = 30000;
const CLOSE_GRACE_MS = 2000; // a closed client whose socket lingers longer is cut

interface Client {
  sock: EspruinoSocket;
  token: string;
  buf: string; // received bytes not yet framed
  queued: number;
  running: number;
  heard: boolean; // something arrived since the last ping
  open: boolean;
}

const clients: Client[] = [];
let admin: AdminCore;
let clock: () => number; // seconds, the clock the admin core keeps its sessions by
let unsubscribe: (() => void) | null = null;
let ticker: number | null = null;

function refusal(status: number, code: string, message: string, extra?: { [h: string]: string }): string {
  return jsonResponse(status, { error: { code: code, message: message } }, extra);
}

// A connection can close before its 'close' event has run: writing to it then
// throws, which only means the client is gone.
function put(c: Client, s: string): void {
  try {
    c.sock.write(s);
  } catch (e) {
    drop(c);
  }
}

/** One frame to the client, within the send-queue cap (else it is closed 1013). */
function send(c: Client, op: number, s: string): void {
  if (!c.open) return;
  const h = frameHeader(op, s.length);
  if (c.queued + h.length + s.length > MAX_QUEUED) return close(c, 1013, 'behind');
  c.queued += h.length + s.length;
  put(c, h + s);
}

/** Forgets the client (its socket is closing or closed). */
function drop(c: Client): void {
  if (!c.open) return;
  c.open = false;
  c.buf = '';
  clients.splice(clients.indexOf(c), 1);
  if (!clients.length) {
    if (unsubscribe) unsubscribe();
    unsubscribe = null;
    clearInterval(ticker as number);
    ticker = null;
  }
}

/** Close frame (a few bytes, even over the cap), then the socket; cut if it lingers. */
function close(c: Client, code: number, reason: string): void {
  if (!c.open) return;
  const sock = c.sock;
  drop(c);
  try {
    sock.end(closeFrame(code, reason));
  } catch (e) {
    // already closed
  }
  setTimeout(function () {
    abortSocket(sock);
  }, CLOSE_GRACE_MS);
}

function broadcast(ev: GatewayEvent): void {
  const s = JSON.stringify(ev);
  const now = clock();
  for (let i = clients.length - 1; i >= 0; i--) {
    const c = clients[i];
    // a session that ended (logout, password change, expiry) hears nothing more
    if (!admin.checkSession(c.token, now)) close(c, 4401, 'session');
    else send(c, 1, s);
  }
}

function tick(): void {
  const now = clock();
  for (let i = clients.length - 1; i >= 0; i--) {
    const c = clients[i];
    if (!c.heard) close(c, 1001, 'silent');
    else if (!admin.checkSession(c.token, now)) close(c, 4401, 'session');
    else {
      c.heard = false;
      send(c, 9, '');
    }
  }
}

function message(c: Client, text: string): void {
  if (!admin.checkSession(c.token, clock())) return close(c, 4401, 'session');
  c.running++;
  runRequest(admin, text, c.running > MAX_RUNNING, function (json) {
    c.running--;
    if (json) send(c, 1, json);
  });
}

function receive(c: Client, data: string): void {
  c.heard = true;
  c.buf += data;
  let f: Frame | number | null;
  while (c.open && (f = readFrame(c.buf, MAX_FRAME)) !== null) {
    if (isNum(f)) return close(c, f, '');
    c.buf = c.buf.substr(f.size);
    if (f.op === 8) return close(c, 1000, '');
    if (f.op === 9) send(c, 10, f.data);
    else if (f.op === 1) message(c, f.data);
  }
}

/**
 * Serves a `GET /ws` request read by the HTTP server on socket `sock`.
 * Returns "" when the WebSocket took the connection over, else the whole
 * response for the HTTP server to send before it closes the connection:
 * 400 not a WebSocket request, 426 wrong version, 403 Origin not this host
 * (requests without Origin, i.e. not from a browser, pass), 503 too many admin
 * sockets, and without a valid session the 101 followed by close 4401.
 * `token`: the session token from the cookie or bearer header (null when none);
 * `now`: the clock (seconds) the core's sessions use; `keepaliveMs`: the ping
 * period (30 s when not given), taken when the first client arrives.
 */
export function handleWebSocket(req: HttpRequest, sock: EspruinoSocket, core: AdminCore, token: string | null, now: () => number, keepaliveMs?: number): string {
  const h = req.headers;
  const key = h['sec-websocket-key'] || '';
  if (req.method !== 'GET' || key.length !== 24 || (h['upgrade'] || '').toLowerCase().indexOf('websocket') < 0)
    return refusal(400, 'bad_request', 'This address takes WebSocket connections only');
  if (h['sec-websocket-version'] !== '13') return refusal(426, 'bad_request', 'Only WebSocket version 13 is supported', { 'Sec-WebSocket-Version': '13' });
  if (!sameOrigin(h)) return refusal(403, 'forbidden', 'Open the dashboard from the gateway itself: the page origin does not match its address');
  clock = now;
  const ok = !!token && core.checkSession(token, clock());
  if (ok && clients.length >= MAX_CLIENTS) return refusal(503, 'busy', 'Too many dashboards are open: close one, then reload');
  const head = responseHead(101, {
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Accept': btoa(E.toString(require('crypto').SHA1(key + GUID)) as string),
  });
  if (!ok) return head + closeFrame(4401, 'session');
  admin = core;
  const c: Client = { sock: sock, token: '' + token, buf: '', queued: head.length, running: 0, heard: true, open: true };
  clients.push(c);
  put(c, head);
  sock.on('data', function (d: string) {
    if (c.open) receive(c, d);
  });
  sock.on('close', function () {
    drop(c);
  });
  sock.on('drain', function () {
    c.queued = 0;
  });
  if (!unsubscribe) unsubscribe = core.onEvent(broadcast);
  if (!ticker) ticker = setInterval(tick, keepaliveMs || KEEPALIVE_MS);
  if (req.rest) receive(c, req.rest);
  return '';
}

/** How many admin browsers are connected (for status and tests). */
export function adminSockets(): number {
  return clients.length;
}
