// The runtime the images use, on the real interpreter: E's byte helpers,
// crypto, timers (what clearTimeout does), events, errors in callbacks,
// modules, memory, randomness, time, and what the two firmware variants and
// the host stand-ins (board/host) provide.
import { createHash } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Interpreter } from '../../tools/espruino/interpreter.ts';
import { errorOf, restartBoard, startBoard } from './board.ts';

const test = suite<{ it: Interpreter }>('the runtime', {} as { it: Interpreter });
test.before(async (ctx) => {
  ctx.it = await startBoard();
});
test.after(async (ctx) => {
  await ctx.it.stop();
});

test('E: byte strings ⇄ typed arrays, base64, E.toJS', async ({ it }) => {
  assert.equal(await it.eval('[E.toString([104, 105], "!", 0x21), E.toString(new Uint8Array([0, 255])).charCodeAt(1), E.toUint8Array("A\\xff")[1], E.toUint8Array("A\\xff") instanceof Uint8Array]'),
    ['hi!!', 255, 255, true]);
  assert.equal(await it.eval('[new Uint8Array(E.toArrayBuffer("AB"))[1], btoa("\\xff\\x00"), atob("/wA=").charCodeAt(0), E.toJS({ a: [1, "x\\n"], "b-c": true })]'),
    [66, '/wA=', 255, '{a:[1,"x\\n"],"b-c":true}']);
});

test('E.CRC32 is the IEEE CRC-32 (zlib), unsigned, of strings and typed arrays (store.ts, npm run flash)', async ({ it }) => {
  assert.equal(await it.eval('[E.CRC32("123456789"), E.CRC32(""), E.CRC32(new Uint8Array([1, 2, 255])), E.CRC32("\\xff\\x00\\x80")]'),
    [0xcbf43926, 0, zlibCrc32(Buffer.from([1, 2, 255])), zlibCrc32(Buffer.from([255, 0, 128]))]);
});

test('crypto: SHA1..SHA512 return ArrayBuffers (the WebSocket accept, the fallback SHA-256); no HMAC', async ({ it }) => {
  for (const alg of ['SHA1', 'SHA256', 'SHA512']) {
    const [isBuffer, hex] = await it.eval<[boolean, string]>(`var d = require("crypto").${alg}("abc"); [d instanceof ArrayBuffer,
      [].map.call(new Uint8Array(d), function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("")]`);
    assert.ok(isBuffer, alg);
    assert.is(hex, createHash(alg.replace('SHA', 'sha')).update('abc').digest('hex'), alg);
  }
  assert.is(await it.eval('new Uint8Array(require("crypto").SHA256(new Uint8Array([1, 2]))).length'), 32);
  assert.equal(await it.eval('[typeof require("crypto").HMAC, typeof require("crypto").AES, typeof require("crypto").PBKDF2]'), ['undefined', 'function', 'function']);
});

test('clearTimeout: undefined throws (never "clear all"), an id that fired or never was is ignored, no argument clears every timer', async ({ it }) => {
  assert.match(await errorOf(it, 'clearTimeout(undefined)'), /clearTimeout\(undefined\) not allowed/);
  assert.match(await errorOf(it, 'clearInterval(undefined)'), /clearInterval\(undefined\) not allowed/);
  assert.is(await errorOf(it, 'clearTimeout(99999); clearInterval(99999)'), '(no error)');
  await it.eval('global.t = setTimeout(function () { global.fired = 1; }, 1)');
  await new Promise((r) => setTimeout(r, 100));
  assert.is(await it.eval('fired'), 1);
  assert.is(await errorOf(it, 'clearTimeout(t); clearTimeout(t)'), '(no error)');
  // a timer id is a small number
  assert.is(await it.eval('typeof setTimeout(function () {}, 1e6)'), 'number');
  await it.eval('global.ran = []; setTimeout(function () { ran.push("t"); }, 30); setInterval(function () { ran.push("i"); }, 10); clearTimeout()');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(await it.eval('ran'), []);
});

