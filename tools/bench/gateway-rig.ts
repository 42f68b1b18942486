// The gateway under test: mosquitto, dist/gateway.js booted from Storage on
// the real interpreter (its own process, custom or stock firmware), an admin
// session, an automated admin that approves the bench's devices as soon as
// the gateway lists them as pending, and Node SDK devices to enroll. Shared by
// the e2e, enroll and budgets sections.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { Crypto } from '../../src/crypto/types';
import { createNodeDevice, NodeDevice } from '../../src/device/node/device';
import type { Variant } from '../espruino/build';
import { MOSQUITTO } from '../broker/mosquitto';
import { AdminClient, adminLogin } from '../sim/admin';
import { Board, describeInterpreter, GATEWAY_IMAGE, startGatewayBoard } from './board';
import { Broker, startMosquitto } from './broker';
import { nowMs } from './measure';
import { ROOT } from './paths';
import { track } from './resources';
import { SectionSkipped } from './results';

const PASSWORD = 'bench-admin-password';
// an approval on stock firmware runs pure-JS X25519 inside the request: seconds
const ADMIN_TIMEOUT_MS = 120_000;

/** Raised for the bench so closed-loop calls measure the gateway, not its limiter (and said so in every how). */
export const BENCH_LIMITS = { rate: 1000, burst: 2000, pending: 128 };

/** Why the gateway rig cannot run here, or undefined when it can. */
export function rigMissing(): string | undefined {
  for (const f of [GATEWAY_IMAGE, join(ROOT, 'dist/gwcrypto-js.js')]) {
    if (!existsSync(f)) return `${f.slice(ROOT.length)} is not built (run \`npm run build\`)`;
  }
  if (!existsSync(MOSQUITTO)) return `${MOSQUITTO} is not installed (Debian package mosquitto)`;
  return undefined;
}

/** The device side's crypto: the native addon when built (so the load generator stays light), else pure JS. */
export async function deviceCrypto(): Promise<{ crypto: Crypto; name: string }> {
  try {
    return { crypto: (await import('../../src/crypto/node/native')).nativeCrypto, name: 'the native addon' };
  } catch {
    return { crypto: (await import('../../src/crypto/node/js')).jsCrypto, name: 'pure JS (native addon not built)' };
  }
}

export interface GatewayRig {
  broker: Broker;
  board: Board;
  admin: AdminClient;
  prefix: string;
  approver: Approver;
  describe: string;
}

export interface RigOptions {
  /** custom (GatewayCrypto, the default) or stock firmware */
  variant?: Variant;
  /** Gateway limits to set through PUT /api/config before anything else. */
  limits?: Record<string, number>;
  /** An already running broker (default: a new mosquitto). */
  broker?: Broker;
  /** Runs once the gateway is connected, before the bench logs in (e.g. to read its idle memory). */
  beforeAdmin?: (board: Board) => Promise<void>;
}

export async function startGatewayRig(options: RigOptions = {}): Promise<GatewayRig> {
  const missing = rigMissing();
  if (missing) throw new SectionSkipped(missing);
  const variant = options.variant ?? 'custom';
  const broker = options.broker || (await startMosquitto());
  const board = await startGatewayBoard({ variant, broker: broker.url, adminPassword: PASSWORD });
  // the stock firmware's first boot makes the gateway's key pair in pure JS
  await board.waitForOutput('mqtt: connected', 120_000);
  if (options.beforeAdmin) await options.beforeAdmin(board);
  // one attempt a request: a shed request is counted as failed, not hidden by a retry
  const admin = await adminLogin(`http://127.0.0.1:${board.httpPort}`, PASSWORD, 1, ADMIN_TIMEOUT_MS);
  if (options.limits) await admin.put('/api/config', { limits: options.limits });
  const prefix = (await admin.get('/api/config')).prefix || 'jrpc';
  const approver = startApprover(board.httpPort as number, admin);
  return {
    broker,
    board,
    admin,
    prefix,
    approver,
    describe: `dist/gateway.js booted from Storage (.bootcde, as \`npm run flash\` leaves it) on ${describeInterpreter(variant)}, ${broker.describe}`,
  };
}

/**
 * The automated admin: watches /ws for devices turning pending and approves
 * those it was told to expect with POST /api/devices/{id}/approve, two
 * requests at a time (the gateway serves only a few HTTP connections at
 * once); a poll of GET /api/devices every 500 ms backs it up should an event
 * be missed or an approval fail.
 */
