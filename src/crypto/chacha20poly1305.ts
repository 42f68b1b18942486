// ChaCha20-Poly1305 AEAD (RFC 8439) in plain ES5 arithmetic, shaped for the
// interpreter, where every operator costs about a microsecond: the ChaCha
// double round written out over local variables, the key stream XORed a
// 32-bit word at a time, and Poly1305 in 16-bit limbs whose products
// E.convolve sums in C (the same sums in JS elsewhere; all exact in doubles).
// Word and limb views of byte arrays take the machine's byte order: little
// endian on the ESP32, x86 and ARM.


import { convolve } from './convolve';

function u32le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

// The 16-word input of a ChaCha20 block, counter word 12 set by the caller.
function chachaState(key: Uint8Array, nonce: Uint8Array): Uint32Array {
  const s = new Uint32Array(16);
  s[0] = 0x61707865;
  s[1] = 0x3320646e;
  s[2] = 0x79622d32;
  s[3] = 0x6b206574;
  for (let i = 0; i < 8; i++) s[4 + i] = u32le(key, i * 4);
  for (let i = 0; i < 3; i++) s[13 + i] = u32le(nonce, i * 4);
  return s;
}

// One 64-byte key-stream block (16 little-endian words) into `out`.
function chachaBlock(s: Uint32Array, out: Uint32Array): void {
  let x0 = s[0], x1 = s[1], x2 = s[2], x3 = s[3], x4 = s[4], x5 = s[5], x6 = s[6], x7 = s[7];
  let x8 = s[8], x9 = s[9], x10 = s[10], x11 = s[11], x12 = s[12], x13 = s[13], x14 = s[14], x15 = s[15];
  let t: number;
  for (let i = 0; i < 10; i++) {
    // columns
    x0 = (x0 + x4) | 0; t = x12 ^ x0; x12 = (t << 16) | (t >>> 16);
    x8 = (x8 + x12) | 0; t = x4 ^ x8; x4 = (t << 12) | (t >>> 20);
    x0 = (x0 + x4) | 0; t = x12 ^ x0; x12 = (t << 8) | (t >>> 24);
    x8 = (x8 + x12) | 0; t = x4 ^ x8; x4 = (t << 7) | (t >>> 25);
    x1 = (x1 + x5) | 0; t = x13 ^ x1; x13 = (t << 16) | (t >>> 16);
    x9 = (x9 + x13) | 0; t = x5 ^ x9; x5 = (t << 12) | (t >>> 20);
    x1 = (x1 + x5) | 0; t = x13 ^ x1; x13 = (t << 8) | (t >>> 24);
    x9 = (x9 + x13) | 0; t = x5 ^ x9; x5 = (t << 7) | (t >>> 25);
    x2 = (x2 + x6) | 0; t = x14 ^ x2; x14 = (t << 16) | (t >>> 16);
    x10 = (x10 + x14) | 0; t = x6 ^ x10; x6 = (t << 12) | (t >>> 20);
    x2 = (x2 + x6) | 0; t = x14 ^ x2; x14 = (t << 8) | (t >>> 24);
    x10 = (x10 + x14) | 0; t = x6 ^ x10; x6 = (t << 7) | (t >>> 25);
    x3 = (x3 + x7) | 0; t = x15 ^ x3; x15 = (t << 16) | (t >>> 16);
    x11 = (x11 + x15) | 0; t = x7 ^ x11; x7 = (t << 12) | (t >>> 20);
    x3 = (x3 + x7) | 0; t = x15 ^ x3; x15 = (t << 8) | (t >>> 24);
    x11 = (x11 + x15) | 0; t = x7 ^ x11; x7 = (t << 7) | (t >>> 25);
    // diagonals
    x0 = (x0 + x5) | 0; t = x15 ^ x0; x15 = (t << 16) | (t >>> 16);
    x10 = (x10 + x15) | 0; t = x5 ^ x10; x5 = (t << 12) | (t >>> 20);
    x0 = (x0 + x5) | 0; t = x15 ^ x0; x15 = (t << 8) | (t >>> 24);
    x10 = (x10 + x15) | 0; t = x5 ^ x10; x5 = (t << 7) | (t >>> 25);
    x1 = (x1 + x6) | 0; t = x12 ^ x1; x12 = (t << 16) | (t >>> 16);
    x11 = (x11 + x12) | 0; t = x6 ^ x11; x6 = (t << 12) | (t >>> 20);
    x1 = (x1 + x6) | 0; t = x12 ^ x1; x12 = (t << 8) | (t >>> 24);
    x11 = (x11 + x12) | 0; t = x6 ^ x11; x6 = (t << 7) | (t >>> 25);
    x2 = (x2 + x7) | 0; t = x13 ^ x2; x13 = (t << 16) | (t >>> 16);
    x8 = (x8 + x13) | 0; t = x7 ^ x8; x7 = (t << 12) | (t >>> 20);
    x2 = (x2 + x7) | 0; t = x13 ^ x2; x13 = (t << 8) | (t >>> 24);
    x8 = (x8 + x13) | 0; t = x7 ^ x8; x7 = (t << 7) | (t >>> 25);
    x3 = (x3 + x4) | 0; t = x14 ^ x3; x14 = (t << 16) | (t >>> 16);
    x9 = (x9 + x14) | 0; t = x4 ^ x9; x4 = (t << 12) | (t >>> 20);
    x3 = (x3 + x4) | 0; t = x14 ^ x3; x14 = (t << 8) | (t >>> 24);
    x9 = (x9 + x14) | 0; t = x4 ^ x9; x4 = (t << 7) | (t >>> 25);
  }
  // stores into a Uint32Array keep the low 32 bits of each sum
  out[0] = x0 + s[0]; out[1] = x1 + s[1]; out[2] = x2 + s[2]; out[3] = x3 + s[3];
  out[4] = x4 + s[4]; out[5] = x5 + s[5]; out[6] = x6 + s[6]; out[7] = x7 + s[7];
  out[8] = x8 + s[8]; out[9] = x9 + s[9]; out[10] = x10 + s[10]; out[11] = x11 + s[11];
  out[12] = x12 + s[12]; out[13] = x13 + s[13]; out[14] = x14 + s[14]; out[15] = x15 + s[15];
}

