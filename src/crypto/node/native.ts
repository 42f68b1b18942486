// The Node addon built from native/ (the same C the custom Espruino firmware
// links as the GatewayCrypto library), typed as the project's Crypto surface.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Crypto } from '../types';

const METHODS = [
  'x25519', 'x25519Base', 'x25519Async', 'sha256', 'hmacSha256', 'aeadSeal', 'aeadOpen',
  'envelopeSeal', 'envelopeOpen', 'hmacHex', 'hmacVerify', 'randomBytes',
] as const;

/** Where `npm ci` (its install script) and `npm run build:native` put the addon. */
export const nativeAddonPath = fileURLToPath(
  new URL('../../../native/build/Release/gateway_crypto.node', import.meta.url),
);

function loadAddon(): Crypto {
  if (!existsSync(nativeAddonPath)) {
    throw new Error(
      `native crypto addon not built: ${nativeAddonPath} is missing. ` +
        'Run `npm ci` (its install step builds it) or `npm run build:native`.',
    );
  }
  const addon = createRequire(import.meta.url)(nativeAddonPath) as Record<string, unknown>;
  const missing = METHODS.filter((m) => typeof addon[m] !== 'function');
  if (missing.length > 0) {
    throw new Error(
      `native crypto addon at ${nativeAddonPath} lacks ${missing.join(', ')}: ` +
        'it is stale, run `npm run build:native`.',
    );
  }
  return addon as unknown as Crypto;
}

export const nativeCrypto: Crypto = loadAddon();
