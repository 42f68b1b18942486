// The gateway's JsVars (Espruino's 14-byte variables) at idle and per
// authorized device, from process.memory().usage of the real interpreter
// running the image: the bare firmware, the gateway idle on custom and stock
// firmware, and the custom one with 8 and 32 devices.
import type { Variant } from '../espruino/build';
import type { RunContext } from './main';
import { describeInterpreter, startBareBoard, type Board } from './board';
import { census } from './census';
import { deviceCrypto, enrollDevices, rigMissing, startGatewayRig } from './gateway-rig';
import { nowMs, round } from './measure';
import { disposeAll } from './resources';
import { Figure, Skip, TargetRow, target } from './results';

const SETTLE_MS = 1000;
// Buffers of messages and HTTP replies still in flight come and go: the
// smallest of a few readings, SETTLE_MS apart, is what the gateway keeps.
const READINGS = 3;
export const DEVICE_COUNTS = [8, 32];
// The default pending table holds 32: enroll at most half of that at once.
const BATCH = 16;
const IDLE_TARGET = 2500;
const PER_DEVICE_TARGET = 24;
// Issue 11: no growth after 10,000 calls. Readings at rest differ by a few
// JsVars (MQTT buffers, timers): growth up to this counts as none.
const GROWTH_CALLS = 10_000;
const GROWTH_MAX = 20;
const GROWTH_PACE_PER_S = 15; // per device, inside the default rate limit (20/s)

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The smallest of READINGS readings, each SETTLE_MS after the one before. */
async function restingUsage(board: Board): Promise<number> {
  let least = Infinity;
  for (let i = 0; i < READINGS; i++) {
    await sleep(SETTLE_MS);
    least = Math.min(least, (await board.memory()).usage);
  }
  return least;
}

const READING =
  'process.memory().usage (JsVars in use after a garbage collection, which process.memory() runs first), read ' +
  'through the console like a person at the REPL would; the reading command itself holds a few dozen JsVars while it runs';

/** Idle: booted, MQTT connected, nobody logged in; the reading before the bench's admin logs in. */
async function idleVars(variant: Variant): Promise<number> {
  let idle = 0;
  await startGatewayRig({
    variant,
    beforeAdmin: async (board) => {
      idle = await restingUsage(board);
    },
  });
  await disposeAll();
  return idle;
}

