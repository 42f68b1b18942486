// The /api routes of the admin API (docs/admin-api.md) mapped onto
// AdminCore.call. No I/O here: the server hands in the parsed request and
// gets one reply back.
import { isObject, isStr } from '../../protocol/bytes';
import { adminError } from '../admin/types';
import type { AdminCore, AdminError } from '../admin/types';

export type RouteReply = (status: number, body: any, headers?: { [h: string]: string }) => void;

export function errorBody(e: AdminError): any {
  return { error: { code: e.code, message: e.message } };
}

const UNAUTHORIZED = adminError(401, 'unauthorized', 'Log in first.');
const WRONG_METHOD = adminError(405, 'method_not_allowed', 'Wrong method.');

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

/**
 * Handles one /api request. `body` is the parsed JSON body (undefined when
 * empty), `token` the session token from the cookie or bearer header, `now`
 * seconds.
 */
export function route(core: AdminCore, method: string, path: string, body: any, token: string | null, now: number, reply: RouteReply): void {
  function fail(e: AdminError): void {
    const h: { [h: string]: string } = {};
    if (e.retry_after && e.status !== 401) h['Retry-After'] = String(e.retry_after);
    reply(e.status, errorBody(e), h);
  }
  const params = isObject(body) ? body : {};
  if (body !== undefined && params !== body) return fail(adminError(400, 'bad_request', 'The body must be a JSON object.'));

  if (path === '/api/login') {
    if (method !== 'POST') return fail(WRONG_METHOD);
    if (!isStr(params.password)) return fail(adminError(400, 'bad_request', 'Send {"password":"…"}.'));
    const r: any = core.login(params.password, now);
    if (r.token === undefined) {
      // after repeated failures the wrong-password answer is held back (admin API slow-down)
      if (r.status === 401 && r.retry_after)
        setTimeout(function () {
          fail(r);
        }, r.retry_after * 1000);
      else fail(r);
      return;
    }
    return reply(200, { token: r.token }, { 'Set-Cookie': 'session=' + r.token + '; HttpOnly; SameSite=Strict; Path=/' });
  }
  const p = path.split('/'); // "", "api", ...
  if (p[1] !== 'api') return fail(notFound(path));
  if (!token || !core.checkSession(token, now)) return fail(UNAUTHORIZED);

  if (path === '/api/logout') {
    if (method !== 'POST') return fail(WRONG_METHOD);
    core.logout(token);
    return reply(200, { ok: true }, { 'Set-Cookie': 'session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0' });
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
    return core.call(rows[i][2], q, function (err, result) {
      if (err) fail(err);
      else reply(200, result);
    });
  }
  fail(pathFound ? WRONG_METHOD : notFound(path));
}
