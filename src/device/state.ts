// What a device keeps across restarts, and the check of what was read back.
// Session keys are kept (not re-derived) because X25519 in pure JS takes
// seconds on an ESP32; the send counter is kept as a reserve (docs/protocol.md §5.2).
import { isHex, isSafeUint } from '../protocol';

export interface SavedState {
  v: 1;
  /** The device id the keys belong to: a state for another id is not used. */
  id: string;
  /** X25519 private and public key, 64 hex each. */
  priv: string;
  pub: string;
  /** Session: gateway public key and derived keys (64 hex each), absent before approval. */
  gw?: string;
  enc?: string;
  mac?: string;
  /** Send-counter reserve: no nonce above it was used; resume from here. */
  tx: number;
  /** Highest gateway nonce accepted when the state was written. */
  rx: number;
}

/** The saved state if `v` is a well-formed one for `deviceId`, else undefined. */
export function readSavedState(read: unknown, deviceId: string): SavedState | undefined {
  if (typeof read !== 'object' || read === null) return undefined;
  const v = read as { [k: string]: unknown };
  if (v.v !== 1 || v.id !== deviceId) return undefined;
  if (!isHex(v.priv, 64) || !isHex(v.pub, 64) || !isSafeUint(v.tx) || !isSafeUint(v.rx)) return undefined;
  const s: SavedState = { v: 1, id: deviceId, priv: v.priv, pub: v.pub, tx: v.tx, rx: v.rx };
  if (isHex(v.gw, 64) && isHex(v.enc, 64) && isHex(v.mac, 64)) {
    s.gw = v.gw;
    s.enc = v.enc;
    s.mac = v.mac;
  }
  return s;
}

/** Where a device keeps its state: Storage on Espruino, a JSON file on Node. */
export interface StateStore {
  /** The last state saved (undefined when none or unreadable); as stored, unchecked. */
  load(): unknown;
  save(state: SavedState): void;
}

/** A store that forgets on exit: for simulated devices run without a state folder. */
export function memoryStore(): StateStore {
  let last: SavedState | undefined;
  return {
    load: function () {
      return last;
    },
    save: function (s) {
      last = s;
    },
  };
}
