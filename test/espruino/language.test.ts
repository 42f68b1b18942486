// The JavaScript Espruino 2v29 runs, on the real interpreter: what the images
// may contain (the subset, tools/image-check's lists) and the quirks the
// bundle must avoid (rollup.config.mjs's terser options, src/ conventions).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Interpreter } from '../../tools/espruino/interpreter.ts';
import { errorOf, startBoard } from './board.ts';

const test = suite<{ it: Interpreter }>('the language', {} as { it: Interpreter });
test.before(async (ctx) => {
  ctx.it = await startBoard();
});
test.after(async (ctx) => {
  await ctx.it.stop();
});

test('the ES2015 subset runs: classes, getters, let/const, for…of, arrows, templates, ??, ES2017 helpers', async ({ it }) => {
  const code = `
    class Counter { constructor(n) { this.n = n; } get twice() { return this.n * 2; } }
    class Sub extends Counter { inc() { this.n++; return this; } }
    let total = 0;
    for (const x of [1, 2, 3]) total += x;
    const arrow = (a, b) => a + b;
    const name = undefined ?? 'dflt';
    [new Sub(4).inc().twice, total, arrow(2, 3), \`t\${name}\`,
      [1, 2, 3].find((v) => v > 1), [1, 2].includes(2), 'ab'.padStart(4, '-'), 'aXbX'.replaceAll('X', '.'),
      Object.assign({ a: 1 }, { b: 2 }), Object.entries({ k: 'v' }), Object.values({ k: 'v' }), 'abc'.startsWith('ab')]`;
  assert.equal(await it.eval(code), [10, 6, 5, 'tdflt', 2, true, '--ab', 'a.b.', { a: 1, b: 2 }, [['k', 'v']], ['v'], true]);
  assert.equal(await it.eval('[(0, { f: function () { return 7; } }.f)(), String.fromCharCode.apply(null, [104, 105])]'), [7, 'hi']);
});

test('syntax beyond the subset is a SyntaxError (or worse) when the code is parsed', async ({ it }) => {
  const cases: [string, RegExp][] = [
    ['var t = [1]; var b = [...t];', /SyntaxError/],
    ['var f = function (a = 1) { return a; };', /SyntaxError: Got '=' expected ','/],
    ['var k = "a"; var p = { [k]: 1 };', /SyntaxError: Got '\[' expected ID/],
    ['2 ** 3', /SyntaxError/],
    ['var o = {}; o?.a', /SyntaxError/],
    // destructuring is not refused: it names a variable that was never made
    ['var { q } = { q: 1 }; q', /ReferenceError: "q" is not defined/],
  ];
  for (const [code, err] of cases) assert.match(await errorOf(it, `eval(${JSON.stringify(code)})`), err, code);
});

test('globals and members Espruino lacks are not there (the image check refuses them)', async ({ it }) => {
  const globals = ['Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol', 'Proxy', 'Reflect', 'BigInt', 'Intl', 'TextEncoder', 'TextDecoder', 'RangeError', 'queueMicrotask'];
  assert.equal(await it.eval(`${JSON.stringify(globals)}.filter(function (n) { return eval("typeof " + n) !== "undefined"; })`), []);
  const members = ['Array.from', 'Number.isInteger', 'Math.trunc', 'Math.imul', 'Object.freeze', 'Promise.prototype.finally', 'Promise.race', 'Promise.allSettled', '[].flat'];
  assert.equal(await it.eval(`${JSON.stringify(members)}.filter(function (n) { return eval("typeof " + n) !== "undefined"; })`), []);
});

test('built-in methods are found on values, not through Array/String/Function.prototype (terser unsafe_proto: [].slice)', async ({ it }) => {
  assert.equal(await it.eval('[typeof Array.prototype.slice, typeof Array.prototype.map, typeof String.prototype.indexOf, typeof Function.prototype.call]'),
    ['undefined', 'undefined', 'undefined', 'undefined']);
  assert.equal(await it.eval('[[].slice.call("abc").join(), typeof "".indexOf, typeof [].map, typeof function () {}.call]'), ['a,b,c', 'function', 'function', 'function']);
  // hasOwnProperty is the one src/ takes from a prototype (protocol/jsonrpc.ts, device/core.ts)
  assert.equal(await it.eval('[Object.prototype.hasOwnProperty.call({ a: 1 }, "a"), {}.hasOwnProperty.call({ a: 1 }, "b")]'), [true, false]);
});

test('Object.create(null) is an ordinary object: a map needs a key prefix (the registry\'s "#" + id)', async ({ it }) => {
  assert.equal(await it.eval('var o = Object.create(null); [typeof o.toString, "constructor" in o, Object.keys(o).length]'), ['function', true, 0]);
  assert.equal(await it.eval('var m = {}; [typeof m["constructor"], m.hasOwnProperty("constructor"), typeof m["#constructor"]]'), ['function', false, 'undefined']);
});

