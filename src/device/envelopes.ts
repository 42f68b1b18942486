// The device's envelopes with the gateway (docs/protocol.md §5): sealing with
// the next nonce of the keyring (its reserve saved on flash before the nonce
// goes out) and opening with the nonce high-water. The caller moves ring.rx.
import type { Crypto } from '../crypto/types';
import { DEVICE_TO_GATEWAY, GATEWAY_TO_DEVICE, MAX_ENVELOPE_BYTES, nextNonce, openEnvelope, sealEnvelope } from '../protocol';
import type { Opened, Refused, SealParams } from '../protocol';
import type { Keyring } from './keyring';

/** The envelope of `text` for the gateway, or undefined without a session, with nonces used up or over the size limit. */
export function sealToGateway(
  c: Crypto,
  ring: Keyring,
  deviceId: string,
  reserveStep: number,
  save: () => void,
  timestamp: number,
  text: string,
  echo?: string,
): string | undefined {
  const keys = ring.keys;
  if (!keys) return undefined;
  const n = nextNonce(ring.tx, reserveStep);
  if (!n) return undefined;
  ring.tx = n.counter;
  if (n.persist) save();
  const params: SealParams = { direction: DEVICE_TO_GATEWAY, deviceId: deviceId, nonce: n.nonce, timestamp: timestamp, plaintext: text };
  if (echo) params.echo = echo;
  const env = sealEnvelope(c, keys, params);
  return env.length > MAX_ENVELOPE_BYTES ? undefined : env;
}

/** Opens a sealed message from the gateway with the session of `ring` (which must hold keys). */
export function openFromGateway(c: Crypto, ring: Keyring, deviceId: string, payload: string): Opened | Refused {
  const session = { keys: ring.keys!, highNonce: ring.rx };
  return openEnvelope(c, payload, {
    direction: GATEWAY_TO_DEVICE,
    findSession: function (id) {
      return id === deviceId ? session : undefined;
    },
  });
}