// `data` XOR the key stream from block counter 1 on (RFC 8439 §2.8).
function chachaXor(s: Uint32Array, data: Uint8Array): Uint8Array {
  const n = data.length;
  const out = new Uint8Array(n);
  out.set(data);
  const words = new Uint32Array(out.buffer, 0, n >> 2);
  const ks = new Uint32Array(16);
  let i: number;
  for (let off = 0; off < n; off += 64) {
    s[12] = off / 64 + 1;
    chachaBlock(s, ks);
    const w = off >> 2;
    const end = Math.min(16, words.length - w);
    for (i = 0; i < end; i++) words[w + i] ^= ks[i];
  }
  // the bytes after the last whole word, from the last block
  const ks8 = new Uint8Array(ks.buffer);
  for (i = n & ~3; i < n; i++) out[i] ^= ks8[i & 63];
  return out;
}

// Poly1305 in nine 16-bit limbs h0..h8 (h8 holds the bits from 128 up).
// 2^144 = 2^14 · 2^130 = 5 · 2^14 (mod 2^130 − 5): a product limb past the
// ninth comes back into limb k − 9 times FOLD. With r < 2^124 in eight limbs,
// column k of h·r is Σ_i h_i·R[(i + 17 − k) mod 18] for
// R = [FOLD·r8 … FOLD·r0, r8 … r0] (r8 = 0): one E.convolve per limb.
const FOLD = 81920;

interface Poly {
  R: Float64Array;
  h: Float64Array;
  c: Float64Array;
  s: Uint16Array;
  last: Uint8Array;
}

function polyInit(key32: Uint8Array): Poly {
  const k = new Uint8Array(32);
  k.set(key32);
  k[3] &= 15; k[7] &= 15; k[11] &= 15; k[15] &= 15;
  k[4] &= 252; k[8] &= 252; k[12] &= 252;
  const r = new Uint16Array(k.buffer, 0, 8);
  const R = new Float64Array(18);
  for (let i = 0; i < 8; i++) {
    R[8 - i] = FOLD * r[i];
    R[17 - i] = r[i];
  }
  return { R: R, h: new Float64Array(9), c: new Float64Array(9), s: new Uint16Array(k.buffer, 16, 8), last: new Uint8Array(16) };
}

// Limbs 0..7 into 16 bits, what passes bit 130 folded back (times 5) into limb 0.
function polyCarry(c: Float64Array): void {
  for (let i = 0; i < 8; i++) {
    const q = Math.floor(c[i] / 65536);
    c[i] -= q * 65536;
    c[i + 1] += q;
  }
  const top = Math.floor(c[8] / 4);
  c[8] -= top * 4;
  c[0] += top * 5;
}

