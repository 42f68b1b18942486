// Admin password (salted hash, never stored in clear) and login sessions
// (random tokens, 12 h idle expiry, a bounded table), with the failure
// slow-down of ADMIN-API.md: after 5 failures within a minute, at most one
// attempt per second, and the failed answer itself is held back 1 s.
import type { Crypto } from '../../crypto/types';
import { equalBytes, fromHex, isStr, toBytes, toHex } from '../../protocol/bytes';
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

export class Sessions {
  // token → last use (seconds)
  private live: { [token: string]: number } = {};
  private fails: number[] = [];
  private notBefore = 0;

  constructor(
    private crypto: Crypto,
    private stored: () => string,
  ) {}

  login(password: string, now: number): { token: string } | AdminError {
    if (now < this.notBefore)
      return { status: 429, code: 'rate_limited', message: 'Too many tries: wait a second.', retry_after: 1 };
    if (!isStr(password) || !checkPassword(this.crypto, password, this.stored())) {
      const recent: number[] = [];
      for (let i = 0; i < this.fails.length; i++) if (this.fails[i] > now - FAIL_WINDOW_S) recent.push(this.fails[i]);
      recent.push(now);
      this.fails = recent;
      const slow = recent.length > FAILS_BEFORE_SLOWDOWN;
      if (slow) this.notBefore = now + 1;
      return { status: 401, code: 'unauthorized', message: 'Wrong password.', retry_after: slow ? 1 : 0 };
    }
    this.expire(now);
    let oldest = '';
    let n = 0;
    for (const t in this.live) {
      n++;
      if (!oldest || this.live[t] < this.live[oldest]) oldest = t;
    }
    if (n >= MAX_SESSIONS) delete this.live[oldest];
    const token = toHex(this.crypto.randomBytes(16));
    this.live[token] = now;
    return { token: token };
  }

  logout(token: string): void {
    delete this.live[token];
  }

  check(token: string, now: number): boolean {
    if (!isStr(token) || token.length !== 32) return false;
    const t = this.live[token];
    if (t === undefined || !this.live.hasOwnProperty(token)) return false;
    if (now - t > IDLE_S) {
      delete this.live[token];
      return false;
    }
    this.live[token] = now;
    return true;
  }

  private expire(now: number): void {
    for (const t in this.live) if (now - this.live[t] > IDLE_S) delete this.live[t];
  }
}
