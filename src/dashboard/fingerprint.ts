// The project's SHA-256 (src/crypto), bundled into the page: the page cannot count on
// SubtleCrypto, which browsers expose only in secure contexts, and the gateway serves
// plain HTTP on the LAN.
import { sha256 } from '../crypto/sha256';

/**
 * The key fingerprint the admin compares with what the device prints:
 * SHA-256 of the 32 raw public-key bytes (not of the hex text), the first 8
 * bytes of the digest as 16 lowercase hex digits, in 4 groups of 4 joined by
 * ':', e.g. "3b1f:09c2:a7d4:e815" — what the device SDK prints
 * (src/device/fingerprint.ts).
 * Anything that is not 64 hex digits gives "".
 */
export function fingerprint(pubkeyHex: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(pubkeyHex || '')) return '';
  const key = new Uint8Array(32);
  for (let i = 0; i < 32; i++) key[i] = parseInt(pubkeyHex.substr(i * 2, 2), 16);
  const hex = Array.from(sha256(key).subarray(0, 8), (b) => (b < 16 ? '0' : '') + b.toString(16)).join('');
  return hex.replace(/(.{4})(?!$)/g, '$1:');
}
