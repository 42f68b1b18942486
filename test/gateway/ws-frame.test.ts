// RFC 6455 framing of the gateway's WebSocket server, on 8-bit strings as
// Espruino delivers them: accepted frames, every refusal with its close code,
// and frames split at every byte.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeFrame, frameHeader, readFrame, type Frame } from '../../src/gateway/ws/frame';

const MAX = 4096;

/** A client frame: masked unless told otherwise. */
function clientFrame(op: number, payload: string, o: { fin?: boolean; rsv?: number; masked?: boolean; len127?: boolean } = {}): string {
  const fin = o.fin === false ? 0 : 128;
  const m = o.masked === false ? 0 : 128;
  let s = String.fromCharCode(fin | (o.rsv || 0) | op);
  const n = payload.length;
  if (o.len127) s += String.fromCharCode(m | 127, 0, 0, 0, 0, 0, 0, n >> 8, n & 255);
  else if (n < 126) s += String.fromCharCode(m | n);
  else s += String.fromCharCode(m | 126, n >> 8, n & 255);
  if (!m) return s + payload;
  const key = [0x37, 0xfa, 0x21, 0x3d];
  s += String.fromCharCode(...key);
  for (let i = 0; i < n; i++) s += String.fromCharCode(payload.charCodeAt(i) ^ key[i & 3]);
  return s;
}

test('a masked text frame is unmasked and sized', () => {
  const f = clientFrame(1, '{"jsonrpc":"2.0","id":1,"method":"status"}');
  const r = readFrame(f + 'rest', MAX) as Frame;
  assert.equal(r, { op: 1, data: '{"jsonrpc":"2.0","id":1,"method":"status"}', size: f.length });
});

test('16-bit lengths, 8-bit bytes, and the size limit exactly', () => {
  const payload = Array.from({ length: MAX }, (_, i) => String.fromCharCode(i & 255)).join('');
  const f = clientFrame(1, payload);
  assert.equal((readFrame(f, MAX) as Frame).data, payload);
  assert.is(readFrame(clientFrame(1, payload + 'x'), MAX), 1009);
});

test('a frame split anywhere needs more bytes until it is whole', () => {
  const f = clientFrame(1, 'x'.repeat(300));
  for (let i = 0; i < f.length; i++) assert.is(readFrame(f.slice(0, i), MAX), null, `prefix ${i}`);
  assert.is((readFrame(f, MAX) as Frame).size, f.length);
});

test('an oversized frame is refused from its header alone', () => {
  assert.is(readFrame(clientFrame(1, 'y'.repeat(5000)).slice(0, 4), MAX), 1009);
  assert.is(readFrame(clientFrame(1, 'z', { len127: true }), MAX), 1009);
});

test('ping, pong and close are accepted with their payload', () => {
  assert.equal(readFrame(clientFrame(9, 'hi'), MAX), { op: 9, data: 'hi', size: 8 });
  assert.equal((readFrame(clientFrame(10, ''), MAX) as Frame).op, 10);
  assert.equal((readFrame(clientFrame(8, '\x03\xe8'), MAX) as Frame).data, '\x03\xe8');
});

test('refusals carry the close code the server sends', () => {
  assert.is(readFrame(clientFrame(1, 'a', { masked: false }), MAX), 1002, 'unmasked');
  assert.is(readFrame(clientFrame(1, 'a', { rsv: 64 }), MAX), 1002, 'RSV1 without an extension');
  assert.is(readFrame(clientFrame(2, 'a'), MAX), 1003, 'binary');
  assert.is(readFrame(clientFrame(1, 'a', { fin: false }), MAX), 1003, 'first fragment');
  assert.is(readFrame(clientFrame(0, 'a'), MAX), 1002, 'continuation');
  for (const op of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) assert.is(readFrame(clientFrame(op, ''), MAX), 1002, `opcode ${op}`);
  assert.is(readFrame(clientFrame(9, 'p'.repeat(126)), MAX), 1002, 'long ping');
  assert.is(readFrame(clientFrame(9, 'p', { fin: false }), MAX), 1002, 'fragmented ping');
});

test('server frames: header sizes and a close frame', () => {
  assert.is(frameHeader(1, 5), '\x81\x05');
  assert.is(frameHeader(1, 126), '\x81\x7e\x00\x7e');
  assert.is(frameHeader(1, 65535), '\x81\x7e\xff\xff');
  assert.is(frameHeader(1, 65536), '\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00');
  assert.is(closeFrame(4401, 'session'), '\x88\x09\x11\x31session');
});

test.run();
