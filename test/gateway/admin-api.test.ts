// The admin HTTP API of docs/admin-api.md against the built image on the real
// interpreter: sessions,
// login slow-down, password and config, every error status, and the socket
// hygiene the ESP32 needs (connection cap, size limits, slow clients) while
// MQTT keeps working.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { utf8Bytes } from '../../tools/emulate/config.ts';
import { writeStorage } from '../../tools/espruino/interpreter.ts';
import { createAedes } from '../mqtt/brokers.ts';
import type { AedesBroker } from '../mqtt/brokers.ts';
import { GatewayUnderTest, PASSWORD, ROOT } from './harness.ts';
import { Admin, TestDevice, until } from './device.ts';
import { createNodeClient } from '../../src/mqtt/node/client.ts';

let broker: AedesBroker;
let gw: GatewayUnderTest;
let base: string;
let dev: TestDevice;
const PAGE = join(ROOT, 'dist/dashboard.html.gz');

test.before(async () => {
  broker = await createAedes();
  gw = new GatewayUnderTest({
    brokerPort: broker.port,
    extraConfig: async (dir, variant) => {
      if (existsSync(PAGE)) await writeStorage(dir, { 'dash.html.gz': readFileSync(PAGE) }, variant);
    },
  });
  await gw.start();
  base = gw.admin.base;
  dev = gw.device('api-dev');
  await dev.start();
  await dev.connect();
});

test.after(async () => {
  dev?.end();
  await gw?.stop();
  await broker?.close();
});

/** A raw HTTP exchange; `done` resolves with what the server sent before closing, `got` is what came so far. */
function raw(text: string, o: { keepOpen?: boolean } = {}): { done: Promise<string>; socket: import('node:net').Socket; got: () => string } {
  const url = new URL(base);
  const socket = connect(Number(url.port), '127.0.0.1');
  let got = '';
  const done = new Promise<string>((resolve) => {
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('close', () => resolve(got));
    socket.on('error', () => resolve(got));
  });
  socket.write(text);
  if (!o.keepOpen) socket.on('data', () => undefined);
  return { done, socket, got: () => got };
}

function statusOf(response: string): number {
  return Number(response.split(' ')[1]);
}

function errorOf(r: { status: number; body: any }, status: number, code?: string): void {
  assert.is(r.status, status, JSON.stringify(r.body));
  assert.type(r.body.error, 'object', 'JSON error form');
  assert.type(r.body.error.message, 'string');
  if (code) assert.is(r.body.error.code, code);
}

test('login sets the session cookie; cookie and bearer both work; logout ends it', async () => {
  const a = new Admin(base);
  const r = await a.req('POST', '/api/login', { password: PASSWORD }, { auth: false });
  assert.is(r.status, 200);
  const cookie = r.headers.get('set-cookie')!;
  assert.match(cookie, /^session=[0-9a-f]+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=86400$/);
  assert.is(cookie.slice(8, cookie.indexOf(';')), r.body.token);
  const viaCookie = await a.req('GET', '/api/status', undefined, { auth: false, headers: { Cookie: 'other=1; session=' + r.body.token } });
  assert.is(viaCookie.status, 200);
  a.token = r.body.token;
  assert.is((await a.req('GET', '/api/devices')).status, 200);
  assert.is((await a.req('POST', '/api/logout')).status, 200);
  errorOf(await a.req('GET', '/api/devices'), 401, 'unauthorized');
});

test('every /api route needs a session', async () => {
  const anon = new Admin(base);
  for (const [m, p] of [
    ['GET', '/api/devices'],
    ['GET', '/api/devices/api-dev'],
    ['POST', '/api/devices/api-dev/approve'],
    ['DELETE', '/api/devices/api-dev'],
    ['GET', '/api/status'],
    ['GET', '/api/security'],
    ['GET', '/api/config'],
    ['PUT', '/api/config'],
    ['POST', '/api/password'],
    ['POST', '/api/logout'],
  ])
    errorOf(await anon.req(m, p, undefined, { auth: false }), 401, 'unauthorized');
  errorOf(await anon.req('GET', '/api/status', undefined, { headers: { Authorization: 'Bearer ' + 'f'.repeat(32) } }), 401);
  errorOf(await anon.req('GET', '/api/status', undefined, { headers: { Authorization: 'Basic eDp5' } }), 401);
});

