// Session keys of docs/protocol.md §3.3, derived the same way on both sides.
import { Crypto } from '../crypto/types';
import { toBytes, isAllZero } from './bytes';
import { ENC_KEY_LABEL, HMAC_KEY_LABEL } from './constants';

export interface SessionKeys {
  encKey: Uint8Array;
  hmacKey: Uint8Array;
}

export interface KeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/** A fresh X25519 key pair from the platform's strong randomness. */
export function newKeyPair(c: Crypto): KeyPair {
  const privateKey = c.randomBytes(32);
  return { privateKey: privateKey, publicKey: c.x25519Base(privateKey) };
}

/**
 * HMAC(label, X25519(own, peer)) for both keys; undefined when the shared
 * secret is all zero, i.e. the peer sent a low-order point.
 */
export function deriveSessionKeys(c: Crypto, ownPrivate: Uint8Array, peerPublic: Uint8Array): SessionKeys | undefined {
  return sessionKeysFrom(c, c.x25519(ownPrivate, peerPublic));
}

/** The keys of a shared secret X25519(own, peer); undefined when it is all zero. */
export function sessionKeysFrom(c: Crypto, shared: Uint8Array): SessionKeys | undefined {
  if (isAllZero(shared)) return undefined;
  return {
    encKey: c.hmacSha256(toBytes(ENC_KEY_LABEL), shared),
    hmacKey: c.hmacSha256(toBytes(HMAC_KEY_LABEL), shared),
  };
}
