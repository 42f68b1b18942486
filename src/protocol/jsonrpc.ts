// JSON-RPC 2.0 over byte strings: parse, classify, build. Text stays in the
// byte-string convention (UTF-8 carried as bytes) on Espruino and Node alike.
import { contains, isNum, isObject, isSafeUint, isStr } from './bytes';
import { ECHO_REQUIRED, ECHO_REQUIRED_METHOD } from './constants';

/** Ids this protocol accepts: strings and non-negative safe integers. */
export type RpcId = string | number;

export type RpcKind = 'request' | 'notification' | 'response';

export interface Classified {
  kind: RpcKind;
  /** The method; '' for a response. */
  method: string;
  /** The id; null for a notification (and for an error response to an unreadable request). */
  id: RpcId | null;
}

/** A parsed message that classify() accepted: its fields as the JSON had them. */
export interface RpcMessage {
  jsonrpc: '2.0';
  method?: string;
  id?: RpcId | null;
  /** an object or an array when present */
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export function isRpcId(v: unknown): v is RpcId {
  return isStr(v) || isSafeUint(v);
}

// Own properties only: in Espruino a parsed "__proto__" key becomes the
// prototype, so `in` and `!== undefined` could see an attacker's fields.
const hasOwn = Object.prototype.hasOwnProperty;

function has(o: object, k: string): boolean {
  return hasOwn.call(o, k);
}

// The UTF-8 bytes of code point `cp` (0x80 … 0x10FFFF) as a byte string.
function utf8(cp: number): string {
  if (cp < 0x800) return String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  if (cp < 0x10000) return String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  return String.fromCharCode(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
}

// The value of the four hex digits at `at`, or -1 (a malformed escape stays
// in place for JSON.parse to reject).
function hex4(text: string, at: number): number {
  const h = text.substr(at, 4);
  if (h.length !== 4) return -1;
  for (let i = 0; i < 4; i++) if ('0123456789abcdefABCDEF'.indexOf(h.charAt(i)) < 0) return -1;
  return parseInt(h, 16);
}

// Rewrites \uXXXX escapes of non-ASCII characters as their UTF-8 bytes, so
// "h\u00e9" from an ensure_ascii encoder reads the same as raw "hé" bytes
// (and Espruino, which has no 16-bit chars, is not asked to store one).
function rawNonAscii(text: string): string {
  let out = '';
  let from = 0;
  let i = text.indexOf('\\');
  while (i >= 0 && i < text.length - 1) {
    if (text.charAt(i + 1) !== 'u') {
      i = text.indexOf('\\', i + 2);
      continue;
    }
    let cp = hex4(text, i + 2);
    let len = 6;
    if (cp >= 0xd800 && cp < 0xdc00 && text.substr(i + 6, 2) === '\\u') {
      const lo = hex4(text, i + 8);
      if (lo >= 0xdc00 && lo < 0xe000) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        len = 12;
      }
    }
    // ASCII escapes (quotes, controls) must stay escaped; lone surrogates too.
    if (cp >= 0x80 && (cp < 0xd800 || cp >= 0xe000)) {
      out += text.substring(from, i) + utf8(cp);
      from = i + len;
    }
    i = text.indexOf('\\', i + len);
  }
  return from === 0 ? text : out + text.substring(from);
}

/** JSON.parse of a byte string; undefined (never a throw) when it is not JSON, or names "__proto__" (see protoKey). */
export function parseJson(text: string): unknown {
  if (protoKey(text)) return undefined;
  let t = text.indexOf('\\u') >= 0 ? rawNonAscii(text) : text;
  // Espruino's JSON.parse, failing on text with bytes that are not UTF-8,
  // builds an error as large as 100 KB (the pool is 229 KB): parse those bytes
  // as \u00XX escapes, which give the same 8-bit characters.
  if (HIGH_BYTE.test(t)) t = t.replace(HIGH_BYTES, escapeByte);
  try {
    return JSON.parse(t);
  } catch (e) {
    return undefined;
  }
}

const HIGH_BYTE = /[\x80-\xff]/;
const HIGH_BYTES = /[\x80-\xff]/g;

function escapeByte(c: string): string {
  return '\\u00' + c.charCodeAt(0).toString(16);
}

// JSON escapes of the letters of "__proto__" (_ p r o t).
const PROTO_ESCAPES = '|005f|0070|0072|006f|0074|';

/**
 * true when `text` may hold an object key "__proto__". Espruino's JSON.parse
 * makes that value the object's prototype, and a number there crashes the
 * interpreter at the next lookup of a key the object lacks, so such text is
 * refused before it is parsed: the key written plainly (either quote), or any
 * escape Espruino would read as one of its letters (\u of _ p r o t, and the
 * \x and octal escapes it also takes). A "__proto__" string value is fine.
 */
function protoKey(text: string): boolean {
  let i = text.indexOf('__proto__');
  while (i >= 0 && i + 9 < text.length) {
    let j = i + 10;
    const q = text.charAt(i + 9);
    while (j < text.length && text.charCodeAt(j) <= 32) j++;
    if ((q === '"' || q === "'") && text.charAt(j) === ':') return true;
    i = text.indexOf('__proto__', i + 1);
  }
  i = text.indexOf('\\');
  while (i >= 0) {
    const c = text.charAt(i + 1);
    if (c === 'u' ? contains(PROTO_ESCAPES, '|' + text.substr(i + 2, 4).toLowerCase() + '|') : '"\\/bfnrt'.indexOf(c) < 0) return true;
    i = text.indexOf('\\', i + 2);
  }
  return false;
}

/**
 * JSON.stringify to a byte string. Any \u00XX escape of a byte ≥ 0x80 (which
 * an 8-bit runtime may emit) is turned back into the raw byte, so the UTF-8
 * text a string carries goes out unchanged.
 */
export function stringifyJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (!isStr(text)) return 'null'; // undefined or a function, as JSON would in an array
  if (text.indexOf('\\u00') < 0) return text;
  let out = '';
  let from = 0;
  let i = text.indexOf('\\');
  while (i >= 0 && i < text.length - 1) {
    if (text.charAt(i + 1) === 'u') {
      const b = parseInt(text.substr(i + 2, 4), 16);
      if (b >= 0x80 && b < 0x100) {
        out += text.substring(from, i) + String.fromCharCode(b);
        from = i + 6;
      }
      i = text.indexOf('\\', i + 6);
    } else i = text.indexOf('\\', i + 2);
  }
  return out + text.substring(from);
}

