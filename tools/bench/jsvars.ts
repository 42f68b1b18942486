// The gateway's JsVars (Espruino's 14-byte variables) at idle and per approved
// device, from the emulator's estimate of everything the running image holds
// (process.memory().usage; model in tools/emulator/jsvars.ts).
import type { RunContext } from './main';
import { deviceCrypto, enrollDevices, rigMissing, startGatewayRig } from './gateway-rig';
import { round } from './measure';
import { Figure, Skip, TargetRow, target } from './results';

const SETTLE_MS = 500;
// At most this many devices enroll at once: the default pending table holds 32.
const BATCH = 16;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function measureJsVars(ctx: RunContext, figures: Figure[], targets: TargetRow[], skipped: Skip[]): Promise<void> {
  const missing = rigMissing();
  if (missing) {
    skipped.push({ what: 'JsVars of the gateway', why: missing });
    return;
  }
  const { crypto, name: cryptoName } = await deviceCrypto();
  // Idle: booted, MQTT connected, nobody logged in. startGatewayRig logs in and
  // opens /ws only after this reading, through the hook below.
  let idle = 0;
  const rig = await startGatewayRig({
    beforeAdmin: async (board) => {
      await sleep(SETTLE_MS);
      idle = (await board.memory()).usage;
    },
  });
  await sleep(SETTLE_MS);
  const base = (await rig.board.memory()).usage;
  const total = (await rig.board.memory()).total;
  const usage: Record<number, number> = {};
  let enrolled = 0;
  for (const n of [10, 32]) {
    while (enrolled < n) {
      const ids = [];
      for (let i = enrolled; i < Math.min(n, enrolled + BATCH); i++) ids.push(`vars-${String(i + 1).padStart(2, '0')}`);
      const devices = await enrollDevices(rig, ids, crypto, 30_000);
      // one call each, so every device is "authorized" as in use, not just approved
      await Promise.all(devices.map((d) => d.dev.request('ping', undefined, 5000)));
      enrolled += ids.length;
    }
    await sleep(SETTLE_MS);
    usage[n] = (await rig.board.memory()).usage;
    ctx.log(`  JsVars: idle ${idle}, with admin ${base}, ${n} devices ${usage[n]}`);
  }

  const how =
    `The emulator's JsVar estimate (process.memory().usage of the board; model in tools/emulator/jsvars.ts; ` +
    `pool of ${total} vars in this emulator) of ${rig.describe}, read ${SETTLE_MS} ms after things settled.`;
  const perDevice = (n: number) => (usage[n] - base) / n;
  figures.push(
    {
      id: 'budgets.jsvars.idle',
      label: 'gateway JsVars at idle',
      value: idle,
      unit: 'vars',
      how: `${how} Idle: booted from flash, MQTT connected, no device, no admin logged in.`,
    },
    {
      id: 'budgets.jsvars.admin_baseline',
      label: 'gateway JsVars, admin logged in with /ws open',
      value: base,
      unit: 'vars',
      how: `${how} As idle plus one admin session and one open /ws socket: the state the devices are then added to.`,
    },
  );
  for (const n of [10, 32]) {
    figures.push(
      {
        id: `budgets.jsvars.devices_${n}`,
        label: `gateway JsVars with ${n} authorized devices`,
        value: usage[n],
        unit: 'vars',
        how: `${how} ${n} Node SDK devices (crypto: ${cryptoName}) enrolled in batches of at most ${BATCH}, approved through the admin API, each then made one sealed \`ping\` call (so it is authorized) and stayed connected.`,
      },
      {
        id: `budgets.jsvars.per_device_${n}`,
        label: `gateway JsVars per device (${n} devices)`,
        value: round(perDevice(n), 1),
        unit: 'vars',
        how: `(vars with ${n} devices − vars with the admin logged in and no device) ÷ ${n}, same run.`,
      },
    );
  }
  targets.push(
    target({
      id: 'budgets.jsvars_idle',
      label: 'gateway ≤ 2,500 JsVars idle',
      value: idle,
      unit: 'vars',
      kind: 'max',
      limit: 2500,
      how: 'The idle JsVar estimate above against 2,500.',
      note:
        idle > 2500
          ? `${idle - 2500} vars over at idle: look at what the image keeps alive at top level (tables, closures, ` +
            'long strings); the emulator\'s memory() after each change shows the effect.'
          : undefined,
    }),
    target({
      id: 'budgets.jsvars_per_device',
      label: 'gateway ≤ 30 JsVars per device',
      value: round(perDevice(32), 1),
      unit: 'vars',
      kind: 'max',
      limit: 30,
      how: '(vars(32) − vars(0)) ÷ 32 with vars(0) taken with the admin logged in, same run.',
      note:
        perDevice(32) > 30
          ? `${(perDevice(32) - 30).toFixed(1)} vars a device over. Every property of a device record costs a var ` +
            '(more for names over 4 characters) and every value string its own: fewer, shorter-named properties, ' +
            'or several small fields packed into one string, would close it.'
          : undefined,
    }),
  );
}
