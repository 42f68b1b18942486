// deviceCrypto() picks the native GatewayCrypto module when the firmware has
// it, else the JS fallback (with Espruino's crypto.SHA256 when compiled in),
// and draws randomness from the ESP32 RNG register. The Espruino globals it
// reads (require, peek32) are stood in for here by small Node functions.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deviceCrypto, FALLBACK_MODULE } from '../../src/crypto/espruino.ts';
import { impls, toHexStr, utf8 } from './impls.ts';

const g = globalThis as any;

// The built fallback module (npm test builds dist/ first), served from a
// stand-in Storage and evaluated the way Espruino's Modules.addCached does.
const fallbackSource = readFileSync(new URL('../../dist/gwcrypto-js.js', import.meta.url), 'latin1');
function flash(files: { [name: string]: string }) {
  return { read: (name: string) => (name in files ? files[name] : undefined) };
}

function withGlobals(modules: { [name: string]: unknown }, peeks: number[], fn: () => void): void {
  g.require = (name: string) => {
    if (name in modules) return modules[name];
    throw new Error(`Module ${name} not found`);
  };
  g.Modules = {
    addCached(name: string, source: string) {
      const exports = {};
      new Function('exports', 'module', source)(exports, { exports });
      modules[name] = exports;
    },
  };
  g.peek32 = (addr: number) => {
    assert.is(addr, 0x3ff75144, 'reads RNG_DATA_REG');
    const v = randomBytes(4).readInt32LE(0); // Espruino may hand back a signed value
    peeks.push(v);
    return v;
  };
  const realRandom = Math.random;
  Math.random = () => {
    throw new Error('Math.random must not be used');
  };
  try {
    fn();
  } finally {
    Math.random = realRandom;
    delete g.require;
    delete g.peek32;
    delete g.Modules;
  }
}

const native = impls.find((i) => i.name === 'native');
if (native) {
  test('custom firmware: the GatewayCrypto module itself is returned', () => {
    withGlobals({ GatewayCrypto: native.crypto }, [], () => {
      assert.is(deviceCrypto(), native.crypto);
    });
  });
}

test('stock firmware: JS fallback hashing with the built-in crypto.SHA256', () => {
  let calls = 0;
  const builtin = {
    SHA256(data: Uint8Array): ArrayBuffer {
      calls++;
      const d = createHash('sha256').update(data).digest();
      return d.buffer.slice(d.byteOffset, d.byteOffset + 32);
    },
  };
  withGlobals({ crypto: builtin, Storage: flash({ [FALLBACK_MODULE]: fallbackSource }) }, [], () => {
    const c = deviceCrypto();
    assert.is(toHexStr(c.sha256(utf8('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.is(
      toHexStr(c.hmacSha256(utf8('Jefe'), utf8('what do ya want for nothing?'))),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    assert.ok(calls >= 3, 'built-in SHA256 used');
  });
});

test('stock firmware without crypto: pure JS, random bytes from peek32 only', () => {
  const peeks: number[] = [];
  withGlobals({ Storage: flash({ [FALLBACK_MODULE]: fallbackSource }) }, peeks, () => {
    const c = deviceCrypto();
    const r = c.randomBytes(10);
    assert.is(r.length, 10);
    assert.is(peeks.length, 3, 'one register read per 4 bytes');
    const expect = Buffer.alloc(12);
    peeks.forEach((v, i) => expect.writeInt32LE(v, i * 4));
    assert.is(toHexStr(r), expect.subarray(0, 10).toString('hex'));
    const kp = c.x25519Base(c.randomBytes(32));
    assert.is(kp.length, 32);
    assert.is(toHexStr(c.sha256(utf8('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});


test('stock firmware without the fallback module: a clear error, not a crash later', () => {
  withGlobals({ Storage: flash({}) }, [], () => {
    assert.throws(() => deviceCrypto(), /no GatewayCrypto module.*gwcrypto-js/);
  });
});

test.run();
