// The admin HTTP server on Espruino's require("http"). The ESP32 has few
// sockets, so: at most `http_conns` requests in progress (others get 503),
// bounded URL/header/body sizes (413), and a deadline for each request (408),
// so slow or idle clients cannot hold the gateway. Espruino fires a request's
// 'end'/'close' only when the socket closes, so the body is complete when
// Content-Length bytes have arrived.
import type { AdminCore } from '../admin/types';
import type { Limits } from '../config';
import { parseJson, stringifyJson } from '../../protocol/jsonrpc';
import { header } from './header';
import { route } from './routes';
import { handleWebSocket } from '../ws/server';

const MAX_URL = 256;
const MAX_HEADERS = 2048;
const PAGE = 'dash.html.gz';
const PAGE_CHUNK = 1024;
const CALL_GRACE_MS = 30000; // extra deadline for a device call in progress
const APPROVE_MS = 60000; // an approval waits for its keys: seconds of sliced X25519 on stock firmware

export interface HttpOptions {
  core: AdminCore;
  limits: () => Limits;
  /** the sessions' clock, seconds (monotonic: SNTP must not expire sessions) */
  now: () => number;
}

interface Conn {
  res: any;
  timer: any;
  done: boolean;
}

/** Session token from "Authorization: Bearer …" or the "session" cookie. */
export function sessionToken(headers: any): string | null {
  const auth = header(headers, 'authorization');
  if (auth && auth.indexOf('Bearer ') === 0) return auth.substr(7).trim();
  const cookie = header(headers, 'cookie');
  if (!cookie) return null;
  const parts = cookie.split(';');
  for (let i = 0; i < parts.length; i++) {
    const kv = parts[i].trim();
    if (kv.indexOf('session=') === 0) return kv.substr(8);
  }
  return null;
}

// ETag of the gzip page: its trailer (CRC32 and size of the content) names it.
function pageTag(page: string): string {
  let t = '';
  for (let i = page.length - 8; i < page.length; i++) t += (256 + page.charCodeAt(i)).toString(16).substr(1);
  return '"' + t + '"';
}

// Only ever clear a live timer: on Espruino 2v29 clearTimeout(undefined)
// throws, and clearTimeout() without an argument clears EVERY timer (MQTT's
// too); see docs/espruino.md.
function stopTimer(c: Conn): void {
  if (c.timer !== undefined) clearTimeout(c.timer);
  c.timer = undefined;
}

