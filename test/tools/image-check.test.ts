// checkImage() on small bundles: each rule rejects what Espruino cannot run
// and lets through its look-alikes (locals named like globals, properties,
// typeof probes, user methods, ...).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkImage } from '../../tools/image-check/index.mjs';

type Problem = { line: number; column: number; message: string; file: string };

const check = (code: string): Problem[] => checkImage(code, 'dist/test.js');

function clean(code: string): void {
  const problems = check(code);
  assert.equal(problems.map((p) => `${p.line}:${p.column}: ${p.message}`), [], `expected no problems in:\n${code}`);
}

/** Exactly one problem, whose message matches. */
function flags(code: string, message: RegExp): Problem {
  const problems = check(code);
  assert.is(problems.length, 1, `expected one problem in:\n${code}\ngot: ${JSON.stringify(problems, null, 1)}`);
  assert.match(problems[0].message, message);
  return problems[0];
}

// ---------------------------------------------------------------- rule 1
const syntax = suite('image-check: syntax beyond ES5');

syntax('plain ES5 with getters/setters and "use strict" passes', () => {
  clean(`"use strict";
var o = { get a() { return 1; }, set a(v) {}, "default": 2 };
function f(x) { try { return x.catch; } catch (e) { return e; } }
f(o);`);
});

syntax('names each construct, every one of them, with its position', () => {
  const code = [
    'var f = (a) => a;', // 1
    'let x = 1;', // 2
    'const y = `t${x}`;', // 3
    'class C {}', // 4
    'for (var q of [1]) {}', // 5
    'f(...[1]);', // 6
    'function g(a = 1, ...r) { var { b } = a; return [a ** 2, a?.b, a ?? 0, { [r]: 1, b, m() {} }]; }', // 7
    'async function h() { await 1; }', // 8
    'function* k() { yield 1; }', // 9
  ].join('\n');
  const problems = check(code);
  const at = (line: number, what: RegExp) =>
    assert.ok(
      problems.some((p) => p.line === line && what.test(p.message)),
      `line ${line}: ${what} missing from ${JSON.stringify(problems.map((p) => `${p.line}:${p.column} ${p.message}`))}`,
    );
  at(1, /not ES5: arrow function/);
  at(2, /not ES5: `let` declaration/);
  at(3, /not ES5: `const` declaration/);
  at(3, /not ES5: template literal/);
  at(4, /not ES5: class/);
  at(5, /not ES5: for\.\.\.of loop/);
  at(6, /not ES5: spread/);
  at(7, /not ES5: default parameter value/);
  at(7, /not ES5: rest parameter/);
  at(7, /not ES5: destructuring/);
  at(7, /not ES5: exponent operator/);
  at(7, /not ES5: optional chaining/);
  at(7, /not ES5: nullish coalescing/);
  at(7, /not ES5: computed property key/);
  at(7, /not ES5: shorthand property/);
  at(7, /not ES5: method shorthand/);
  at(8, /not ES5: async function/);
  at(9, /not ES5: generator function/);
  const arrow = problems.find((p) => /arrow/.test(p.message))!;
  assert.equal([arrow.line, arrow.column], [1, 9], '1-based column of the arrow function');
});

syntax('a real syntax error is reported at acorn’s position', () => {
  const p = flags('var a = 1;\nvar = 2;', /^syntax error: Unexpected token$/);
  assert.equal([p.line, p.column], [2, 5]);
});

syntax('ES module syntax in the image is reported', () => {
  flags('export var a = 1;', /not ES5: ES module syntax/);
});

// ---------------------------------------------------------------- rule 2
const globals = suite('image-check: globals Espruino lacks');

