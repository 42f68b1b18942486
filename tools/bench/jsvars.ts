// The gateway's JsVars (Espruino's 14-byte variables) at idle and per
// authorized device, from process.memory().usage of the real interpreter
// running the image: the bare firmware, the gateway idle on custom and stock
// firmware, and the custom one with 8 and 32 devices.
import type { Variant } from '../espruino/build';
import type { RunContext } from './main';
import { describeInterpreter, startBareBoard } from './board';
import { deviceCrypto, enrollDevices, rigMissing, startGatewayRig } from './gateway-rig';
import { round } from './measure';
import { disposeAll } from './resources';
import { Figure, Skip, TargetRow, target } from './results';

const SETTLE_MS = 1000;
export const DEVICE_COUNTS = [8, 32];
// The default pending table holds 32: enroll at most half of that at once.
const BATCH = 16;
const IDLE_TARGET = 2500;
const PER_DEVICE_TARGET = 30;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
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
      await sleep(SETTLE_MS);
      idle = (await board.memory()).usage;
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
  await sleep(SETTLE_MS);
  const base = (await rig.board.memory()).usage;
  const usage: Record<number, number> = {};
  let enrolled = 0;
  for (const n of DEVICE_COUNTS) {
    while (enrolled < n) {
      const ids = [];
      for (let i = enrolled; i < Math.min(n, enrolled + BATCH); i++) ids.push(`vars-${String(i + 1).padStart(2, '0')}`);
      const devices = await enrollDevices(rig, ids, crypto, 60_000);
      // one call each, so every device is "authorized" as in use, not just approved
      await Promise.all(devices.map((d) => d.dev.request('ping', undefined, 10_000)));
      enrolled += ids.length;
    }
    await sleep(SETTLE_MS);
    usage[n] = (await rig.board.memory()).usage;
    ctx.log(`  JsVars: bare ${bareMem.usage}, idle custom ${idle.custom} / stock ${idle.stock}, with admin ${base}, ${n} devices ${usage[n]}`);
  }

  const how = (variant: Variant) => `${READING}; ${describeInterpreter(variant)}, read ${SETTLE_MS} ms after things settled.`;
  const perDevice = (n: number) => (usage[n] - base) / n;
  figures.push(
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
  const last = DEVICE_COUNTS[DEVICE_COUNTS.length - 1];
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
          ? `${idle.custom - IDLE_TARGET} JsVars over at idle, of which the bare interpreter holds ${bareMem.usage}: look at what ` +
            'the image keeps alive at top level (tables, closures, long strings); process.memory() on the board after each change shows the effect.'
          : undefined,
    }),
    target({
      id: 'budgets.jsvars_per_device',
      label: `gateway ≤ ${PER_DEVICE_TARGET} JsVars per device`,
      value: round(perDevice(last), 1),
      unit: 'vars',
      kind: 'max',
      limit: PER_DEVICE_TARGET,
      how: `(JsVars(${last}) − JsVars(0)) ÷ ${last} with JsVars(0) read with the admin logged in, same run.`,
      note:
        perDevice(last) > PER_DEVICE_TARGET
          ? `${(perDevice(last) - PER_DEVICE_TARGET).toFixed(1)} JsVars a device over. Every property of a device record costs a JsVar ` +
            '(more for names over 4 characters) and every value string its own: fewer, shorter-named properties, ' +
            'or several small fields packed into one string, would close it.'
          : undefined,
    }),
  );
}
