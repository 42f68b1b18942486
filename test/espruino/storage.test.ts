// Storage and boot on the real interpreter: the write/offset/size semantics,
// names, size and JSON helpers the gateway's files rely on (src/gateway/store.ts,
// npm run flash), strings that point into flash, the boot order, load() and
// reset(), and what a power cut (SIGKILL) keeps.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Interpreter } from '../../tools/espruino/interpreter.ts';
import { errorOf, startBoard } from './board.ts';

const test = suite<{ it: Interpreter }>('Storage', {} as { it: Interpreter });
test.before.each(async (ctx) => {
  ctx.it = await startBoard();
  await ctx.it.eval('global.S = require("Storage")');
});
test.after.each(async (ctx) => {
  await ctx.it.stop();
});

test('896 KB; read/write of 8-bit data; list (with a RegExp), erase, readArrayBuffer, read(name, offset, length)', async ({ it }) => {
  assert.equal(await it.eval('[S.getFree(), S.getStats().totalBytes, S.list()]'), [917504, 917504, []]);
  assert.equal(await it.eval('S.write("bin", E.toString([0, 1, 255])); S.write("cfg", "0123456789"); [S.read("bin").length, S.read("bin").charCodeAt(2), new Uint8Array(S.readArrayBuffer("bin"))[2], S.read("cfg", 2, 3)]'),
    [3, 255, 255, '234']);
  assert.equal(await it.eval('[S.list(), S.list(/^c/)]'), [['bin', 'cfg'], ['cfg']]);
  assert.equal(await it.eval('S.erase("bin"); S.erase("never was"); [typeof S.read("bin"), S.list()]'), ['undefined', ['cfg']]);
  // a file costs its length plus a header, rounded up
  assert.is(await it.eval('var f = S.getFree(); S.write("h", "12345678"); f - S.getFree()'), 40);
});

test('writeJSON/readJSON: readJSON of a missing file is undefined, of a bad one throws (or undefined with noExceptions)', async ({ it }) => {
  assert.equal(await it.eval('S.writeJSON("j", { a: [1, "x"], "b-c": 2 }); [S.readJSON("j"), typeof S.readJSON("nothing")]'), [{ a: [1, 'x'], 'b-c': 2 }, 'undefined']);
  // writeJSON writes E.toJS's text (keys unquoted where it can), not JSON
  assert.is(await it.eval('S.read("j")'), '{a:[1,"x"],"b-c":2}');
  assert.match(await errorOf(it, 'S.write("bad", "{"); S.readJSON("bad")'), /SyntaxError/);
  assert.is(await it.eval('typeof S.readJSON("bad", true)'), 'undefined');
});

