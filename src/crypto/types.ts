// The one crypto surface every part of the project codes against. The native
// module (Espruino library "GatewayCrypto", and the Node addon built from the
// same C) has exactly these names and semantics; the pure-JS fallback too.
export interface Crypto {
  /** RFC 7748 X25519: 32-byte scalar (clamped inside), 32-byte u → 32 bytes. */
  x25519(scalar: Uint8Array, u: Uint8Array): Uint8Array;
  /** X25519 with the base point 9: the public key of a private scalar. */
  x25519Base(scalar: Uint8Array): Uint8Array;
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** RFC 8439 AEAD: returns ciphertext ‖ 16-byte tag. */
  aeadSeal(key: Uint8Array, nonce12: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** undefined when the tag does not verify; no plaintext is released then. */
  aeadOpen(key: Uint8Array, nonce12: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined;
  /** Cryptographically strong random bytes (never Math.random / E.hwRand). */
  randomBytes(n: number): Uint8Array;
}
