// The one crypto surface every part of the project codes against. The native
// module (Espruino library "GatewayCrypto", and the Node addon built from the
// same C) has exactly these names and semantics; the pure-JS fallback too.

/** Bytes for the envelope calls: a Uint8Array, or a byte string (one char per byte). */
export type Bytes = Uint8Array | string;

export interface Crypto {
  /** RFC 7748 X25519: 32-byte scalar (clamped inside), 32-byte u → 32 bytes. */
  x25519(scalar: Uint8Array, u: Uint8Array): Uint8Array;
  /** X25519 with the base point 9: the public key of a private scalar. */
  x25519Base(scalar: Uint8Array): Uint8Array;
  /**
   * X25519 without holding the event loop: the pure-JS version works a slice
   * at a time between other events (it takes seconds on the interpreter);
   * the native one calls `done` at once, before it returns.
   */
  x25519Async(scalar: Uint8Array, u: Uint8Array, done: (out: Uint8Array) => void): void;
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** RFC 8439 AEAD: returns ciphertext ‖ 16-byte tag. */
  aeadSeal(key: Uint8Array, nonce12: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** undefined when the tag does not verify; no plaintext is released then. */
  aeadOpen(key: Uint8Array, nonce12: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined;
  /**
   * docs/protocol.md §5.2 in one call: the envelope's `ciphertext` field, i.e. the
   * padded base64 of AEAD_seal(encKey, u32_be(direction) ‖ u64_be(nonce), aad,
   * plaintext), where `aad` is device_id "\n" nonce "\n" timestamp "\n" echo
   * and names the nonce (its second line, in decimal); a TypeError if not.
   */
  envelopeSeal(encKey: Bytes, direction: number, aad: Bytes, plaintext: Bytes): string;
  /**
   * The inverse: the plaintext as a byte string; undefined when the tag does
   * not verify; null when `ciphertext` is not the canonical base64 of at
   * least 16 bytes.
   */
  envelopeOpen(encKey: Bytes, direction: number, aad: Bytes, ciphertext: string): string | null | undefined;
  /** HMAC-SHA256 as 64 lowercase hex. */
  hmacHex(key: Bytes, data: Bytes): string;
  /** In constant time: whether `mac` is the 64 lowercase hex of HMAC-SHA256(key, data). */
  hmacVerify(key: Bytes, data: Bytes, mac: string): boolean;
  /** Cryptographically strong random bytes (never Math.random / E.hwRand). */
  randomBytes(n: number): Uint8Array;
}