export async function measureJsVars(ctx: RunContext, figures: Figure[], targets: TargetRow[], skipped: Skip[]): Promise<void> {
  const missing = rigMissing();
  if (missing) {
    skipped.push({ what: 'JsVars of the gateway', why: missing });
    return;
  }
  const bare = await startBareBoard('custom');
  const bareMem = await bare.memory();
  await disposeAll();
  const idle: Record<Variant, number> = { custom: 0, stock: 0 };
  for (const variant of ['stock', 'custom'] as Variant[]) idle[variant] = await idleVars(variant);

  const { crypto, name: cryptoName } = await deviceCrypto();
  const rig = await startGatewayRig({ variant: 'custom' });
  const base = await restingUsage(rig.board);
  const usage: Record<number, number> = {};
  let enrolled = 0;
  const all: Awaited<ReturnType<typeof enrollDevices>> = [];
  for (const n of DEVICE_COUNTS) {
    while (enrolled < n) {
      const ids = [];
      for (let i = enrolled; i < Math.min(n, enrolled + BATCH); i++) ids.push(`vars-${String(i + 1).padStart(2, '0')}`);
      const devices = await enrollDevices(rig, ids, crypto, 60_000);
      all.push(...devices);
      // one call each, so every device is "authorized" as in use, not just approved
      await Promise.all(devices.map((d) => d.dev.request('ping', undefined, 10_000)));
      enrolled += ids.length;
    }
    usage[n] = await restingUsage(rig.board);
    ctx.log(`  JsVars: bare ${bareMem.usage}, idle custom ${idle.custom} / stock ${idle.stock}, with admin ${base}, ${n} devices ${usage[n]}`);
  }

  // then many calls: what is left after them must be what was there before
  const calls = ctx.quick ? GROWTH_CALLS / 10 : GROWTH_CALLS;
  let failed = 0;
  const t0 = nowMs();
  await Promise.all(
    all.map(async (d, i) => {
      for (let k = i; k < calls; k += all.length) {
        const start = nowMs();
        try {
          if ((await d.dev.request('ping', undefined, 10_000)) !== 'pong') failed++;
        } catch {
          failed++;
        }
        const wait = 1000 / GROWTH_PACE_PER_S - (nowMs() - start);
        if (wait > 0) await sleep(wait);
      }
    }),
  );
  ctx.log(`  JsVars: ${calls} calls in ${((nowMs() - t0) / 1000).toFixed(1)} s (${failed} failed)`);
  const afterCalls = await restingUsage(rig.board);
  // last: the walk itself leaves a few hundred JsVars behind on the board
  const idleCensus = await census(rig.board);
  const growth = afterCalls - usage[DEVICE_COUNTS[DEVICE_COUNTS.length - 1]];
  ctx.log(`  JsVars: after ${calls} calls ${afterCalls} (${growth >= 0 ? '+' : ''}${growth})`);

  const how = (variant: Variant) => `${READING}; ${describeInterpreter(variant)}, the smallest of ${READINGS} readings ${SETTLE_MS} ms apart once things settled (messages and HTTP replies in flight come and go).`;
  const perDevice = (n: number) => (usage[n] - base) / n;
  figures.push(
    {
      id: 'budgets.jsvars.after_calls',
      label: `gateway JsVars after ${calls.toLocaleString('en-US')} more calls (${all.length} devices)`,
      value: afterCalls,
      unit: 'vars',
      how: `${how('custom')} As with ${all.length} devices above, after ${calls} sealed \`ping\` calls spread over them.`,
    },
    {
      id: 'budgets.jsvars.bare',
      label: 'JsVars of the bare interpreter (nothing in Storage)',
      value: bareMem.usage,
      unit: 'vars',
      how: `${how('custom')} No program: what the firmware and the reading hold; pool of ${bareMem.total} JsVars of ${bareMem.blocksize} bytes.`,
    },
    {
      id: 'budgets.jsvars.idle',
      label: 'gateway JsVars at idle (custom firmware)',
      value: idle.custom,
      unit: 'vars',
      how: `${how('custom')} Idle: dist/gateway.js booted from Storage, MQTT connected, no device, no admin logged in.`,
    },
    {
      id: 'budgets.jsvars.idle_stock',
      label: 'gateway JsVars at idle (stock firmware, pure-JS crypto module)',
      value: idle.stock,
      unit: 'vars',
      how: `${how('stock')} As idle above; the pure-JS crypto module loaded from Storage is the difference.`,
    },
    {
      id: 'budgets.jsvars.admin_baseline',
      label: 'gateway JsVars, admin logged in with /ws open',
      value: base,
      unit: 'vars',
      how: `${how('custom')} As idle plus one admin session and one open /ws socket: the state the devices are then added to.`,
    },
  );
  for (const n of DEVICE_COUNTS) {
    figures.push(
      {
        id: `budgets.jsvars.devices_${n}`,
        label: `gateway JsVars with ${n} authorized devices`,
        value: usage[n],
        unit: 'vars',
        how: `${how('custom')} ${n} Node SDK devices (crypto: ${cryptoName}) enrolled in batches of at most ${BATCH}, approved through the admin API, each then made one sealed \`ping\` call (so it is authorized) and stayed connected.`,
      },
      {
        id: `budgets.jsvars.per_device_${n}`,
        label: `gateway JsVars per device (${n} devices)`,
        value: round(perDevice(n), 1),
        unit: 'vars',
        how: `(JsVars with ${n} devices − JsVars with the admin logged in and no device) ÷ ${n}, same run.`,
      },
    );
  }
  targets.push(
    target({
      id: 'budgets.jsvars_idle',
      label: `gateway ≤ ${IDLE_TARGET.toLocaleString('en-US')} JsVars idle`,
      value: idle.custom,
      unit: 'vars',
      kind: 'max',
      limit: IDLE_TARGET,
      how: `The idle reading on custom firmware above against ${IDLE_TARGET}.`,
      note:
        idle.custom > IDLE_TARGET
          ? `${idle.custom - IDLE_TARGET} JsVars over at idle, of which the bare interpreter holds ${bareMem.usage}. ` +
            (idleCensus
              ? `Measured (tools/bench/census.ts, at the end of this section): ${idleCensus.functions} live functions hold ` +
                `${idleCensus.functionVars} JsVars in their definitions (${idleCensus.parameters} of them parameters), plus a name ` +
                'each that refers to them: code stays in flash, but every function the image defines at boot costs about 6 JsVars for ' +
                'as long as it runs. What would close it: fewer functions alive at idle, e.g. the admin API (src/gateway/admin, http, ws: ' +
                'over 100 functions) loaded from a Storage module when an admin connects and dropped after (Modules.removeCached).'
              : 'look at what the image keeps alive (functions, tables, closures); process.memory() on the board after each change shows the effect.')
          : undefined,
    }),
    ...DEVICE_COUNTS.map((n) =>
      target({
        id: `budgets.jsvars_per_device_${n}`,
        label: `gateway ≤ ${PER_DEVICE_TARGET} JsVars per device (${n} devices)`,
        value: round(perDevice(n), 1),
        unit: 'vars',
        kind: 'max',
        limit: PER_DEVICE_TARGET,
        how: `(JsVars(${n}) − JsVars(0)) ÷ ${n} with JsVars(0) read with the admin logged in, same run.`,
        note:
          perDevice(n) > PER_DEVICE_TARGET
            ? `${(perDevice(n) - PER_DEVICE_TARGET).toFixed(1)} JsVars a device over. A device's record is a slot of 104 bytes ` +
              '(7.5 JsVars) in the record table of src/gateway/records.ts, its session keys a 64-byte string (about 7), its entry ' +
              'in the registry 2, its telemetry 1 + 3 a reading; ' +
              'the rest is what enrollment left behind (pending requests, calls in flight) and reading noise: look at those first.'
            : undefined,
      }),
    ),
    target({
      id: 'budgets.jsvars_growth',
      label: `gateway: no JsVar growth after ${calls.toLocaleString('en-US')} calls (≤ ${GROWTH_MAX})`,
      value: growth,
      unit: 'vars',
      kind: 'max',
      limit: GROWTH_MAX,
      how:
        `JsVars after ${calls} sealed \`ping\` calls spread over the ${all.length} devices (each at most ${GROWTH_PACE_PER_S}/s, ` +
        `inside the default rate limit; ${failed} failed) − JsVars before them with the same devices, both read as the others ` +
        `(the smallest of ${READINGS} readings ${SETTLE_MS} ms apart); up to ${GROWTH_MAX} is what readings at rest differ by.`,
      note:
        growth > GROWTH_MAX
          ? 'something per call outlives it: compare E.getSizeOf of the registry, the calls in flight and the MQTT client before and after'
          : undefined,
    }),
  );
}