test('timers run in due order from the event loop; time is the host clock; setTime moves it (board/host: as on the board)', async ({ it }) => {
  await it.eval('global.order = []; setTimeout(function () { order.push(30); }, 30); setTimeout(function () { order.push(0); }, 0); setTimeout(function () { order.push(10); }, 10); order.push("sync")');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(await it.eval('order'), ['sync', 0, 10, 30]);
  const [t, now] = await it.eval<[number, number]>('[getTime(), Date.now()]');
  assert.ok(Math.abs(t - Date.now() / 1000) < 5, `getTime() ${t}`);
  assert.ok(Math.abs(now / 1000 - t) < 1);
  // setTime (SNTP does the same) moves the clock; a pending timer keeps its delay
  const from = it.output.length;
  await it.eval('setTimeout(function () { print("due after " + Math.round(getTime() - 1700000000)); }, 300); setTime(1700000000)');
  assert.equal(await it.eval('[Math.floor(getTime()), new Date().getFullYear(), typeof new Date().getUTCFullYear]'), [1700000000, 2023, 'undefined']);
  await it.waitForOutput('due after');
  assert.match(it.output.slice(from), /due after 0\r\n/);
  await it.eval(`setTime(${Date.now() / 1000})`);
});

test('emit() is queued: listeners run after the current code; every object can emit', async ({ it }) => {
  assert.equal(await it.eval('global.seen = []; var o = {}; o.on("e", function (v) { seen.push("a" + v); }); o.emit("e", 1); seen.push("after"); seen'), ['after']);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await it.eval('seen'), ['after', 'a1']);
});

test('listeners are properties named "#on" + event: Object.keys and for…in see them (keep them off maps)', async ({ it }) => {
  assert.equal(await it.eval('global.p = { a: 1 }; global.f = function () {}; p.on("x", f); var k = []; for (var i in p) k.push(i); [Object.keys(p), k]'), [['a', '#onx'], ['a', '#onx']]);
  assert.equal(await it.eval('p.removeListener("x", f); Object.keys(p)'), ['a', '#onx']);
  assert.equal(await it.eval('p.removeAllListeners("x"); Object.keys(p)'), ['a']);
});

test('an exception in a callback is printed and the board goes on; so is an unhandled rejection; Promise reactions run', async ({ it }) => {
  const from = it.output.length;
  await it.eval('setTimeout(function () { throw new Error("boom"); }, 1); setTimeout(function () { print("still alive"); }, 20);');
  await it.waitForOutput('still alive');
  assert.match(it.output.slice(from), /Uncaught Error: boom/);
  await it.eval('setTimeout(function () { Promise.reject("late"); }, 1); setTimeout(function () { print("after the rejection"); }, 20)');
  await it.waitForOutput('after the rejection');
  assert.match(it.output.slice(from), /Uncaught Error: Unhandled promise rejection: late/);
  await it.eval(`Promise.all([Promise.resolve(1), new Promise(function (r) { setTimeout(function () { r(2); }, 5); })])
    .then(function (v) { print("all " + v.join("+")); return Promise.reject(new Error("nope")); })
    .catch(function (e) { print("caught " + e.message); })`);
  await it.waitForOutput('all 1+2');
  await it.waitForOutput('caught nope');
});

test('require: built-in modules, a Storage file of that name, Modules.addCached; an unknown one throws', async ({ it }) => {
  assert.match(await errorOf(it, 'require("nosuchmodule")'), /Module "nosuchmodule" not found/);
  assert.is(await it.eval('require("Storage").write("greet", "exports.hi = function () { return \\"hi\\"; };"); require("greet").hi()'), 'hi');
  assert.is(await it.eval('Modules.addCached("twice", "exports.f = function (x) { return 2 * x; };"); require("twice").f(21)'), 42);
  // src/crypto/espruino.ts loads gwcrypto-js either way; the cache keeps one copy
  assert.is(await it.eval('require("twice") === require("twice")'), true);
});