for (const [code, name] of [
  ['var m = new Map();', 'Map'],
  ['var s = new Set([1]);', 'Set'],
  ['var w = new WeakMap();', 'WeakMap'],
  ['var i = Symbol.iterator;', 'Symbol'],
  ['var p = new Proxy({}, {});', 'Proxy'],
  ['Reflect.construct(F, []);', 'Reflect'],
  ['var b = BigInt(1);', 'BigInt'],
  ['var n = new Intl.NumberFormat();', 'Intl'],
  ['var e = new TextEncoder();', 'TextEncoder'],
  ['queueMicrotask(f);', 'queueMicrotask'],
  ['var c = structuredClone(o);', 'structuredClone'],
  ['fetch("/x");', 'fetch'],
  ['var b = Buffer.from("x");', 'Buffer'],
  ['throw new RangeError("x");', 'RangeError'],
  ['var g = globalThis;', 'globalThis'],
  ['setImmediate(f);', 'setImmediate'],
  ['var c = self.crypto;', 'self'],
  ['window.onload = f;', 'window'],
  ['document.title = "x";', 'document'],
  ['module.exports = {};', 'module'],
  ['exports.a = 1;', 'exports'],
  ['var d = __dirname;', '__dirname'],
  ['var f = __filename;', '__filename'],
] as const) {
  globals(`flags ${name}`, () => {
    flags(code, new RegExp(`^\`${name}\` is not a global in Espruino$`));
  });
}

globals('reports the identifier’s position, 1-based', () => {
  const p = flags('var a = 1;\nvar m = new Map();', /Map/);
  assert.equal([p.line, p.column], [2, 13]);
});

globals('locals, params, catch names and properties named like globals pass', () => {
  clean(`var Map = function () {}; new Map();
function f(Set, Symbol) { return new Set(Symbol); }
try { f(); } catch (Buffer) { Buffer.x = 1; }
var o = { Map: 1, self: 2 }; o.Map = o.self + o.window;
(function (module, exports) { module.exports = exports; })({ exports: {} }, {});
var g = function window() { return window; };`);
});

globals('typeof on an undeclared name, and code it guards, pass', () => {
  clean(`var a = typeof Symbol;
var it = typeof Symbol === "function" && Symbol.iterator;
var c = typeof self !== "undefined" ? (self.crypto || self.msCrypto) : null;
var w = "undefined" == typeof window ? null : window.document;
if (typeof Map !== "undefined") { new Map(); } else { var m = {}; }
if (typeof Set === "undefined") { var s = []; } else { new Set(); }
var e = typeof SuppressedError === "function" ? SuppressedError : function () {};
var t = typeof Reflect < "u" && Reflect.construct;
var n = !(typeof Proxy > "u") && new Proxy({}, {});
function later() { if (typeof Buffer === "function") return function () { return Buffer.from("x"); }; }`);
});

globals('a guard covers only its own branch and name', () => {
  const problems = check(`var c = typeof self !== "undefined" ? 1 : self.crypto;
if (typeof Map === "function") { new Set(); }`);
  assert.equal(
    problems.map((p) => p.message),
    ['`self` is not a global in Espruino', '`Set` is not a global in Espruino'],
  );
});

globals('a reference that is only a truth test still throws, and is reported', () => {
  flags('var hasMap = Map ? 1 : 0;', /`Map` is not a global/);
});

globals('the UMD browser fallback of a bundled CommonJS module passes, raw UMD does not', () => {
  // What @rollup/plugin-commonjs makes of tweetnacl's footer, plain and minified.
  clean(`var naclFast = { exports: {} };
(function (module) { (function (nacl) {})(module.exports ? module.exports : (self.nacl = self.nacl || {})); })(naclFast);`);
  clean('var i={exports:{}};!function(r){!function(n){}((r=i).exports?r.exports:self.nacl=self.nacl||{})}();');
  // The library as published: `module` is a free name that Espruino lacks.
  const problems = check(
    "(function (nacl) {})(typeof module !== 'undefined' && module.exports ? module.exports : (self.nacl = self.nacl || {}));",
  );
  assert.equal(
    problems.map((p) => p.message),
    ['`self` is not a global in Espruino', '`self` is not a global in Espruino'],
  );
});

globals('a polyfill assignment makes the name available', () => {
  clean('if (typeof WeakMap === "undefined") { WeakMap = function () {}; }\nvar w = new WeakMap();');
});

// ---------------------------------------------------------------- rule 3
const members = suite('image-check: members missing from built-ins');