export function startHttp(port: number, o: HttpOptions): any {
  let active = 0;
  const storage = require('Storage');

  // The request is no longer in progress (answered, handed over, or abandoned).
  function release(c: Conn): void {
    c.done = true;
    active--;
    stopTimer(c);
  }

  function finish(c: Conn, status: number, body: string, headers: any): void {
    if (c.done) return;
    release(c);
    headers['Content-Length'] = String(body.length);
    headers['Connection'] = 'close';
    try {
      c.res.writeHead(status, headers);
      c.res.end(body);
    } catch (e) {
      // the client went away: nothing left to tell it
    }
  }

  function sendJson(c: Conn, status: number, obj: any, extra?: any): void {
    const h = extra || {};
    h['Content-Type'] = 'application/json';
    h['Cache-Control'] = 'no-store';
    finish(c, status, stringifyJson(obj), h); // UTF-8 text stays raw bytes
  }

  function fail(c: Conn, status: number, code: string, message: string, extra?: any): void {
    sendJson(c, status, { error: { code: code, message: message } }, extra);
  }

  function deadline(c: Conn, ms: number): void {
    stopTimer(c);
    c.timer = setTimeout(function () {
      c.timer = undefined;
      fail(c, 408, 'timeout', 'Too slow.');
    }, ms);
  }

  // Streams the page from flash in chunks, so it never sits in RAM whole;
  // each chunk is looked up anew (a Storage compaction may move the file).
  function servePage(c: Conn, req: any): void {
    const page = storage.read(PAGE);
    if (!page) return fail(c, 404, 'not_found', 'No dash.html.gz in flash.');
    const size = page.length;
    const tag = pageTag(page);
    const headers: any = { ETag: tag, 'Cache-Control': 'no-cache', Connection: 'close' };
    if (header(req.headers, 'if-none-match') === tag) return finish(c, 304, '', headers);
    release(c);
    headers['Content-Type'] = 'text/html; charset=utf-8';
    headers['Content-Encoding'] = 'gzip';
    headers['Content-Length'] = String(size);
    const res = c.res;
    let at = 0;
    function more(): void {
      if (at >= size) return;
      const chunk = storage.read(PAGE, at, PAGE_CHUNK) || '';
      at += PAGE_CHUNK;
      if (at >= size) res.end(chunk);
      else res.write(chunk);
    }
    res.writeHead(200, headers);
    res.on('drain', more);
    more();
  }

  function onRequest(req: any, res: any): void {
    const c: Conn = { res: res, timer: undefined, done: false };
    active++;
    const lim = o.limits();
    if (active > lim.http_conns) {
      return fail(c, 503, 'busy', 'Busy: try again.', { 'Retry-After': '1' });
    }
    deadline(c, lim.http_timeout_s * 1000);
    const url: string = req.url || '';
    let hsize = 0;
    for (const k in req.headers) hsize += k.length + String(req.headers[k]).length + 4;
    if (url.length > MAX_URL || hsize > MAX_HEADERS) return fail(c, 413, 'too_large', 'URL or headers too large.');
    const path = url.split('?')[0];
    const method: string = req.method;
    const token = sessionToken(req.headers);

    if (path === '/ws') {
      // the WebSocket takes the connection over: it is no longer a request in progress
      release(c);
      return handleWebSocket(req, res, o.core, token, header(req.headers, 'host') || '', o.now);
    }
    if (path === '/' || path === '/index.html') {
      if (method !== 'GET') return fail(c, 405, 'method_not_allowed', 'Use GET.');
      return servePage(c, req);
    }
    const lenText = header(req.headers, 'content-length');
    const len = lenText === undefined ? 0 : parseInt(lenText, 10);
    if (!(len >= 0)) return fail(c, 400, 'bad_request', 'Bad Content-Length.');
    if (len > lim.http_body) return fail(c, 413, 'too_large', 'The body is larger than ' + lim.http_body + ' bytes.');
    if (header(req.headers, 'transfer-encoding')) return fail(c, 400, 'bad_request', 'Content-Length needed.');

    let body = '';
    function complete(): void {
      // parseJson: \u escapes of non-ASCII become UTF-8 bytes, as raw text
      // would, so a PSK or password hashes the same however it was sent
      const parsed: any = body.length ? parseJson(body) : undefined;
      if (body.length && parsed === undefined) return fail(c, 400, 'bad_request', 'The body is not valid JSON.');
      body = '';
      // a device call waits for the device: give it its own deadline
      if (path.substr(path.length - 5) === '/call') deadline(c, CALL_GRACE_MS + ((parsed && parsed.timeout_ms) > 0 ? Math.min(parsed.timeout_ms, 60000) : 5000));
      else if (path.substr(path.length - 8) === '/approve') deadline(c, APPROVE_MS);
      try {
        route(o.core, method, path, parsed, token, o.now(), function (status, obj, headers) {
          sendJson(c, status, obj, headers);
        });
      } catch (e) {
        fail(c, 500, 'internal', 'Failed: ' + e);
      }
    }
    if (len === 0) return complete();
    req.on('data', function (chunk: string) {
      if (c.done) return;
      body += chunk;
      if (body.length > len) fail(c, 400, 'bad_request', 'Body longer than Content-Length.');
      else if (body.length === len) complete();
    });
    req.on('close', function () {
      // the client left before finishing its request
      if (!c.done) release(c);
    });
  }

  const server = require('http').createServer(onRequest);
  server.listen(port);
  return server;
}
