// Each supported feature of ESPRUINO.md works in the emulator, with Espruino's semantics.
import { createHash, createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Emulator } from '../../tools/emulator/index.ts';

const ADDON = fileURLToPath(new URL('../../native/build/Release/gateway_crypto.node', import.meta.url));

const test = suite<{ emu: Emulator }>('runtime', {} as { emu: Emulator });
test.before(async (ctx) => {
  ctx.emu = await Emulator.start({});
});
test.after(async (ctx) => {
  await ctx.emu.stop();
});

test('the ES2015 subset Espruino parses runs', ({ emu }) => {
  const code = `
    class Counter { constructor(n) { this.n = n; } get twice() { return this.n * 2; } }
    class Sub extends Counter { inc() { this.n++; return this; } }
    let total = 0;
    for (const x of [1, 2, 3]) total += x;
    const arrow = (a, b) => a + b;
    const name = undefined ?? 'dflt';
    JSON.stringify([new Sub(4).inc().twice, total, arrow(2, 3), \`t\${name}\`,
      [1, 2, 3].find((v) => v > 1), [1, 2].includes(2), 'ab'.padStart(4, '-'), 'aXbX'.replaceAll('X', '.'),
      Object.assign({ a: 1 }, { b: 2 }), Object.entries({ k: 'v' }), Object.values({ k: 'v' })])`;
  assert.is(emu.eval(code), '[10,6,5,"tdflt",2,true,"--ab","a.b.",{"a":1,"b":2},[["k","v"]],["v"]]');
});

test('Promise then/catch/all/resolve/reject run from the event queue', async ({ emu }) => {
  emu.eval(`Promise.all([Promise.resolve(1), new Promise(function (r) { setTimeout(function () { r(2); }, 5); })])
    .then(function (v) { print("all " + v.join("+")); return Promise.reject(new Error("nope")); })
    .catch(function (e) { print("caught " + e.message); });`);
  assert.is(await emu.waitForOutput(/all [^\n]*/), 'all 1+2');
  assert.is(await emu.waitForOutput(/caught [^\n]*/), 'caught nope');
});

test('an exception in a callback is printed like Espruino and the board goes on', async ({ emu }) => {
  emu.eval('setTimeout(function () { throw new Error("boom"); }, 1); setTimeout(function () { print("still alive"); }, 5);');
  assert.is(await emu.waitForOutput(/Uncaught Error: boom/), 'Uncaught Error: boom');
  await emu.waitForOutput('still alive');
  emu.eval('setTimeout(function () { Promise.reject("late"); }, 1)');
  await emu.waitForOutput('Unhandled promise rejection: late');
});

test("process.on('uncaughtException') receives what would be printed", async ({ emu }) => {
  emu.eval(`process.on("uncaughtException", function (e) { print("handled " + e.message); });
    setTimeout(function () { throw new Error("x1"); }, 1);`);
  await emu.waitForOutput('handled x1');
  emu.eval('process.removeAllListeners("uncaughtException")');
});

test('E: byte strings, typed arrays, JS source, CRC, hwRand', ({ emu }) => {
  assert.is(emu.eval('E.toString([104, 105], "!", 0x21)'), 'hi!!');
  assert.is(emu.eval('E.toString(new Uint8Array([0, 255])).charCodeAt(1)'), 255);
  assert.is(emu.eval('var u = E.toUint8Array("A\\xff"); u instanceof Uint8Array && u[1]'), 255);
  assert.is(emu.eval('new Uint8Array(E.toArrayBuffer("AB"))[1]'), 66);
  assert.is(emu.eval('E.toJS({ a: [1, "x\\n"], "b-c": true })'), '{a:[1,"x\\n"],"b-c":true}');
  assert.is(emu.eval('E.CRC32("123456789")'), 0xcbf43926);
  assert.is(emu.eval('typeof E.hwRand()'), 'number');
  assert.is(emu.eval('btoa("\\xff\\x00")'), '/wA=');
  assert.is(emu.eval('atob("/wA=").charCodeAt(0)'), 255);
});