test('bad requests get the JSON error form with the right status', async () => {
  const a = gw.admin;
  errorOf(await a.req('GET', '/api/nothing'), 404, 'not_found');
  errorOf(await a.req('GET', '/nothing'), 404);
  errorOf(await a.req('GET', '/api/devices/nobody'), 404, 'not_found');
  errorOf(await a.req('GET', '/api/devices/bad%20id'), 404);
  errorOf(await a.req('POST', '/api/devices/nobody/approve'), 404);
  errorOf(await a.req('POST', '/api/devices/api-dev/frobnicate'), 404);
  errorOf(await a.req('PATCH', '/api/devices/api-dev'), 405);
  errorOf(await a.req('GET', '/api/devices/api-dev/approve'), 405);
  errorOf(await a.req('POST', '/api/status'), 405);
  errorOf(await a.req('POST', '/api/devices/api-dev/approve', undefined, { raw: '{bad json', headers: { 'content-type': 'application/json' } }), 400, 'bad_request');
  errorOf(await a.req('POST', '/api/devices/api-dev/approve', [1]), 400);
  errorOf(await a.req('POST', '/api/devices/api-dev/approve', { psk: 5 }), 400);
  errorOf(await a.req('PUT', '/api/devices/api-dev/methods', { allow: ['ping'] }), 409); // pending: approve first
  errorOf(await a.req('POST', '/api/devices/api-dev/revoke'), 409, 'conflict');
  errorOf(await a.req('POST', '/api/login', { password: 5 }, { auth: false }), 400);
  errorOf(await a.req('POST', '/api/devices/api-dev/approve', { psk: 'x'.repeat(5000) }), 413, 'too_large');
  errorOf(await a.req('GET', '/api/devices/' + 'a'.repeat(300)), 413);
  const big = await raw(`GET /api/status HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(3000)}\r\n\r\n`).done;
  assert.is(statusOf(big), 413);
  const chunked = await raw('POST /api/logout HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n').done;
  assert.is(statusOf(chunked), 400);
  // approve → then the state errors
  await a.ok('POST', '/api/devices/api-dev/approve');
  await dev.approved();
  errorOf(await a.req('POST', '/api/devices/api-dev/approve'), 409);
  errorOf(await a.req('POST', '/api/devices/api-dev/reject'), 409);
  errorOf(await a.req('PUT', '/api/devices/api-dev/methods', { allow: ['a,b'] }), 400);
  errorOf(await a.req('PUT', '/api/devices/api-dev/methods', { allow: Array(40).fill('m') }), 400);
  assert.equal((await a.ok('PUT', '/api/devices/api-dev/methods', { allow: [] })).allow, []);
  await a.ok('PUT', '/api/devices/api-dev/methods', { allow: ['ping'] });
});

