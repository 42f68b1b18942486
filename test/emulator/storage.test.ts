// Storage: the board's write/offset/size semantics and limits, boot code, and
// what survives a power cut or a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { STORAGE_CAPACITY } from '../../tools/emulator/flash.ts';
import { Emulator } from '../../tools/emulator/index.ts';

const test = suite<{ dirs: string[] }>('storage', { dirs: [] });
test.after((ctx) => {
  for (const d of ctx.dirs) rmSync(d, { recursive: true, force: true });
});

function freshDir(ctx: { dirs: string[] }): string {
  const d = mkdtempSync(join(tmpdir(), 'emu-storage-test-'));
  ctx.dirs.push(d);
  return d;
}

function errorOf(emu: Emulator, code: string): string {
  try {
    emu.eval(code);
  } catch (e) {
    return String(e);
  }
  return '(no error)';
}

test('write/read round trip of 8-bit data, JSON, ArrayBuffer, list, erase', async () => {
  const emu = await Emulator.start({});
  try {
    emu.eval('var S = require("Storage"); S.write("bin", E.toString([0, 1, 255])); S.writeJSON("cfg", { a: [1, "x"] });');
    assert.is(emu.eval('S.read("bin").length'), 3);
    assert.is(emu.eval('S.read("bin").charCodeAt(2)'), 255);
    assert.equal(emu.eval('JSON.stringify(S.readJSON("cfg"))'), '{"a":[1,"x"]}');
    assert.is(emu.eval('new Uint8Array(S.readArrayBuffer("bin"))[2]'), 255);
    assert.is(emu.eval('S.read("cfg", 2, 3)'), 'a":');
    assert.equal(emu.eval('S.list().join()'), 'bin,cfg');
    assert.equal(emu.eval('S.list(/^c/).join()'), 'cfg');
    emu.eval('S.erase("bin")');
    assert.is(emu.eval('S.read("bin")'), undefined);
    assert.is(emu.eval('S.readJSON("nothing")'), undefined);
    emu.eval('S.write("bad", "{")');
    assert.match(errorOf(emu, 'S.readJSON("bad")'), /SyntaxError/);
  } finally {
    await emu.stop();
  }
});

