// RFC 6455 framing for the gateway's WebSocket server, sans I/O, on 8-bit
// strings (Espruino's socket data). Only what an admin browser needs: whole
// masked text frames, ping/pong and close. Everything else is refused with the
// close code the server sends back.

/** A frame the server accepts: text (1), close (8), ping (9) or pong (10). */
export interface Frame {
  op: number;
  /** Unmasked payload. */
  data: string;
  /** Bytes of the buffer this frame used. */
  size: number;
}

/**
 * Reads the frame at the start of `buf`: a Frame, `null` while more bytes are
 * needed, or the close code to refuse it with:
 * 1002 protocol error (unmasked, RSV bits, bad control frame, unknown opcode,
 *      a continuation frame, 64-bit length);
 * 1003 unsupported data (binary frames, fragmented messages: a text frame
 *      without FIN — we never reassemble);
 * 1009 too big (payload over `max`, decided from the header alone).
 */
export function readFrame(buf: string, max: number): Frame | number | null {
  if (buf.length < 2) return null;
  const b0 = buf.charCodeAt(0);
  const b1 = buf.charCodeAt(1);
  const op = b0 & 15;
  const fin = b0 & 128;
  if (b0 & 112 || !(b1 & 128)) return 1002; // no extensions; clients must mask
  if (op === 2 || (op === 1 && !fin)) return 1003;
  if (op !== 1 && op !== 8 && op !== 9 && op !== 10) return 1002;
  let len = b1 & 127;
  let off = 2;
  if (len === 126) {
    if (buf.length < 4) return null;
    len = (buf.charCodeAt(2) << 8) | buf.charCodeAt(3);
    off = 4;
  } else if (len === 127) return 1009;
  if (op > 7 && (len > 125 || !fin)) return 1002;
  if (len > max) return 1009;
  if (buf.length < off + 4 + len) return null;
  let data = '';
  for (let i = 0; i < len; i++) data += String.fromCharCode(buf.charCodeAt(off + 4 + i) ^ buf.charCodeAt(off + (i & 3)));
  return { op: op, data: data, size: off + 4 + len };
}

/** Header of an unmasked server frame (FIN set) carrying `len` payload bytes. */
export function frameHeader(op: number, len: number): string {
  const c = String.fromCharCode;
  if (len < 126) return c(128 | op, len);
  if (len < 65536) return c(128 | op, 126, len >> 8, len & 255);
  return c(128 | op, 127, 0, 0, 0, 0, (len >> 24) & 255, (len >> 16) & 255, (len >> 8) & 255, len & 255);
}

/** A whole close frame with a status code and a short ASCII reason. */
export function closeFrame(code: number, reason: string): string {
  return frameHeader(8, 2 + reason.length) + String.fromCharCode(code >> 8, code & 255) + reason;
}
