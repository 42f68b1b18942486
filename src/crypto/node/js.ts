// The pure-JS fallback on Node (tests, simulator, Node SDK), seeded from the OS.
import { randomBytes } from 'node:crypto';
import { makeJsCrypto } from '../js';

export const jsCrypto = makeJsCrypto(function (n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
});
