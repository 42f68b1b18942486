// `npm start` smoke test: the demo comes up (broker, gateway image in the
// emulator, three sensors), prints a dashboard URL and an admin password that
// logs in, shows the three sensors, and on SIGINT every process it started ends.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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
    assert.match(out, /demo: greenhouse holds the PSK "[0-9a-f]+"/);

    const admin = await adminLogin(url.replace(/\/$/, ''), password);
    const devices = await waitFor(async () => {
      const list = await admin.devices();
      return list.length === 3 ? list : undefined;
    }, 30000, 'three sensors at the gateway');
    assert.equal(devices.map((d: any) => d.device_id).sort(), ['garage', 'greenhouse', 'kitchen']);
    assert.ok(devices.every((d: any) => d.status === 'pending'), 'waiting for the admin');

    tree = descendants(child.pid!);
    assert.ok(tree.length >= 1, 'the gateway runs as a child process');
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

test('npm start: a bad flag gives one line, the usage, and exit 2', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/start/main.ts', '--http-port', 'eighty'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.is(code, 2);
  assert.match(err, /^demo: --http-port must be a port number/);
  assert.match(err, /usage: npm start/);
});

test.run();
