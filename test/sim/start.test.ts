// `npm start` smoke test: the demo comes up (broker, the gateway image on the
// real Espruino interpreter, three sensors), prints a dashboard URL and an
// admin password that logs in, shows the three sensors, and on SIGINT every
// process it started ends; killed outright, its interpreter dies with it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../tools/ports.ts';
import { ROOT, sleep, waitFor } from '../device/rig.ts';
import { adminLogin } from '../../tools/sim/admin.ts';

// Every live descendant of `pid`, from /proc.
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(fields[1]));
    } catch {
      // ended meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) if (pp === p) {
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

/** The host interpreter among `pids` (its binary lives in .espruino-host/VARIANT-KEY/), with its variant. */
function interpreterOf(pids: number[]): { pid: number; variant: string } | undefined {
  for (const pid of pids) {
    try {
      const m = /\.espruino-host\/(stock|custom)-[0-9a-f]+\/espruino/.exec(readFileSync(`/proc/${pid}/cmdline`, 'latin1'));
      if (m) return { pid, variant: m[1] };
    } catch {
      // ended meanwhile
    }
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

test('npm start: URL and password printed, three sensors listed, SIGINT ends every process', async () => {
  const brokerPort = await freePort();
  const httpPort = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/start/main.ts', '--broker-port', String(brokerPort), '--http-port', String(httpPort)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let tree: number[] = [];
  try {
    await waitFor(() => /demo: admin password \S+/.test(out) && /demo: dashboard http/.test(out), 90000, 'the demo to print its URL and password:\n' + out);
    const url = /demo: dashboard (http:\/\/\S+)/.exec(out)![1];
    const password = /demo: admin password (\S+)/.exec(out)![1];
    assert.is(url, `http://127.0.0.1:${httpPort}/`);
    assert.ok(password.length >= 12, 'a generated password of some strength');
    assert.match(out, /demo: greenhouse holds the PSK "[0-9a-f]{4}(-[0-9a-f]{4}){7}"/);

    const admin = await adminLogin(url.replace(/\/$/, ''), password);
    const devices = await waitFor(async () => {
      const list = await admin.devices();
      return list.length === 3 ? list : undefined;
    }, 30000, 'three sensors at the gateway');
    assert.equal(devices.map((d: any) => d.device_id).sort(), ['garage', 'greenhouse', 'kitchen']);
    assert.ok(devices.every((d: any) => d.status === 'pending'), 'waiting for the admin');

    tree = descendants(child.pid!);
    assert.is(interpreterOf(tree)?.variant, 'custom', 'the gateway runs on the custom firmware\'s interpreter, a child process');
    child.kill('SIGINT');
    const code = await Promise.race([exited, sleep(20000).then(() => 'still running')]);
    assert.is(code, 0, 'exits 0 after Ctrl-C:\n' + out.slice(-2000));
    await waitFor(() => tree.every((p) => !alive(p)), 10000, `children ${tree.join(', ')} to end`);
    assert.match(out, /demo: stopping/);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    for (const p of tree) if (alive(p)) process.kill(p, 'SIGKILL');
  }
});

test('npm start --variant stock: the stock interpreter, which dies with a launcher killed outright', async () => {
  const storage = mkdtempSync(join(tmpdir(), 'start-test-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'tools/start/main.ts', '--variant', 'stock', '--broker-port', String(await freePort()), '--http-port', String(await freePort()), '--storage', storage],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  let board: { pid: number; variant: string } | undefined;
  try {
    // the first boot on stock firmware makes the gateway's key in pure JS: seconds
    await waitFor(() => /demo: dashboard http/.test(out), 180000, 'the demo on stock firmware:\n' + out);
    assert.match(out, /on the Espruino 2v29 interpreter for this PC \(stock firmware\)/);
    board = interpreterOf(descendants(child.pid!));
    assert.is(board?.variant, 'stock');
    child.kill('SIGKILL'); // no Ctrl-C handler runs: the launch shim's parent-death signal ends the board
    await waitFor(() => !alive(board!.pid), 10000, `interpreter ${board!.pid} to end with its launcher`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    if (board && alive(board.pid)) process.kill(board.pid, 'SIGKILL');
    rmSync(storage, { recursive: true, force: true });
  }
});

test('npm start: a bad flag gives one line, the usage, and exit 2', async () => {
  for (const [args, re] of [
    [['--http-port', 'eighty'], /^demo: --http-port must be a port number/],
    [['--variant', 'esp8266'], /^demo: --variant must be stock or custom/],
    [['--color'], /^demo: unknown option "--color"/],
  ] as [string[], RegExp][]) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/start/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.is(code, 2, args.join(' '));
    assert.match(err, re);
    assert.match(err, /usage: npm start/);
  }
});

test.run();
