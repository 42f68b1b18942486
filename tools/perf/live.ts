// The gateway's figures of issue 11 on the real interpreter, end to end:
// dist/gateway.js booted from Storage by the host build of Espruino 2v29
// (custom or stock firmware), mosquitto, and devices on this PC speaking the
// protocol (test/gateway/device.ts).
//
//   node --import tsx tools/perf/live.ts [--variant custom|stock] [--only rtt,load,memory,enroll]
//        [--devices 24] [--rate 15] [--seconds 15] [--calls 10000]
//
//   rtt     one device, sequential sealed pings: round trip p50/p99
//   load    --devices devices each offering --rate pings per second (open
//           loop) for --seconds: answers per second, round trip p50/p99
//   memory  JsVars (process.memory().usage, read through GET /api/status)
//           idle, with 8 and 32 approved devices, and after --calls more calls
//   enroll  one enrollment (connect → pending → approve → approved) while a
//           second device keeps pinging: connect→approved, the longest stall
//           of the gateway's event loop (a 20 ms interval started from .boot0
//           prints the longest gap of each second), and the pinger's worst
//           round trip
import { GatewayUnderTest } from '../../test/gateway/harness.ts';
import { writeStorage } from '../espruino/interpreter.ts';
import type { TestDevice } from '../../test/gateway/device.ts';
import { startMosquitto } from '../broker/mosquitto.ts';
import type { Variant } from '../espruino/build.ts';

interface Options {
  variant: Variant;
  only: string[];
  devices: number;
  rate: number;
  seconds: number;
  calls: number;
}

function parse(argv: string[]): Options {
  const o: Options = { variant: 'custom', only: ['rtt', 'load', 'memory', 'enroll'], devices: 24, rate: 15, seconds: 15, calls: 10000 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[++i];
    switch (argv[i - 1]) {
      case '--variant':
        if (v !== 'custom' && v !== 'stock') throw new Error('--variant custom|stock');
        o.variant = v;
        break;
      case '--only':
        o.only = v.split(',');
        break;
      case '--devices':
      case '--rate':
      case '--seconds':
      case '--calls':
        o[argv[i - 1].slice(2) as 'devices'] = Number(v);
        break;
      default:
        throw new Error(`unknown option ${argv[i - 1]}`);
    }
  }
  return o;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : NaN;
}

function report(what: string, figures: Record<string, number | string>): void {
  const parts = Object.entries(figures).map(([k, v]) => `${k} ${typeof v === 'number' ? Math.round(v * 10) / 10 : v}`);
  console.log(`${what}: ${parts.join(', ')}`);
}

async function enroll(gw: GatewayUnderTest, d: TestDevice): Promise<void> {
  await d.start();
  await d.connect();
  const approved = d.approved(300_000);
  await gw.admin.ok('POST', `/api/devices/${d.id}/approve`, {});
  await approved;
  await d.call('ping', undefined, { ms: 60_000 });
}

async function ping(d: TestDevice, ms = 30_000): Promise<number> {
  const t0 = now();
  const m = await d.call('ping', undefined, { ms });
  if (m.result !== 'pong') throw new Error(`${d.id}: ${JSON.stringify(m)}`);
  return now() - t0;
}

async function rtt(gw: GatewayUnderTest, o: Options): Promise<void> {
  const d = gw.device('rtt-1');
  await enroll(gw, d);
  const n = o.variant === 'stock' ? 40 : 300;
  for (let i = 0; i < 10; i++) await ping(d);
  const t: number[] = [];
  for (let i = 0; i < n; i++) t.push(await ping(d));
  t.sort((a, b) => a - b);
  report(`rtt (${o.variant}, ${n} sequential pings)`, { p50_ms: pct(t, 50), p99_ms: pct(t, 99), max_ms: t[t.length - 1] });
  d.end();
}

async function load(gw: GatewayUnderTest, o: Options): Promise<void> {
  const devices: TestDevice[] = [];
  for (let i = 0; i < o.devices; i++) {
    const d = gw.device('load-' + i);
    await enroll(gw, d);
    devices.push(d);
  }
  const warm = 3000;
  const start = now() + warm;
  const end = start + o.seconds * 1000;
  const t: number[] = [];
  let answered = 0;
  let failed = 0;
  await Promise.all(
    devices.map(async (d, k) => {
      const calls: Promise<void>[] = [];
      let next = now() + (k * 1000) / o.rate / o.devices;
      while (next < end) {
        await sleep(Math.max(0, next - now()));
        const t0 = now();
        next += 1000 / o.rate;
        calls.push(
          ping(d, 10_000).then(
            (ms) => {
              const t1 = t0 + ms;
              if (t1 >= start && t1 <= end) answered++;
              if (t0 >= start && t1 <= end) t.push(ms);
            },
            () => {
              if (t0 >= start) failed++;
            },
          ),
        );
      }
      await Promise.all(calls);
    }),
  );
  t.sort((a, b) => a - b);
  report(`load (${o.variant}, ${o.devices} devices × ${o.rate}/s offered = ${o.devices * o.rate}/s, ${o.seconds} s)`, {
    answered_per_s: answered / o.seconds,
    p50_ms: pct(t, 50),
    p99_ms: pct(t, 99),
    failed,
  });
  for (const d of devices) d.end();
}

