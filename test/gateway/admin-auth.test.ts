// Admin authentication, sans I/O: the salted slow password hash (and the
// older form, still accepted and re-hashed), the per-address login slow-down
// that never locks out a different address, session lifetimes, every session
// ended on a password change, and the cross-site checks on state changes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsCrypto } from '../../src/crypto/node/js.ts';
import { toBytes, toHex } from '../../src/protocol/bytes.ts';
import { LoginGuard } from '../../src/gateway/admin/login-guard.ts';
import { checkPassword, hashPassword, isPasswordHash, PBKDF2_ITERATIONS } from '../../src/gateway/admin/password.ts';
import { nodeKdf } from '../../src/gateway/admin/node/kdf.ts';
import { createSessions, IDLE_S, LIFETIME_S } from '../../src/gateway/admin/sessions.ts';
import { crossSiteRefusal } from '../../src/gateway/http/routes.ts';

test('password hash: PBKDF2-SHA256 with a fresh salt; the old HMAC form still checks and asks for a re-hash', () => {
  const h = hashPassword(nodeKdf, jsCrypto, 'correct horse');
  assert.match(h, new RegExp('^' + PBKDF2_ITERATIONS + ':[0-9a-f]{32}:[0-9a-f]{64}$'));
  assert.is.not(hashPassword(nodeKdf, jsCrypto, 'correct horse'), h, 'salted');
  assert.is(checkPassword(nodeKdf, jsCrypto, 'correct horse', h), 1);
  assert.is(checkPassword(nodeKdf, jsCrypto, 'correct hors', h), 0);
  const salt = '00112233445566778899aabbccddeeff';
  const legacy = salt + ':' + toHex(jsCrypto.hmacSha256(toBytes('\x00\x11"3DUfw\x88\x99\xaa\xbb\xcc\xdd\xee\xff'), toBytes('old-pass')));
  assert.ok(isPasswordHash(legacy));
  assert.is(checkPassword(nodeKdf, jsCrypto, 'old-pass', legacy), 2);
  assert.is(checkPassword(nodeKdf, jsCrypto, 'old-pas', legacy), 0);
  const weaker = '1000:' + salt + ':' + toHex(nodeKdf(toBytes('pw'), toBytes('\x00\x11"3DUfw\x88\x99\xaa\xbb\xcc\xdd\xee\xff'), 1000));
  assert.is(checkPassword(nodeKdf, jsCrypto, 'pw', weaker), 2, 'fewer iterations than now: re-hash');
  for (const bad of ['', 'x', 'aa:bb', '0:aa:' + 'b'.repeat(64), '999999999:aa:' + 'b'.repeat(64), 'aa:' + 'b'.repeat(63), 'zz:' + 'b'.repeat(64)])
    assert.not.ok(isPasswordHash(bad), bad);
});

test('login slow-down: 5 free failures, then one check a second per address, queued up to 4 s, then 429', () => {
  const g = new LoginGuard();
  for (let i = 0; i < 5; i++) {
    assert.is(g.turn('10.0.0.9', 100), 0);
    g.result('10.0.0.9', false, 100);
  }
  assert.is(g.turn('10.0.0.9', 100), 0, 'the 6th check runs now');
  g.result('10.0.0.9', false, 100);
  assert.is(g.turn('10.0.0.9', 100), 1, 'then one a second');
  assert.is(g.turn('10.0.0.9', 100), 2);
  assert.is(g.turn('10.0.0.9', 100), 3);
  assert.is(g.turn('10.0.0.9', 100), 4);
  assert.ok(g.turn('10.0.0.9', 100) < 0, 'more than 4 s ahead: refused');
  // the admin at another address is not held up at all
  assert.is(g.turn('10.0.0.2', 100), 0);
  g.result('10.0.0.2', true, 100);
  // failures age out of the minute
  assert.is(g.turn('10.0.0.9', 200), 0);
});

