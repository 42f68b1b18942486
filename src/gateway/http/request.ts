// The admin server's HTTP/1.1 request reader, sans I/O: the bytes a client
// has sent so far (8-bit string, as Espruino's sockets deliver them) in, one
// request, one refusal, or "not yet" out. Everything is bounded before it is
// kept: the request head (line + fields), the number of header lines, the URL
// and the body, so a client can never make a connection cost more than
// `head + body` bytes. Only the header fields the server reads are kept; the
// others are checked for form and dropped.

/** A whole request. `headers` holds the lower-case names the server uses. */
export interface HttpRequest {
  method: string;
  /** the path, without the query */
  path: string;
  headers: { [name: string]: string };
  body: string;
  /** the bytes after this request (a WebSocket's first frames) */
  rest: string;
}

/** Why a request is refused: HTTP status, ADMIN-API error word, sentence. */
export interface HttpRefusal {
  status: number;
  code: string;
  message: string;
}

export interface ReaderLimits {
  /** bytes of request line + header fields + the blank line */
  head: number;
  /** bytes of body (Content-Length) */
  body: number;
}

export const MAX_URL = 256;
export const MAX_HEADER_LINES = 40;

// The fields the server looks at. Others are read past and not kept.
const KEPT = '|host|origin|content-length|content-type|transfer-encoding|authorization|cookie|if-none-match|upgrade|connection|sec-websocket-key|sec-websocket-version|';

function refusal(status: number, code: string, message: string): HttpRefusal {
  return { status: status, code: code, message: message };
}

const TOO_LARGE_HEAD = refusal(413, 'too_large', 'Request line or header fields too large.');
const BAD = refusal(400, 'bad_request', 'Malformed HTTP request.');

export function isRefusal(r: HttpRequest | HttpRefusal): r is HttpRefusal {
  return (r as HttpRefusal).status !== undefined;
}

function isUpperWord(s: string, max: number): boolean {
  return s.length > 0 && s.length <= max && /^[A-Z]+$/.test(s);
}

/** Content-Length: 1–9 decimal digits (no sign, no spaces), else -1. */
function contentLength(v: string): number {
  return v.length <= 9 && /^[0-9]+$/.test(v) ? parseInt(v, 10) : -1;
}

/**
 * Parses the head (everything before the blank line, without it). Returns the
 * request without body, or the refusal.
 */
export function parseHead(head: string): HttpRequest | HttpRefusal {
  const lines = head.split('\r\n');
  if (lines.length > MAX_HEADER_LINES + 1) return refusal(413, 'too_large', 'Too many header fields.');
  const first = lines[0].split(' ');
  if (first.length !== 3 || !isUpperWord(first[0], 8) || (first[2] !== 'HTTP/1.1' && first[2] !== 'HTTP/1.0')) return BAD;
  const target = first[1];
  if (target.length > MAX_URL) return refusal(413, 'too_large', 'URL too long.');
  if (target.charAt(0) !== '/') return BAD;
  const headers: { [name: string]: string } = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    // no field name, whitespace in or before it (also obsolete line folding), stray CR/LF
    if (colon < 1 || line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) return BAD;
    const name = line.substr(0, colon).toLowerCase();
    if (name.indexOf(' ') >= 0 || name.indexOf('\t') >= 0) return BAD;
    if (KEPT.indexOf('|' + name + '|') < 0 || name.indexOf('|') >= 0) continue;
    const value = line.substr(colon + 1).trim();
    // a repeated field is one comma-separated value (RFC 9110 §5.3)
    headers[name] = headers.hasOwnProperty(name) ? headers[name] + ', ' + value : value;
  }
  const q = target.indexOf('?');
  return { method: first[0], path: q < 0 ? target : target.substr(0, q), headers: headers, body: '', rest: '' };
}

/**
 * Reads the request at the start of `buf`: the request once it and its whole
 * body are there, a refusal as soon as the bytes so far rule it out, or null
 * while more are needed. Call again with more bytes appended.
 */
export function readRequest(buf: string, lim: ReaderLimits): HttpRequest | HttpRefusal | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0 || end + 4 > lim.head) {
    // no blank line yet: refuse once the head cannot fit any more
    if (end >= 0 || buf.length >= lim.head) return TOO_LARGE_HEAD;
    // a request line that is not one (junk, TLS, a bare LF client) is refused at once
    const sp = buf.indexOf(' ');
    if (buf.length > 0 && (sp === 0 || (sp < 0 ? buf.length > 8 || !/^[A-Z]+$/.test(buf) : !isUpperWord(buf.substr(0, sp), 8)))) return BAD;
    return null;
  }
  const r = parseHead(buf.substr(0, end));
  if (isRefusal(r)) return r;
  if (r.headers['transfer-encoding'] !== undefined) return refusal(400, 'bad_request', 'Send a Content-Length, not chunked.');
  const lenText = r.headers['content-length'];
  const len = lenText === undefined ? 0 : contentLength(lenText);
  if (len < 0) return refusal(400, 'bad_request', 'Bad Content-Length.');
  if (len > lim.body) return refusal(413, 'too_large', 'The body is larger than ' + lim.body + ' bytes.');
  const start = end + 4;
  if (buf.length < start + len) return null;
  r.body = buf.substr(start, len);
  r.rest = buf.substr(start + len);
  return r;
}
