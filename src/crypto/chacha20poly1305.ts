// ChaCha20-Poly1305 AEAD (RFC 8439) in plain ES5 arithmetic. Poly1305 works
// on ten 13-bit limbs so every product and sum stays exact in a double.

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

function u32le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

function quarter(x: number[], a: number, b: number, c: number, d: number): void {
  x[a] = (x[a] + x[b]) | 0; x[d] = rotl(x[d] ^ x[a], 16);
  x[c] = (x[c] + x[d]) | 0; x[b] = rotl(x[b] ^ x[c], 12);
  x[a] = (x[a] + x[b]) | 0; x[d] = rotl(x[d] ^ x[a], 8);
  x[c] = (x[c] + x[d]) | 0; x[b] = rotl(x[b] ^ x[c], 7);
}

// The 16-word input of a ChaCha20 block, counter word 12 set by the caller.
function chachaState(key: Uint8Array, nonce: Uint8Array): number[] {
  const s = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];
  for (let i = 0; i < 8; i++) s[4 + i] = u32le(key, i * 4);
  s[12] = 0;
  for (let i = 0; i < 3; i++) s[13 + i] = u32le(nonce, i * 4);
  return s;
}

// One 64-byte keystream block into `out`.
function chachaBlock(s: number[], x: number[], out: Uint8Array): void {
  let i: number;
  for (i = 0; i < 16; i++) x[i] = s[i];
  for (i = 0; i < 10; i++) {
    quarter(x, 0, 4, 8, 12); quarter(x, 1, 5, 9, 13); quarter(x, 2, 6, 10, 14); quarter(x, 3, 7, 11, 15);
    quarter(x, 0, 5, 10, 15); quarter(x, 1, 6, 11, 12); quarter(x, 2, 7, 8, 13); quarter(x, 3, 4, 9, 14);
  }
  for (i = 0; i < 16; i++) {
    const v = (x[i] + s[i]) | 0;
    out[i * 4] = v & 255;
    out[i * 4 + 1] = (v >>> 8) & 255;
    out[i * 4 + 2] = (v >>> 16) & 255;
    out[i * 4 + 3] = v >>> 24;
  }
}

// XOR `data` with the keystream from block counter 1 on (RFC 8439 §2.8).
function chachaXor(s: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  const x: number[] = [];
  const ks = new Uint8Array(64);
  for (let off = 0; off < data.length; off += 64) {
    s[12] = off / 64 + 1;
    chachaBlock(s, x, ks);
    const end = Math.min(64, data.length - off);
    for (let i = 0; i < end; i++) out[off + i] = data[off + i] ^ ks[i];
  }
  return out;
}

// Bits [13*i, 13*i+13) of the little-endian number in `b` (bytes past the end read 0).
function limb(b: Uint8Array, i: number): number {
  const bit = i * 13;
  const j = bit >> 3;
  const v = (b[j] | 0) | ((b[j + 1] | 0) << 8) | ((b[j + 2] | 0) << 16);
  return (v >>> (bit & 7)) & 0x1fff;
}

interface Poly { r: number[]; h: number[]; s: Uint8Array; t: number[] }

function polyInit(key32: Uint8Array): Poly {
  const rb = new Uint8Array(key32.subarray(0, 16));
  rb[3] &= 15; rb[7] &= 15; rb[11] &= 15; rb[15] &= 15;
  rb[4] &= 252; rb[8] &= 252; rb[12] &= 252;
  const r: number[] = [];
  const h: number[] = [];
  for (let i = 0; i < 10; i++) {
    r[i] = limb(rb, i);
    h[i] = 0;
  }
  return { r: r, h: h, s: key32.subarray(16, 32), t: [] };
}

// h = (h + block + 2^128) * r mod (2^130 − 5) for each 16 bytes of `data`, the last
// block zero-padded: exactly the padding the AEAD construction asks for.
function polyPadded(p: Poly, data: Uint8Array): void {
  const h = p.h, r = p.r, t = p.t;
  const blk = new Uint8Array(17);
  for (let off = 0; off < data.length; off += 16) {
    let i: number, j: number, c = 0;
    for (i = 0; i < 16; i++) blk[i] = off + i < data.length ? data[off + i] : 0;
    blk[16] = 1;
    for (i = 0; i < 10; i++) h[i] += limb(blk, i);
    for (i = 0; i < 10; i++) {
      let d = c;
      // 2^130 = 5 (mod p): limbs that wrap past the top come back times 5.
      for (j = 0; j < 10; j++) d += h[j] * (j <= i ? r[i - j] : 5 * r[i + 10 - j]);
      t[i] = d % 8192; // d may pass 2^32: stay in exact double arithmetic
      c = (d - t[i]) / 8192;
    }
    c = c * 5 + t[0];
    t[0] = c & 0x1fff;
    t[1] += (c - t[0]) / 8192;
    for (i = 0; i < 10; i++) h[i] = t[i];
  }
}

function polyFinish(p: Poly): Uint8Array {
  const h = p.h, g: number[] = [];
  let i: number, c: number;
  // Two carry passes leave h below 2^130 in 13-bit limbs (the top carry
  // folds back in as 5 * carry, since 2^130 = 5 mod p).
  for (let pass = 0; pass < 2; pass++) {
    c = 0;
    for (i = 0; i < 10; i++) {
      h[i] += c;
      c = h[i] >>> 13;
      h[i] &= 0x1fff;
    }
    h[0] += c * 5;
  }
  // g = h + 5 - 2^130; keep g when it did not go negative, without branching.
  c = 5;
  for (i = 0; i < 10; i++) {
    g[i] = h[i] + c;
    c = g[i] >>> 13;
    g[i] &= 0x1fff;
  }
  const useG = -c; // all ones when h + 5 reached 2^130
  for (i = 0; i < 10; i++) h[i] = (g[i] & useG) | (h[i] & ~useG);
  // Low 128 bits of h, plus s, little-endian.
  const out = new Uint8Array(16);
  let acc = 0, bits = 0, k = 0;
  for (i = 0; i < 10 && k < 16; i++) {
    acc |= h[i] << bits;
    bits += 13;
    while (bits >= 8 && k < 16) {
      out[k++] = acc & 255;
      acc >>>= 8;
      bits -= 8;
    }
  }
  c = 0;
  for (k = 0; k < 16; k++) {
    c += out[k] + p.s[k];
    out[k] = c;
    c >>>= 8;
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

function tag(s: number[], aad: Uint8Array, ct: Uint8Array): Uint8Array {
  const otk = new Uint8Array(64);
  s[12] = 0;
  chachaBlock(s, [], otk);
  const lens = new Uint8Array(16);
  let a = aad.length, b = ct.length;
  for (let i = 0; i < 4; i++) {
    lens[i] = a & 255;
    lens[8 + i] = b & 255;
    a >>>= 8;
    b >>>= 8;
  }
  return poly1305Padded(otk.subarray(0, 32), [aad, ct, lens]);
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