// process.memory().usage (after a garbage collection) as GET /api/status
// reports it: the console would do too, but a long line typed into the host
// build while it is busy can trip an assertion in its input queue.
async function usage(gw: GatewayUnderTest): Promise<number> {
  await sleep(500);
  return (await gw.admin.ok('GET', '/api/status')).memory.usage;
}

async function memory(gw: GatewayUnderTest, o: Options): Promise<void> {
  await sleep(2000);
  const idle = await usage(gw);
  const devices: TestDevice[] = [];
  const at: Record<number, number> = {};
  for (let i = 0; i < 32; i++) {
    const d = gw.device('mem-' + String(i).padStart(2, '0'));
    await enroll(gw, d);
    devices.push(d);
    if (i + 1 === 8 || i + 1 === 32) at[i + 1] = await usage(gw);
  }
  // many calls, spread over the devices, a few in flight per device
  let done = 0;
  await Promise.all(
    devices.map(async (d, k) => {
      for (let i = k; i < o.calls; i += devices.length) {
        await ping(d);
        done++;
      }
    }),
  );
  const after = await usage(gw);
  report(`memory (${o.variant}, JsVars)`, {
    idle,
    with_8: at[8],
    per_device_8: (at[8] - idle) / 8,
    with_32: at[32],
    per_device_32: (at[32] - idle) / 32,
    [`after_${done}_calls`]: after,
    growth: after - at[32],
  });
  for (const d of devices) d.end();
}

// Boot code that runs before the image (.boot0): every second it prints the
// longest gap between ticks of a 20 ms interval, i.e. the longest time the
// event loop was held. Nothing is typed into the console: a long line typed
// into the busy host build can trip an assertion in its input queue.
const PROBE =
  '(function(){var last=getTime(),max=0,since=last;setInterval(function(){var t=getTime();max=Math.max(max,t-last);last=t;' +
  'if(t-since>=1){print("\\x02STALL "+Math.round(max*1000)+"\\x03");max=0;since=t;}},20);})();';

/** The longest stall (ms) the probe printed in gw.out after position `from`. */
function longestStall(gw: GatewayUnderTest, from: number): number {
  let max = 0;
  for (const m of gw.out.slice(from).matchAll(/\x02STALL (\d+)\x03/g)) max = Math.max(max, Number(m[1]));
  return max;
}

async function enrollment(gw: GatewayUnderTest, o: Options): Promise<void> {
  const pinger = gw.device('enroll-pinger');
  await enroll(gw, pinger);
  let stop = false;
  let worst = 0;
  let pings = 0;
  const pinging = (async () => {
    while (!stop) {
      worst = Math.max(worst, await ping(pinger, 120_000));
      pings++;
      await sleep(100);
    }
  })();
  await sleep(1000);
  const from = gw.out.length;
  const d = gw.device('enroll-new');
  await d.start();
  const t0 = now();
  await d.connect();
  const approved = d.approved(300_000);
  const tApprove = now();
  const res = await gw.admin.req('POST', `/api/devices/${d.id}/approve`, {});
  const tAnswer = now();
  await approved;
  const t1 = now();
  const first = await ping(d, 60_000);
  await sleep(1500); // the probe's line for the last second
  stop = true;
  await pinging;
  const stall = longestStall(gw, from);
  report(`enroll (${o.variant})`, {
    connect_to_approved_s: (t1 - t0) / 1000,
    approve_http_status: res.status,
    approve_answer_s: (tAnswer - tApprove) / 1000,
    approve_status: res.body && res.body.status,
    first_call_ms: first,
    longest_stall_ms: stall,
    pinger_worst_rtt_ms: worst,
    pinger_calls: pings,
  });
  d.end();
  pinger.end();
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const broker = await startMosquitto({ tcpNodelay: true, maxQueuedMessages: 100000 });
  try {
    for (const what of o.only) {
      const gw = new GatewayUnderTest({
        brokerPort: broker.port,
        variant: o.variant,
        extraConfig: what === 'enroll' ? (dir, variant) => writeStorage(dir, { '.boot0': PROBE }, variant) : undefined,
      });
      await gw.start();
      // the per-device rate limit (20/s) would refuse the sequential pings
      await gw.admin.ok('PUT', '/api/config', { limits: { rate: 1000, burst: 2000 } });
      try {
        if (what === 'rtt') await rtt(gw, o);
        else if (what === 'load') await load(gw, o);
        else if (what === 'memory') await memory(gw, o);
        else if (what === 'enroll') await enrollment(gw, o);
        else throw new Error(`unknown measurement ${what}`);
      } finally {
        await gw.stop();
      }
    }
  } finally {
    await broker.dispose();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
