// The admin password at rest: PBKDF2-HMAC-SHA256 with a random salt, so a
// leaked gw.cfg costs an attacker PBKDF2_ITERATIONS HMACs per guess. Stored
// as "<iterations>:<salt hex>:<hash hex>". Hashes of older images,
// "<salt hex>:<HMAC(salt, password) hex>", are still accepted and reported
// as outdated so the caller re-hashes them at the next correct login.
import type { Crypto } from '../../crypto/types';
import { equalBytes, fromHex, isHex, isStr, toBytes, toHex } from '../../protocol/bytes';

/** PBKDF2-HMAC-SHA256(password bytes, salt, iterations) → 32 bytes. */
export type Kdf = (password: Uint8Array, salt: Uint8Array, iterations: number) => Uint8Array;

/**
 * On the host build of the real interpreter 10,000 iterations take about
 * 40 ms; an ESP32 (240 MHz, mbedTLS SHA-256 in software) is some 20–40 times
 * slower, so 3,000 take roughly 0.2–0.5 s there: well under a second per
 * login, and the firmware is blocked only that long.
 */
export const PBKDF2_ITERATIONS = 3000;
const SALT_BYTES = 16;

/** The firmware's crypto.PBKDF2 (stock and custom ESP32 firmware have it: mbedTLS). */
export function firmwareKdf(): Kdf {
  const c = require('crypto');
  return function (password, salt, iterations) {
    return new Uint8Array(c.PBKDF2(password, salt, { keySize: 8, iterations: iterations, hasher: 'SHA256' }));
  };
}

export function hashPassword(kdf: Kdf, crypto: Crypto, password: string): string {
  const salt = crypto.randomBytes(SALT_BYTES);
  return PBKDF2_ITERATIONS + ':' + toHex(salt) + ':' + toHex(kdf(toBytes(password), salt, PBKDF2_ITERATIONS));
}

const MAX_ITERATIONS = 100000; // a hash that would block the board for minutes is not one of ours

/** The stored form: "<iterations>:<salt>:<hash>", or the older "<salt>:<hash>". */
export function isPasswordHash(s: unknown): boolean {
  if (!isStr(s)) return false;
  const p = s.split(':');
  const salt = p[p.length - 2];
  const hash = p[p.length - 1];
  if (p.length === 3 && !(/^[0-9]+$/.test(p[0]) && p[0].length <= 6 && parseInt(p[0], 10) >= 1 && parseInt(p[0], 10) <= MAX_ITERATIONS)) return false;
  return (p.length === 2 || p.length === 3) && salt.length > 0 && isHex(salt, salt.length) && isHex(hash, 64);
}

/** 1: right and current; 2: right, but stored in the older form (re-hash it); 0: wrong. */
export function checkPassword(kdf: Kdf, crypto: Crypto, password: string, stored: string): number {
  if (!isStr(password) || !isPasswordHash(stored)) return 0;
  const p = stored.split(':');
  const salt = fromHex(p[p.length - 2]) as Uint8Array;
  const want = fromHex(p[p.length - 1]) as Uint8Array;
  const bytes = toBytes(password);
  const got = p.length === 3 ? kdf(bytes, salt, parseInt(p[0], 10)) : crypto.hmacSha256(salt, bytes);
  if (!equalBytes(want, got)) return 0;
  return p.length === 3 && parseInt(p[0], 10) >= PBKDF2_ITERATIONS ? 1 : 2;
}

/** A random password a person can type: 12 characters without look-alikes. */
export function randomPassword(crypto: Crypto): string {
  const abc = 'abcdefghjkmnpqrstuvwxyz23456789';
  const r = crypto.randomBytes(12);
  let s = '';
  for (let i = 0; i < r.length; i++) s += abc.charAt(r[i] % abc.length);
  return s;
}
