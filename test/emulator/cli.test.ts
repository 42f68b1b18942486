// npm run emu: like Espruino's Linux build (a file, -e, or the flash's boot code).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runTool } from '../run-tool.ts';

function emu(args: string[], timeoutMs = 20000) {
  return runTool('tools/emulator/cli.ts', args, timeoutMs);
}

const test = suite<{ dir: string }>('npm run emu', { dir: '' });
test.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'emu-cli-test-'));
});
test.after((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

test('runs a file until the board has nothing left to do', async ({ dir }) => {
  const file = join(dir, 'prog.js');
  writeFileSync(file, 'print("started"); setTimeout(function () { print("timer " + (1 + 1)); }, 50);');
  const r = await emu([file]);
  assert.is(r.code, 0);
  assert.is(r.out, 'started\ntimer 2\n');
});

test('-e evaluates and prints =result', async () => {
  const r = await emu(['-e', '[1,2].map(function (x) { return x * 21; })']);
  assert.is(r.code, 0);
  assert.is(r.out, '=[ 21, 42 ]\n');
});

test('with neither, it boots the boot code kept in --storage', async ({ dir }) => {
  const storage = join(dir, 'flash');
  const setup = join(dir, 'setup.js');
  writeFileSync(setup, 'E.setBootCode("print(\\"from flash\\");");');
  assert.is((await emu(['--storage', storage, setup])).code, 0);
  const r = await emu(['--storage', storage]);
  assert.is(r.code, 0);
  assert.is(r.out, 'from flash\n');
});

test('bad flags: a one-line error, the usage, exit 2', async () => {
  for (const args of [['--nope'], ['--vars', 'lots'], ['--port', '80'], ['/no/such/file.js']]) {
    const r = await emu(args);
    assert.is(r.code, 2, args.join(' '));
    const lines = r.err.trim().split('\n');
    assert.match(lines[0], /^emu: /);
    assert.match(lines[1], /^usage: npm run emu/);
  }
});

test.run();
