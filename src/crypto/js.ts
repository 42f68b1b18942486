// The pure-JS Crypto: used when the firmware has no GatewayCrypto module, and
// on Node by tests and the SDK. Randomness (and optionally a faster SHA-256)
// comes from the platform, so this file stays free of globals.
import { Crypto } from './types';
import { sha256 } from './sha256';
import { hmac, Hash } from './hmac';
import { aeadSeal, aeadOpen } from './chacha20poly1305';
import { envelopeCalls } from './envelope';
import { x25519, x25519Async, x25519Base } from './x25519';

export function makeJsCrypto(randomBytes: (n: number) => Uint8Array, hash?: Hash): Crypto {
  const h = hash || sha256;
  const mac = function (key: Uint8Array, data: Uint8Array): Uint8Array {
    return hmac(h, key, data);
  };
  const env = envelopeCalls(aeadSeal, aeadOpen, mac);
  return {
    x25519: x25519,
    x25519Base: x25519Base,
    x25519Async: x25519Async,
    sha256: h,
    hmacSha256: mac,
    aeadSeal: aeadSeal,
    aeadOpen: aeadOpen,
    envelopeSeal: env.envelopeSeal,
    envelopeOpen: env.envelopeOpen,
    hmacHex: env.hmacHex,
    hmacVerify: env.hmacVerify,
    randomBytes: randomBytes,
  };
}
