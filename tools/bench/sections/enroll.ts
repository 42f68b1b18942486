// Section 3: how long a new device waits from its connect request to its
// first authorized call when the admin approves at once (a script on the
// admin API standing in for the person at the dashboard), with the gateway
// on custom firmware (X25519 in C) and on stock firmware (X25519 in pure JS).
// Times are PC times of the host build of the interpreter, not an ESP32's.
import type { Variant } from '../../espruino/build';
import type { RunContext } from '../main';
import { describeInterpreter } from '../board';
import { deviceCrypto, enrollDevices, rigMissing, startGatewayRig } from '../gateway-rig';
import { median, nowMs, round } from '../measure';
import { disposeAll } from '../resources';
import { Figure, SectionOutput, SectionSkipped, TargetRow, target } from '../results';

// Issue 11: stock firmware must keep serving while it enrolls a device.
const STALL_TARGET_MS = 100;
const APPROVED_TARGET_MS = 60_000;
// An interval on the board that keeps the largest gap between two of its runs
// (the event loop's longest stall), as test/gateway/firmware.test.ts does.
const STALL_PROBE_MS = 20;
const STALL_PROBE =
  `global.stallProbe={at:getTime(),max:0,timer:setInterval(function(){var p=stallProbe,t=getTime();if(t-p.at>p.max)p.max=t-p.at;p.at=t;},${STALL_PROBE_MS})},0`;
const STALL_READ = 'clearInterval(stallProbe.timer),Math.round(stallProbe.max*1000)';

interface Enrollment {
  /** ms from the connect request to: the pending reply, the admin seeing it, the approval answered, the session keys, the first call answered. */
  pending: number;
  adminSaw: number;
  approved: number;
  keys: number;
  firstCall: number;
}