test('write(name, data, offset, size): fixed size on creation, filled later, never overwritten', async () => {
  const emu = await Emulator.start({});
  try {
    emu.eval('var S = require("Storage"); S.write("f", "Hello", 0, 14); S.write("f", " ", 5); S.write("f", "World!!!", 6);');
    assert.is(emu.eval('S.read("f")'), 'Hello World!!!');
    emu.eval('S.write("g", "ab", 0, 6)');
    assert.is(emu.eval('S.read("g")'), 'ab\xff\xff\xff\xff', 'unwritten flash reads as 0xFF');
    assert.match(errorOf(emu, 'S.write("g", "xyz", 0 + 1)'), /File already written with different data/);
    assert.match(errorOf(emu, 'S.write("g", "abcde", 2)'), /Too much data for file size/);
    assert.match(errorOf(emu, 'S.write("missing", "x", 3)'), /Unable to find or create file/);
    assert.match(errorOf(emu, 'S.write("empty", "")'), /Can't create zero length file/);
    // a plain write replaces the whole file, whatever its size was
    emu.eval('S.write("f", "short")');
    assert.is(emu.eval('S.read("f")'), 'short');
    emu.eval('S.write("f", "again")');
    assert.is(emu.eval('S.read("f")'), 'again');
  } finally {
    await emu.stop();
  }
});

test('names are cut to 28 characters, so longer names collide', async () => {
  const emu = await Emulator.start({});
  try {
    const a = 'n'.repeat(28) + 'A';
    const b = 'n'.repeat(28) + 'B';
    emu.eval(`var S = require("Storage"); S.write("${a}", "first"); S.write("${b}", "second");`);
    assert.is(emu.eval('S.list().join()'), 'n'.repeat(28));
    assert.is(emu.eval(`S.read("${a}")`), 'second');
  } finally {
    await emu.stop();
  }
});

test('the 896 KB area fills up with Espruino\'s error; erased files come back after compaction', async () => {
  const emu = await Emulator.start({});
  try {
    assert.is(emu.eval('require("Storage").getFree()'), STORAGE_CAPACITY);
    // 13 files of 64 KB (+32-byte headers) fit, the 14th does not
    emu.eval('var S = require("Storage"); var big = new Uint8Array(65536); for (var i = 0; i < 13; i++) S.write("big" + i, big);');
    assert.match(errorOf(emu, 'S.write("big13", big)'), /Error: Unable to find or create file/);
    emu.eval('S.erase("big0"); S.erase("big1");');
    emu.eval('S.write("big13", big)'); // compaction makes room
    assert.ok(emu.eval('S.list().indexOf("big13") >= 0'));
  } finally {
    await emu.stop();
  }
});

test('a power cut between two writes keeps the first; one inside a replace loses the file', async (ctx) => {
  const storageDir = freshDir(ctx);
  const emu = await Emulator.start({ storageDir });
  emu.eval('var S = require("Storage"); S.write("state", "v1");');
  // replacing a file is three flash operations: erase the old one, create the new one, fill it
  emu.armPowerCut(3);
  let err = '';
  try {
    emu.eval('S.write("state", "v2"); S.write("other", "x"); print("after the cut");');
  } catch (e) {
    err = String(e);
  }
  assert.match(err, /Power lost/);
  assert.is(emu.running, false);
  assert.not.match(emu.output, /after the cut/);
  await emu.restart();
  assert.is(emu.eval('require("Storage").read("state")'), 'v2');
  assert.is(emu.eval('require("Storage").read("other")'), undefined);
  // cut after the old file was erased and the new one created, before it is filled
  emu.armPowerCut(2);
  try {
    emu.eval('require("Storage").write("state", "v3")');
  } catch {
    // the write does not complete
  }
  await emu.restart();
  assert.is(emu.eval('require("Storage").read("state")'), '\xff\xff', 'a created but unfilled file');
  // (an erased file of the right size is reused as it is: the next write fills it in one operation)
  emu.armPowerCut(1);
  try {
    emu.eval('require("Storage").write("state", "v4, longer")');
  } catch {
    // the write does not complete
  }
  await emu.restart();
  assert.is(emu.eval('require("Storage").read("state")'), undefined, 'erased, not yet recreated');
  await emu.stop();
});

test('powerCut(): timers die, nothing more is written; restart() runs .bootcde on the same flash', async (ctx) => {
  const storageDir = freshDir(ctx);
  const emu = await Emulator.start({ storageDir, virtualTime: true });
  emu.eval(`var S = require("Storage");
    E.setBootCode('print("booted " + (require("Storage").read("count") || "none"));');
    setTimeout(function () { S.write("count", "late"); }, 1000);`);
  await emu.powerCut();
  await emu.advance(2).catch(() => undefined);
  await emu.restart();
  assert.is(await emu.waitForOutput(/booted \w+/), 'booted none');
  emu.eval('require("Storage").write("count", "1")');
  await emu.stop();
  // another emulator on the same directory is the same board
  const again = await Emulator.start({ storageDir });
  try {
    assert.is(await again.waitForOutput(/booted \w+/), 'booted 1');
  } finally {
    await again.stop();
  }
});

test('boot order: .boot0 then .bootcde, then E.on("init") and onInit(); reset() skips .bootcde, load() runs it', async (ctx) => {
  const storageDir = freshDir(ctx);
  const emu = await Emulator.start({ storageDir });
  emu.eval(`var S = require("Storage");
    S.write(".boot0", 'print("step boot0");');
    S.write(".bootcde", 'print("step bootcde"); E.on("init", function () { print("step init"); }); function onInit() { print("step onInit"); }');`);
  await emu.restart();
  await emu.waitForOutput('step boot0');
  await emu.waitForOutput('step bootcde');
  await emu.waitForOutput('step init');
  await emu.waitForOutput('step onInit');
  emu.eval('var marker = 1; reset();');
  await emu.waitForOutput('step boot0');
  assert.is(emu.eval('typeof marker'), 'undefined', 'reset() cleared RAM');
  assert.not.match(emu.output.slice(emu.output.lastIndexOf('step boot0')), /step bootcde/);
  emu.eval('load()');
  await emu.waitForOutput('step bootcde');
  await emu.stop();
});

test('save() refuses while .bootcde exists', async () => {
  const emu = await Emulator.start({});
  try {
    emu.eval('E.setBootCode("var x = 1;"); save();');
    await emu.waitForOutput(/ERROR: save\(\) will not run while \.bootcde exists/);
  } finally {
    await emu.stop();
  }
});

test.run();
