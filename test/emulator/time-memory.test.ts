// Virtual time and clock jumps; the JsVar model and running out of it; the watchdog.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Emulator } from '../../tools/emulator/index.ts';

const test = suite('time and memory');

test('virtual time: a 60-second timeout fires on advance(), not before, in far less real time', async () => {
  const emu = await Emulator.start({ virtualTime: true, startTime: 1_700_000_000 });
  try {
    emu.eval(`var t0 = getTime(), ticks = 0;
      setTimeout(function () { print("timeout after " + Math.round(getTime() - t0) + " s"); }, 60000);
      setInterval(function () { ticks++; }, 1000);`);
    await emu.advance(59.5);
    assert.not.match(emu.output, /timeout after/);
    assert.is(emu.eval('ticks'), 59);
    await emu.advance(1);
    assert.is(await emu.waitForOutput(/timeout after \d+ s/), 'timeout after 60 s');
    assert.is(emu.eval('ticks'), 60);
    assert.is(emu.eval('new Date().getTime()'), Math.round(emu.eval('getTime()') * 1000));
  } finally {
    await emu.stop();
  }
});

test('virtual time: without advance() nothing due later runs; zero-delay timers still do', async () => {
  const emu = await Emulator.start({ virtualTime: true });
  try {
    emu.eval('var later = 0; setTimeout(function () { later = 1; }, 10); setTimeout(function () { print("soon"); }, 0);');
    await emu.waitForOutput('soon');
    await new Promise((r) => setTimeout(r, 50));
    assert.is(emu.eval('later'), 0);
  } finally {
    await emu.stop();
  }
});

test('setClock() jumps the RTC; timers keep their schedule; setTime marks the clock set', async () => {
  const emu = await Emulator.start({ virtualTime: true, startTime: 1000 });
  try {
    emu.eval('setTimeout(function () { print("due"); }, 5000);');
    emu.setClock(2_000_000_000);
    assert.is(Math.round(emu.eval('getTime()')), 2_000_000_000);
    await emu.advance(4);
    assert.not.match(emu.output, /due/);
    await emu.advance(1.5);
    await emu.waitForOutput('due');
    assert.is(emu.clockSet, false);
    emu.eval('setTime(1700000000)');
    assert.is(emu.clockSet, true);
  } finally {
    await emu.stop();
  }
});

test('memory(): the estimate grows with what the program keeps, closures included', async () => {
  const emu = await Emulator.start({});
  try {
    const base = emu.memory();
    assert.is(base.blocksize, 14);
    assert.is(base.total, 10000);
    emu.eval('(function () { var table = []; for (var i = 0; i < 200; i++) table.push({ id: "device" + i, n: i }); global.count = function () { return table.length; }; })();');
    const after = emu.memory();
    // 200 objects of 1 var + 2 properties each, behind an array index: about 4-6 vars per entry
    assert.ok(after.usage - base.usage > 700, `grew by ${after.usage - base.usage}`);
    assert.ok(after.usage - base.usage < 1500, `grew by ${after.usage - base.usage}`);
    assert.is(after.free + after.usage, after.total);
    assert.is(emu.eval('process.memory().usage'), after.usage);
    emu.eval('global.count = undefined');
    assert.ok(emu.memory().usage - base.usage < 20, 'dropped state is not counted');
  } finally {
    await emu.stop();
  }
});

test('E.getSizeOf follows the model', async () => {
  const emu = await Emulator.start({});
  try {
    assert.is(emu.eval('E.getSizeOf({})'), 1);
    assert.is(emu.eval('E.getSizeOf({ a: 1, b: true })'), 3);
    assert.is(emu.eval('E.getSizeOf([1, 2, 3])'), 4);
    assert.is(emu.eval('E.getSizeOf({ longname: "a string of 30 characters....." })'), 1 + 2 + 3);
    assert.is(emu.eval('E.getSizeOf(new Uint8Array(24))'), 1 + 1 + 3);
  } finally {
    await emu.stop();
  }
});

test('running out of JsVars: "Out of Memory!", the MEMORY flag, the callback stopped, the board goes on', async () => {
  const emu = await Emulator.start({ vars: 3000 });
  try {
    emu.eval(`var hog = [];
      setTimeout(function () {
        try { for (var i = 0; ; i++) hog.push("entry number " + i); } catch (e) { print("never caught"); }
      }, 1);
      setTimeout(function () { print("next callback ran"); }, 20);`);
    await emu.waitForOutput('ERROR: Out of Memory!');
    await emu.waitForOutput('Execution Interrupted');
    await emu.waitForOutput('next callback ran');
    assert.not.match(emu.output, /never caught/);
    const n = emu.eval('hog.length');
    assert.ok(n > 500 && n < 20000, `stopped after ${n} entries`);
    assert.equal(emu.eval('E.getErrorFlags().join()'), 'LOW_MEMORY,MEMORY');
    emu.eval('hog = undefined');
    assert.ok(emu.memory().usage < 3000);
  } finally {
    await emu.stop();
  }
});

test('state that grows across callbacks past the pool is reported', async () => {
  const emu = await Emulator.start({ vars: 2000, virtualTime: true });
  try {
    emu.eval('var kept = []; setInterval(function () { for (var i = 0; i < 20; i++) kept.push({ k: "x" + kept.length }); }, 100);');
    await emu.advance(5);
    const m = emu.memory();
    assert.ok(m.usage > m.total, 'over the pool');
    assert.is(m.free, 0);
    emu.eval('clearInterval()');
  } finally {
    await emu.stop();
  }
});

test('a callback that never returns is interrupted instead of hanging the host', async () => {
  const emu = await Emulator.start({ busyLimitMs: 300 });
  try {
    emu.eval('setTimeout(function () { while (true) {} }, 1); setTimeout(function () { print("alive"); }, 5);');
    await emu.waitForOutput('Execution Interrupted');
    await emu.waitForOutput('alive');
  } finally {
    await emu.stop();
  }
});

test.run();
