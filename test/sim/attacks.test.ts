// Every attack mode of `npm run sim` against the gateway image on the real
// Espruino interpreter (custom firmware), through a real Mosquitto: the simulator must report the expected
// outcome, and the gateway's own counters and device table (read here,
// independently) must show that nothing forged was accepted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createMosquitto } from '../mqtt/brokers.ts';
import type { Mosquitto } from '../mqtt/brokers.ts';
import { ADMIN_PASSWORD, ROOT, startGateway } from '../device/rig.ts';
import type { GatewayBoard } from '../device/rig.ts';
import { ATTACKS } from '../../tools/sim/args.ts';

let broker: Mosquitto;
let gw: GatewayBoard;

function sim(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/sim/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// Each run: the attack, extra flags, and what must move (at least) in the
// gateway's counters. forge-approval and wrong-psk make up a PSK for their victim.
const RUNS: [string, string[], Record<string, number>][] = [
  ['replay', [], { replay: 3 }],
  ['tamper', [], { 'bad ciphertext': 4, 'bad hmac': 1 }],
  ['spoof-key', ['--psk', 'victim-psk'], { 'psk proof': 2, 'bad ciphertext': 1 }],
  ['spoof-key', [], { 'bad ciphertext': 1 }],
  ['forge-approval', [], {}],
  ['stale', [], { stale: 2 }],
  ['wrong-psk', [], { 'psk proof': 2 }],
  ['flood', [], { malformed: 1, 'unknown device': 1, 'rate limited': 1, evicted: 1 }],
];

test.before(async () => {
  broker = await createMosquitto();
  gw = await startGateway(broker.port);
});

test.after(async () => {
  await gw?.stop();
  await broker?.dispose();
});

test('every attack mode is covered', () => {
  assert.equal([...new Set(RUNS.map((r) => r[0]))].sort(), [...ATTACKS].sort());
});

for (const [attack, extra, mustCount] of RUNS) {
  test(`--attack ${attack} ${extra.join(' ')}: nothing forged is accepted`, async () => {
    const before = await gw.admin.security();
    const args = ['--broker', `mqtt://127.0.0.1:${broker.port}`, '--admin', gw.adminUrl, '--admin-password', ADMIN_PASSWORD, '--attack', attack, '--json', ...extra];
    const r = await sim(args);
    const lines = r.stdout.trim().split('\n');
    let report: any;
    try {
      report = JSON.parse(lines[lines.length - 1]);
    } catch {
      assert.unreachable(`no JSON report; exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    }
    assert.equal(report.failures, [], `the simulator saw an unexpected outcome:\n${r.stderr}`);
    assert.is(report.ok, true);
    assert.is(r.code, 0);
    assert.ok(report.observed.length > 0);

    const after = await gw.admin.security();
    for (const [reason, n] of Object.entries(mustCount)) {
      assert.ok((after[reason] ?? 0) - (before[reason] ?? 0) >= n, `"${reason}" counted ${(after[reason] ?? 0) - (before[reason] ?? 0)}, expected >= ${n}`);
    }
    // the victim was removed at the end; no other device holds a session
    const devices = await gw.admin.devices();
    const sessions = devices.filter((d: any) => d.status === 'approved' || d.status === 'authorized');
    assert.equal(sessions.map((d: any) => d.device_id), []);
    assert.ok(devices.filter((d: any) => d.status === 'pending').length <= 32);
    // still serving
    const st = await gw.admin.get('/api/status');
    assert.is(st.mqtt.connected, true);
  });
}

test.run();