for (const [code, what] of [
  ['var a = Array.from(x);', '`Array.from`'],
  ['var a = Array.of(1);', '`Array.of`'],
  ['var a = Array["from"](x);', '`Array.from`'],
  ['Object.freeze(o);', '`Object.freeze`'],
  ['Object.seal(o);', '`Object.seal`'],
  ['Object.preventExtensions(o);', '`Object.preventExtensions`'],
  ['var s = Object.getOwnPropertySymbols(o);', '`Object.getOwnPropertySymbols`'],
  ['var i = Number.isInteger(n);', '`Number.isInteger`'],
  ['var i = Number.isSafeInteger(n);', '`Number.isSafeInteger`'],
  ['var i = Number.isFinite(n);', '`Number.isFinite`'],
  ['var i = Number.isNaN(n);', '`Number.isNaN`'],
  ['var small = d < Number.EPSILON;', '`Number.EPSILON`'],
  ['var t = Math.trunc(n);', '`Math.trunc`'],
  ['var t = Math.log2(n);', '`Math.log2`'],
  ['var t = Math.cbrt(n);', '`Math.cbrt`'],
  ['var t = Math.hypot(a, b);', '`Math.hypot`'],
  ['var t = Math.imul(a, b);', '`Math.imul`'],
  ['Promise.race([p]);', '`Promise.race`'],
  ['Promise.allSettled([p]);', '`Promise.allSettled`'],
  ['Promise.any([p]);', '`Promise.any`'],
  ['var r = String.raw(s);', '`String.raw`'],
] as const) {
  members(`flags ${what}`, () => {
    flags(code, new RegExp(`^${what.replace(/[.[\]]/g, '\\$&')} is not available in Espruino$`));
  });
}

for (const [code, method] of [
  ['p.then(f).finally(g);', 'finally'],
  ['var f = a.flat();', 'flat'],
  ['var f = a.flatMap(g);', 'flatMap'],
  ['var c = s.codePointAt(0);', 'codePointAt'],
  ['var n = s.normalize();', 'normalize'],
  ['var n = s.normalize("NFC");', 'normalize'],
  ['var l = a.at(-1);', 'at'],
] as const) {
  members(`flags .${method}()`, () => {
    flags(code, new RegExp(`^\`\\.${method}\\(\\)\` \\(.*\\) is not available in Espruino$`));
  });
}

members('supported members, user methods and locals pass', () => {
  clean(`var o = { from: function (x) { return x; }, at: function (t) { return t; } };
o.from(1); o.at(t); v.normalize(scale); path.normalize(p, 1); list.flatten();
var s = Math.sign(-2) + Math.floor(1.5) + Math.round(2);
var k = Object.keys(o).concat(Object.assign({}, o), Array.isArray(o));
Promise.all([Promise.resolve(1), Promise.reject(2)]).then(f).catch(g);
"ab".padStart(3, "0"); [1].includes(1);
function localArray(Array) { return Array.from(1); }`);
});

members('feature tests and their guarded branches pass', () => {
  clean(`var from = Array.from || function (x) { return [].slice.call(x); };
if (Object.freeze) { Object.freeze(o); }
if (!Object.seal) {} else { Object.seal(o); }
var i = typeof Number.isInteger === "function" ? Number.isInteger(n) : n % 1 === 0;
var t = Math.trunc && Math.trunc(n);`);
});

members('a polyfill for a static makes it available', () => {
  clean('if (!Array.from) { Array.from = function (x) { return [].slice.call(x); }; }\nArray.from(a);');
});

for (const [code, what, instead] of [
  ['var s = Array.prototype.slice.call(arguments);', 'Array.prototype.slice', '[].slice'],
  ['var m = Array.prototype["map"];', 'Array.prototype.map', '[].map'],
  ['var c = String.prototype.charAt;', 'String.prototype.charAt', '"".charAt'],
  ['var b = Function.prototype.bind;', 'Function.prototype.bind', '(function(){}).bind'],
  ['var s = Uint8Array.prototype.subarray;', 'Uint8Array.prototype.subarray', ''],
  ['var i = Object.prototype.isPrototypeOf;', 'Object.prototype.isPrototypeOf', ''],
] as const) {
  members(`flags ${what}`, () => {
    const p = flags(code, /built-in prototypes hold no methods there/);
    assert.ok(p.message.startsWith(`\`${what}\` is undefined in Espruino`), p.message);
    if (instead) assert.ok(p.message.includes(`\`${instead}\``), p.message);
  });
}

