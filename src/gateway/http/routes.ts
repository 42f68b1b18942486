// The /api routes of the admin API (docs/admin-api.md) mapped onto
// AdminCore. No I/O here: the server hands in the parsed request and gets
// one reply back.
import { isObject, isStr } from '../../protocol/bytes';
import { adminError } from '../admin/types';
import type { AdminCore, AdminError } from '../admin/types';
import type { HttpRequest } from './request';

export type RouteReply = (status: number, body: unknown, headers?: { [h: string]: string }) => void;

export function errorBody(e: AdminError): { error: { code: string; message: string } } {
  return { error: { code: e.code, message: e.message } };
}

const UNAUTHORIZED = adminError(401, 'unauthorized', 'Log in first.');
const WRONG_METHOD = adminError(405, 'method_not_allowed', 'Wrong method.');
const SESSION_COOKIE = 'session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0';

/**
 * The admin API: one route a line — HTTP method, path below /api ('*' is a
 * device id), the admin core's method, and "ws" when /ws offers that method
 * too (as a JSON-RPC method of the same name). Login and logout are the only
 * routes outside this table: they manage sessions rather than call the core.
 * Built per request, so the table takes no RAM in between.
 */
function routes(): string[][] {
  const lines = (
    'GET /devices devices.list ws\n' +
    'GET /devices/* device.get ws\n' +
    'DELETE /devices/* device.remove ws\n' +
    'POST /devices/*/approve device.approve ws\n' +
    'POST /devices/*/reject device.reject ws\n' +
    'POST /devices/*/revoke device.revoke ws\n' +
    'PUT /devices/*/methods device.setMethods ws\n' +
    'POST /devices/*/call device.call ws\n' +
    'GET /status status ws\n' +
    'GET /security security ws\n' +
    'GET /config config.get -\n' +
    'PUT /config config.set -\n' +
    'POST /password password.change -'
  ).split('\n');
  const rows: string[][] = [];
  for (let i = 0; i < lines.length; i++) rows.push(lines[i].split(' '));
  return rows;
}

/** Whether /ws offers the admin method `name`. */
export function offeredOverWs(name: string): boolean {
  const rows = routes();
  for (let i = 0; i < rows.length; i++) if (rows[i][2] === name) return rows[i][3] === 'ws';
  return false;
}

function notFound(path: string): AdminError {
  return adminError(404, 'not_found', 'No such route: ' + path);
}

/** Session token from "Authorization: Bearer …" or the "session" cookie. */
export function sessionToken(headers: { [h: string]: string }): string | null {
  const auth = headers['authorization'];
  if (auth && auth.indexOf('Bearer ') === 0) return auth.substr(7).trim();
  const cookie = headers['cookie'];
  if (!cookie) return null;
  const parts = cookie.split(';');
  for (let i = 0; i < parts.length; i++) {
    const kv = parts[i].trim();
    if (kv.indexOf('session=') === 0) return kv.substr(8);
  }
  return null;
}

/** true when the Origin header, if any, names this host (http or https). */
export function sameOrigin(headers: { [h: string]: string }): boolean {
  const origin = headers['origin'];
  if (origin === undefined) return true; // not a browser's cross-site request
  const host = (headers['host'] || '').toLowerCase();
  const o = origin.toLowerCase();
  return !!host && (o === 'http://' + host || o === 'https://' + host);
}

/**
 * A request that changes state must say it sends JSON (a cross-site form or a
 * "simple" fetch cannot) and, from a browser, come from the gateway's own
 * page: SameSite cookies alone are not the whole defence.
 */
export function crossSiteRefusal(req: HttpRequest): AdminError | undefined {
  if (req.method === 'GET') return undefined;
  const type = (req.headers['content-type'] || '').toLowerCase();
  if (type !== 'application/json' && type.indexOf('application/json;') !== 0)
    return adminError(415, 'bad_request', 'Send Content-Type: application/json.');
  if (!sameOrigin(req.headers)) return adminError(403, 'forbidden', 'Open the dashboard from the gateway itself: the page origin does not match its address.');
  return undefined;
}

/**
 * Handles one /api request. `body` is the parsed JSON body (undefined when
 * empty), `token` the session token, `client` the client's address ("" when
 * unknown), `now` the sessions' clock in seconds.
 */
export function route(core: AdminCore, req: HttpRequest, body: unknown, token: string | null, client: string, now: () => number, reply: RouteReply): void {
  function fail(e: AdminError): void {
    const h: { [h: string]: string } = {};
    if (e.retry_after && e.status !== 401) h['Retry-After'] = String(e.retry_after);
    reply(e.status, errorBody(e), h);
  }
  const method = req.method;
  const path = req.path;
  const p = path.split('/'); // "", "api", ...
  const params: { [k: string]: unknown } = isObject(body) ? body : {};
  if (p[1] !== 'api') return fail(notFound(path));
  const crossSite = crossSiteRefusal(req);
  if (crossSite) return fail(crossSite);
  if (body !== undefined && params !== body) return fail(adminError(400, 'bad_request', 'The body must be a JSON object.'));

  if (path === '/api/login') {
    if (method !== 'POST') return fail(WRONG_METHOD);
    if (!isStr(params.password)) return fail(adminError(400, 'bad_request', 'Send {"password":"…"}.'));
    const check = function (): void {
      const r = core.login(params.password as string, now(), client);
      if (!('token' in r)) return fail(r);
      reply(200, { token: r.token }, { 'Set-Cookie': 'session=' + r.token + '; HttpOnly; SameSite=Strict; Path=/; Max-Age=' + r.max_age });
    };
    // after repeated failures from this client its checks are spaced out (admin API slow-down)
    const turn = core.loginTurn(client, now());
    if (typeof turn !== 'number') return fail(turn);
    if (turn > 0) setTimeout(check, turn * 1000);
    else check();
    return;
  }
  if (!token || !core.checkSession(token, now())) return fail(UNAUTHORIZED);

  if (path === '/api/logout') {
    if (method !== 'POST') return fail(WRONG_METHOD);
    core.logout(token);
    return reply(200, { ok: true }, { 'Set-Cookie': SESSION_COOKIE });
  }
  const rows = routes();
  let pathFound = false;
  for (let i = 0; i < rows.length; i++) {
    const want = ('/api' + rows[i][1]).split('/');
    if (want.length !== p.length) continue;
    let id: string | undefined;
    let same = true;
    for (let j = 0; j < p.length && same; j++) {
      if (want[j] === '*') id = p[j];
      else same = want[j] === p[j];
    }
    if (!same) continue;
    pathFound = true;
    if (rows[i][0] !== method) continue;
    // GET and DELETE take no body; the device id comes from the path
    const q = method === 'GET' || method === 'DELETE' ? {} : params;
    if (id !== undefined) q.device_id = id;
    const name = rows[i][2];
    return core.call(name, q, function (err, result) {
      if (err) fail(err);
      // a new password ends every session, this one too: the browser forgets its cookie
      else reply(200, result, name === 'password.change' ? { 'Set-Cookie': SESSION_COOKIE } : undefined);
    });
  }
  fail(pathFound ? WRONG_METHOD : notFound(path));
}
