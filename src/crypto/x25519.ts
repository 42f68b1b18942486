// X25519 (RFC 7748) from tweetnacl, the project's chosen pure-JS fallback:
// its scalarMult clamps the scalar and masks the top bit of u as the RFC asks.
// Bundle cost: Rollup's commonjs plugin takes all of nacl-fast (a CommonJS
// object does not tree-shake), about 32 KB minified / 11 KB gzipped. Its
// optional require('crypto') (a Node RNG probe) must not become an
// Object.freeze'd namespace: commonjs({ requireReturnsDefault: true }) makes it
// a plain {}; commonjs({ ignore: ['crypto'] }) keeps a load-time
// require('crypto'), fine only while the firmware has that module.
import nacl from 'tweetnacl';

export function x25519(scalar: Uint8Array, u: Uint8Array): Uint8Array {
  return nacl.scalarMult(scalar, u);
}

export function x25519Base(scalar: Uint8Array): Uint8Array {
  return nacl.scalarMult.base(scalar);
}
