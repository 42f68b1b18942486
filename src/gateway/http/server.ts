// The admin HTTP server, on plain `net` sockets with the gateway's own request
// reader (request.ts). Espruino's `http` module buffers a whole request head
// before JS sees it, with no size limit and no time limit; here every byte is
// bounded from the first one:
//  - at most `http_conns` connections in progress; the few over that get a 503
//    and are closed, the rest are closed unanswered;
//  - the request (head ≤ MAX_HEAD, body ≤ `http_body`) must arrive within
//    `http_timeout_s`, else 408; any refusal is answered and the connection
//    closed at once: what the client still sends is dropped unread, and only
//    until it pauses (≤ LINGER_MAX_S), so that closing on unread bytes does
//    not reset the connection before the client has read the answer;
//  - a connection whose answer the client does not read is cut when its
//    deadline passes (a socket that cannot drain must not stay forever).
// The ESP32 has about ten sockets; MQTT needs one, SNTP/DNS one, the admin
// browsers (ws/server.ts) three: the admin API can never take the rest.
import type { AdminCore } from '../admin/types';
import type { Limits } from '../config';
import { parseJson } from '../../protocol/jsonrpc';
import { isRefusal, readRequest } from './request';
import type { HttpRequest } from './request';
import { route, sessionToken } from './routes';
import { handleWebSocket } from '../ws/server';
import { jsonResponse, responseHead } from './response';
import { abortSocket, clientAddress } from './socket';

const MAX_HEAD = 2048;
const PAGE = 'dash.html.gz';
const PAGE_CHUNK = 1024;
const CALL_GRACE_MS = 30000; // extra deadline for a device call in progress
const APPROVE_MS = 60000; // an approval waits for its keys: seconds of sliced X25519 on stock firmware
const OVERFLOW = 2; // connections over the cap that still get a 503
const OVERFLOW_MS = 1000; // how long one of those may stay open
const LINGER_MS = 200; // after the answer: close once the client has been quiet this long…
const LINGER_MAX_S = 2; // …or this long after the answer, whatever it sends
const CLOSE_GRACE_MS = 2000; // a closing connection whose answer is not out by then is cut

// Connection states.
const READING = 0;
const ANSWERING = 1; // a request is being handled (a device call may take a while)
const STREAMING = 2; // the page is going out
const LINGERING = 3; // answered; dropping what the client still sends
const CLOSING = 4;

export interface HttpOptions {
  core: AdminCore;
  limits: () => Limits;
  /** the sessions' clock, seconds (monotonic: SNTP must not expire sessions) */
  now: () => number;
}

