// Byte helpers for the protocol core. Binary travels as 8-bit "byte strings"
// (one char per byte, as Espruino hands out MQTT payloads) or Uint8Array.

const HEX = '0123456789abcdef';
// RegExp tests run in C on Espruino: far cheaper than a loop over the chars.
const HEX_DIGITS = /^[0-9a-f]*$/;

/** Largest nonce / integer the protocol carries: 2^53 − 1. */
export const MAX_SAFE = 9007199254740991;

// On Espruino, E.toUint8Array / E.toString do these conversions natively, far
// faster than a JS loop; elsewhere (Node) the loops below run.
export function toBytes(s: string): Uint8Array {
  if (typeof E !== 'undefined') return E.toUint8Array(s);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 255;
  return out;
}

export function fromBytes(b: Uint8Array): string {
  // E.toString gives undefined when it cannot make a flat string: loop then.
  const flat = typeof E !== 'undefined' ? E.toString(b) : undefined;
  if (typeof flat === 'string') return flat;
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX.charAt(b[i] >> 4) + HEX.charAt(b[i] & 15);
  return s;
}

// Shared type tests: one call instead of a `typeof` phrase at every check
// keeps the device images small.
export function isStr(v: unknown): v is string {
  return typeof v === 'string';
}

export function isNum(v: unknown): v is number {
  return typeof v === 'number';
}

/**
 * true when `needle` occurs in `hay`. Espruino 2v29's String.indexOf also
 * reports a needle that runs off the end of `hay` when its start matches the
 * end (",a,".indexOf(",b,") is 2), so a match must fit to count.
 */
export function contains(hay: string, needle: string): boolean {
  const i = hay.indexOf(needle);
  return i >= 0 && i + needle.length <= hay.length;
}

/** A JSON object: not null, not an array. */
export function isObject(v: unknown): v is { [k: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** true when `v` is a string of exactly `length` lowercase hex digits. */
export function isHex(v: unknown, length: number): v is string {
  return isStr(v) && v.length === length && HEX_DIGITS.test(v);
}

/** Lowercase hex → bytes; undefined for odd length or any other character. */
export function fromHex(s: string): Uint8Array | undefined {
  if (!isHex(s, s.length) || s.length % 2) return undefined;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = HEX.indexOf(s.charAt(2 * i)) * 16 + HEX.indexOf(s.charAt(2 * i + 1));
  return out;
}

export function toBase64(b: Uint8Array): string {
  return btoa(fromBytes(b));
}

/**
 * Standard padded base64 → bytes; undefined unless `s` is exactly the
 * canonical encoding (no other characters, whitespace, missing padding or
 * stray low bits): whatever atob tolerates, re-encoding must give `s` back.
 */
export function fromBase64(s: string): Uint8Array | undefined {
  let bin: string;
  try {
    bin = atob(s);
  } catch (e) {
    return undefined;
  }
  return btoa(bin) === s ? toBytes(bin) : undefined;
}

/** A safe integer ≥ 0 (what JSON numbers for nonces, times and ids must be). */
export function isSafeUint(v: unknown): v is number {
  return isNum(v) && v >= 0 && v <= MAX_SAFE && Math.floor(v) === v;
}

/**
 * Decimal text of a safe non-negative integer. Below 2^31 every runtime
 * prints integers exactly; above, it is built from two parts below 10^8 so
 * no runtime's float formatting (exponents, rounding) gets involved.
 */
export function decimal(n: number): string {
  if (n < 2147483648) return String(n);
  const hi = Math.floor(n / 100000000);
  const lo = String(n - hi * 100000000);
  return String(hi) + '00000000'.substring(lo.length) + lo;
}

/** `n` (0 … 2^53−1) as 8 big-endian bytes into `out` at `off`. */
export function putU64(out: Uint8Array, off: number, n: number): void {
  let hi = Math.floor(n / 4294967296);
  let lo = n - hi * 4294967296;
  for (let i = 3; i >= 0; i--) {
    out[off + i] = hi & 255;
    out[off + 4 + i] = lo % 256;
    hi = hi >>> 8;
    lo = Math.floor(lo / 256);
  }
}

/** Equality without an early exit, so timing does not reveal where bytes differ. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** true when every byte is zero, looked at in constant time. */
export function isAllZero(b: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < b.length; i++) acc |= b[i];
  return acc === 0;
}