members('methods from an instance, Object.prototype members, user prototypes and prototype polyfills pass', () => {
  clean(`var s = [].slice.call(arguments), c = "".charAt, p = Array.prototype;
var h = Object.prototype.hasOwnProperty.call(o, "a") && Object.prototype.toString.call(o);
var e = Array.prototype.on, x = Uint8Array.prototype;
function Client() {} Client.prototype.send = function () {}; var send = Client.prototype.send;
if (!Array.prototype.last) { Array.prototype.last = function () { return this[this.length - 1]; }; }
var l = Array.prototype.last;
var f = Array.prototype.fill || function () {}, t = typeof String.prototype.at;
function local(Array) { return Array.prototype.slice; }`);
});

// ---------------------------------------------------------------- rule 4
const regexps = suite('image-check: regular expressions');

for (const [code, message, column] of [
  ['var r = /ab?/;', /`\?` quantifier/, 12],
  ['var r = /a{2,3}/;', /counted repetition `\{2,3\}`/, 11],
  ['var r = /a*?b/;', /lazy quantifier `\*\?`/, 11],
  ['var r = /a+?b/;', /lazy quantifier `\+\?`/, 11],
  ['var r = /a(?=b)/;', /lookahead `\(\?=`/, 11],
  ['var r = /a(?!b)/;', /negative lookahead `\(\?!`/, 11],
  ['var r = /(?:ab)c/;', /non-capturing group/, 10],
  ['var r = /(a)\\1/;', /back-reference `\\1`/, 13],
  ['var r = /(ab)*/;', /quantified group `\)\*`/, 14],
  ['var r = /(ab)+/;', /quantified group `\)\+`/, 14],
  ['var r = /(a|b)c/;', /`\|` inside a group/, 12],
  ['var r = /((a)b)/;', /nested groups/, 11],
  ['var r = /\\bword/;', /word boundary `\\b`/, 10],
  ['var r = /x/m;', /flag `m` is ignored/, 12],
] as const) {
  regexps(`flags ${code}`, () => {
    const p = flags(code, message);
    assert.is(p.column, column, 'points at the offending character');
    assert.match(p.message, /^RegExp \//);
  });
}

regexps('regex syntax ES5 does not have (named groups, lookbehind, u flag) is reported once, by this rule', () => {
  flags('var r = /(?<n>a)/;', /named group/);
  flags('var r = /(?<=a)b/;', /lookbehind/);
  flags('var r = /a/u;', /flag `u` is not supported/);
});

regexps('new RegExp / RegExp with literal arguments is checked', () => {
  flags('var r = new RegExp("a?");', /^RegExp "a\?": `\?` quantifier/);
  flags('var r = RegExp("x", "y");', /flag `y` is not supported/);
  flags('var r = new RegExp("(a)*", "g");', /quantified group/);
});

regexps('Espruino’s subset passes', () => {
  clean(`var a = /^[a-z0-9_-]+$/i;
var b = /\\d+\\.\\d*/g;
var c = /^(\\w+)=(\\w*)$/;
var d = /GET|POST|PUT/;
var e = /[^\\s,]+/g;
var f = /\\x41\\n\\t\\/\\.\\*\\?\\{\\}/;
var g = /a{/;
var h = /[\\b(|)?*+{}]/;
var i = new RegExp(built, "g");
var j = new RegExp("^[0-9a-f]+$", "i");
function k(RegExp) { return new RegExp("a?"); }`);
});

// ---------------------------------------------------------------- rule 5
const hoisting = suite('image-check: names used before their declaration has run');

hoisting('a top-level call before the declaration is reported', () => {
  const p = flags('start();\nfunction start() {}', /^`start\(\)` is called before `function start` \(line 2\) is declared/);
  assert.equal([p.line, p.column], [1, 1]);
});

hoisting('inside a function, the IIFE a bundle is wrapped in, and IIFEs run from there', () => {
  flags('function f() {\n  return g();\n  function g() {}\n}', /`g\(\)` is called before `function g` \(line 3\)/);
  flags('(function () {\n  boot();\n  function boot() {}\n})();', /`boot\(\)` is called before `function boot` \(line 3\)/);
  flags('!function () { var x = (function () { return f(); })(); function f() {} }();', /`f\(\)` is called before/);
  flags('(function () { (function () { g(); }).call(this); function g() {} })();', /`g\(\)` is called before/);
});

hoisting('passing the function, new-ing it, or typeof on it before the declaration is reported too', () => {
  flags('setInterval(tick, 1000);\nfunction tick() {}', /^`tick` is used before `function tick` \(line 2\)/);
  flags('var c = new Client();\nfunction Client() {}', /`Client\(\)` is called before/);
  flags('var t = typeof later;\nfunction later() {}', /`later` is used before `function later`/);
});

hoisting('function uses after the declaration, inside functions run later, or of other bindings pass', () => {
  clean(`function a() { return b(); }
function b() { return 1; }
a();
setTimeout(function () { c(); }, 10);
function c() {}
var d = function () { return e(); };
function e() {}
(function () { function a() {} a(); })();
(function (b) { b(); })(function () {});`);
});

hoisting('a variable used in a function before its `var`: after it, after a return, in a branch that does not run', () => {
  const p = flags('function f() {\n  x = 1;\n  var x;\n}', /^`x` is assigned before `var x` \(line 3\) is sure to have run: .*assigns a global/);
  assert.equal([p.line, p.column], [2, 3]);
  flags('function f() { return y; var y = 1; }', /^`y` is used before `var y` \(line 1\).*reads a global or throws ReferenceError/);
  flags('function f(c) { if (c) { var z = 1; } return z; }', /^`z` is used before `var z`/);
  flags('function f(o) { for (var k in o) { var v = o[k]; } return v; }', /^`v` is used before `var v`/);
  flags('function f(c) { switch (c) { case 1: var w = 1; break; case 2: w = 2; } }', /^`w` is assigned before `var w`/);
  flags('function f() { try { var t = g(); } catch (e) {} return t; }', /^`t` is used before `var t`/);
  flags('function f() { n++; var n = 0; }', /^`n` is used before `var n`/);
});

hoisting('a variable read at top level before its `var` is reported; a write there is the same global', () => {
  flags('var a = b;\nvar b = 1;', /^`b` is used before `var b` \(line 2\)/);
  clean('c = 1;\nvar d = c;\nvar c;');
  // an Espruino module runs its top level as a function: a write goes to a global there
  assert.is(checkImage('e = 1;\nvar e;', 'm.js', { module: true }).length, 1);
});

hoisting('a function called before a `var` or function it uses is declared, directly or through other functions', () => {
  flags('function f() {\n  g();\n  var x = 1;\n  function g() { x = 2; }\n}', /^`g\(\)` is called before `function g`/);
  const p = flags(
    'function f() {\n  function g() { x = 2; }\n  g();\n  var x = 1;\n}',
    /^`g\(\)` runs before `var x` \(line 4\) is sure to have run, and uses `x` \(line 2:18\)/,
  );
  assert.equal([p.line, p.column], [3, 3]);
  flags('function f() {\n  var g = function () { h(); };\n  var h = function () { y = 1; };\n  g();\n  var y;\n}', /^`g\(\)` runs before `var y` \(line 5\) is sure to have run, and uses `y` \(line 3:25\)/);
  flags('function f() { var g; g = function () { return q; }; g.call(null); var q = 1; }', /^`g\(\)` runs before `var q`/);
  flags('function f() { [1].forEach(function () { r = 2; }); var r; }', /^`r` is assigned before `var r`/);
  flags('function k() { return t; }\nvar s = k();\nvar t = 1;', /^`k\(\)` runs before `var t` \(line 3\)/);
});

hoisting('declared first, on every path, as a parameter, a catch name, or only used later: passes', () => {
  clean(`function a(p) { var x; x = p; p = 2; var p; return x; }
function b(c) { if (c) { var y = 1; } else { var y = 2; } return y; }
function d(c) { if (!c) return 0; var z = 1; return z; }
function e(c) { if (c) { return 1; } else { var w = 1; } return w; }
function f() { try { var t = g(); } catch (err) { var t = 0; } return t; }
function g() { for (var i = 0; i < 2; i++) {} for (var k in {}) {} return i + k; }
function h() { do { var v = 1; } while (0); return v; }
function k() { var e = 1; try { e = 2; } catch (e) { e.x = 1; } return typeof u; var u; }
function l() { var m = function () { return n; }; var n = 1; setTimeout(m, 1); [1].map(function () { return n; }); return m(); }
function o() { function p() { return q(); } function q() { return 1; } return p(); }
function r() { var s, t; s = function () { return t; }; t = 1; return s(); }
var u = function fact(n) { return n ? n * fact(n - 1) : 1; };`);
});
// ---------------------------------------------------------------- rule 6
const statements = suite('image-check: statements Espruino does not take');

statements('with, debugger, labels', () => {
  flags('with (o) { x = 1; }', /`with` statement/);
  flags('function f() { debugger; }', /`debugger` statement/);
  flags('outer: for (;;) { break outer; }', /label `outer:`/);
});

statements('a `for(` initialiser that starts with `function`', () => {
  const p = flags('var e, o;\nfor (function (e) { e.x = 1; }(e), o = 0; o < 2; o++) {}', /^`for\(` initialiser starts with `function`/);
  assert.equal([p.line, p.column], [2, 6]);
  clean(`var e, o, i;
for ((function (e) {})(e), o = 0; o < 2; o++) {}
for (!function () {}(), o = 0; o < 2; o++) {}
for (var f = function () {}, j = 0; j < 1; j++) {}
for (i = function () { return 0; }(); i < 1; i++) {}
for (; function () { return 0; }(); ) {}`);
});

statements('assignment to `.length`, also compound and ++/--', () => {
  for (const code of ['a.length = 0;', 'a["length"] = 0;', 'a.length += 1;', 'a.length--;', '++a.length;']) {
    flags(code, /^assignment to `\.length`: Espruino throws "Assignment to a constant"/);
  }
  const p = flags('var a = [1];\na.length = 0;', /length/);
  assert.equal([p.line, p.column], [2, 3]);
  clean('var n = a.length, m = a.length - 1, e = a.length === 0; a.splice(0, a.length); o.len = 1; var length = 2; o[length] = 1;');
});

statements('`return` then a line break then an expression', () => {
  const p = flags('function f() {\n  return\n  1;\n}', /`return` followed by a line break/);
  assert.equal([p.line, p.column], [2, 3]);
  clean('function f() { return; }\nfunction g() {\n  return\n}\nfunction h() { if (a) return /* x */ }');
});

// ---------------------------------------------------------------- all together
const whole = suite('image-check: every problem, in order');

whole('problems of all rules come back together, sorted by position', () => {
  const problems = check(`var r = /a?/;
var m = new Map();
var a = Array.from(m);
go();
function go() { debugger; }`);
  assert.equal(
    problems.map((p) => [p.line, p.column]),
    [
      [1, 11],
      [2, 13],
      [3, 9],
      [4, 1],
      [5, 17],
    ],
  );
  assert.ok(problems.every((p) => p.file === 'dist/test.js'));
});

syntax.run();
globals.run();
members.run();
regexps.run();
hoisting.run();
statements.run();
whole.run();

const moduleImages = suite('module images (Storage modules get exports/module)');
moduleImages('exports is refused in a boot image, allowed in a module', () => {
  const code = 'exports.make=function(){return 1};';
  assert.is(checkImage(code, 'dist/gateway.js').length, 1);
  assert.equal(checkImage(code, 'dist/gwcrypto-js.js', { module: true }), []);
});
moduleImages('a module still may not use what Espruino lacks', () => {
  const problems = checkImage('exports.m=new Map();', 'm.js', { module: true });
  assert.is(problems.length, 1);
  assert.match(problems[0].message, /Map/);
});
moduleImages.run();
