// Admin login sessions: random tokens in a bounded table, ended after 12 h
// idle or 24 h in all (whatever happens to them), and all at once when the
// password changes. Logins go through the per-address slow-down
// (login-guard.ts) and the salted, slow password hash (password.ts).
import type { Crypto } from '../../crypto/types';
import { isStr, toHex } from '../../protocol/bytes';
import { LoginGuard } from './login-guard';
import { checkPassword, hashPassword } from './password';
import type { Kdf } from './password';
import type { AdminError } from './types';

export const IDLE_S = 12 * 3600;
export const LIFETIME_S = 24 * 3600;
const MAX_SESSIONS = 8;

export interface LoginOk {
  token: string;
  /** seconds the session cookie may live (its absolute lifetime) */
  max_age: number;
}

export class Sessions {
  // token → [created, last use] (seconds)
  private live: { [token: string]: number[] } = {};
  private guard = new LoginGuard();

  constructor(
    private crypto: Crypto,
    private kdf: Kdf,
    private stored: () => string,
    /** stores a new hash of the admin password (an outdated one, re-hashed); false when flash refused */
    private rehash: (hash: string) => boolean,
  ) {}

  /** When `client` may try a password: 0 now, seconds to wait, or the 429. */
  turn(client: string, now: number): number | AdminError {
    const t = this.guard.turn(client, now);
    if (t >= 0) return t;
    return { status: 429, code: 'rate_limited', message: 'Too many wrong passwords: wait ' + -t + ' s.', retry_after: -t };
  }

  /** Checks the password (call when turn() allowed it). */
  login(password: string, now: number, client: string): LoginOk | AdminError {
    const ok = checkPassword(this.kdf, this.crypto, password, this.stored());
    this.guard.result(client, ok > 0, now);
    if (!ok) return { status: 401, code: 'unauthorized', message: 'Wrong password.' };
    if (ok === 2) this.rehash(hashPassword(this.kdf, this.crypto, password));
    this.expire(now);
    let oldest = '';
    let n = 0;
    for (const t in this.live) {
      n++;
      if (!oldest || this.live[t][1] < this.live[oldest][1]) oldest = t;
    }
    if (n >= MAX_SESSIONS) delete this.live[oldest];
    const token = toHex(this.crypto.randomBytes(16));
    this.live[token] = [now, now];
    return { token: token, max_age: LIFETIME_S };
  }

  logout(token: string): void {
    if (this.live.hasOwnProperty(token)) delete this.live[token];
  }

  /** Ends every session (the password changed). */
  endAll(): void {
    this.live = {};
  }

  check(token: string, now: number): boolean {
    if (!isStr(token) || token.length !== 32 || !this.live.hasOwnProperty(token)) return false;
    const t = this.live[token];
    if (now - t[1] > IDLE_S || now - t[0] > LIFETIME_S) {
      delete this.live[token];
      return false;
    }
    t[1] = now;
    return true;
  }

  private expire(now: number): void {
    for (const k in this.live) {
      const t = this.live[k];
      if (now - t[1] > IDLE_S || now - t[0] > LIFETIME_S) delete this.live[k];
    }
  }
}
