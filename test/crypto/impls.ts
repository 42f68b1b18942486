// The Crypto implementations every crypto and protocol test runs against:
// the pure-JS fallback, and the native addon built from native/ (loaded via
// src/crypto/node/native.ts). A missing addon is reported by vectors.test.ts.
import type { Crypto } from '../../src/crypto/types.ts';
import { jsCrypto } from '../../src/crypto/node/js.ts';

export interface Impl {
  name: string;
  crypto: Crypto;
}

export const impls: Impl[] = [{ name: 'js', crypto: jsCrypto }];
export let nativeLoadError: unknown;

try {
  const m = await import('../../src/crypto/node/native.ts');
  impls.push({ name: 'native', crypto: m.nativeCrypto });
} catch (e) {
  nativeLoadError = e;
}

export function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

export function toHexStr(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

export function utf8(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'utf8'));
}