// h = (h + block + 2^128) · r for the `count` blocks whose limbs start at m[at].
function polyBlocks(p: Poly, m: Uint16Array, at: number, count: number): void {
  const h = p.h;
  const c = p.c;
  const R = p.R;
  let i: number;
  let k: number;
  for (let b = 0; b < count; b++) {
    for (i = 0; i < 8; i++) h[i] += m[at + 8 * b + i];
    h[8] += 1;
    if (convolve) for (k = 0; k < 9; k++) c[k] = convolve(h, R, 17 - k);
    else
      for (k = 0; k < 9; k++) {
        let v = 0;
        for (i = 0; i < 9; i++) v += h[i] * R[(i + 17 - k) % 18];
        c[k] = v;
      }
    polyCarry(c);
    polyCarry(c);
    h.set(c);
  }
}

// The blocks of `data`, the last one zero-padded: the padding the AEAD construction asks for.
function polyPadded(p: Poly, data: Uint8Array): void {
  const full = data.length >> 4;
  if (full) {
    // a limb view needs an even offset
    const d = data.byteOffset & 1 ? new Uint8Array(data) : data;
    polyBlocks(p, new Uint16Array(d.buffer, d.byteOffset, full * 8), 0, full);
  }
  if (data.length & 15) {
    p.last.fill(0);
    p.last.set(data.subarray(full * 16));
    polyBlocks(p, new Uint16Array(p.last.buffer), 0, 1);
  }
}

function polyFinish(p: Poly): Uint8Array {
  const h = p.h;
  const g = new Float64Array(9);
  let i: number;
  polyCarry(h);
  polyCarry(h);
  // g = h + 5 − 2^130; keep it when it did not go negative, without branching
  let carry = 5;
  for (i = 0; i < 8; i++) {
    const v = h[i] + carry;
    carry = v >> 16;
    g[i] = v & 0xffff;
  }
  const top = h[8] + carry - 4;
  const keep = ~(top >> 31); // all ones when top >= 0, i.e. h >= p
  for (i = 0; i < 8; i++) h[i] = (g[i] & keep) | (h[i] & ~keep);
  // the low 128 bits, plus s
  const out = new Uint8Array(16);
  carry = 0;
  for (i = 0; i < 8; i++) {
    const v = h[i] + p.s[i] + carry;
    out[2 * i] = v & 255;
    out[2 * i + 1] = (v >> 8) & 255;
    carry = v >> 16;
  }
  return out;
}

/**
 * Poly1305 (RFC 8439 §2.5) over `parts`, each zero-padded to 16 bytes: the
 * MAC input layout of the AEAD. Exported so tests can drive the limbs directly.
 */
export function poly1305Padded(key32: Uint8Array, parts: Uint8Array[]): Uint8Array {
  const p = polyInit(key32);
  for (let i = 0; i < parts.length; i++) polyPadded(p, parts[i]);
  return polyFinish(p);
}

function tag(s: Uint32Array, aad: Uint8Array, ct: Uint8Array): Uint8Array {
  const otk = new Uint32Array(16);
  s[12] = 0;
  chachaBlock(s, otk);
  const lens = new Uint8Array(16);
  let a = aad.length;
  let b = ct.length;
  for (let i = 0; i < 4; i++) {
    lens[i] = a & 255;
    lens[8 + i] = b & 255;
    a >>>= 8;
    b >>>= 8;
  }
  return poly1305Padded(new Uint8Array(otk.buffer, 0, 32), [aad, ct, lens]);
}

function checkSizes(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== 32 || nonce.length !== 12) throw new Error('aead: key must be 32 bytes, nonce 12');
}

export function aeadSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  checkSizes(key, nonce);
  const s = chachaState(key, nonce);
  const ct = chachaXor(s, plaintext);
  const out = new Uint8Array(ct.length + 16);
  out.set(ct, 0);
  out.set(tag(s, aad, ct), ct.length);
  return out;
}

/** undefined when the tag does not verify; nothing is decrypted before it does. */
export function aeadOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  checkSizes(key, nonce);
  if (sealed.length < 16) return undefined;
  const s = chachaState(key, nonce);
  const n = sealed.length - 16;
  const ct = sealed.subarray(0, n);
  const expect = tag(s, aad, ct);
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= expect[i] ^ sealed[n + i];
  if (diff !== 0) return undefined;
  return chachaXor(s, ct);
}
