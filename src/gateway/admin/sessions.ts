// Admin login sessions: random tokens in a bounded table, ended after 12 h
// idle or 24 h in all (whatever happens to them), and all at once when the
// password changes. Logins go through the per-address slow-down
// (login-guard.ts) and the salted, slow password hash (password.ts).
import type { Crypto } from '../../crypto/types';
import { isStr, toHex } from '../../protocol/bytes';
import { LoginGuard } from './login-guard';
import { checkPassword, hashPassword } from './password';
import type { Kdf } from './password';
import { adminError } from './types';
import type { AdminError } from './types';

export const IDLE_S = 12 * 3600;
export const LIFETIME_S = 24 * 3600;
const MAX_SESSIONS = 8;

export interface LoginOk {
  token: string;
  /** seconds the session cookie may live (its absolute lifetime) */
  max_age: number;
}

export interface Sessions {
  /** When `client` may try a password: 0 now, seconds to wait, or the 429. */
  turn(client: string, now: number): number | AdminError;
  /** Checks the password (call when turn() allowed it): a new session, or 401. */
  login(password: string, now: number, client: string): LoginOk | AdminError;
  logout(token: string): void;
  /** Ends every session (the password changed). */
  endAll(): void;
  /** Valid, not idle for 12 h and not older than 24 h; touches the session. */
  check(token: string, now: number): boolean;
}

/**
 * `stored`: the current hash of the admin password; `rehash` stores a new
 * hash of it (an outdated one, re-hashed at a correct login), false when
 * flash refused.
 */
export function createSessions(crypto: Crypto, kdf: Kdf, stored: () => string, rehash: (hash: string) => boolean): Sessions {
  let live: { [token: string]: number[] } = {}; // token → [created, last use] (seconds)
  const guard = new LoginGuard();

  function over(t: number[], now: number): boolean {
    return now - t[1] > IDLE_S || now - t[0] > LIFETIME_S;
  }

  function expire(now: number): void {
    // keys first: on Espruino a for-in loop ends at a property deleted under it
    const tokens = Object.keys(live);
    for (let i = 0; i < tokens.length; i++) if (over(live[tokens[i]], now)) delete live[tokens[i]];
  }

  return {
    turn: function (client, now) {
      const t = guard.turn(client, now);
      if (t >= 0) return t;
      const e = adminError(429, 'rate_limited', 'Too many wrong passwords: wait ' + -t + ' s.');
      e.retry_after = -t;
      return e;
    },
    login: function (password, now, client) {
      const ok = checkPassword(kdf, crypto, password, stored());
      guard.result(client, ok > 0, now);
      if (!ok) return adminError(401, 'unauthorized', 'Wrong password.');
      if (ok === 2) rehash(hashPassword(kdf, crypto, password));
      expire(now);
      let oldest = '';
      let n = 0;
      for (const t in live) {
        n++;
        if (!oldest || live[t][1] < live[oldest][1]) oldest = t;
      }
      if (n >= MAX_SESSIONS) delete live[oldest];
      const token = toHex(crypto.randomBytes(16));
      live[token] = [now, now];
      return { token: token, max_age: LIFETIME_S };
    },
    logout: function (token) {
      if (live.hasOwnProperty(token)) delete live[token];
    },
    endAll: function () {
      live = {};
    },
    check: function (token, now) {
      if (!isStr(token) || token.length !== 32 || !live.hasOwnProperty(token)) return false;
      const t = live[token];
      if (over(t, now)) {
        delete live[token];
        return false;
      }
      t[1] = now;
      return true;
    },
  };
}
