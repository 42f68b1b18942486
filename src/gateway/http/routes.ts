// The /api routes of ADMIN-API.md mapped onto AdminCore. No I/O here: the
// server hands in the parsed request and gets one reply back.
import { isObject, isStr } from '../../protocol/bytes';
import type { AdminCore, AdminError } from '../admin/types';
import type { HttpRequest } from './request';

export type RouteReply = (status: number, body: any, headers?: { [h: string]: string }) => void;

export function adminError(status: number, code: string, message: string): AdminError {
  return { status: status, code: code, message: message };
}

export function errorBody(e: AdminError): any {
  return { error: { code: e.code, message: e.message } };
}

const UNAUTHORIZED = adminError(401, 'unauthorized', 'Log in first.');
const WRONG_METHOD = adminError(405, 'method_not_allowed', 'Wrong method.');
const SESSION_COOKIE = 'session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0';

const ACTIONS = ',approve,reject,revoke,methods,call,';

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
export function route(core: AdminCore, req: HttpRequest, body: any, token: string | null, client: string, now: () => number, reply: RouteReply): void {
  function fail(e: AdminError): void {
    const h: { [h: string]: string } = {};
    if (e.retry_after && e.status !== 401) h['Retry-After'] = String(e.retry_after);
    reply(e.status, errorBody(e), h);
  }
  function call(name: string, params: any): void {
    core.call(name, params, function (err, result) {
      if (err) fail(err);
      else reply(200, result, name === 'password.change' ? { 'Set-Cookie': SESSION_COOKIE } : undefined);
    });
  }
  const method = req.method;
  const path = req.path;
  const p = path.split('/'); // "", "api", ...
  const params = isObject(body) ? body : {};
  if (p[1] !== 'api') return fail(notFound(path));
  const crossSite = crossSiteRefusal(req);
  if (crossSite) return fail(crossSite);
  if (body !== undefined && params !== body) return fail(adminError(400, 'bad_request', 'The body must be a JSON object.'));

  if (path === '/api/login') {
    if (method !== 'POST') return fail(WRONG_METHOD);
    if (!isStr(params.password)) return fail(adminError(400, 'bad_request', 'Send {"password":"…"}.'));
    const check = function (): void {
      const r: any = core.login(params.password, now(), client);
      if (r.token === undefined) return fail(r);
      reply(200, { token: r.token }, { 'Set-Cookie': 'session=' + r.token + '; HttpOnly; SameSite=Strict; Path=/; Max-Age=' + r.max_age });
    };
    // after repeated failures from this client its checks are spaced out (ADMIN-API.md slow-down)
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
  const name = ACTIONS.indexOf(',' + action + ',') >= 0 ? (action === 'methods' ? 'device.setMethods' : 'device.' + action) : '';
  if (!name) return fail(notFound(path));
  if (method !== (action === 'methods' ? 'PUT' : 'POST')) return fail(WRONG_METHOD);
  params.device_id = id;
  call(name, params);
}
