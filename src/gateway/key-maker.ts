// The gateway's X25519 work for a new session (docs/protocol.md §3.3): a fresh key
// pair per approval and the shared secret with the device's key. Both go
// through Crypto.x25519Async, so on stock firmware, where pure-JS X25519
// takes seconds, they run a slice at a time and the gateway keeps serving;
// the native module finishes at once. The next key pair is made ahead, in
// the background, so an approval waits for one scalar multiplication, not
// two. Its private half lives only in RAM until it is used, then is dropped.
import type { Crypto } from '../crypto/types';
import { sessionKeysFrom } from '../protocol/keys';
import type { SessionKeys } from '../protocol/keys';

const BASE_POINT = new Uint8Array(32);
BASE_POINT[0] = 9;

export interface NewSessionKeys {
  gatewayPublic: Uint8Array;
  keys: SessionKeys;
}

export interface KeyMaker {
  /** Starts making the next key pair if none is ready or under way. */
  prepare(): void;
  /** A fresh gateway key pair and the keys it shares with `devicePublic`; undefined for a low-order key. */
  make(devicePublic: Uint8Array, done: (k: NewSessionKeys | undefined) => void): void;
}

export function createKeyMaker(crypto: Crypto): KeyMaker {
  let ready: { priv: Uint8Array; pub: Uint8Array } | undefined;
  const waiting: ((priv: Uint8Array, pub: Uint8Array) => void)[] = [];
  let busy = false;

  function prepare(): void {
    if (ready || busy) return;
    busy = true;
    const priv = crypto.randomBytes(32);
    crypto.x25519Async(priv, BASE_POINT, function (pub) {
      busy = false;
      const next = waiting.shift();
      if (next) next(priv, pub);
      else ready = { priv: priv, pub: pub };
    });
  }

  return {
    prepare: prepare,
    make: function (devicePublic, done) {
      const use = function (priv: Uint8Array, pub: Uint8Array): void {
        crypto.x25519Async(priv, devicePublic, function (shared) {
          const keys = sessionKeysFrom(crypto, shared);
          prepare(); // the next pair (or the next waiter's), now this one is done
          done(keys ? { gatewayPublic: pub, keys: keys } : undefined);
        });
      };
      const pair = ready;
      ready = undefined;
      if (pair) return use(pair.priv, pair.pub);
      waiting.push(use);
      prepare();
    },
  };
}