export async function runEnroll(ctx: RunContext): Promise<SectionOutput & { display: string[][] }> {
  const missing = rigMissing();
  if (missing) throw new SectionSkipped(missing);
  const runsOf: Record<Variant, number> = { custom: ctx.quick ? 3 : 15, stock: ctx.quick ? 1 : 3 };
  const { crypto, name: cryptoName } = await deviceCrypto();
  const results: Record<Variant, Enrollment[]> = { custom: [], stock: [] };
  const stalls: Record<Variant, number[]> = { custom: [], stock: [] };
  const approvals: string[] = [];
  let brokerText = '';
  for (const variant of ['custom', 'stock'] as Variant[]) {
    const rig = await startGatewayRig({ variant }); // default limits
    brokerText = rig.broker.describe;
    for (let i = 0; i < runsOf[variant]; i++) {
      const id = `enroll-${variant}-${String(i + 1).padStart(2, '0')}`;
      await rig.board.eval(STALL_PROBE);
      const [d] = await enrollDevices(rig, [id], crypto, 180_000);
      const answer = await d.dev.request('ping', undefined, 30_000);
      const done = nowMs();
      stalls[variant].push(await rig.board.eval<number>(STALL_READ, 30_000));
      if (answer !== 'pong') throw new Error(`${id}: first call answered ${JSON.stringify(answer)}`);
      const admin = rig.approver.approvedAt.get(id);
      const t0 = d.onlineAt as number;
      if (!admin || d.pendingAt === undefined || d.approvedAt === undefined) {
        throw new Error(`${id}: enrollment events missing (pending ${d.pendingAt}, approved ${d.approvedAt}, admin ${!!admin})`);
      }
      results[variant].push({
        pending: d.pendingAt - t0,
        adminSaw: admin.seenAt - t0,
        approved: admin.at - t0,
        keys: d.approvedAt - t0,
        firstCall: done - t0,
      });
      d.dev.stop();
    }
    const c = rig.approver.counts();
    approvals.push(
      `${variant}: ${c.ws} of ${c.ws + c.poll} approvals came from a /ws event, the others from its 500 ms poll of GET /api/devices` +
        (c.failed ? `; ${c.failed} approval requests failed and were retried: ${c.lastError}` : ''),
    );
    ctx.log(`  enrolled ${runsOf[variant]} device(s) at the gateway on ${variant} firmware`);
    await disposeAll();
  }

  const phases: [keyof Enrollment, string, string][] = [
    ['pending', 'connect request → pending reply at the device', 'the device\'s status turned "pending"'],
    ['adminSaw', 'connect request → admin sees it pending', 'the automated admin saw the device pending (a /ws event, or its 500 ms poll)'],
    ['approved', 'connect request → approval answered (HTTP 200)', 'POST /api/devices/{id}/approve returned'],
    ['keys', 'connect request → device approved (keys derived)', 'the device took the approval and derived its session keys (status "approved")'],
    ['firstCall', 'connect request → first authorized call answered', 'the first sealed `ping` came back verified: the device is authorized'],
  ];
  const base = (variant: Variant) =>
    `${runsOf[variant]} enrollment(s) one after another, each a new device id (Node SDK device, crypto: ${cryptoName}) ` +
    `against dist/gateway.js booted from Storage on ${describeInterpreter(variant)}, ${brokerText}. Time 0 is the ` +
    'device\'s MQTT connection coming up, when the SDK publishes its connect request (same tick). The admin is a ' +
    `script: it watches /ws and approves a device the moment the gateway reports it pending (${approvals.join('; ')}). ` +
    'PC times on the host build of the interpreter, not ESP32 times.';
  const figures: Figure[] = [];
  const display: string[][] = [['from the connect request to', 'custom median ms', 'max ms', 'stock median ms', 'max ms']];
  for (const [key, label, event] of phases) {
    const row = [label.replace('connect request → ', '')];
    for (const variant of ['custom', 'stock'] as Variant[]) {
      const values = results[variant].map((r) => r[key]).sort((a, b) => a - b);
      const med = median(values);
      const max = values[values.length - 1];
      const id = variant === 'custom' ? `enroll.${key}` : `enroll.${variant}.${key}`;
      const what = `${label}, ${variant} firmware`;
      figures.push(
        { id: `${id}.median_ms`, label: `${what} (median)`, value: round(med, 2), unit: 'ms', how: `${base(variant)} Ends when ${event}; median of ${values.length}.` },
        { id: `${id}.max_ms`, label: `${what} (max)`, value: round(max, 2), unit: 'ms', how: `${base(variant)} Ends when ${event}; largest of ${values.length}.` },
      );
      row.push(med.toFixed(1), max.toFixed(1));
    }
    display.push(row);
  }
  const stallHow = (variant: Variant) =>
    `${base(variant)} During each enrollment (from before the connect request to the first call answered) an ` +
    `interval on the board ran every ${STALL_PROBE_MS} ms and kept the largest gap between two of its runs: the ` +
    'longest time the event loop was held (MQTT, HTTP and other devices wait that long); the largest over the runs.';
  const targets: TargetRow[] = [];
  for (const variant of ['custom', 'stock'] as Variant[]) {
    const worst = Math.max(...stalls[variant]);
    const id = variant === 'custom' ? 'enroll.stall_ms' : `enroll.${variant}.stall_ms`;
    figures.push({ id, label: `longest event-loop stall during an enrollment, ${variant} firmware`, value: worst, unit: 'ms', how: stallHow(variant) });
  }
  const stockStall = Math.max(...stalls.stock);
  const stockApproved = Math.max(...results.stock.map((r) => r.keys));
  targets.push(
    target({
      id: 'enroll.stock.stall',
      label: `stock: longest stall during an enrollment ≤ ${STALL_TARGET_MS} ms`,
      value: stockStall,
      unit: 'ms',
      kind: 'max',
      limit: STALL_TARGET_MS,
      how: stallHow('stock'),
      note:
        stockStall > STALL_TARGET_MS
          ? 'a slice of the pure-JS X25519 ladder (or another step of the approval) holds the event loop that long: ' +
            'fewer ladder steps per slice (src/gateway/key-maker.ts) would shorten it, at the cost of a longer enrollment'
          : undefined,
    }),
    target({
      id: 'enroll.stock.approved',
      label: `stock: connect request → approved ≤ ${APPROVED_TARGET_MS / 1000} s, gateway serving`,
      value: round(stockApproved, 1),
      unit: 'ms',
      kind: 'max',
      limit: APPROVED_TARGET_MS,
      how: `The slowest "device approved (keys derived)" time on stock firmware above; the stall target next to it shows the gateway kept serving.`,
      note:
        stockApproved > APPROVED_TARGET_MS
          ? 'the pure-JS X25519 on the interpreter is the time: larger slices (fewer yields) or the custom firmware close it'
          : undefined,
    }),
  );
  display.push(['longest event-loop stall', '', String(Math.max(...stalls.custom)), '', String(stockStall)]);
  return {
    how:
      `${base('custom')} The gateway runs with its default limits. Nothing waits for a person here: in use, the time ` +
      'to approve is the admin\'s. On stock firmware the gateway derives the session keys with pure-JS X25519 while ' +
      'it answers the approval request, which is most of its time; on custom firmware that is C.',
    figures,
    targets,
    skipped: [],
    display,
  };
}
