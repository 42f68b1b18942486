// The envelope calls of the Crypto interface (docs/protocol.md §5.2) built on the
// primitives, for the pure-JS Crypto: GatewayCrypto does each in one C call.
// The byte conversions go through the interpreter's own loops (atob, btoa,
// E.toUint8Array, E.toString) where it has them.
import type { Bytes } from './types';
import { decimal, fromBase64, fromBytes, isHex, isSafeUint, putU64, toBytes } from '../protocol/bytes';

type Aead = (key: Uint8Array, nonce12: Uint8Array, aad: Uint8Array, data: Uint8Array) => Uint8Array | undefined;
type Mac = (key: Uint8Array, data: Uint8Array) => Uint8Array;

/** u32_be(direction) ‖ u64_be(nonce); a TypeError for anything but whole numbers in range. */
export function envelopeNonce(direction: number, nonce: number): Uint8Array {
  if (!isSafeUint(direction) || direction > 0xffffffff || !isSafeUint(nonce)) {
    throw new TypeError('envelope: direction must be a u32 and nonce a whole number from 0 to 2^53-1');
  }
  const n = new Uint8Array(12); // stores keep the low 8 bits
  n[0] = direction >>> 24;
  n[1] = direction >>> 16;
  n[2] = direction >>> 8;
  n[3] = direction;
  putU64(n, 4, nonce);
  return n;
}

function bytes(b: Bytes): Uint8Array {
  return typeof b === 'string' ? toBytes(b) : b;
}

const DIGITS = /^[0-9]+$/;

/**
 * The nonce an envelope's AAD (device_id "\n" nonce "\n" timestamp "\n" echo)
 * names: its second line, as decimal() writes it; a TypeError when there is
 * none. The same reading as envelope_aad_nonce in native/envelope.c.
 */
export function aadNonce(aad: Bytes): number {
  const s = typeof aad === 'string' ? aad : fromBytes(aad);
  const from = s.indexOf('\n') + 1;
  const to = from ? s.indexOf('\n', from) : -1;
  const d = to < 0 ? '' : s.substring(from, to);
  const n = Number(d);
  if (!DIGITS.test(d) || !isSafeUint(n) || decimal(n) !== d) {
    throw new TypeError('envelope: aad must be device_id, nonce, timestamp and echo, each line ended by a newline');
  }
  return n;
}

// A MAC as hex and back a 32-bit word at a time (eight steps, not 32): the
// words of the bytes, big-endian, against 8 hex digits each.
function macHex(mac: Uint8Array): string {
  const words = new DataView(mac.buffer, mac.byteOffset, 32);
  let s = '';
  for (let i = 0; i < 32; i += 4) s += (0x100000000 + words.getUint32(i)).toString(16).substr(1);
  return s;
}

/** `hex` (64 lowercase hex digits, checked) against `mac`, every word looked at. */
function macEquals(mac: Uint8Array, hex: string): boolean {
  const words = new DataView(mac.buffer, mac.byteOffset, 32);
  let diff = 0;
  for (let i = 0; i < 8; i++) diff |= words.getUint32(i * 4) ^ parseInt(hex.substr(i * 8, 8), 16);
  return diff === 0;
}

export interface EnvelopeCalls {
  envelopeSeal(encKey: Bytes, direction: number, aad: Bytes, plaintext: Bytes): string;
  envelopeOpen(encKey: Bytes, direction: number, aad: Bytes, ciphertext: string): string | null | undefined;
  hmacHex(key: Bytes, data: Bytes): string;
  hmacVerify(key: Bytes, data: Bytes, mac: string): boolean;
}

export function envelopeCalls(seal: Aead, open: Aead, mac: Mac): EnvelopeCalls {
  return {
    envelopeSeal: function (encKey, direction, aad, plaintext) {
      const n = envelopeNonce(direction, aadNonce(aad));
      return btoa(fromBytes(seal(bytes(encKey), n, bytes(aad), bytes(plaintext)) as Uint8Array));
    },
    envelopeOpen: function (encKey, direction, aad, ciphertext) {
      const n = envelopeNonce(direction, aadNonce(aad));
      const sealed = fromBase64(ciphertext);
      if (!sealed || sealed.length < 16) return null;
      const plain = open(bytes(encKey), n, bytes(aad), sealed);
      return plain ? fromBytes(plain) : undefined;
    },
    hmacHex: function (key, data) {
      return macHex(mac(bytes(key), bytes(data)));
    },
    hmacVerify: function (key, data, m) {
      const expected = mac(bytes(key), bytes(data));
      return isHex(m, 64) && macEquals(expected, m);
    },
  };
}
