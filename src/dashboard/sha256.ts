// SHA-256 (FIPS 180-4) in a few hundred bytes. The page needs it for key
// fingerprints and cannot count on SubtleCrypto: browsers expose
// crypto.subtle only in secure contexts, and the gateway serves plain HTTP on
// the LAN.

const K: number[] = [];
const H0: number[] = [];
// The constants are the fractional parts of the square roots (H0) and cube roots
// (K) of the first 8 / 64 primes, computed here rather than spelled out.
for (let n = 2, c = 0; c < 64; n++) {
  let prime = true;
  for (let d = 2; d * d <= n; d++) if (n % d == 0) prime = false;
  if (prime) {
    if (c < 8) H0[c] = ((n ** 0.5 % 1) * 4294967296) | 0;
    K[c++] = ((n ** (1 / 3) % 1) * 4294967296) | 0;
  }
}

export function sha256(msg: Uint8Array): Uint8Array {
  const bits = msg.length * 8;
  const len = ((msg.length + 72) >> 6) << 6; // message, 0x80, zeros, 64-bit length
  const m = new Uint8Array(len);
  m.set(msg);
  m[msg.length] = 128;
  const dv = new DataView(m.buffer);
  dv.setUint32(len - 8, Math.floor(bits / 4294967296));
  dv.setUint32(len - 4, bits >>> 0);
  const h = H0.slice();
  const w: number[] = [];
  const ror = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let o = 0; o < len; o += 64) {
    let [a, b, c, d, e, f, g, k] = h;
    for (let i = 0; i < 64; i++) {
      if (i < 16) w[i] = dv.getUint32(o + i * 4);
      else {
        const x = w[i - 15];
        const y = w[i - 2];
        w[i] = (w[i - 16] + (ror(x, 7) ^ ror(x, 18) ^ (x >>> 3)) + w[i - 7] + (ror(y, 17) ^ ror(y, 19) ^ (y >>> 10))) | 0;
      }
      const t1 = (k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      const t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      k = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    [a, b, c, d, e, f, g, k].forEach((v, i) => (h[i] = (h[i] + v) | 0));
  }
  const out = new Uint8Array(32);
  const ov = new DataView(out.buffer);
  h.forEach((v, i) => ov.setUint32(i * 4, v));
  return out;
}
