// Each restriction of ESPRUINO.md fails in the emulator the way it would on the board.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Emulator } from '../../tools/emulator/index.ts';

const test = suite<{ emu: Emulator }>('restrictions', {} as { emu: Emulator });
test.before(async (ctx) => {
  ctx.emu = await Emulator.start({});
});
test.after(async (ctx) => {
  await ctx.emu.stop();
});

function throwsOnBoard(emu: Emulator, code: string, pattern: RegExp): void {
  let thrown: unknown;
  try {
    emu.eval(code);
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown !== undefined, `expected ${code} to fail`);
  assert.match(String(thrown), pattern, `${code}: ${String(thrown)}`);
}

test('globals Espruino lacks are not there', ({ emu }) => {
  for (const name of ['Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol', 'Proxy', 'Reflect', 'BigInt', 'Intl', 'TextEncoder',
    'TextDecoder', 'queueMicrotask', 'structuredClone', 'fetch', 'Buffer', 'RangeError', 'globalThis', 'WeakRef']) {
    assert.is(emu.eval(`typeof ${name}`), 'undefined', name);
  }
  throwsOnBoard(emu, 'new Map()', /ReferenceError: Map is not defined/);
});

test('methods listed as unsupported are missing', ({ emu }) => {
  for (const expr of ['Array.from', 'Number.isInteger', 'Math.trunc', 'Object.freeze', 'Promise.prototype.finally',
    'Promise.race', 'Promise.allSettled', '[].flat']) {
    assert.is(emu.eval(`typeof ${expr}`), 'undefined', expr);
  }
  throwsOnBoard(emu, 'Array.from([1])', /TypeError/);
});

test('Node\'s process is replaced by Espruino\'s', ({ emu }) => {
  assert.is(emu.eval('process.env.VERSION'), '2v29');
  assert.is(emu.eval('process.env.BOARD'), 'ESP32');
  assert.is(emu.eval('typeof process.exit'), 'undefined');
  assert.is(emu.eval(`typeof require("fs").readFile`), "function"); // the firmware's fs module exists...
  throwsOnBoard(emu, `require("fs").readFile("/etc/passwd")`, /not emulated/); // ...but is not the host's
});

test('syntax beyond Espruino\'s subset is refused before anything runs', ({ emu }) => {
  const cases: Array<[string, RegExp]> = [
    ['var a = [1]; var b = [...a];', /spread/],
    ['function f(...rest) {}', /rest parameter/],
    ['var o = {}; var { x } = o;', /destructuring/],
    ['var f = function (a = 1) { return a; };', /default parameter/],
    ['var o = {}; var k = "a"; var p = { [k]: 1 };', /computed property key/],
    ['async function f() {}', /async/],
    ['function* g() {}', /generator/],
    ['var x = 2 ** 3;', /exponent/],
    ['var o = {}; var y = o?.a;', /optional chaining/],
    ['outer: for (;;) { break outer; }', /label/],
    ['import x from "y";', /import|module/i],
    ['class A { f = 1; }', /class field/],
  ];
  for (const [code, why] of cases) {
    throwsOnBoard(emu, `var ranBefore = 1; ${code}`, why);
    assert.is(emu.eval('typeof ranBefore'), 'undefined', `${code} ran partly`);
  }
});

test('RegExps outside the tiny matcher are refused, literal or constructed', ({ emu }) => {
  throwsOnBoard(emu, '/colou?r/.test("color")', /`\?` quantifier/);
  throwsOnBoard(emu, '/a{2,3}/', /counted repetition/);
  throwsOnBoard(emu, '/(?:ab)+/', /non-capturing group/);
  throwsOnBoard(emu, 'new RegExp("x(?=y)")', /lookahead/);
  throwsOnBoard(emu, 'new RegExp("\\\\bword")', /word boundary/);
  assert.is(emu.eval('/^[a-z]+\\d*$/.test("abc12")'), true);
  assert.is(emu.eval('"a-b-c".replace(new RegExp("-", "g"), "+")'), 'a+b+c');
});

test('a function declared further down the top level is not callable yet', ({ emu }) => {
  throwsOnBoard(emu, 'early(); function early() { return 1; }', /TypeError: early is not a function/);
  assert.is(emu.eval('function late() { return 2; } late()'), 2);
});

test('`return` then a newline returns the next line (no semicolon insertion)', ({ emu }) => {
  assert.is(emu.eval('(function () { return\n 42; })()'), 42);
});

test('strings are 8-bit: UTF-8 text arrives as bytes, char codes keep 8 bits', ({ emu }) => {
  assert.is(emu.eval('"é".length'), 2);
  assert.is(emu.eval('String.fromCharCode(0x141).charCodeAt(0)'), 0x41);
  assert.is(emu.eval('encodeURIComponent("é")'), '%C3%A9');
  assert.is(emu.eval('decodeURIComponent("%C3%A9").length'), 2);
});

test('clearTimeout: an unknown id throws; no argument clears every timer', ({ emu }) => {
  throwsOnBoard(emu, 'clearTimeout(12345)', /Error: Unknown Timeout/);
  emu.eval('var t1 = setTimeout(function () {}, 100000); var t2 = setInterval(function () {}, 100000);');
  emu.eval('clearTimeout()');
  throwsOnBoard(emu, 'clearInterval(t2)', /Unknown Interval/);
});

test('emit() is asynchronous, as Espruino queues events', async ({ emu }) => {
  emu.eval('var order = []; var ee = {}; ee.on("x", function (v) { order.push("listener " + v); }); ee.emit("x", 1); order.push("after emit");');
  assert.equal(emu.eval('order.join()'), 'after emit');
  emu.eval('setTimeout(function () { print("emitted: " + order.join()); }, 10)');
  assert.is(await emu.waitForOutput(/emitted: [^\n]*/), 'emitted: after emit,listener 1');
});

test('no strict mode: "use strict" does not make undeclared assignments throw', ({ emu }) => {
  assert.is(emu.eval('(function () { "use strict"; sloppyGlobal = 5; return sloppyGlobal; })()'), 5);
});

test.run();
