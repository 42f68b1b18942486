// The device's Crypto: the native GatewayCrypto module of the custom firmware
// when it is there, otherwise the pure-JS fallback on stock firmware.
import { Crypto } from './types';
import { Hash } from './hmac';
import type { makeJsCrypto } from './js';

/** What the fallback module exports (src/crypto/fallback-module.ts). */
interface FallbackModule {
  makeJsCrypto: typeof makeJsCrypto;
}

/** Storage file holding the pure-JS fallback (dist/gwcrypto-js.js). */
export const FALLBACK_MODULE = 'gwcrypto-js';

// RNG_DATA_REG of the ESP32 (TRM §25): 32 bits from the hardware generator.
// Not Math.random()/E.hwRand(): on ESP32 those come from a software PRNG
// that is not seeded from hardware, so keys made from them are guessable.
// Caveat: the register only carries true entropy while the Wi-Fi or Bluetooth
// radio is on (or the bootloader's ADC entropy source is enabled); the gateway
// and devices make keys after Wi-Fi is up, and the native module, which calls
// esp_random(), remains the better source.
const RNG_DATA_REG = 0x3ff75144;

function hardwareRandomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 4) {
    const v = peek32(RNG_DATA_REG);
    for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >> (j * 8)) & 255;
  }
  return out;
}

// Espruino's built-in crypto.SHA256 (returns an ArrayBuffer), when compiled in.
function builtinSha256(): Hash | undefined {
  try {
    const c = require('crypto');
    if (c && typeof c.SHA256 === 'function') {
      return function (data: Uint8Array): Uint8Array {
        return new Uint8Array(c.SHA256(data));
      };
    }
  } catch (e) {
    // no crypto module in this firmware
  }
  return undefined;
}

// require() of a module kept in Storage: older firmware does not look there
// by itself, so hand the source to Modules.addCached first.
function storageModule(name: string): unknown {
  try {
    return require(name);
  } catch (e) {
    const source = require('Storage').read(name);
    if (!source) return undefined;
    Modules.addCached(name, source);
    return require(name);
  }
}

export function deviceCrypto(): Crypto {
  try {
    const native = require('GatewayCrypto');
    if (native && typeof native.aeadOpen === 'function') return native;
  } catch (e) {
    // stock firmware: fall through to the pure-JS implementation
  }
  const fallback = storageModule(FALLBACK_MODULE) as FallbackModule | undefined;
  if (!fallback) {
    throw new Error(
      'no crypto: this firmware has no GatewayCrypto module and Storage has no "' +
        FALLBACK_MODULE +
        '" (npm run flash uploads it)',
    );
  }
  return fallback.makeJsCrypto(hardwareRandomBytes, builtinSha256());
}
