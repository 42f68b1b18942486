// npm run emu (tools/espruino/cli.ts): the real interpreter as a board on the
// desk: a program, -e on a board booted from Storage, the console on
// stdin/stdout, telnet and device ports on host ports, Ctrl-C and SIGTERM.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT, runTool } from '../run-tool.ts';

function emu(args: string[], timeoutMs = 30000) {
  return runTool('tools/espruino/cli.ts', args, timeoutMs);
}

/** The CLI as a long-running child whose stdin the test types into. */
class Console {
  readonly child: ChildProcessWithoutNullStreams;
  out = '';
  err = '';
  readonly closed: Promise<number | null>;
  constructor(args: string[]) {
    this.child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'tools/espruino/cli.ts'), ...args], { cwd: ROOT });
    this.child.stdout.on('data', (d) => (this.out += d.toString('latin1')));
    this.child.stderr.on('data', (d) => (this.err += d.toString('latin1')));
    this.closed = new Promise((r) => this.child.on('close', (code) => r(code)));
  }

  async waitFor(re: RegExp, where: 'out' | 'err' = 'out', ms = 20000): Promise<RegExpExecArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = re.exec(this[where]);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`no ${re} in ${where}:\n${this.out}\n--- stderr:\n${this.err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

const test = suite<{ dir: string }>('npm run emu', { dir: '' });
test.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'emu-cli-test-'));
});
test.after((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

test('FILE: runs the program until it has nothing left to do; the host launcher\'s lines are not shown', async ({ dir }) => {
  const file = join(dir, 'prog.js');
  writeFileSync(file, 'print("started"); setTimeout(function () { print("timer " + (1 + 1)); }, 50);');
  const r = await emu([file]);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /started\r\n[^]*timer 2\r\n/);
  assert.not.match(r.out, /espruino: |portmap: /);
});

test('-e: evaluates on the board and prints =result as its REPL does; exit 1 when it throws', async () => {
  const r = await emu(['-e', '[1,2].map(function (x) { return x * 21; })']);
  assert.is(r.code, 0, r.err);
  assert.is(r.out, '=[ 21, 42 ]\n');
  const printed = await emu(['-e', 'print("hi"); "s"']);
  assert.is(printed.out, 'hi\n="s"\n');
  const bad = await emu(['-e', 'throw new Error("bad")']);
  assert.is(bad.code, 1);
  assert.match(bad.out, /^Uncaught Error: bad\n/);
  const stock = await emu(['--variant', 'stock', '-e', 'process.env.MODULES.indexOf("GatewayCrypto")']);
  assert.is(stock.out, '=-1\n');
});

test('--storage: -e writes the flash; without FILE the board boots .bootcde from it; the console is stdin/stdout', async ({ dir }) => {
  const storage = join(dir, 'flash');
  const w = await emu(['--storage', storage, '-e', 'require("Storage").write(".bootcde", "print(\\"from flash \\" + (6 * 7))")']);
  assert.is(w.out, '=true\n', w.err);
  const c = new Console(['--storage', storage]);
  try {
    await c.waitFor(/from flash 42\r\n/);
    await c.waitFor(/Storage in .*flash/, 'err');
    c.child.stdin.write('print("typed " + (1 + 1))\n');
    await c.waitFor(/typed 2\r\n/);
    c.child.stdin.end(); // the end of a pipe leaves the board running
    await new Promise((r) => setTimeout(r, 300));
    assert.is(c.child.exitCode, null);
  } finally {
    c.kill();
  }
  // -e sees the same flash, booted
  const again = await emu(['--storage', storage, '-e', 'require("Storage").list()']);
  assert.is(again.out, '=[ \n  ".bootcde"\n ]\n');
});

test('quit() on the board ends the CLI with the board\'s exit code', async () => {
  const c = new Console([]);
  try {
    await c.waitFor(/>/);
    c.child.stdin.write('quit()\n');
    assert.is(await c.closed, 0);
  } finally {
    c.kill();
  }
});

test('Ctrl-C (SIGINT) interrupts the board; a second one ends it; SIGTERM ends it', async () => {
  const c = new Console([]);
  try {
    await c.waitFor(/>/);
    c.child.stdin.write('while (true) {}\n');
    await new Promise((r) => setTimeout(r, 300));
    c.child.kill('SIGINT');
    await c.waitFor(/Execution Interrupted/);
    await c.waitFor(/Ctrl-C again/, 'err');
    c.child.stdin.write('print("alive after the interrupt")\n');
    await c.waitFor(/alive after the interrupt/);
    assert.is(c.child.exitCode, null);
    c.child.kill('SIGINT');
    assert.is(await c.closed, 0);
  } finally {
    c.kill();
  }
  const t = new Console([]);
  try {
    await t.waitFor(/>/);
    t.child.kill('SIGTERM');
    assert.is(await t.closed, 0);
  } finally {
    t.kill();
  }
});

test('--telnet and --port: the console on a TCP port, a device port on a host port', async () => {
  const c = new Console(['--telnet', '0', '--port', '80:0']);
  try {
    const telnet = Number((await c.waitFor(/telnet console on 127\.0\.0\.1:(\d+)/, 'err'))[1]);
    const web = Number((await c.waitFor(/port 80 on 127\.0\.0\.1:(\d+)/, 'err'))[1]);
    const sock = net.connect(telnet, '127.0.0.1');
    let said = '';
    sock.on('data', (d) => (said += d.toString('latin1')));
    await new Promise((r) => sock.once('connect', r));
    sock.write('require("http").createServer(function (q, s) { s.end("served " + q.url); }).listen(80); print("via telnet")\n');
    const deadline = Date.now() + 10000;
    while (!said.includes('via telnet') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(said, /via telnet/);
    await c.waitFor(/-> Telnet/); // the board's own console notes the switch
    const res = await fetch(`http://127.0.0.1:${web}/x`);
    assert.is(await res.text(), 'served /x');
    sock.destroy();
  } finally {
    c.kill();
  }
});

test('bad flags: one line, the usage, exit 2', async () => {
  for (const args of [['--nope'], ['--telnet', 'lots'], ['--port', '80'], ['--variant', 'pro'], ['/no/such/file.js'], ['-e'], ['a.js', 'b.js']]) {
    const r = await emu(args);
    assert.is(r.code, 2, args.join(' '));
    const lines = r.err.trim().split('\n');
    assert.match(lines[0], /^emu: /);
    assert.match(lines[1], /^usage: npm run emu/);
    assert.is(r.out, '');
  }
});

test.run();
