// How Espruino prints values: print()/console.log show strings raw and
// everything else in its JSON-like form; the REPL shows `=value` with keys
// unquoted where they are identifiers (JSON_DROP_QUOTES).

import { types } from 'node:util';

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const MAX_ITEMS = 100; // JSON_LIMIT: long arrays and objects are cut short

function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 32 || c === 127) out += '\\x' + c.toString(16).toUpperCase().padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

function tagOf(v: object): string {
  return Object.prototype.toString.call(v).slice(8, -1);
}

function formatNested(v: unknown, dropQuotes: boolean, seen: Set<object>): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return quote(v);
    case 'number':
    case 'boolean':
      return String(v);
    case 'function': {
      const src = Function.prototype.toString.call(v);
      return src.startsWith('class') ? src : src.replace(/^function\s*[\w$]*\s*\(/, 'function (');
    }
    case 'object':
      break;
    default:
      return String(v);
  }
  const obj = v as object;
  if (seen.has(obj)) return '...';
  const tag = tagOf(obj);
  if (types.isTypedArray(obj)) {
    const items = Array.from(obj as unknown as ArrayLike<number>).slice(0, MAX_ITEMS);
    return `new ${tag}([${items.join(', ')}])`;
  }
  if (types.isArrayBuffer(obj)) return `new Uint8Array([${Array.from(new Uint8Array(obj as ArrayBuffer)).join(', ')}]).buffer`;
  if (tag === 'Date' || tag === 'RegExp' || isErrorLike(obj)) return String(obj);
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      if (obj.length === 0) return '[ ]';
      const parts = obj.slice(0, MAX_ITEMS).map((x) => formatNested(x, dropQuotes, seen));
      if (obj.length > MAX_ITEMS) parts.push('...');
      return `[ ${parts.join(', ')} ]`;
    }
    const keys = Object.keys(obj);
    if (keys.length === 0) return '{ }';
    const parts = keys.slice(0, MAX_ITEMS).map((k) => {
      const name = dropQuotes && IDENT.test(k) ? k : quote(k);
      return `${name}: ${formatNested((obj as Record<string, unknown>)[k], dropQuotes, seen)}`;
    });
    if (keys.length > MAX_ITEMS) parts.push('...');
    return `{ ${parts.join(', ')} }`;
  } catch {
    return '{ }';
  } finally {
    seen.delete(obj);
  }
}

/** An Error of any realm, InternalError included: printed as "Name: message". */
function isErrorLike(o: object): boolean {
  const name = (o as { name?: unknown }).name;
  return tagOf(o) === 'Error' || (typeof name === 'string' && /Error$/.test(name) && 'message' in o);
}

/** One argument of print()/console.log. */
export function formatForPrint(v: unknown): string {
  return typeof v === 'string' ? v : formatNested(v, false, new Set());
}

/** The value after `=` in the REPL. */
export function formatForRepl(v: unknown): string {
  return formatNested(v, true, new Set());
}

/** An exception as Espruino reports it: `Uncaught Error: message`. */
export function formatUncaught(e: unknown): string {
  if (e && typeof e === 'object' && isErrorLike(e)) {
    const err = e as Error;
    const where = deviceLocation(err.stack);
    return `Uncaught ${err.name}: ${err.message}${where ? `\n at ${where}` : ''}`;
  }
  return `Uncaught ${formatNested(e, false, new Set())}`;
}

/** "line L col C" of the first stack frame inside device code, if any. */
function deviceLocation(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  const m = /espruino:[^:]*:(\d+):(\d+)/.exec(stack);
  return m ? `line ${m[1]} col ${m[2]}` : undefined;
}
