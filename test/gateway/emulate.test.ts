// `npm run emulate`: flag errors, a run on the real interpreter against a
// broker (dashboard line, admin API, clean stop on SIGTERM), and state kept in
// the same --storage across a second run on the stock-firmware variant.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../tools/ports.ts';
import { readStorage } from '../../tools/espruino/interpreter.ts';
import { FALLBACK_MODULE } from '../../src/crypto/espruino.ts';
import { createAedes } from '../mqtt/brokers.ts';
import type { AedesBroker } from '../mqtt/brokers.ts';
import { Admin } from './device.ts';
import { ROOT } from './harness.ts';

const TOOL = ['--import', 'tsx', join(ROOT, 'tools/emulate/main.ts')];
let broker: AedesBroker;
let storage: string;

test.before(async () => {
  broker = await createAedes();
  storage = mkdtempSync(join(tmpdir(), 'gw-emulate-'));
});

test.after(async () => {
  await broker?.close();
  rmSync(storage, { recursive: true, force: true });
});

test('bad flags: one-line error, the usage, exit 2', () => {
  const cases = [
    [],
    ['--broker', 'mqtt://127.0.0.1:1', '--http-port', '80x', '--storage', storage, '--admin-password', 'p'],
    ['--broker', 'tcp:/nope', '--http-port', '8080', '--storage', storage, '--admin-password', 'p'],
    ['--broker', 'mqtt://127.0.0.1:1', '--http-port', '8080', '--storage', storage, '--admin-password', 'p', '--offline-timeout', '1'],
    ['--broker', 'mqtt://127.0.0.1:1', '--http-port', '8080', '--storage', storage, '--admin-password', 'p', '--prefix', 'a/#'],
    ['--broker', 'mqtt://127.0.0.1:1', '--http-port', '8080', '--storage', storage, '--admin-password', 'p', '--variant', 'esp8266'],
    ['--what'],
    ['--broker'],
  ];
  for (const args of cases) {
    const r = spawnSync(process.execPath, [...TOOL, ...args], { cwd: ROOT, encoding: 'utf8' });
    assert.is(r.status, 2, args.join(' ') + '\n' + r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.is(lines.length, 2, r.stderr);
    assert.match(lines[0], /^emulate: /);
    assert.match(lines[1], /^usage: npm run emulate -- --broker/);
  }
});

async function run(port: number, extra: string[] = []): Promise<{ stop: () => Promise<number | null>; out: () => string }> {
  const p = spawn(
    process.execPath,
    [...TOOL, '--broker', 'mqtt://127.0.0.1:' + broker.port, '--http-port', String(port), '--storage', storage, '--admin-password', 'emulate-pw', ...extra],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  const deadline = Date.now() + 240000; // room for a build when src is newer than dist
  while (!out.includes('dashboard: ')) {
    if (Date.now() > deadline || p.exitCode !== null) {
      p.kill('SIGKILL');
      throw new Error('no dashboard line:\n' + out);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    out: () => out,
    stop: async () => {
      p.kill('SIGTERM');
      return exited;
    },
  };
}

test('runs the image against the broker, prints the dashboard URL, stops on SIGTERM, keeps state (custom, then stock)', async () => {
  const port = await freePort();
  const g = await run(port, ['--offline-timeout', '45']);
  assert.match(g.out(), new RegExp(`dashboard: http://127\\.0\\.0\\.1:${port}/`));
  const admin = new Admin(`http://127.0.0.1:${port}`);
  await admin.login('emulate-pw');
  const cfg = await admin.ok('GET', '/api/config');
  assert.is(cfg.offline_timeout, 45);
  assert.is(cfg.broker, 'mqtt://127.0.0.1:' + broker.port);
  await admin.ok('PUT', '/api/config', { limits: { pending: 7 } });
  const page = await fetch(`http://127.0.0.1:${port}/`);
  assert.is(page.status, 200, 'the dashboard is served');
  assert.is(await g.stop(), 0);
  assert.is((await readStorage(storage, [FALLBACK_MODULE]))[FALLBACK_MODULE], undefined, 'custom firmware: no pure-JS crypto in Storage');

  // the same storage on stock firmware: the change made through the API is still there
  const g2 = await run(port, ['--variant', 'stock']);
  const admin2 = new Admin(`http://127.0.0.1:${port}`);
  await admin2.login('emulate-pw');
  const cfg2 = await admin2.ok('GET', '/api/config');
  assert.is(cfg2.limits.pending, 7);
  assert.is(cfg2.offline_timeout, 45);
  assert.is(await g2.stop(), 0);
  assert.ok((await readStorage(storage, [FALLBACK_MODULE]))[FALLBACK_MODULE], 'stock firmware: the pure-JS crypto module in Storage');
});

test.run();
