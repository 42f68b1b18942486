// The image check against the real Espruino 2v29 interpreter: each program
// below runs on it (custom build, from a file), in Node, and through
// checkImage. It calls ok(...) with what standard JS computes; Node must
// agree with that (so the program itself is right), and the check must
// reject exactly the programs that fail on the interpreter: an uncaught
// error (ReferenceError, TypeError, SyntaxError, Error), or ok(false) for a
// wrong result (a use before `var` writes a global and leaves the local
// undefined).
// Functions are called: Espruino parses a body only when it first runs.
// The last two groups pin down what the check knowingly gets wrong.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { checkImage } from '../../tools/image-check/index.mjs';
import { Interpreter } from '../../tools/espruino/interpreter.ts';

const PASS = '\x02PASS\x03';
// The escapes stay escapes in the file, so an error message quoting this
// line cannot contain the marker.
const PRELUDE = String.raw`function ok(c) { print(c ? "\x02PASS\x03" : "\x02WRONG\x03"); }` + '\n';

/** A program, or an Espruino module (checked as one) and a program that loads it as "m". */
type Case = string | { module: string; use: string };

/** Programs Espruino fails on; the check must reject each. */
const FAILING: Record<string, Case> = {
  'assignment before `var` in a function': 'function f() { x = 1; var x; return x; }\nok(f() === 1 && typeof x === "undefined");',
  'assignment before `var` after a return': 'function f() { y = 2; return y; var y; }\nok(f() === 2 && typeof y === "undefined");',
  'assignment before `var` in a branch that did not run':
    'function f(c) { if (c) { var z = 0; } z = 3; return z; }\nok(f(false) === 3 && typeof z === "undefined");',
  'read before `var` in a function': 'function f() { var r = w; var w = 1; return r; }\nok(f() === undefined);',
  'read before `var` at top level': 'var a = b;\nvar b = 1;\nok(a === undefined && b === 1);',
  'assignment before `var` at a module’s top level': {
    module: 'e = 1; var e; exports.v = e;',
    use: 'ok(require("m").v === 1 && typeof e === "undefined");',
  },
  '`var` in another switch case': 'function f(c) { switch (c) { case 1: var w = 1; break; case 2: w = 2; } return w; }\nok(f(2) === 2 && typeof w === "undefined");',
  '`var` after a throw in try': 'function f() { try { throw 1; var t = 0; } catch (e) {} t = 8; return t; }\nok(f() === 8 && typeof t === "undefined");',
  'top-level call before the function declaration': 'var r = h();\nfunction h() { return 4; }\nok(r === 4);',
  'call before the function declaration inside a function': 'function f() { return g(); function g() { return 5; } }\nok(f() === 5);',
  'typeof a function before its declaration': 'function f() { var t = typeof g; function g() {} return t; }\nok(f() === "function");',
  'a local function called before a `var` it uses': 'function f() { function g() { q = 6; } g(); var q; return q; }\nok(f() === 6 && typeof q === "undefined");',
  'a forEach callback before a `var` it uses': 'function f() { [1].forEach(function () { s = 7; }); var s; return s; }\nok(f() === 7 && typeof s === "undefined");',
  '`for(` initialiser starting with `function`':
    'function f() { var e = 1, o, n = 0; for (function (e) { n += e; }(e), o = 0; o < 2; o++) n++; return n; }\nok(f() === 3);',
  '`for(` initialiser starting with `function` at top level':
    'var e = 1, o, n = 0;\nfor (function (e) { n += e; }(e), o = 0; o < 2; o++) n++;\nok(n === 3);',
  '`.length = 0` on an array': 'var a = [1, 2];\na.length = 0;\nok(a.length === 0);',
  '`.length--` on an array': 'var a = [1, 2];\na.length--;\nok(a.length === 1);',
  '`.length =` on a typed array': 'var u = new Uint8Array(2);\nu.length = 2;\nok(u.length === 2);',
  '`Array.prototype.slice`': 'var s = Array.prototype.slice.call([1, 2, 3], 1);\nok(s.length === 2);',
  '`String.prototype.charAt`': 'ok(String.prototype.charAt.call("ab", 1) === "b");',
  '`Object.prototype.isPrototypeOf`': 'ok(Object.prototype.isPrototypeOf.call(Array.prototype, []));',
  '`Math.imul`': 'ok(Math.imul(3, 4) === 12);',
  '`Number.isFinite`': 'ok(Number.isFinite(1));',
  'a label on a loop': 'var n = 0;\nouter: for (var i = 0; i < 3; i++) { for (;;) { n++; continue outer; } }\nok(n === 3);',
  'a label on a block': 'var n = 0;\nblock: { n = 1; break block; }\nok(n === 1);',
};

