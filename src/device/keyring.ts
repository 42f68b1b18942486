// What a device holds across restarts: its X25519 key pair and, once
// approved, the session — the keys derived with the gateway's key
// (docs/protocol.md §3.3), the send counter kept as a reserve on flash
// (§5.2) and the highest nonce accepted from the gateway — and how that is
// saved and read back. Session keys are kept, not derived again: X25519 in
// pure JS takes seconds on an ESP32.
import type { Crypto } from '../crypto/types';
import { fromHex, toHex } from '../protocol/bytes';
import { resumeCounter } from '../protocol/counter';
import type { SendCounter } from '../protocol/counter';
import { newKeyPair } from '../protocol/keys';
import type { SessionKeys } from '../protocol/keys';
import type { SavedState } from './state';

export interface Keyring {
  priv: Uint8Array;
  /** the public key, 64 hex */
  pub: string;
  /** the session keys; undefined before approval and after the session ended */
  keys: SessionKeys | undefined;
  /** the session's gateway public key, 64 hex; "" without a session */
  gw: string;
  /** nonces sent (last) and reserved on flash */
  tx: SendCounter;
  /** the highest nonce accepted from the gateway */
  rx: number;
}

/** A new key pair, no session. */
export function newKeyring(c: Crypto): Keyring {
  const kp = newKeyPair(c);
  return { priv: kp.privateKey, pub: toHex(kp.publicKey), keys: undefined, gw: '', tx: resumeCounter(0), rx: 0 };
}

/** Starts a session (counters from zero) with keys derived for the gateway key `gw`. */
export function beginSession(k: Keyring, keys: SessionKeys, gw: string): void {
  k.keys = keys;
  k.gw = gw;
  k.tx = resumeCounter(0);
  k.rx = 0;
}

export function endSession(k: Keyring): void {
  k.keys = undefined;
  k.gw = '';
  k.tx = resumeCounter(0);
  k.rx = 0;
}

export function toSaved(deviceId: string, k: Keyring): SavedState {
  const s: SavedState = { v: 1, id: deviceId, priv: toHex(k.priv), pub: k.pub, tx: k.tx.reserved, rx: k.rx };
  if (k.keys) {
    s.gw = k.gw;
    s.enc = toHex(k.keys.encKey);
    s.mac = toHex(k.keys.hmacKey);
  }
  return s;
}

/** The keyring of a saved state (checked by readSavedState); sending resumes above the reserve. */
export function fromSaved(s: SavedState): Keyring {
  const k: Keyring = { priv: fromHex(s.priv) as Uint8Array, pub: s.pub, keys: undefined, gw: '', tx: resumeCounter(s.tx), rx: s.rx };
  if (s.gw) {
    k.keys = { encKey: fromHex(s.enc as string) as Uint8Array, hmacKey: fromHex(s.mac as string) as Uint8Array };
    k.gw = s.gw;
  }
  return k;
}