test('process.memory(): 14-byte blocks, 16,383 variables; process.env names the board', async ({ it }) => {
  const m = await it.memory();
  assert.is(m.total, 16383);
  assert.is(m.blocksize, 14);
  assert.is(m.free + m.usage, m.total);
  assert.equal(await it.eval('[process.env.VERSION, process.env.BOARD, process.env.STORAGE]'), ['2v29', 'HOST_ESP32_CUSTOM', 917504]);
});

test('running out of JsVars: OUT OF MEMORY stops that callback; the flags say MEMORY; its memory comes back; the board goes on', async ({ it }) => {
  const from = it.output.length;
  await it.eval(`setTimeout(function () { var hog = []; for (var i = 0; ; i++) hog.push("entry number " + i); }, 1);
    setTimeout(function () { print("next callback ran"); }, 300)`);
  await it.waitForOutput('next callback ran', 20000);
  assert.match(it.output.slice(from), /OUT OF MEMORY[^]*Execution Interrupted[^]*New interpreter error: LOW_MEMORY,MEMORY/);
  assert.ok((await it.memory()).usage < 1000, 'the pool is free again');
  // (while memory stays full, every console command is "Execution Interrupted")
});

test('Math.random() and E.hwRand() start the same at every boot (never for keys)', async ({ it }) => {
  const first = await it.eval('[Math.random(), E.hwRand()]');
  await restartBoard(it);
  assert.equal(await it.eval('[Math.random(), E.hwRand()]'), first);
});

test('peek32 of the ESP32 RNG register gives fresh words on the host build (board/host/host_board.c)', async ({ it }) => {
  const words = await it.eval<number[]>('var w = []; for (var i = 0; i < 8; i++) w.push(peek32(0x3FF75144)); w');
  assert.ok(words.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32), String(words));
  assert.ok(new Set(words).size > 4, `random words repeat: ${words}`);
});

test('Wifi: the host stand-in is a built-in module; setSNTP wants two strings, as the firmware does', async ({ it }) => {
  assert.match(await it.eval<string>('process.env.MODULES'), /(^|,)Wifi(,|$)/);
  assert.equal(await it.eval('global.W = require("Wifi"); [W.getIP().ip, W.getStatus().station]'), ['127.0.0.1', 'off']);
  await it.eval('W.on("connected", function (d) { print("wifi up " + d.ip); }); W.connect("ssid", { password: "pw" }, function (err) { print("connect cb " + err); });');
  await it.waitForOutput('connect cb null');
  assert.is(await it.eval('W.getStatus().station'), 'connected');
  assert.match(await errorOf(it, 'W.setSNTP("pool.ntp.org", 0)'), /must be strings/);
  assert.is(await errorOf(it, 'W.setSNTP("pool.ntp.org", "UTC0")'), '(no error)');
});

test('GatewayCrypto is built into the custom firmware only', async ({ it }) => {
  assert.match(await it.eval<string>('process.env.MODULES'), /GatewayCrypto/);
  assert.equal(await it.eval('var G = require("GatewayCrypto"); [typeof G.aeadOpen, typeof G.x25519, G.randomBytes(16).length, G.randomBytes(16) instanceof Uint8Array]'),
    ['function', 'function', 16, true]);
  const stock = await startBoard({ variant: 'stock' });
  try {
    assert.not.match(await stock.eval<string>('process.env.MODULES'), /GatewayCrypto/);
    assert.match(await errorOf(stock, 'require("GatewayCrypto")'), /Module "GatewayCrypto" not found/);
    assert.is(await stock.eval('process.env.BOARD'), 'HOST_ESP32_STOCK');
  } finally {
    await stock.stop();
  }
});

test.run();