test('one shared record (no addresses): the admin waits a turn instead of being refused', () => {
  const g = new LoginGuard();
  for (let i = 0; i < 6; i++) {
    g.turn('', 50);
    g.result('', false, 50);
  }
  const wait = g.turn('', 50);
  assert.ok(wait > 0 && wait <= 4, 'a turn, not a 429: ' + wait);
  g.result('', true, 50 + wait);
  assert.is(g.turn('', 50 + wait), 0, 'a correct password clears the record');
});

test('the address table is bounded', () => {
  const g = new LoginGuard();
  for (let i = 0; i < 1000; i++) {
    g.turn('10.1.' + (i >> 8) + '.' + (i & 255), i);
    g.result('10.1.' + (i >> 8) + '.' + (i & 255), false, i);
  }
  assert.ok(Object.keys((g as any).byClient).length <= 16);
});

function sessions(stored = hashPassword(nodeKdf, jsCrypto, 'pw-123456')) {
  const box = { stored, rehashed: '' };
  const s = createSessions(
    jsCrypto,
    nodeKdf,
    () => box.stored,
    (h) => {
      box.rehashed = box.stored = h;
      return true;
    },
  );
  return { s, box };
}

test('sessions: 12 h idle, 24 h whatever happens, all end at once on demand', () => {
  const { s } = sessions();
  const a: any = s.login('pw-123456', 0, '');
  assert.is(a.max_age, LIFETIME_S);
  const b: any = s.login('pw-123456', 0, '');
  assert.ok(s.check(a.token, IDLE_S - 1));
  assert.not.ok(s.check(b.token, IDLE_S + 1), 'idle too long');
  // kept busy, a session still ends at 24 h
  for (let t = 3600; t < LIFETIME_S; t += 3600) assert.ok(s.check(a.token, t));
  assert.not.ok(s.check(a.token, LIFETIME_S + 1));
  const c: any = s.login('pw-123456', 10, '');
  const d: any = s.login('pw-123456', 10, '');
  s.endAll();
  assert.not.ok(s.check(c.token, 11));
  assert.not.ok(s.check(d.token, 11));
  assert.is((s.login('wrong', 12, '') as any).status, 401);
});

test('a correct login with the older hash form stores the new form', () => {
  const salt = '0123456789abcdef0123456789abcdef';
  const legacy = salt + ':' + toHex(jsCrypto.hmacSha256(Buffer.from(salt, 'hex'), toBytes('pw-legacy')));
  const { s, box } = sessions(legacy);
  assert.ok((s.login('pw-legacy', 0, '') as any).token);
  assert.match(box.rehashed, new RegExp('^' + PBKDF2_ITERATIONS + ':'));
  assert.is(checkPassword(nodeKdf, jsCrypto, 'pw-legacy', box.stored), 1);
});

function req(method: string, headers: Record<string, string>) {
  return { method, path: '/api/x', headers, body: '', rest: '' };
}

test('state changes need Content-Type: application/json and, from a browser, this host as Origin', () => {
  assert.is(crossSiteRefusal(req('GET', {})), undefined);
  assert.is(crossSiteRefusal(req('POST', {}))!.status, 415);
  assert.is(crossSiteRefusal(req('POST', { 'content-type': 'text/plain' }))!.status, 415);
  assert.is(crossSiteRefusal(req('POST', { 'content-type': 'application/x-www-form-urlencoded' }))!.status, 415);
  assert.is(crossSiteRefusal(req('POST', { 'content-type': 'application/json; charset=utf-8' })), undefined);
  assert.is(crossSiteRefusal(req('DELETE', { 'content-type': 'application/json' })), undefined, 'curl: no Origin');
  assert.is(crossSiteRefusal(req('PUT', { 'content-type': 'application/json', host: 'gw.lan', origin: 'http://gw.lan' })), undefined);
  assert.is(crossSiteRefusal(req('PUT', { 'content-type': 'application/json', host: 'gw.lan', origin: 'http://evil.example' }))!.status, 403);
  assert.is(crossSiteRefusal(req('PUT', { 'content-type': 'application/json', origin: 'http://gw.lan' }))!.status, 403, 'no Host to match');
  assert.is(crossSiteRefusal(req('POST', { 'content-type': 'application/json', host: 'gw.lan', origin: 'null' }))!.status, 403);
});

test.run();
