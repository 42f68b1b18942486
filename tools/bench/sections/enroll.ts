// Section 3: how long a new device waits from its connect request to its
// first authorized call when the admin approves at once (a script on the
// admin API standing in for the person at the dashboard).
import type { RunContext } from '../main';
import { deviceCrypto, enrollDevices, rigMissing, startGatewayRig } from '../gateway-rig';
import { median, nowMs, round } from '../measure';
import { Figure, SectionOutput, SectionSkipped } from '../results';

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
  const runs = ctx.quick ? 3 : 15;
  const { crypto, name: cryptoName } = await deviceCrypto();
  const rig = await startGatewayRig(); // default limits
  const results: Enrollment[] = [];
  for (let i = 0; i < runs; i++) {
    const id = `enroll-${String(i + 1).padStart(2, '0')}`;
    const [d] = await enrollDevices(rig, [id], crypto, 15_000);
    const answer = await d.dev.request('ping', undefined, 5000);
    const done = nowMs();
    if (answer !== 'pong') throw new Error(`${id}: first call answered ${JSON.stringify(answer)}`);
    const admin = rig.approver.approvedAt.get(id);
    const t0 = d.onlineAt as number;
    if (!admin || d.pendingAt === undefined || d.approvedAt === undefined) {
      throw new Error(`${id}: enrollment events missing (pending ${d.pendingAt}, approved ${d.approvedAt}, admin ${!!admin})`);
    }
    results.push({
      pending: d.pendingAt - t0,
      adminSaw: admin.seenAt - t0,
      approved: admin.at - t0,
      keys: d.approvedAt - t0,
      firstCall: done - t0,
    });
    d.dev.stop();
  }
  const counts = rig.approver.counts();

  const phases: [keyof Enrollment, string, string][] = [
    ['pending', 'connect request → pending reply at the device', 'the device\'s status turned "pending"'],
    ['adminSaw', 'connect request → admin sees it pending', 'the automated admin saw the device pending (a /ws event, or its 500 ms poll)'],
    ['approved', 'connect request → approval answered (HTTP 200)', 'POST /api/devices/{id}/approve returned'],
    ['keys', 'connect request → device approved (keys derived)', 'the device took the approval and derived its session keys (status "approved")'],
    ['firstCall', 'connect request → first authorized call answered', 'the first sealed `ping` came back verified: the device is authorized'],
  ];
  const base =
    `${runs} enrollments one after another, each a new device id (Node SDK device, crypto: ${cryptoName}) against ` +
    `${rig.describe}. Time 0 is the device's MQTT connection coming up, when the SDK publishes its connect request ` +
    '(same tick). The admin is a script: it watches /ws and approves a device the moment the gateway reports it ' +
    `pending (${counts.ws} of ${counts.ws + counts.poll} approvals came from a /ws event, the others from its 500 ms ` +
    `poll of GET /api/devices${counts.failed ? `; ${counts.failed} approval requests failed and were retried: ${counts.lastError}` : ''}).`;
  const figures: Figure[] = [];
  const display: string[][] = [['from the connect request to', 'median ms', 'max ms']];
  for (const [key, label, event] of phases) {
    const values = results.map((r) => r[key]).sort((a, b) => a - b);
    const med = median(values);
    const max = values[values.length - 1];
    figures.push(
      { id: `enroll.${key}.median_ms`, label: `${label} (median)`, value: round(med, 2), unit: 'ms', how: `${base} Ends when ${event}; median of ${runs}.` },
      { id: `enroll.${key}.max_ms`, label: `${label} (max)`, value: round(max, 2), unit: 'ms', how: `${base} Ends when ${event}; largest of ${runs}.` },
    );
    display.push([label.replace('connect request → ', ''), med.toFixed(1), max.toFixed(1)]);
  }
  return {
    how:
      `${base} The gateway runs with its default limits. Nothing waits for a person here: in use, the time to ` +
      'approve is the admin\'s. Reading hint: a gap of about 40 ms between "approval answered" and "device ' +
      'approved" is TCP, not crypto: the emulated board\'s sockets, like lwIP\'s by default, run Nagle\'s algorithm, ' +
      'so the approval notification waits for the broker\'s delayed ACK of the gateway\'s previous message.',
    figures,
    targets: [],
    skipped: [],
    display,
  };
}
