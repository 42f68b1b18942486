// HMAC (RFC 2104) over any 64-byte-block hash, so the device can pair it with
// Espruino's built-in crypto.SHA256 when that is all the firmware offers.

export type Hash = (data: Uint8Array) => Uint8Array;

export function hmac(hash: Hash, key: Uint8Array, data: Uint8Array): Uint8Array {
  const k = key.length > 64 ? hash(key) : key;
  const inner = new Uint8Array(64 + data.length);
  const outer = new Uint8Array(64 + 32);
  for (let i = 0; i < 64; i++) {
    const b = i < k.length ? k[i] : 0;
    inner[i] = b ^ 0x36;
    outer[i] = b ^ 0x5c;
  }
  inner.set(data, 64);
  outer.set(hash(inner), 64);
  return hash(outer);
}