test('UTF-8 names and PSKs: shown as text, the same PSK however the JSON escapes it', async () => {
  const psk = 'p\u00e9\u2713-secret'; // "pé✓-secret"
  const d = gw.device('utf8-dev', { psk: utf8Bytes(psk), name: utf8Bytes('K\u00fcche \u2713') });
  await d.start();
  await d.connect();
  const listed = await gw.admin.ok('GET', '/api/devices/utf8-dev');
  assert.is(listed.name, 'K\u00fcche \u2713');
  // the body with \u escapes (an ensure_ascii encoder), not raw UTF-8
  const escaped = '{"psk":"p\\u00e9\\u2713-secret"}';
  const ap = d.approved();
  const r = await gw.admin.req('POST', '/api/devices/utf8-dev/approve', undefined, { raw: escaped, headers: { 'content-type': 'application/json' } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is((await ap).kind, 'approved');
  d.end();
  await gw.admin.ok('DELETE', '/api/devices/utf8-dev');
});

test('wrong passwords: 401, then checked at most once a second for this client, until a right one', async () => {
  const a = new Admin(base);
  for (let i = 0; i < 5; i++) errorOf(await a.req('POST', '/api/login', { password: 'wrong' + i }, { auth: false }), 401, 'unauthorized');
  // slowed down: tries wait their turn, one check a second, and are then answered
  const waiting = [];
  for (let i = 0; i < 3; i++) waiting.push(a.req('POST', '/api/login', { password: 'again' + i }, { auth: false }));
  for (const r of await Promise.all(waiting)) errorOf(r, 401, 'unauthorized');
  await a.login(PASSWORD); // waits its turn too, then clears the record
  errorOf(await a.req('POST', '/api/login', { password: 'x' }, { auth: false }), 401);
  // failures age out of the one-minute window: the clock steps 61 s forward,
  // which the gateway's monotonic clock counts as time passed
  for (let i = 0; i < 4; i++) errorOf(await a.req('POST', '/api/login', { password: 'y' + i }, { auth: false }), 401);
  await gw.emu.eval('setTime(getTime() + 61)');
  errorOf(await a.req('POST', '/api/login', { password: 'x' }, { auth: false }), 401);
  await a.login(PASSWORD);
});

test('password change: old checked, new stored (PBKDF2), every session ends', async () => {
  const a = gw.admin;
  errorOf(await a.req('POST', '/api/password', { old: 'nope', new: 'another-pass' }), 403, 'forbidden');
  errorOf(await a.req('POST', '/api/password', { old: PASSWORD, new: 'short' }), 400);
  errorOf(await a.req('POST', '/api/password', { old: PASSWORD }), 400);
  assert.equal(await a.ok('POST', '/api/password', { old: PASSWORD, new: 'another-pass' }), { ok: true });
  const b = new Admin(base);
  errorOf(await b.req('POST', '/api/login', { password: PASSWORD }, { auth: false }), 401);
  errorOf(await a.req('GET', '/api/status'), 401, 'unauthorized');
  await b.login('another-pass');
  const back = await b.req('POST', '/api/password', { old: 'another-pass', new: PASSWORD });
  assert.is(back.status, 200);
  assert.match(back.headers.get('set-cookie')!, /Max-Age=0/, 'this session ends too: the cookie goes');
  errorOf(await b.req('GET', '/api/status'), 401, 'unauthorized');
  await a.login(PASSWORD);
  // the flash holds a salted hash, never the password
  const cfg = (await gw.files(['gw.cfg']))['gw.cfg']!;
  assert.not.ok(cfg.includes(PASSWORD));
  assert.match(JSON.parse(cfg).admin, /^3000:[0-9a-f]{32}:[0-9a-f]{64}$/);
});

test('config: get shows no credentials, put checks and applies', async () => {
  const a = gw.admin;
  const c = await a.ok('GET', '/api/config');
  assert.is(c.prefix, 'jrpc');
  assert.is(c.offline_timeout, 60);
  assert.is(c.limits.pending, 32);
  assert.not.ok('password' in c);
  const put = await a.ok('PUT', '/api/config', { offline_timeout: 90, limits: { rate: 10 } });
  assert.is(put.offline_timeout, 90);
  assert.is(put.limits.rate, 10);
  assert.is(put.limits.burst, 40);
  errorOf(await a.req('PUT', '/api/config', { offline_timeout: 1 }), 400);
  errorOf(await a.req('PUT', '/api/config', { broker: 'http://x' }), 400);
  errorOf(await a.req('PUT', '/api/config', { admin: 'aa:bb' }), 400);
  errorOf(await a.req('PUT', '/api/config', { wifi: { ssid: 'x' } }), 400);
  errorOf(await a.req('PUT', '/api/config', { limits: { nope: 1 } }), 400);
  // credentials over plain mqtt:// only when the admin says so
  errorOf(await a.req('PUT', '/api/config', { username: 'u', password: 's3cret' }), 400, 'bad_request');
  const pw = await a.ok('PUT', '/api/config', { username: 'u', password: 's3cret', allow_plain_credentials: true });
  assert.is(pw.password_set, true);
  assert.is(pw.allow_plain_credentials, true);
  assert.not.ok(JSON.stringify(pw).includes('s3cret'));
  assert.not.ok(JSON.stringify(await a.ok('GET', '/api/config')).includes('s3cret'));
  // aedes accepts any credentials: the gateway reconnects with them
  await gw.emu.waitForOutput('mqtt: connected', 10000);
  await a.ok('PUT', '/api/config', { offline_timeout: 60, limits: { rate: 20 }, username: '', password: '', allow_plain_credentials: false });
  const after = JSON.parse((await gw.files(['gw.cfg']))['gw.cfg']!);
  assert.is(after.offline_timeout, 60);
});

test('a new topic prefix takes effect at once; the old status topic says offline', async () => {
  await gw.admin.ok('PUT', '/api/config', { prefix: 'site2/jrpc' });
  await gw.emu.waitForOutput('mqtt: connected', 10000);
  const d = gw.device('prefixed', { prefix: 'site2/jrpc' });
  await d.start();
  assert.equal(await d.connect(), { kind: 'pending' });
  const watcher = createNodeClient({ host: '127.0.0.1', port: broker.port, clientId: 'status-watch' });
  const seen: Record<string, string> = {};
  watcher.on('message', (t, p) => (seen[t] = p));
  watcher.subscribe('+/gateway/status', 0);
  watcher.subscribe('+/+/gateway/status', 0);
  watcher.connect();
  await until(() => seen['jrpc/gateway/status'] && seen['site2/jrpc/gateway/status'], 5000, 'retained status');
  assert.is(seen['jrpc/gateway/status'], 'offline');
  assert.is(seen['site2/jrpc/gateway/status'], 'online');
  watcher.end();
  d.end();
  await gw.admin.ok('DELETE', '/api/devices/prefixed');
  await gw.admin.ok('PUT', '/api/config', { prefix: 'jrpc' });
  await gw.emu.waitForOutput('mqtt: connected', 10000);
});

test('the dashboard page: gzip from flash, ETag, 304', async () => {
  if (!existsSync(PAGE)) return; // the dashboard build is not there: nothing to serve
  const r = await fetch(base + '/');
  assert.is(r.status, 200);
  assert.is(r.headers.get('content-type'), 'text/html; charset=utf-8');
  const tag = r.headers.get('etag')!;
  assert.match(tag, /^"[0-9a-f]{16}"$/);
  // fetch gunzips: the page is the built dashboard
  const html = await r.text();
  assert.is(html, gunzipSync(readFileSync(PAGE)).toString('utf8'));
  const again = await fetch(base + '/', { headers: { 'If-None-Match': tag } });
  assert.is(again.status, 304);
  const rawr = await raw('GET / HTTP/1.1\r\nHost: x\r\n\r\n').done;
  assert.match(rawr, /Content-Encoding: gzip/);
});

test('connection cap, slow clients and idle clients: 503 and 408, MQTT unaffected', async () => {
  // four requests that never finish their body hold every slot
  const slow = [];
  for (let i = 0; i < 4; i++) {
    slow.push(raw(`POST /api/logout HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${gw.admin.token}\r\nContent-Length: 100\r\n\r\n{`, { keepOpen: true }));
    await new Promise((r) => setTimeout(r, 30));
  }
  // once the gateway has all four (their headers may arrive late on a busy machine), a fifth is refused
  let fifth = await gw.admin.req('GET', '/api/status');
  for (let i = 0; i < 50 && fifth.status === 200; i++) {
    await new Promise((r) => setTimeout(r, 50));
    fifth = await gw.admin.req('GET', '/api/status');
  }
  errorOf(fifth, 503, 'busy');
  assert.is(fifth.headers.get('retry-after'), '1');
  // the device's MQTT traffic goes on meanwhile
  assert.is((await dev.call('ping')).result, 'pong');
  // the slow ones time out (limits.http_timeout_s, 5 s); Espruino closes a
  // connection only once its body is complete, so the client sends the rest
  for (const s of slow) {
    await until(() => s.got().includes('\r\n\r\n'), 30000, 'the 408');
    s.socket.end('x'.repeat(99));
    const text = await s.done;
    assert.is(statusOf(text), 408, text);
    assert.match(text, /"code":"timeout"/);
  }
  assert.is((await gw.admin.req('GET', '/api/status')).status, 200);
});

test('a body longer than its Content-Length is refused', async () => {
  const r = await raw(`PUT /api/config HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${gw.admin.token}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}{}`).done;
  assert.ok([200, 400].includes(statusOf(r)), r);
});

test.run();
