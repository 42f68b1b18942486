// HMAC (RFC 2104) over any 64-byte-block hash, so the device can pair it with
// Espruino's built-in crypto.SHA256 when that is all the firmware offers. The
// key pads are XORed a 32-bit word at a time (a byte loop costs the
// interpreter four times as much; the pad bytes repeat, so byte order does not matter).

export type Hash = (data: Uint8Array) => Uint8Array;

export function hmac(hash: Hash, key: Uint8Array, data: Uint8Array): Uint8Array {
  const k = new Uint8Array(64);
  k.set(key.length > 64 ? hash(key) : key);
  const inner = new Uint8Array(64 + data.length);
  const outer = new Uint8Array(64 + 32);
  const kw = new Uint32Array(k.buffer);
  const iw = new Uint32Array(inner.buffer, 0, 16);
  const ow = new Uint32Array(outer.buffer, 0, 16);
  for (let i = 0; i < 16; i++) {
    iw[i] = kw[i] ^ 0x36363636;
    ow[i] = kw[i] ^ 0x5c5c5c5c;
  }
  inner.set(data, 64);
  outer.set(hash(inner), 64);
  return hash(outer);
}