/** Look-alikes Espruino runs; the check must pass each. */
const RUNNING: Record<string, Case> = {
  '`var` first, then the assignment': 'function f() { var x; x = 1; return x; }\nok(f() === 1 && typeof x === "undefined");',
  '`var` on both arms of an if': 'function f(c) { if (c) { var y = 1; } else { var y = 2; } return y; }\nok(f(0) === 2 && f(1) === 1);',
  '`var` after an early return': 'function f(c) { if (!c) return 0; var z = 3; return z; }\nok(f(1) === 3 && f(0) === 0);',
  '`var` in a do-while body': 'function f() { do { var v = 1; } while (0); return v; }\nok(f() === 1 && typeof v === "undefined");',
  '`for (var k in {})` declares k': 'function f() { for (var k in {}) {} k = 1; return k; }\nok(f() === 1 && typeof k === "undefined");',
  '`var x = (x = 3, x + 1)`': 'function f() { var x = (x = 3, x + 1); return x; }\nok(f() === 4 && typeof x === "undefined");',
  'typeof a variable before its `var`': 'function f() { var t = typeof u; var u = 1; return t; }\nok(f() === "undefined");',
  'a catch name like a local': 'function f() { var e = 1; try { throw 2; } catch (e) { e = 3; } return e; }\nok(f() === 1);',
  'a parameter assigned before a `var` of the same name': 'function f(p) { p = 2; var p; return p; }\nok(f(1) === 2);',
  'top-level assignment before its `var`': 'c = 5;\nvar c;\nok(c === 5);',
  '`var` first at a module’s top level': {
    module: 'var e; e = 1; exports.v = e;',
    use: 'ok(require("m").v === 1 && typeof e === "undefined");',
  },
  'a local function called after the `var` it uses': 'function f() { var q = 0; function g() { q = 6; } g(); return q; }\nok(f() === 6 && typeof q === "undefined");',
  'a function that uses a later function, called after both': 'function f() { var g = function () { return h(); }; function h() { return 2; } return g(); }\nok(f() === 2);',
  'a callback run later uses a later `var`': 'var got;\nfunction f() { setTimeout(function () { got = v; ok(got === 1); }, 1); var v = 1; }\nf();',
  'the shapes hoist_vars emits': 'function f() { var g, n; g = function () { return n; }; n = 1; return g(); }\nok(f() === 1);',
  'a named function expression calling itself': 'var fact = function fact2(n) { return n ? n * fact2(n - 1) : 1; };\nok(fact(4) === 24);',
  '`for(` initialiser: a parenthesised IIFE': 'var n = 0, o;\nfor ((function () { n = 10; })(), o = 0; o < 2; o++) n++;\nok(n === 12);',
  '`for(` initialiser: `!function`': 'var n = 0, o;\nfor (!function () { n = 10; }(), o = 0; o < 2; o++) n++;\nok(n === 12);',
  '`for(` initialiser: `var f = function`': 'var n = 0;\nfor (var f = function () { return 2; }, o = 0; o < 2; o++) n += f();\nok(n === 4);',
  'reading `.length`, splice to empty': 'var a = [1, 2];\na.splice(0, a.length);\nok(a.length === 0 && [1].length === 1);',
  'methods taken from instances and Object.prototype':
    'ok([].slice.call([1, 2, 3], 1).length === 2 && "".charAt.call("ab", 1) === "b" && Object.prototype.hasOwnProperty.call({ a: 1 }, "a"));',
  'a method added to Array.prototype': 'Array.prototype.last = function () { return this[this.length - 1]; };\nok([1, 2].last() === 2 && typeof Array.prototype.last === "function");',
  '`Math.imul || fallback`': 'var imul = Math.imul || function (a, b) { return (a * b) | 0; };\nok(imul(3, 4) === 12);',
};

