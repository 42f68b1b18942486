// What Espruino 2v29 lacks, as data. Sources: /work/shared/ESPRUINO.md (the
// project's contract) and Espruino's own sources, read where they were
// available: src/jswrap_math.c (Math has abs, acos, asin, atan, atan2, ceil,
// clip, cos, exp, floor, log, max, min, pow, random, round, sign, sin, sqrt,
// tan, wrap — so Math.sign is fine and everything below is missing),
// src/jswrap_promise.c (Promise has all/resolve/reject/then/catch only),
// src/jswrap_regexp.c (see regexp.mjs), src/jswrap_number.c (no EPSILON or
// isInteger in any version read), src/jswrap_error.c. The stored copies of
// those files were not all of 2v29; where they were older, ESPRUINO.md rules.

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
  Number: new Set(['isInteger', 'isSafeInteger', 'EPSILON']),
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
