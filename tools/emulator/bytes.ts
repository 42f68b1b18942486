import { types } from 'node:util';

// Espruino on ESP32 has no Unicode support: every string is a run of 8-bit
// characters. These helpers move text between that model and Node's bytes.

/** The bytes of an 8-bit string (characters above 255 keep their low byte, as on the device). */
export function bytesOf(s: string): Buffer {
  return Buffer.from(s, 'latin1'); // Node's latin1 keeps the low byte of each UTF-16 unit
}

/** An 8-bit string holding exactly these bytes. */
export function stringOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** What the device holds after receiving this text as UTF-8 bytes (an upload, a file on disk). */
export function asDeviceText(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/**
 * Bytes from the "char array" forms Espruino accepts for binary data
 * (Storage.write, E.toString, E.toUint8Array): strings, numbers (one byte),
 * typed arrays, ArrayBuffers, plain arrays of those, and `{data, count}`.
 */
export function flattenBytes(value: unknown, out: number[] = []): number[] {
  if (typeof value === 'string') {
    for (let i = 0; i < value.length; i++) out.push(value.charCodeAt(i) & 255);
  } else if (typeof value === 'number' || typeof value === 'boolean') {
    out.push(Number(value) & 255);
  } else if (ArrayBuffer.isView(value)) {
    // Byte views and DataViews give their bytes; wider typed arrays one byte per element.
    if (isByteView(value)) for (const b of new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) out.push(b);
    else for (const n of Array.from(value as unknown as ArrayLike<number>)) out.push(Number(n) & 255);
  } else if (isArrayBuffer(value)) {
    for (const b of new Uint8Array(value)) out.push(b);
  } else if (Array.isArray(value)) {
    for (const item of value) flattenBytes(item, out);
  } else if (value && typeof value === 'object' && 'data' in value) {
    const { data, count } = value as { data: unknown; count?: unknown };
    const times = typeof count === 'number' ? count : 1;
    for (let i = 0; i < times; i++) flattenBytes(data, out);
  }
  return out;
}

/** flattenBytes as a Buffer, without the per-byte array for the common single string or byte array. */
export function bytesOfData(value: unknown): Buffer {
  if (typeof value === 'string') return bytesOf(value);
  if (ArrayBuffer.isView(value) && isByteView(value)) return Buffer.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  if (isArrayBuffer(value)) return Buffer.from(new Uint8Array(value));
  return Buffer.from(flattenBytes(value));
}

function isByteView(v: ArrayBufferView): boolean {
  return types.isDataView(v) || types.isUint8Array(v) || types.isInt8Array(v) || types.isUint8ClampedArray(v);
}

export function isArrayBuffer(v: unknown): v is ArrayBuffer {
  return types.isArrayBuffer(v); // works across realms, unlike instanceof
}

/** Split received bytes into the pieces the ESP32 network layer hands to JS (536 bytes each). */
export const NET_CHUNK = 536;
export function* chunks(bytes: Buffer, size = NET_CHUNK): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