test('write(name, data, offset, size): fixed size on the first call, filled by later ones; unwritten bytes read 0xFF', async ({ it }) => {
  assert.is(await it.eval('S.write("f", "Hello", 0, 14); S.write("f", " ", 5); S.write("f", "World!!!", 6); S.read("f")'), 'Hello World!!!');
  assert.is(await it.eval('S.write("g", "ab", 0, 6); S.read("g")'), 'ab\xff\xff\xff\xff');
  assert.match(await errorOf(it, 'S.write("g", "xyz", 1)'), /File already written with different data/);
  assert.match(await errorOf(it, 'S.write("g", "abcde", 2)'), /Too much data for file size/);
  assert.match(await errorOf(it, 'S.write("missing", "x", 3)'), /Unable to find or create file/);
  assert.match(await errorOf(it, 'S.write("empty", "")'), /Can't create zero length file/);
  // a write without offset (or at 0 without size) replaces the whole file, whatever its size; it returns true
  assert.equal(await it.eval('[S.write("f", "short"), S.read("f"), S.write("g", "zz", 0), S.read("g")]'), [true, 'short', true, 'zz']);
});

test('names are cut to 28 characters, so longer names collide', async ({ it }) => {
  const a = 'n'.repeat(28) + 'A';
  const b = 'n'.repeat(28) + 'B';
  assert.equal(await it.eval(`S.write("${a}", "first"); S.write("${b}", "second"); [S.list(/^n/), S.read("${a}")]`), [['n'.repeat(28)], 'second']);
});

test('a string read from Storage points into flash (one JsVar): when its file is erased or rewritten it becomes null', async ({ it }) => {
  assert.equal(await it.eval('S.write("big", "x".repeat(1000)); [E.getSizeOf(S.read("big")), E.getSizeOf("x".repeat(1000)) > 50]'), [1, true]);
  assert.equal(await it.eval('S.write("a", "old"); global.kept = S.read("a"); global.copy = kept + ""; S.write("a", "new"); [kept, typeof kept, copy, S.read("a")]'),
    [null, 'object', 'old', 'new']);
  assert.equal(await it.eval('S.write("b", "text"); global.kept2 = S.read("b"); S.erase("b"); [kept2, copy]'), [null, 'old']);
  // so do the strings cut from it; a concatenation, a character or JSON.parse makes a copy in RAM
  assert.equal(await it.eval(`S.write("c", "0123456789"); var c = S.read("c");
    global.cut = [c.substr(2, 3), c.substring(2, 5), c.slice(2, 5), c.split("5")[0], E.toString(c)];
    global.copied = [c + "", c[3], JSON.parse('"' + c + '"')]; S.erase("c"); [cut, copied]`), [[null, null, null, null, null], ['0123456789', '3', '0123456789']]);
});

test('when the area is full, write() fails with an error; erased files\' room comes back by compaction', async ({ it }) => {
  // (a 64 KB typed array may not find 64 KB of contiguous JsVars: 16 KB ones do)
  await it.eval('global.block = new Uint8Array(16384)');
  const n = await it.eval<number>('var n = 0; try { for (;;) { S.write("f" + n, block); n++; } } catch (e) { global.fullError = String(e); } n', 60000);
  assert.is(n, 55); // 55 × (16 KB + header) fit in 896 KB
  assert.match(await it.eval<string>('fullError'), /Unable to find or create file/);
  assert.equal(await it.eval('S.erase("f0"); S.erase("f1"); [S.getStats().trashCount, S.write("f55", block), S.list().length, S.getStats().trashCount]', 60000), [2, true, 54, 0]);
});

test('boot: .boot0, then .bootcde, E.on("init"), onInit(); load() fires "kill" and boots again; reset() skips .bootcde', async ({ it }) => {
  await it.eval(`S.write(".boot0", 'print("step boot0");');
    E.setBootCode('print("step bootcde"); E.on("init", function () { print("step init"); }); E.on("kill", function () { print("step kill"); }); function onInit() { print("step onInit"); }');`);
  await it.restart();
  await it.waitForOutput('step onInit');
  assert.match(it.output, /step boot0\r\nstep bootcde\r\nstep init\r\n(Running onInit\(\)\.\.\.\r\n)?step onInit/);
  let from = it.output.length;
  await it.eval('global.marker = 1; load()'); // load() runs after the command that called it
  await it.waitForOutput('step onInit');
  assert.match(it.output.slice(from), /step kill\r\nstep boot0\r\nstep bootcde\r\nstep init/);
  assert.is(await it.eval('typeof marker'), 'undefined', 'load() cleared RAM');
  from = it.output.length;
  await it.eval('reset()');
  await it.waitForOutput('step boot0');
  await it.eval('1');
  assert.match(it.output.slice(from), /step kill\r\nstep boot0/);
  assert.not.match(it.output.slice(from), /step bootcde/);
  assert.match(await errorOf(it, 'save()'), /Cannot save: \.bootcde file already exists/);
});

test('a power cut (SIGKILL) keeps every completed write; the board boots from the same flash', async ({ it }) => {
  await it.eval('E.setBootCode("print(\\"boot count \\" + (require(\\"Storage\\").read(\\"count\\") || \\"none\\"))"); S.write("count", "1")');
  await it.kill();
  await it.restart();
  await it.waitForOutput('boot count 1');
});

test.run();
