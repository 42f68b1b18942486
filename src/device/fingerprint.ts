// A device key's fingerprint, the text a person compares between what the
// device prints and what the dashboard shows before approving: the first 16
// hex digits of SHA-256(public key bytes), in groups of 4 joined by ':'
// (e.g. "ab12:cd34:ef56:7890").
import { Crypto } from '../crypto/types';
import { toHex } from '../protocol';

export function fingerprint(c: Crypto, publicKey: Uint8Array): string {
  const h = toHex(c.sha256(publicKey));
  return h.substring(0, 4) + ':' + h.substring(4, 8) + ':' + h.substring(8, 12) + ':' + h.substring(12, 16);
}