test('`var` does not hoist: a use before the declaration assigns a global', async ({ it }) => {
  assert.is(await it.eval('(function () { x1 = 1; var x1; return typeof global.x1; })()'), 'number');
  assert.is(await it.eval('(function () { if (0) { var x2; } x2 = 1; return typeof global.x2; })()'), 'number');
});

test('a `var` in a branch that did not run declares nothing: another branch\'s assignment writes the outer variable (terser hoist_vars)', async ({ it }) => {
  // terser drops a repeated `var i` of one function (two `for (let i …)` in two switch cases): in V8 the same binding
  assert.is(await it.eval('(function () { var t = "outer"; function f(k) { switch (k) { case 1: for (var t = 0; t < 1; t++); return; case 2: for (t = 0; t < 1; t++); } } f(2); return t; })()'), 1);
  assert.is(await it.eval('(function () { var t = "outer"; function f(k) { switch (k) { case 1: for (var t = 0; t < 1; t++); return; case 2: for (t = 0; t < 1; t++); } } f(1); return t; })()'), 'outer');
  // declared at the top of the function (what hoist_vars emits), every path has its own
  assert.is(await it.eval('(function () { var t = "outer"; function f(k) { var t; switch (k) { case 1: for (t = 0; t < 1; t++); return; case 2: for (t = 0; t < 1; t++); } } f(2); return t; })()'), 'outer');
});

test('function declarations do not hoist, not even inside a function', async ({ it }) => {
  assert.match(await errorOf(it, '(function () { return g(); function g() { return 1; } })()'), /ReferenceError: "g" is not defined/);
  assert.match(await errorOf(it, '(function () { var x = h(); function h() { return 1; } return x; })()'), /ReferenceError: "h" is not defined/);
  assert.is(await it.eval('(function () { function g() { return 1; } return g(); })()'), 1);
});

test('arr.length = 0 throws (src/ uses splice(0)); a for initialiser may not start with `function`; labels fail', async ({ it }) => {
  assert.match(await errorOf(it, '(function () { var a = [1, 2]; a.length = 0; })()'), /TypeError: Assignment to a constant/);
  assert.equal(await it.eval('(function () { var a = [1, 2]; a.splice(0); return a; })()'), []);
  assert.match(await errorOf(it, 'eval("for (function () {}(), i = 0; i < 1; i++);")'), /SyntaxError: Got '\(' expected ID/);
  assert.match(await errorOf(it, 'eval("outer: for (var i = 0; i < 2; i++) { for (;;) { continue outer; } }")'), /ReferenceError: "outer" is not defined/);
});

test('a function body is parsed when it first runs, so bad syntax there fails only then', async ({ it }) => {
  assert.is(await it.eval('global.later = function () { var o = {}; return o?.a; }; typeof later'), 'function');
  assert.match(await errorOf(it, 'later()'), /SyntaxError/);
});

test('no semicolon insertion after `return` + newline; no strict mode', async ({ it }) => {
  assert.is(await it.eval('(function () { return\n 42; })()'), 42);
  assert.is(await it.eval('(function () { "use strict"; sloppyGlobal = 5; return sloppyGlobal; })()'), 5);
});

test('numbers print with fewer digits than V8; integers to 2^53 print exactly (protocol numbers stay integral)', async ({ it }) => {
  assert.equal(await it.eval('[String(0.1 + 0.2), JSON.stringify(0.1 + 0.2), String(1e21), String(1 / 3), JSON.stringify(2 / 3)]'),
    ['0.3', '0.3', '10e+20', '0.33333333333', '0.66666666666']);
  assert.is(await it.eval('JSON.parse(JSON.stringify(1 / 3)) === 1 / 3'), false);
  assert.equal(await it.eval('[String(9007199254740991), JSON.stringify(1764072000123), JSON.stringify({ n: 4294967296 }), String(-1.5)]'),
    ['9007199254740991', '1764072000123', '{"n":4294967296}', '-1.5']);
});

test('strings are 8-bit: a char code keeps its low byte, \\u escapes beyond 0xFF lose the rest, UTF-8 is bytes', async ({ it }) => {
  assert.equal(await it.eval('[String.fromCharCode(0x141).charCodeAt(0), "\\u0100".length, "\\u0141".charCodeAt(0), "\\xff".charCodeAt(0)]'), [0x41, 1, 0x41, 255]);
  // UTF-8 text arrives as its bytes: "é" is two characters
  assert.equal(await it.eval('[atob("w6k=").length, atob("w6k=").charCodeAt(0), E.toUint8Array(atob("w6k=")).length]'), [2, 0xc3, 2]);
  // JSON.stringify escapes bytes above 0x7F
  assert.is(await it.eval('JSON.stringify("\\xe9")'), '"\\u00E9"');
});

test('the RegExp matcher: classes, anchors, global replace; `?` and {n} do not throw but never match as in V8', async ({ it }) => {
  assert.equal(await it.eval('[/^[a-z]+\\d*$/.test("abc12"), "a-b-c".replace(new RegExp("-", "g"), "+"), /colou?r/.test("color"), /a{2}/.test("aa")]'),
    [true, 'a+b+c', false, false]);
});

test.run();