/** Espruino runs these, but the check rejects them (see declaration-order.mjs and rules.mjs). */
const FALSE_POSITIVES: Record<string, Case> = {
  'a use that only runs on a later loop iteration':
    'function f() { var s = 0; for (var i = 0; i < 2; i++) { if (i) s = v; var v = 5; } return s; }\nok(f() === 5 && typeof v === "undefined");',
  'a switch case reached by falling through from the declaring case':
    'function f() { switch (1) { case 1: var w = 1; case 2: w = 2; } return w; }\nok(f() === 2 && typeof w === "undefined");',
  '`.length =` on a plain object': 'var o = { length: 3 };\no.length = 0;\nok(o.length === 0);',
};

/** Espruino fails these, but the check passes them: calls it cannot follow. */
const FALSE_NEGATIVES: Record<string, Case> = {
  'a function called through a property': 'function f() { var o = { g: function () { p = 1; } }; o.g(); var p; return p; }\nok(f() === 1 && typeof p === "undefined");',
  'a callback that a user function calls at once':
    'function each(a, cb) { cb(a); }\nfunction f() { each(1, function () { p = 1; }); var p; return p; }\nok(f() === 1 && typeof p === "undefined");',
};

let dir = '';
let count = 0;

/** What the interpreter made of the program: 'runs', or why not. */
async function onInterpreter(program: string): Promise<string> {
  const file = join(dir, `program-${++count}.js`);
  writeFileSync(file, PRELUDE + program + '\n');
  const it = await Interpreter.start({ file });
  try {
    await it.exited(60000);
  } finally {
    await it.stop();
  }
  const out = it.output;
  if (out.includes(PASS) && !/Uncaught/.test(out)) return 'runs';
  const error = /Uncaught (\w*Error[^\n]*)/.exec(out);
  return error ? error[1] : out.includes('\x02WRONG\x03') ? 'wrong result' : `no verdict:\n${out.slice(-400)}`;
}

/** Standard JS: the program must call ok(true) and nothing else. */
function inNode(program: string): void {
  const printed: string[] = [];
  const timers: Array<() => void> = [];
  const modules: Record<string, string> = {};
  const context: Record<string, unknown> = {
    print: (s: string) => printed.push(s),
    setTimeout: (fn: () => void) => timers.push(fn),
    // Espruino's module loading: the source runs as a function of exports and module
    Modules: { addCached: (name: string, source: string) => (modules[name] = source) },
    require: (name: string) => {
      const module = { exports: {} };
      runInNewContext(`(function (exports, module) {\n${modules[name]}\n})`, context)(module.exports, module);
      return module.exports;
    },
  };
  runInNewContext(PRELUDE + program, context);
  for (const t of timers) t();
  assert.equal(printed, [PASS], `in Node:\n${program}`);
}

const agree = suite('image-check agrees with the real interpreter');
agree.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'image-check-interpreter-'));
});
agree.after(() => rmSync(dir, { recursive: true, force: true }));

function cases(group: Record<string, Case>, rejected: boolean, runs: boolean, label: string) {
  for (const [name, c] of Object.entries(group)) {
    const program = typeof c === 'string' ? c : `Modules.addCached("m", ${JSON.stringify(c.module)});\n${c.use}`;
    const [checked, options] = typeof c === 'string' ? [PRELUDE + c, {}] : [c.module, { module: true }];
    agree(`${label}: ${name}`, async () => {
      inNode(program);
      const problems = checkImage(checked, 'program.js', options).map((p) => `${p.line}:${p.column}: ${p.message}`);
      assert.is(problems.length > 0, rejected, `image check on:\n${checked}\n${problems.join('\n')}`);
      const verdict = await onInterpreter(program);
      assert.is(verdict === 'runs', runs, `interpreter on:\n${program}\n${verdict}`);
    });
  }
}

cases(FAILING, true, false, 'fails, rejected');
cases(RUNNING, false, true, 'runs, passed');
cases(FALSE_POSITIVES, true, true, 'runs, rejected (known)');
cases(FALSE_NEGATIVES, false, false, 'fails, passed (known)');

agree.run();