export interface Approver {
  expect(id: string): void;
  /** Per approved id: when the admin saw it pending and when the approval was answered (bench clock, ms). */
  approvedAt: Map<string, { seenAt: number; at: number; via: 'ws' | 'poll' }>;
  counts(): { ws: number; poll: number; failed: number; lastError: string };
}

const APPROVALS_AT_ONCE = 2;

function startApprover(httpPort: number, admin: AdminClient): Approver {
  const wanted = new Set<string>();
  const approvedAt = new Map<string, { seenAt: number; at: number; via: 'ws' | 'poll' }>();
  const waiting = new Map<string, { seenAt: number; via: 'ws' | 'poll' }>();
  const active = new Set<string>();
  let failures = 0;
  let lastError = '';
  const next = (): void => {
    while (active.size < APPROVALS_AT_ONCE && waiting.size > 0) {
      const [id, seen] = waiting.entries().next().value as [string, { seenAt: number; via: 'ws' | 'poll' }];
      waiting.delete(id);
      active.add(id);
      admin.post(`/api/devices/${encodeURIComponent(id)}/approve`).then(
        () => {
          wanted.delete(id);
          approvedAt.set(id, { seenAt: seen.seenAt, at: nowMs(), via: seen.via });
        },
        (e) => {
          failures++; // the poll queues it again
          lastError = (e as Error).message;
        },
      ).finally(() => {
        active.delete(id);
        next();
      });
    }
  };
  const pending = (id: unknown, via: 'ws' | 'poll'): void => {
    if (typeof id !== 'string' || !wanted.has(id) || waiting.has(id) || active.has(id)) return;
    waiting.set(id, { seenAt: nowMs(), via });
    next();
  };
  const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/ws`, { headers: { authorization: `Bearer ${admin.token}` } });
  track(ws, (w) => w.terminate());
  ws.on('message', (data) => {
    let m: any;
    try {
      m = JSON.parse(String(data));
    } catch {
      return;
    }
    if (m && m.type === 'device' && m.device && m.device.status === 'pending') pending(m.device.device_id, 'ws');
  });
  ws.on('error', () => undefined); // the poll carries on alone
  const poll = setInterval(() => {
    if (wanted.size === 0) return;
    admin.devices().then(
      (list: unknown) => {
        if (!Array.isArray(list)) return;
        for (const d of list) if (d && d.status === 'pending') pending(d.device_id, 'poll');
      },
      () => undefined,
    );
  }, 500);
  track(poll, (p) => clearInterval(p));
  return {
    expect: (id) => wanted.add(id),
    approvedAt,
    counts() {
      let w = 0;
      for (const v of approvedAt.values()) if (v.via === 'ws') w++;
      return { ws: w, poll: approvedAt.size - w, failed: failures, lastError };
    },
  };
}

export interface BenchDevice {
  id: string;
  dev: NodeDevice;
  /** Bench-clock ms of the device's events. */
  onlineAt?: number;
  pendingAt?: number;
  approvedAt?: number;
}

/** Starts `ids` as SDK devices and resolves when every one is approved (its session keys derived). */
export async function enrollDevices(rig: GatewayRig, ids: string[], crypto: Crypto, timeoutMs: number): Promise<BenchDevice[]> {
  const devices = ids.map((id) => {
    const d: BenchDevice = {
      id,
      dev: createNodeDevice({ broker: rig.broker.url, prefix: rig.prefix, deviceId: id, crypto, clientId: `bench-${id}` }),
    };
    track(d.dev, (dev) => dev.stop());
    return d;
  });
  await Promise.all(
    devices.map(
      (d) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`device ${d.id} not approved within ${timeoutMs} ms (status ${d.dev.status()})`)),
            timeoutMs,
          );
          d.dev.on((type, detail) => {
            if (type === 'online' && d.onlineAt === undefined) d.onlineAt = nowMs();
            if (type !== 'status') return;
            if (detail === 'pending' && d.pendingAt === undefined) d.pendingAt = nowMs();
            if ((detail === 'approved' || detail === 'authorized') && d.approvedAt === undefined) {
              d.approvedAt = nowMs();
              clearTimeout(timer);
              resolve();
            }
          });
          rig.approver.expect(d.id);
          d.dev.start();
        }),
    ),
  );
  return devices;
}
