// What Espruino 2v29 lacks, as data. Sources: Espruino's own sources where
// they were read — src/jswrap_math.c (Math has abs, acos, asin, atan, atan2,
// ceil, clip, cos, exp, floor, log, max, min, pow, random, round, sign, sin,
// sqrt, tan, wrap — so Math.sign is fine and everything below is missing),
// src/jswrap_promise.c (Promise has all/resolve/reject/then/catch only),
// src/jswrap_regexp.c (see regexp.mjs), src/jswrap_number.c (no EPSILON or
// isInteger), src/jswrap_error.c — and what the 2v29 interpreter built for
// this PC (tools/espruino) answers; test/tools/image-check-interpreter.test.ts
// runs the constructs this check rejects on it.

/** Free identifiers that are not globals on the device. */
export const MISSING_GLOBALS = new Set([
  // ES2015+ built-ins
  'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry',
  'Symbol', 'Proxy', 'Reflect', 'BigInt', 'Intl', 'globalThis',
  // error classes that src/jswrap_error.c does not define
  'RangeError', 'EvalError', 'URIError', 'AggregateError', 'SuppressedError',
  // web and Node host objects
  'TextEncoder', 'TextDecoder', 'queueMicrotask', 'structuredClone', 'fetch',
  'Buffer', 'setImmediate', 'window', 'self', 'document',
  'module', 'exports', '__dirname', '__filename',
]);

/**
 * Host globals that UMD wrappers probe to find where to put their exports.
 * Only these may appear in the dead browser branch of a bundled CommonJS
 * module (see the exemption in rules.mjs).
 */
export const UMD_HOST_GLOBALS = new Set(['self', 'window', 'globalThis', 'module', 'exports']);

/** Static members missing from built-ins that do exist. */
export const MISSING_STATICS = {
  Array: new Set(['from', 'of']),
  Number: new Set(['isInteger', 'isSafeInteger', 'isFinite', 'isNaN', 'EPSILON']),
  Math: new Set([
    'trunc', 'log2', 'log10', 'log1p', 'expm1', 'cbrt', 'hypot', 'imul', 'fround', 'clz32',
    'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh',
  ]),
  Object: new Set([
    'freeze', 'seal', 'preventExtensions', 'isFrozen', 'isSealed', 'isExtensible',
    'getOwnPropertySymbols',
  ]),
  Promise: new Set(['race', 'allSettled', 'any']),
  String: new Set(['raw', 'fromCodePoint']),
};

/**
 * Built-in constructors whose `.prototype` holds no methods on the device:
 * Espruino finds a built-in method through the instance, so
 * `Array.prototype.slice` is undefined while `[].slice` works. Members of
 * Object.prototype (below) are reachable through every one of them.
 */
export const METHODLESS_PROTOTYPES = new Set([
  'Object', 'Array', 'String', 'Number', 'Boolean', 'Function', 'RegExp', 'Date', 'Error', 'TypeError',
  'SyntaxError', 'ReferenceError', 'InternalError', 'Promise', 'ArrayBuffer', 'DataView', 'Int8Array',
  'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array',
]);

/** What `Object.prototype` does hold on the device (EventEmitter methods included). */
export const OBJECT_PROTOTYPE_MEMBERS = new Set([
  'toString', 'valueOf', 'hasOwnProperty', 'clone', 'on', 'addListener', 'prependListener', 'emit',
  'removeListener', 'removeAllListeners', '__proto__',
]);

/**
 * Prototype methods missing on the device, keyed by method name. The bundle
 * keeps property names, so a call `x.name(...)` cannot be told from a user
 * method of the same name by looking at it; each entry says when a call is
 * taken to mean the built-in:
 *  - always: names no project code should define (finally, flat, flatMap,
 *    codePointAt);
 *  - normalize: only with no argument or a Unicode form literal ("NFC"...),
 *    as vectors and paths have normalize() methods of their own;
 *  - at: only with one numeric literal argument (`x.at(-1)`), the way the
 *    Array/String method is used; a user `at()` taking a number literal
 *    would need renaming.
 */
export const MISSING_METHODS = {
  finally: { what: 'Promise.prototype.finally', applies: () => true },
  flat: { what: 'Array.prototype.flat', applies: () => true },
  flatMap: { what: 'Array.prototype.flatMap', applies: () => true },
  codePointAt: { what: 'String.prototype.codePointAt', applies: () => true },
  normalize: {
    what: 'String.prototype.normalize',
    applies: (args) =>
      args.length === 0 ||
      (args.length === 1 && args[0].type === 'Literal' && /^NFK?[CD]$/.test(String(args[0].value))),
  },
  at: {
    what: 'Array.prototype.at / String.prototype.at',
    applies: (args) => args.length === 1 && isNumberLiteral(args[0]),
  },
};

function isNumberLiteral(node) {
  if (node.type === 'UnaryExpression' && (node.operator === '-' || node.operator === '+')) {
    return isNumberLiteral(node.argument);
  }
  return node.type === 'Literal' && typeof node.value === 'number';
}
