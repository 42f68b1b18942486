// The /api routes of ADMIN-API.md mapped onto AdminCore.call. No I/O here:
// the server hands in the parsed request and gets one reply back.
import { contains, isObject, isStr } from '../../protocol/bytes';
import type { AdminCore, AdminError } from '../admin/types';

export type RouteReply = (status: number, body: any, headers?: { [h: string]: string }) => void;

export function adminError(status: number, code: string, message: string): AdminError {
  return { status: status, code: code, message: message };
}

export function errorBody(e: AdminError): any {
  return { error: { code: e.code, message: e.message } };
}

const UNAUTHORIZED = adminError(401, 'unauthorized', 'Log in first.');
const WRONG_METHOD = adminError(405, 'method_not_allowed', 'Wrong method.');

const ACTIONS = ',approve,reject,revoke,methods,call,';

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
  function call(name: string, params: any): void {
    core.call(name, params, function (err, result) {
      if (err) fail(err);
      else reply(200, result);
    });
  }
  const p = path.split('/'); // "", "api", ...
  const params = isObject(body) ? body : {};
  if (body !== undefined && params !== body) return fail(adminError(400, 'bad_request', 'The body must be a JSON object.'));

  if (path === '/api/login') {
    if (method !== 'POST') return fail(WRONG_METHOD);
    if (!isStr(params.password)) return fail(adminError(400, 'bad_request', 'Send {"password":"…"}.'));
    const r: any = core.login(params.password, now);
    if (r.token === undefined) {
      // after repeated failures the wrong-password answer is held back (ADMIN-API.md slow-down)
      if (r.status === 401 && r.retry_after)
        setTimeout(function () {
          fail(r);
        }, r.retry_after * 1000);
      else fail(r);
      return;
    }
    return reply(200, { token: r.token }, { 'Set-Cookie': 'session=' + r.token + '; HttpOnly; SameSite=Strict; Path=/' });
  }
  if (p[1] !== 'api') return fail(notFound(path));
  if (!token || !core.checkSession(token, now)) return fail(UNAUTHORIZED);

  if (path === '/api/logout') {
    if (method !== 'POST') return fail(WRONG_METHOD);
    core.logout(token);
    return reply(200, { ok: true }, { 'Set-Cookie': 'session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0' });
  }
  if (path === '/api/password') {
    if (method !== 'POST') return fail(WRONG_METHOD);
    return call('password.change', params);
  }
  if (path === '/api/status' || path === '/api/security') {
    if (method !== 'GET') return fail(WRONG_METHOD);
    return call(p[2], {});
  }
  if (path === '/api/config') {
    if (method === 'GET') return call('config.get', {});
    if (method === 'PUT') return call('config.set', params);
    return fail(WRONG_METHOD);
  }
  if (p[2] !== 'devices' || p.length > 5) return fail(notFound(path));
  if (p.length === 3) {
    if (method !== 'GET') return fail(WRONG_METHOD);
    return call('devices.list', {});
  }
  const id = p[3];
  if (p.length === 4) {
    if (method === 'GET') return call('device.get', { device_id: id });
    if (method === 'DELETE') return call('device.remove', { device_id: id });
    return fail(WRONG_METHOD);
  }
  const action = p[4];
  const name = contains(ACTIONS, ',' + action + ',') ? (action === 'methods' ? 'device.setMethods' : 'device.' + action) : '';
  if (!name) return fail(notFound(path));
  if (method !== (action === 'methods' ? 'PUT' : 'POST')) return fail(WRONG_METHOD);
  params.device_id = id;
  call(name, params);
}