interface Conn {
  sock: EspruinoSocket;
  buf: string;
  timer: number | undefined;
  state: number;
  client: string;
  /** getTime() after which a lingering connection closes whatever the client does */
  until: number;
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

export function startHttp(port: number, o: HttpOptions): { listen(port: number): void } {
  const conns: Conn[] = [];
  let overflow = 0;
  const storage = require('Storage');

  function later(c: Conn, ms: number, fn: (c: Conn) => void): void {
    stopTimer(c);
    c.timer = setTimeout(function () {
      c.timer = undefined;
      fn(c);
    }, ms);
  }

  function expired(c: Conn): void {
    if (c.state === READING || c.state === ANSWERING) answer(c, jsonResponse(408, { error: { code: 'timeout', message: 'Too slow.' } }));
    else abortSocket(c.sock); // the page is not being read
  }

  function close(c: Conn): void {
    c.state = CLOSING;
    try {
      c.sock.end();
    } catch (e) {
      // the client left already
    }
    later(c, CLOSE_GRACE_MS, function () {
      abortSocket(c.sock);
    });
  }

  /** Sends the last bytes, then closes once the client is quiet (see the top). */
  function answer(c: Conn, text: string): void {
    if (c.state >= LINGERING) return;
    c.state = LINGERING;
    c.buf = '';
    c.until = getTime() + LINGER_MAX_S;
    try {
      c.sock.write(text);
    } catch (e) {
      // the client left already
    }
    later(c, LINGER_MS, close);
  }

  function fail(c: Conn, status: number, code: string, message: string, extra?: { [h: string]: string }): void {
    answer(c, jsonResponse(status, { error: { code: code, message: message } }, extra));
  }

  // Streams the page from flash in chunks, so it never sits in RAM whole;
  // each chunk is looked up anew (a Storage compaction may move the file).
  function servePage(c: Conn, req: HttpRequest): void {
    const page = storage.read(PAGE);
    if (!page) return fail(c, 404, 'not_found', 'No dash.html.gz in flash.');
    const size = page.length;
    const tag = pageTag(page);
    const headers: { [h: string]: string } = { ETag: tag, 'Cache-Control': 'no-cache', Connection: 'close', 'X-Frame-Options': 'DENY', 'X-Content-Type-Options': 'nosniff' };
    if (req.headers['if-none-match'] === tag) {
      headers['Content-Length'] = '0';
      return answer(c, responseHead(304, headers));
    }
    headers['Content-Type'] = 'text/html; charset=utf-8';
    headers['Content-Encoding'] = 'gzip';
    headers['Content-Length'] = String(size);
    const sock = c.sock;
    c.state = STREAMING;
    let at = 0;
    function more(): void {
      if (at >= size || c.state !== STREAMING) return;
      const chunk = storage.read(PAGE, at, PAGE_CHUNK) || '';
      at += PAGE_CHUNK;
      if (at >= size) answer(c, chunk);
      else sock.write(chunk);
    }
    sock.write(responseHead(200, headers));
    sock.on('drain', more);
    later(c, o.limits().http_timeout_s * 1000, expired);
  }

  function handle(c: Conn, req: HttpRequest): void {
    c.state = ANSWERING;
    const token = sessionToken(req.headers);
    const path = req.path;
    if (path === '/ws') {
      const refused = handleWebSocket(req, c.sock, o.core, token, o.now);
      if (refused) return answer(c, refused);
      // the WebSocket server owns the connection (and its slot) now
      stopTimer(c);
      conns.splice(conns.indexOf(c), 1);
      c.state = CLOSING;
      return;
    }
    if (path === '/' || path === '/index.html') {
      if (req.method !== 'GET') return fail(c, 405, 'method_not_allowed', 'Use GET.');
      return servePage(c, req);
    }
    // parseJson: \u escapes of non-ASCII become UTF-8 bytes, as raw text
    // would, so a PSK or password hashes the same however it was sent
    // any JSON value: route() checks it; here only a call's timeout_ms is read, for the deadline
    const body = (req.body.length ? parseJson(req.body) : undefined) as { timeout_ms: number } | null | undefined;
    if (req.body.length && body === undefined) return fail(c, 400, 'bad_request', 'The body is not valid JSON.');
    // a device call waits for the device: give it its own deadline
    if (path.substr(path.length - 5) === '/call') later(c, CALL_GRACE_MS + (((body && body.timeout_ms) as number) > 0 ? Math.min((body as { timeout_ms: number }).timeout_ms, 60000) : 5000), expired);
    else if (path.substr(path.length - 8) === '/approve') later(c, APPROVE_MS, expired);
    try {
      route(o.core, req, body, token, c.client, o.now, function (status, obj, headers) {
        answer(c, jsonResponse(status, obj, headers));
      });
    } catch (e) {
      fail(c, 500, 'internal', 'Failed: ' + e);
    }
  }

  function receive(c: Conn, data: string): void {
    if (c.state === LINGERING && getTime() < c.until) later(c, LINGER_MS, close); // not quiet yet
    if (c.state !== READING) return; // the bytes after a request are dropped
    c.buf += data;
    const lim = o.limits();
    const r = readRequest(c.buf, { head: MAX_HEAD, body: lim.http_body });
    if (r === null) return;
    c.buf = '';
    if (isRefusal(r)) return fail(c, r.status, r.code, r.message);
    handle(c, r);
  }

  // Over the cap: a 503 for the first request bytes, then closed; the
  // connection is cut after OVERFLOW_MS whatever the client does.
  function refuseBusy(sock: EspruinoSocket): void {
    if (overflow >= OVERFLOW) return abortSocket(sock);
    overflow++;
    let answered = false;
    const timer = setTimeout(function () {
      abortSocket(sock);
    }, OVERFLOW_MS);
    sock.on('data', function () {
      if (answered) return;
      answered = true;
      sock.write(jsonResponse(503, { error: { code: 'busy', message: 'Busy: try again.' } }, { 'Retry-After': '1' }));
      setTimeout(function () {
        sock.end();
      }, LINGER_MS);
    });
    sock.on('close', function () {
      overflow--;
      clearTimeout(timer);
    });
  }

  const server = require('net').createServer(function (sock) {
    const lim = o.limits();
    if (conns.length >= lim.http_conns) return refuseBusy(sock);
    const c: Conn = { sock: sock, buf: '', timer: undefined, state: READING, client: clientAddress(sock), until: 0 };
    conns.push(c);
    sock.on('data', function (d: string) {
      receive(c, d);
    });
    sock.on('close', function () {
      stopTimer(c);
      const i = conns.indexOf(c);
      if (i >= 0) conns.splice(i, 1);
      c.state = CLOSING;
      c.buf = '';
    });
    later(c, lim.http_timeout_s * 1000, expired);
  });
  server.listen(port);
  return server;
}