/** The kind, method and id of a JSON-RPC 2.0 message; undefined if it is not one. */
export function classify(m: unknown): Classified | undefined {
  if (!isObject(m) || m.jsonrpc !== '2.0') return undefined;
  if (has(m, 'method')) {
    if (!isStr(m.method) || has(m, 'result') || has(m, 'error')) return undefined;
    if (has(m, 'params') && (typeof m.params !== 'object' || m.params === null)) return undefined;
    if (!has(m, 'id')) return { kind: 'notification', method: m.method, id: null };
    return isRpcId(m.id) ? { kind: 'request', method: m.method, id: m.id } : undefined;
  }
  if (!has(m, 'id') || has(m, 'result') === has(m, 'error')) return undefined;
  if (has(m, 'error')) {
    const e = m.error;
    if (!isObject(e) || !isNum(e.code) || Math.floor(e.code) !== e.code || !isStr(e.message)) {
      return undefined;
    }
    if (m.id === null) return { kind: 'response', method: '', id: null };
  }
  return isRpcId(m.id) ? { kind: 'response', method: '', id: m.id } : undefined;
}

export function requestText(id: RpcId, method: string, params?: unknown): string {
  const m: { [k: string]: unknown } = { jsonrpc: '2.0', method: method, id: id };
  if (params !== undefined) m.params = params;
  return stringifyJson(m);
}

export function notificationText(method: string, params?: unknown): string {
  const m: { [k: string]: unknown } = { jsonrpc: '2.0', method: method };
  if (params !== undefined) m.params = params;
  return stringifyJson(m);
}

export function resultText(id: RpcId, result: unknown): string {
  return stringifyJson({ jsonrpc: '2.0', id: id, result: result === undefined ? null : result });
}

/** An error response; `id` null when the request's id could not be read. */
export function errorText(id: RpcId | null, code: number, message: string, data?: unknown): string {
  const error: { [k: string]: unknown } = { code: code, message: message };
  if (data !== undefined) error.data = data;
  return stringifyJson({ jsonrpc: '2.0', id: id, error: error });
}

/** docs/protocol.md §6: the answer to a request from a session that has not proven freshness. */
export function echoRequiredErrorText(id: RpcId, echoHex: string): string {
  return errorText(id, ECHO_REQUIRED, 'echo required', { echo: echoHex });
}

/** §6: the same for a notification, which cannot get an error response. */
export function echoRequiredNotificationText(echoHex: string): string {
  return notificationText(ECHO_REQUIRED_METHOD, { echo: echoHex });
}
