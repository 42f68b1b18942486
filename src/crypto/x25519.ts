// X25519 (RFC 7748) in plain ES5 arithmetic, for stock firmware: the field
// GF(2^255 − 19) in sixteen 16-bit limbs held in Float64Arrays and the
// Montgomery ladder of TweetNaCl's crypto_scalarmult, written as a stepper so
// x25519Async can run it a slice at a time: on the interpreter the whole
// multiplication takes seconds, which must not hold the event loop.
//
// On Espruino the limb products are summed by E.convolve (a dot product in
// C); elsewhere by the same sums in JS. Every value stays an integer below
// 2^53, so both give exactly the same limbs. Like any JS on the
// interpreter this is not hardened against timing side channels (the custom
// firmware's C is); the ladder itself does the same work for every bit.

import { convolve } from './convolve';

type Fe = Float64Array;

function fe(): Fe {
  return new Float64Array(16);
}


const T = fe(); // product columns
const R = new Float64Array(32); // 38·b reversed, then b reversed (see mul)

/** Limbs into [0, 2^16), the carry out of the top folded back (2^256 = 38 mod p). */
function carry(o: Fe): void {
  let c = 1;
  for (let i = 0; i < 16; i++) {
    const v = o[i] + c + 65535;
    c = Math.floor(v / 65536);
    o[i] = v - c * 65536;
  }
  o[0] += 38 * (c - 1);
}

// o = a·b. Column k of the product mod p is Σ_{i≤k} a[i]·b[k−i] +
// 38·Σ_{i>k} a[i]·b[k−i+16]; with R = [38·b15 … 38·b0, b15 … b0] that is
// Σ_i a[i]·R[(i + 31 − k) mod 32]: one E.convolve per column.
function mul(o: Fe, a: Fe, b: Fe): void {
  let i: number;
  let k: number;
  for (i = 0; i < 16; i++) {
    R[15 - i] = 38 * b[i];
    R[31 - i] = b[i];
  }
  if (convolve) for (k = 0; k < 16; k++) T[k] = convolve(a, R, 31 - k);
  else
    for (k = 0; k < 16; k++) {
      let v = 0;
      for (i = 0; i < 16; i++) v += a[i] * R[(i + 31 - k) & 31];
      T[k] = v;
    }
  for (i = 0; i < 16; i++) o[i] = T[i];
  carry(o);
  carry(o);
}

function add(o: Fe, a: Fe, b: Fe): void {
  for (let i = 0; i < 16; i++) o[i] = a[i] + b[i];
}

function sub(o: Fe, a: Fe, b: Fe): void {
  for (let i = 0; i < 16; i++) o[i] = a[i] - b[i];
}

/** Swaps p and q when bit is 1, in constant time. */
function swap(p: Fe, q: Fe, bit: number): void {
  const m = -bit;
  for (let i = 0; i < 16; i++) {
    const t = m & (p[i] ^ q[i]);
    p[i] ^= t;
    q[i] ^= t;
  }
}

/** The canonical little-endian bytes of n. */
function pack(out: Uint8Array, n: Fe): void {
  const t = fe();
  const m = fe();
  let i: number;
  for (i = 0; i < 16; i++) t[i] = n[i];
  carry(t);
  carry(t);
  carry(t);
  for (let j = 0; j < 2; j++) {
    // m = t − p; keep it unless that borrowed
    m[0] = t[0] - 0xffed;
    for (i = 1; i < 15; i++) {
      m[i] = t[i] - 0xffff - ((m[i - 1] >> 16) & 1);
      m[i - 1] &= 0xffff;
    }
    m[15] = t[15] - 0x7fff - ((m[14] >> 16) & 1);
    const borrow = (m[15] >> 16) & 1;
    m[14] &= 0xffff;
    swap(t, m, 1 - borrow);
  }
  for (i = 0; i < 16; i++) {
    out[2 * i] = t[i] & 0xff;
    out[2 * i + 1] = t[i] >> 8;
  }
}

const A24 = fe(); // (486662 − 2) / 4 = 121665
A24[0] = 0xdb41;
A24[1] = 1;

/** The work of one X25519(scalar, u), done by calls to step() until it returns the result. */
export interface Ladder {
  /** Does a bounded piece of the work: the 32-byte result once all is done, else undefined. */
  step(): Uint8Array | undefined;
}

export function ladder(scalar: Uint8Array, u: Uint8Array): Ladder {
  if (scalar.length !== 32 || u.length !== 32) throw new Error('x25519: scalar and u must be 32 bytes');
  const z = new Uint8Array(scalar);
  z[31] = (z[31] & 127) | 64;
  z[0] &= 248;
  const x = fe();
  for (let i = 0; i < 16; i++) x[i] = u[2 * i] + (u[2 * i + 1] << 8);
  x[15] &= 0x7fff;
  const a = fe();
  const b = fe();
  const c = fe();
  const d = fe();
  const e = fe();
  const f = fe();
  for (let i = 0; i < 16; i++) b[i] = x[i];
  a[0] = d[0] = 1;
  let bit = 254; // ladder bits left, then inversion rounds (as bit < 0)
  let inv = 253;
  return {
    step: function () {
      if (bit >= 0) {
        const r = (z[bit >>> 3] >>> (bit & 7)) & 1;
        swap(a, b, r);
        swap(c, d, r);
        add(e, a, c);
        sub(a, a, c);
        add(c, b, d);
        sub(b, b, d);
        mul(d, e, e);
        mul(f, a, a);
        mul(a, c, a);
        mul(c, b, e);
        add(e, a, c);
        sub(a, a, c);
        mul(b, a, a);
        sub(c, d, f);
        mul(a, c, A24);
        add(a, a, d);
        mul(c, c, a);
        mul(a, d, f);
        mul(d, b, x);
        mul(b, e, e);
        swap(a, b, r);
        swap(c, d, r);
        if (--bit < 0) for (let i = 0; i < 16; i++) e[i] = c[i]; // e: c^(p−2) in the making
        return undefined;
      }
      // c^(p−2) = 1/c by square-and-multiply, eight rounds a step
      for (let n = 0; n < 8 && inv >= 0; n++) {
        mul(e, e, e);
        if (inv !== 2 && inv !== 4) mul(e, e, c);
        inv--;
      }
      if (inv >= 0) return undefined;
      mul(a, a, e);
      const out = new Uint8Array(32);
      pack(out, a);
      return out;
    },
  };
}

const BASE = new Uint8Array(32);
BASE[0] = 9;

export function x25519(scalar: Uint8Array, u: Uint8Array): Uint8Array {
  const l = ladder(scalar, u);
  let out: Uint8Array | undefined;
  while (!(out = l.step()));
  return out;
}

export function x25519Base(scalar: Uint8Array): Uint8Array {
  return x25519(scalar, BASE);
}

/** Milliseconds of ladder work per turn of the event loop. */
export const SLICE_MS = 25;

export function x25519Async(scalar: Uint8Array, u: Uint8Array, done: (out: Uint8Array) => void): void {
  const l = ladder(scalar, u);
  function slice(): void {
    const until = Date.now() + SLICE_MS;
    let out: Uint8Array | undefined;
    while (!(out = l.step()) && Date.now() < until);
    if (out) done(out);
    else setTimeout(slice, 0);
  }
  setTimeout(slice, 0);
}
