// Code run inside each fresh context before the program: it removes what
// Espruino 2v29 lacks and adds what it has that V8 does not (EventEmitter
// methods on every object, InternalError, byte-string semantics, the
// device clock in Date). It is plain ES5 run in the device realm, so every
// object it makes belongs to the device. `host` is the emulator's bridge and
// is only reachable from these closures.
import { MISSING_GLOBALS, MISSING_METHODS, MISSING_STATICS } from '../image-check/espruino-gaps.mjs';

/** "Array.prototype.flat" → ["Array", "flat"], from the image check's data. */
function prototypeMethods(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const entry of Object.values(MISSING_METHODS) as Array<{ what: string }>) {
    for (const m of entry.what.matchAll(/(\w+)\.prototype\.(\w+)/g)) out.push([m[1], m[2]]);
  }
  return out;
}

export interface PreludeHost {
  /** Queue the listeners of `event` on `target` (Espruino's emit is asynchronous). */
  queue(target: object, listeners: unknown, args: unknown[]): void;
  /** A 'data' listener was added: hand over data buffered while there was none. */
  dataListenerAdded(target: object): void;
  nowMs(): number;
  random(): number;
  /** Throws when the pattern is outside Espruino's RegExp subset. */
  checkRegExp(source: string, flags: string): void;
}

export function preludeSource(): string {
  const globals = JSON.stringify([...MISSING_GLOBALS, 'globalThis', 'BigInt64Array', 'BigUint64Array', 'SharedArrayBuffer',
    'Atomics', 'WebAssembly', 'escape', 'unescape']);
  const statics = JSON.stringify(Object.fromEntries(Object.entries(MISSING_STATICS).map(([k, v]) => [k, [...(v as Set<string>)]])));
  const methods = JSON.stringify(prototypeMethods());
  return `(function (host) {
  var g = this;
  function hidden(o, k, v) {
    Object.defineProperty(o, k, { value: v, writable: true, configurable: true, enumerable: false });
  }

  // --- EventEmitter on every object: listeners live in hidden "#on<event>" properties
  function key(ev) { return '#on' + ev; }
  function own(o, k) { return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined; }
  function addListener(ev, fn, first) {
    var k = key(ev), cur = own(this, k);
    if (cur === undefined) hidden(this, k, fn);
    else if (Array.isArray(cur)) { if (first) cur.unshift(fn); else cur.push(fn); }
    else hidden(this, k, first ? [fn, cur] : [cur, fn]);
    if (ev === 'data') host.dataListenerAdded(this);
  }
  hidden(Object.prototype, 'on', function (ev, fn) { addListener.call(this, ev, fn, false); });
  hidden(Object.prototype, 'addListener', function (ev, fn) { addListener.call(this, ev, fn, false); });
  hidden(Object.prototype, 'prependListener', function (ev, fn) { addListener.call(this, ev, fn, true); });
  hidden(Object.prototype, 'emit', function (ev) {
    var args = Array.prototype.slice.call(arguments, 1, 5);
    var listeners = own(this, key(ev));
    if (listeners !== undefined) host.queue(this, Array.isArray(listeners) ? listeners.slice() : listeners, args);
  });
  hidden(Object.prototype, 'removeListener', function (ev, fn) {
    var k = key(ev), cur = own(this, k);
    if (cur === fn) delete this[k];
    else if (Array.isArray(cur)) {
      var i = cur.indexOf(fn);
      if (i >= 0) cur.splice(i, 1);
      if (cur.length === 0) delete this[k];
    }
  });
  hidden(Object.prototype, 'removeAllListeners', function (ev) {
    if (ev !== undefined) { delete this[key(ev)]; return; }
    var names = Object.getOwnPropertyNames(this);
    for (var i = 0; i < names.length; i++) if (names[i].indexOf('#on') === 0) delete this[names[i]];
  });

  // --- Espruino's error types: no RangeError/EvalError/URIError, an extra InternalError
  function InternalError(message) {
    if (!(this instanceof InternalError)) return new InternalError(message);
    this.message = message === undefined ? '' : String(message);
  }
  InternalError.prototype = Object.create(Error.prototype);
  hidden(InternalError.prototype, 'constructor', InternalError);
  hidden(InternalError.prototype, 'name', 'InternalError');
  hidden(g, 'InternalError', InternalError);

  // --- Date on the device clock (set by setTime/SNTP, not the host's)
  var RealDate = Date;
  function DeviceDate(a) {
    if (!(this instanceof DeviceDate)) return new RealDate(host.nowMs()).toString();
    if (arguments.length === 0) return new RealDate(host.nowMs());
    var args = [null];
    for (var i = 0; i < arguments.length; i++) args.push(arguments[i]);
    return new (Function.prototype.bind.apply(RealDate, args))();
  }
  DeviceDate.prototype = RealDate.prototype;
  DeviceDate.now = function () { return host.nowMs(); };
  DeviceDate.parse = RealDate.parse;
  DeviceDate.UTC = RealDate.UTC;
  hidden(g, 'Date', DeviceDate);

  // --- the software PRNG behind Math.random / E.hwRand (not seeded from hardware)
  hidden(Math, 'random', function () { return host.random(); });

  // --- 8-bit strings
  var fromCharCode = String.fromCharCode;
  hidden(String, 'fromCharCode', function () {
    var a = [];
    for (var i = 0; i < arguments.length; i++) a.push(arguments[i] & 255);
    return fromCharCode.apply(String, a);
  });
  var UNRESERVED = /[A-Za-z0-9_.!~*'()-]/;
  hidden(g, 'encodeURIComponent', function (s) {
    s = String(s);
    var out = '';
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i) & 255;
      out += UNRESERVED.test(s[i]) && c < 128 ? s[i] : '%' + (c < 16 ? '0' : '') + c.toString(16).toUpperCase();
    }
    return out;
  });
  hidden(g, 'decodeURIComponent', function (s) {
    s = String(s);
    var out = '';
    for (var i = 0; i < s.length; i++) {
      if (s[i] !== '%') { out += s[i]; continue; }
      var h = s.substr(i + 1, 2);
      if (!/^[0-9a-fA-F][0-9a-fA-F]$/.test(h)) throw new Error('Invalid URI');
      out += fromCharCode(parseInt(h, 16));
      i += 2;
    }
    return out;
  });

  // --- RegExp: only Espruino's small matcher's subset is accepted
  var RealRegExp = RegExp;
  function DeviceRegExp(pattern, flags) {
    var isRe = pattern instanceof RealRegExp;
    var src = isRe ? pattern.source : String(pattern);
    var f = flags === undefined ? (isRe ? pattern.flags : '') : String(flags);
    host.checkRegExp(src, f);
    return new RealRegExp(src, f);
  }
  DeviceRegExp.prototype = RealRegExp.prototype;
  hidden(g, 'RegExp', DeviceRegExp);

  // --- what the firmware does not have
  var missingGlobals = ${globals};
  for (var i = 0; i < missingGlobals.length; i++) delete g[missingGlobals[i]];
  var statics = ${statics};
  for (var owner in statics) for (var j = 0; j < statics[owner].length; j++) delete g[owner][statics[owner][j]];
  var methods = ${methods};
  for (var m = 0; m < methods.length; m++) if (g[methods[m][0]]) delete g[methods[m][0]].prototype[methods[m][1]];
  hidden(g, 'global', g);
})`;
}