test('Math.random and E.hwRand are the same unseeded sequence at every boot', async () => {
  const a = await Emulator.start({ code: 'var r = [Math.random(), E.hwRand()];' });
  const b = await Emulator.start({ code: 'var r = [Math.random(), E.hwRand()];' });
  try {
    assert.equal(a.eval('r.join()'), b.eval('r.join()'));
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('peek32 of the RNG register gives fresh 32-bit words', ({ emu }) => {
  const words = emu.eval('var w = []; for (var i = 0; i < 8; i++) w.push(peek32(0x3FF75144)); w.join()').split(',').map(Number);
  assert.ok(words.every((w: number) => Number.isInteger(w) && w >= -(2 ** 31) && w < 2 ** 31));
  assert.ok(new Set(words).size > 4, 'random words repeat');
});

test('crypto.SHA1..SHA512 return ArrayBuffers of the digest; AES and PBKDF2 are there', ({ emu }) => {
  for (const alg of ['SHA1', 'SHA224', 'SHA256', 'SHA384', 'SHA512']) {
    const hex = emu.eval(`var d = require("crypto").${alg}("abc"); (d instanceof ArrayBuffer) + " " +
      Array.prototype.map.call(new Uint8Array(d), function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("")`);
    assert.is(hex, `true ${createHash(alg.replace('SHA', 'sha')).update('abc').digest('hex')}`, alg);
  }
  assert.is(emu.eval('new Uint8Array(require("crypto").SHA256(new Uint8Array([1, 2]))).length'), 32);
  assert.is(emu.eval('typeof require("crypto").HMAC'), 'undefined'); // ESPRUINO.md: no HMAC in firmware
  assert.is(emu.eval('new Uint8Array(require("crypto").PBKDF2("pw", "salt", { keySize: 8, iterations: 2 })).length'), 32);
  assert.is(emu.eval('var k = "0123456789abcdef"; var c = require("crypto").AES.encrypt("16 bytes exactly", k, { mode: "ECB" }); E.toString(require("crypto").AES.decrypt(c, k, { mode: "ECB" }))'), '16 bytes exactly');
});

test('GatewayCrypto is the native addon on the custom firmware, absent on stock', async () => {
  const stock = await Emulator.start({ nativeCrypto: false });
  try {
    let err = '';
    try {
      stock.eval('require("GatewayCrypto")');
    } catch (e) {
      err = String(e);
    }
    assert.match(err, /Module GatewayCrypto not found/);
    assert.not.match(stock.eval('process.env.MODULES'), /GatewayCrypto/);
  } finally {
    await stock.stop();
  }
  if (!existsSync(ADDON)) return; // the addon is built by `npm ci` (native/); nothing to check without it
  const custom = await Emulator.start({});
  try {
    assert.match(custom.eval('process.env.MODULES'), /GatewayCrypto/);
    const mac = custom.eval(`var G = require("GatewayCrypto"); var m = G.hmacSha256(E.toUint8Array("key"), E.toUint8Array("msg"));
      (m instanceof Uint8Array) + " " + Array.prototype.map.call(m, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("")`);
    assert.is(mac, `true ${createHmac('sha256', 'key').update('msg').digest('hex')}`);
    assert.is(custom.eval('require("GatewayCrypto").randomBytes(16).length'), 16);
  } finally {
    await custom.stop();
  }
});

test('Wifi reports a connection; setSNTP needs strings and sets the clock', async () => {
  const emu = await Emulator.start({ virtualTime: true, startTime: 0 });
  try {
    emu.eval('var W = require("Wifi"); W.on("connected", function (d) { print("wifi up " + d.ip); }); W.connect("ssid", { password: "pw" }, function (err) { print("connect cb " + err); });');
    await emu.advance(0.01);
    await emu.waitForOutput('connect cb null');
    await emu.waitForOutput(/wifi up \d+\.\d+\.\d+\.\d+/);
    assert.is(emu.eval('W.getIP().ip'), '192.168.1.50');
    assert.is(emu.eval('W.getStatus().station'), 'connected');
    let err = '';
    try {
      emu.eval('W.setSNTP("pool.ntp.org", 0)');
    } catch (e) {
      err = String(e);
    }
    assert.match(err, /zone must be a String/);
    assert.ok(emu.eval('getTime()') < 1e6);
    assert.is(emu.clockSet, false);
    emu.eval('W.setSNTP("pool.ntp.org", "UTC0")');
    await emu.advance(0.01);
    assert.ok(emu.eval('getTime()') > 1.6e9, 'SNTP set the clock to the present');
    assert.is(emu.clockSet, true);
  } finally {
    await emu.stop();
  }
});

test('require of an unknown module throws, a module can come from Storage or Modules.addCached', ({ emu }) => {
  let err = '';
  try {
    emu.eval('require("nosuchmodule")');
  } catch (e) {
    err = String(e);
  }
  assert.match(err, /Module nosuchmodule not found/);
  emu.eval('require("Storage").write("greet", "exports.hi = function () { return \\"hi\\"; };")');
  assert.is(emu.eval('require("greet").hi()'), 'hi');
  emu.eval('Modules.addCached("twice", "exports.f = function (x) { return 2 * x; };")');
  assert.is(emu.eval('require("twice").f(21)'), 42);
});

test('Date follows the board clock, not the host', async () => {
  const emu = await Emulator.start({ startTime: 1000 });
  try {
    assert.ok(Math.abs(emu.eval('Date.now()') / 1000 - 1000) < 5);
    emu.eval('setTime(1700000000)');
    assert.is(emu.eval('new Date().getUTCFullYear()'), 2023);
  } finally {
    await emu.stop();
  }
});

test('every object is an EventEmitter with on/emit/removeListener/removeAllListeners', async ({ emu }) => {
  emu.eval(`var o = {}; var seen = []; function a(v) { seen.push("a" + v); } function b(v) { seen.push("b" + v); }
    o.on("e", a); o.on("e", b); o.removeListener("e", a); o.emit("e", 1);
    setTimeout(function () { print("seen " + seen.join()); }, 5);`);
  assert.is(await emu.waitForOutput(/seen [^\n]*/), 'seen b1');
  assert.is(emu.eval('Object.keys(o).length'), 0); // listeners are hidden
});

test('process.memory() reports the pool in 14-byte blocks', ({ emu }) => {
  const m = emu.eval('process.memory()');
  assert.is(m.total, 10000);
  assert.is(m.blocksize, 14);
  assert.is(m.free + m.usage, m.total);
});

test.run();
