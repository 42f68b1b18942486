// The gateway's WebSocket server for admin browsers (docs/admin-api.md "/ws"), on
// Espruino's http server: after `res.writeHead(101, …)` the connection stays
// open until `res.end()`; client bytes keep arriving as req 'data' strings,
// ours go out with res.write, and res emits 'drain' once its send buffer is
// empty (Espruino's socketserver.c and the firmware's own ws module work so).
import type { AdminCore } from '../admin/types';
import { readFrame, frameHeader, closeFrame } from './frame';
import { runRequest } from './rpc';
import { header } from '../http/header';
import { isNum } from '../../protocol/bytes';

var GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
var MAX_CLIENTS = 3; // each one holds one of the ESP32's few sockets
var MAX_FRAME = 4096; // client payload limit, else close 1009
// Bytes written since the last 'drain'. A client further behind than this gets
// a close 1013 instead of more events: what waits in Espruino's send buffer is
// RAM. The page reconnects and reloads its state.
var MAX_QUEUED = 8192;
var MAX_RUNNING = 4; // JSON-RPC requests running per client
// Ping period; a client silent for a whole period is dropped. It also finds
// clients that vanished without a close frame: Espruino reports a connection
// closed by the peer only once a write to it fails.
var KEEPALIVE_MS = 30000;

interface Client {
  res: any;
  token: string;
  buf: string; // received bytes not yet framed
  queued: number;
  running: number;
  heard: boolean; // something arrived since the last ping
  open: boolean;
}

var clients: Client[] = [];
var admin: AdminCore;
var clock: () => number; // seconds, the clock the admin core keeps its sessions by
var unsubscribe: (() => void) | null = null;
var ticker: any = null;

function refuse(res: any, status: number, code: string, message: string, extra?: any): void {
  var h: any = extra || {};
  h['Content-Type'] = 'application/json';
  try {
    res.writeHead(status, h);
    res.end(JSON.stringify({ error: { code: code, message: message } }));
  } catch (e) {
    // the client left already
  }
}

// A connection can close before its 'close' event has run: writing to it then
// throws, which only means the client is gone.
function put(c: Client, s: string): void {
  try {
    c.res.write(s);
  } catch (e) {
    drop(c, false);
  }
}

function send(c: Client, op: number, s: string): void {
  var h = frameHeader(op, s.length);
  c.queued += h.length + s.length;
  put(c, h);
  if (s && c.open) put(c, s);
}

/** Forgets the client; `end` also closes its connection once our bytes are out. */
function drop(c: Client, end: boolean): void {
  if (!c.open) return;
  c.open = false;
  clients.splice(clients.indexOf(c), 1);
  if (end)
    try {
      c.res.end();
    } catch (e) {
      // already closed
    }
  if (!clients.length) {
    if (unsubscribe) unsubscribe();
    unsubscribe = null;
    clearInterval(ticker);
    ticker = null;
  }
}

function close(c: Client, code: number, reason: string): void {
  if (c.open) put(c, closeFrame(code, reason));
  drop(c, true);
}

function broadcast(ev: any): void {
  var s = JSON.stringify(ev);
  for (var i = clients.length - 1; i >= 0; i--) {
    var c = clients[i];
    if (c.queued > MAX_QUEUED) close(c, 1013, 'behind');
    else send(c, 1, s);
  }
}

function tick(): void {
  var now = clock();
  for (var i = clients.length - 1; i >= 0; i--) {
    var c = clients[i];
    if (!c.heard) drop(c, true);
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
    if (json && c.open) send(c, 1, json);
  });
}

function receive(c: Client, data: string): void {
  c.heard = true;
  c.buf += data;
  var f: any;
  while (c.open && (f = readFrame(c.buf, MAX_FRAME)) !== null) {
    if (isNum(f)) return close(c, f, '');
    c.buf = c.buf.substr(f.size);
    if (f.op == 8) return close(c, 1000, '');
    if (f.op == 9) send(c, 10, f.data);
    else if (f.op == 1) message(c, f.data);
  }
}

/**
 * Serves a `GET /ws` request. `token`: the session token from the cookie or
 * bearer header (null when none); `host`: the request's Host header value as the
 * HTTP layer saw it ("" → read it here). Refusals before the upgrade use the
 * JSON error form: 400 not a WebSocket request, 426 wrong version, 403 Origin
 * not this host (requests without Origin, i.e. not from a browser, pass),
 * 503 too many admin sockets. No valid session → upgrade, then close 4401.
 * `now`: the clock (seconds) the core's sessions use; getTime() when not given.
 * `keepaliveMs`: the ping period (30 s when not given), taken when the first
 * client arrives.
 */
export function handleWebSocket(req: any, res: any, core: AdminCore, token: string | null, host: string, now?: () => number, keepaliveMs?: number): void {
  var h = req.headers;
  var key = header(h, 'sec-websocket-key') || '';
  var origin = (header(h, 'origin') || '').toLowerCase();
  host = (host || header(h, 'host') || '').toLowerCase();
  if (req.method != 'GET' || key.length != 24 || (header(h, 'upgrade') || '').toLowerCase().indexOf('websocket') < 0)
    return refuse(res, 400, 'bad_request', 'This address takes WebSocket connections only');
  if (header(h, 'sec-websocket-version') != '13')
    return refuse(res, 426, 'bad_request', 'Only WebSocket version 13 is supported', { 'Sec-WebSocket-Version': '13' });
  if (origin && origin != 'http://' + host && origin != 'https://' + host)
    return refuse(res, 403, 'forbidden', 'Open the dashboard from the gateway itself: the page origin does not match its address');
  clock = now || getTime;
  var ok = !!token && core.checkSession(token, clock());
  if (ok && clients.length >= MAX_CLIENTS)
    return refuse(res, 503, 'busy', 'Too many dashboards are open: close one, then reload');
  try {
    res.writeHead(101, {
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Accept': btoa(E.toString(require('crypto').SHA1(key + GUID))),
    });
    if (!ok) return res.end(closeFrame(4401, 'session'));
  } catch (e) {
    return; // the client left already
  }
  admin = core;
  var c: Client = { res: res, token: '' + token, buf: '', queued: 0, running: 0, heard: true, open: true };
  clients.push(c);
  req.on('data', function (d: string) {
    if (c.open) receive(c, d);
  });
  req.on('close', function () {
    drop(c, false);
  });
  res.on('drain', function () {
    c.queued = 0;
  });
  if (!unsubscribe) unsubscribe = core.onEvent(broadcast);
  if (!ticker) ticker = setInterval(tick, keepaliveMs || KEEPALIVE_MS);
}

/** How many admin browsers are connected (for status and tests). */
export function adminSockets(): number {
  return clients.length;
}
