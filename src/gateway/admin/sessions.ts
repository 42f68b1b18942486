// Admin password (salted hash, never stored in clear) and login sessions
// (random tokens, 12 h idle expiry, a bounded table), with the failure
// slow-down of the admin API (docs/admin-api.md): after 5 failures within a minute, at most one
// attempt per second, and the failed answer itself is held back 1 s.
import type { Crypto } from '../../crypto/types';
import { equalBytes, fromHex, isStr, toBytes, toHex } from '../../protocol/bytes';
import { adminError } from './types';
import type { AdminError } from './types';

const IDLE_S = 12 * 3600;
const MAX_SESSIONS = 8;
const FAIL_WINDOW_S = 60;
const FAILS_BEFORE_SLOWDOWN = 5;

/** "<salt hex>:<hash hex>" with hash = HMAC(salt, password bytes). */
export function hashPassword(crypto: Crypto, password: string, saltHex?: string): string {
  const salt = saltHex || toHex(crypto.randomBytes(16));
  return salt + ':' + toHex(crypto.hmacSha256(fromHex(salt) as Uint8Array, toBytes(password)));
}

export function checkPassword(crypto: Crypto, password: string, stored: string): boolean {
  const i = stored.indexOf(':');
  if (i <= 0) return false;
  const want = fromHex(stored.substr(i + 1));
  const got = fromHex(hashPassword(crypto, password, stored.substr(0, i)).substr(i + 1));
  return !!want && !!got && equalBytes(want, got);
}

/** A random password a person can type: 12 characters without look-alikes. */
export function randomPassword(crypto: Crypto): string {
  const abc = 'abcdefghjkmnpqrstuvwxyz23456789';
  const r = crypto.randomBytes(12);
  let s = '';
  for (let i = 0; i < r.length; i++) s += abc.charAt(r[i] % abc.length);
  return s;
}

function slowDown(): AdminError {
  const e = adminError(429, 'rate_limited', 'Too many tries: wait a second.');
  e.retry_after = 1;
  return e;
}

export interface Sessions {
  /** A new session token, or why not (401 wrong password, 429 during a slow-down). */
  login(password: string, now: number): { token: string } | AdminError;
  logout(token: string): void;
  /** Valid and not idle for 12 h; touches the session. */
  check(token: string, now: number): boolean;
}

/** `stored`: the current "<salt>:<hash>" of the admin password. */
export function createSessions(crypto: Crypto, stored: () => string): Sessions {
  const live: { [token: string]: number } = {}; // token → last use (seconds)
  let fails: number[] = [];
  let notBefore = 0;

  function expire(now: number): void {
    // keys first: on Espruino a for-in loop ends at a property deleted under it
    const tokens = Object.keys(live);
    for (let i = 0; i < tokens.length; i++) if (now - live[tokens[i]] > IDLE_S) delete live[tokens[i]];
  }

  return {
    login: function (password, now) {
      if (now < notBefore) return slowDown();
      if (!isStr(password) || !checkPassword(crypto, password, stored())) {
        const recent: number[] = [];
        for (let i = 0; i < fails.length; i++) if (fails[i] > now - FAIL_WINDOW_S) recent.push(fails[i]);
        recent.push(now);
        fails = recent;
        const slow = recent.length > FAILS_BEFORE_SLOWDOWN;
        if (slow) notBefore = now + 1;
        const e = adminError(401, 'unauthorized', 'Wrong password.');
        e.retry_after = slow ? 1 : 0;
        return e;
      }
      expire(now);
      let oldest = '';
      let n = 0;
      for (const t in live) {
        n++;
        if (!oldest || live[t] < live[oldest]) oldest = t;
      }
      if (n >= MAX_SESSIONS) delete live[oldest];
      const token = toHex(crypto.randomBytes(16));
      live[token] = now;
      return { token: token };
    },
    logout: function (token) {
      delete live[token];
    },
    check: function (token, now) {
      if (!isStr(token) || token.length !== 32) return false;
      const t = live[token];
      if (t === undefined || !live.hasOwnProperty(token)) return false;
      if (now - t > IDLE_S) {
        delete live[token];
        return false;
      }
      live[token] = now;
      return true;
    },
  };
}
