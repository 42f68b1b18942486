// Section "stages": where one sealed call's time goes on the real interpreter.
// tools/bench/stages/program.ts is bundled from the real src modules (as
// rollup.config.mjs bundles the images) and booted from Storage (.bootcde,
// its code read from flash as the gateway image's is) by the host build of
// Espruino 2v29, custom firmware (GatewayCrypto) and stock (the pure-JS crypto
// module from Storage). Each stage is timed with getTime() inside the
// interpreter, and its x86 instruction count per call is taken with
// callgrind: the stage N and 2N times, subtracted, so start-up and fixtures cancel.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RunContext } from '../main';
import { ROOT } from '../paths';
import { Figure, SectionOutput, SectionSkipped, Skip, TargetRow, target } from '../results';
import { round } from '../measure';
import { hostBuild, type Variant } from '../../espruino/build.ts';
import { Interpreter, writeStorage } from '../../espruino/interpreter.ts';
import { bundleProgram } from '../../espruino/bundle.ts';

const PROGRAM = fileURLToPath(new URL('../stages/program.ts', import.meta.url));
const CRYPTO_MODULE = join(ROOT, 'dist/gwcrypto-js.js');
const CRYPTO_MODULE_NAME = 'gwcrypto-js';
const WHOLE_CALL = 'whole call: socket data in -> sealed reply written';
// The gateway takes each nonce once, so the program's gateway stages include
// the device sealing a new ping; that part, timed alone, is taken off:
// [reported stage, measured stage, the device's part].
const WHOLE_CALL_WITH_PING = "whole call with the device's sealed ping";
const DEVICE_PING = 'device: sealed ping PUBLISH';
const ON_MESSAGE = 'gateway: onMessage (open, checks, method, seal, publish)';
const ON_MESSAGE_WITH_PING = "gateway: onMessage with the device's sealed ping";
const DEVICE_ENVELOPE = 'device: sealed ping';
const LESS_THE_DEVICE: [string, string, string][] = [
  [ON_MESSAGE, ON_MESSAGE_WITH_PING, DEVICE_ENVELOPE],
  [WHOLE_CALL, WHOLE_CALL_WITH_PING, DEVICE_PING],
];

// ESP32 estimate. Assumptions, stated: the interpreter's work is branchy,
// pointer-chasing C; an x86 core retires it at ~1.5–2.5 instructions per
// cycle, the in-order, single-issue Xtensa LX6 at best ~1 and, with flash
// cache misses, memory waits and the denser but less capable ISA, nearer
// 0.5–0.7 of the same *x86 instruction count* per cycle. We take 0.6 x86
// instructions per LX6 cycle at 240 MHz (144 M x86-equivalent instructions/s)
// and quote the figure as an order-of-magnitude estimate, not a measurement.
const ESP32_HZ = 240e6;
const X86_INSNS_PER_LX6_CYCLE = 0.6;

// Target (issue 11): a sealed call in ≤ 3 ms of PC time on the custom firmware
// (stock firmware's AEAD and HMAC are JS: reported, not targeted).
const CALL_MS_TARGET = 3;

const run = promisify(execFile);

/** The stages program, built as the images are (tools/espruino/bundle.ts). */
function bundle(): Promise<string> {
  return bundleProgram(PROGRAM);
}

interface StageTime {
  name: string;
  us: number;
  reps: number;
}

interface Board {
  variant: Variant;
  dir: string;
  code: string;
}

/** The program with its settings as the boot code in the board's Storage. */
async function install(board: Board, config: { budget: number; counts: Record<string, number> | null }): Promise<void> {
  const files: Record<string, string | Buffer> = { '.bootcde': `var STAGES_RUN=${JSON.stringify(config)};\n${board.code}` };
  if (board.variant === 'stock') files[CRYPTO_MODULE_NAME] = readFileSync(CRYPTO_MODULE);
  await writeStorage(board.dir, files, board.variant);
}

function failure(board: Board, out: string): void {
  const err = /\x02ERROR ([^\x03]*)\x03/.exec(out);
  if (err) throw new Error(`stages on ${board.variant}: ${err[1]}`);
}

/** Every stage timed with getTime() inside the interpreter. */
async function timeStages(board: Board, budget: number): Promise<{ stages: StageTime[]; memory: unknown }> {
  await install(board, { budget, counts: null });
  const it = await Interpreter.start({ variant: board.variant, storageDir: board.dir });
  try {
    await it.waitForOutput('\x02DONE\x03', 900_000);
  } finally {
    await it.kill();
  }
  const out = it.output;
  failure(board, out);
  const stages: StageTime[] = [];
  for (const m of out.matchAll(/\x02STAGE ([^|]*)\|([^|]*)\|(\d+)\x03/g)) stages.push({ name: m[1], us: Number(m[2]), reps: Number(m[3]) });
  if (!stages.length) throw new Error(`stages on ${board.variant}: no output; last output:\n${out.slice(-800)}`);
  const mem = /\x02MEMORY ([^\x03]*)\x03/.exec(out);
  return { stages, memory: mem ? JSON.parse(mem[1]) : undefined };
}

/**
 * x86 instructions per repetition of each stage, from one callgrind run: the
 * program calls E.getErrorFlags() before, between and after a stage's n and
 * 2n repetitions, callgrind dumps its counters at each such call, and
 * (I(2n) − I(n)) / n is the stage's cost with every fixed cost taken out.
 */
async function countStages(board: Board, counts: Record<string, number>): Promise<Map<string, number>> {
  await install(board, { budget: 0, counts });
  const bin = hostBuild(board.variant).binary;
  const prefix = join(board.dir, 'callgrind.out');
  // the interpreter boots .bootcde, which ends with quit(); stdin stays open (at its end it would read garbage)
  const { stdout } = await run(
    'valgrind',
    ['--tool=callgrind', '--dump-before=jswrap_espruino_getErrorFlags', `--callgrind-out-file=${prefix}`, bin],
    { cwd: board.dir, timeout: 3_600_000, maxBuffer: 64 << 20, encoding: 'latin1' },
  );
  failure(board, stdout);
  const totals: number[] = [];
  for (const f of readdirSync(board.dir)) {
    const m = /^callgrind\.out\.(\d+)$/.exec(f);
    if (!m) continue;
    const t = /^totals:\s+(\d+)/m.exec(readFileSync(join(board.dir, f), 'utf8'));
    if (!t) throw new Error(`callgrind dump ${f} has no totals`);
    totals[Number(m[1])] = Number(t[1]);
  }
  const order = [...stdout.matchAll(/\x02COUNTED ([^|]*)\|(\d+)\x03/g)].map((m) => ({ name: m[1], n: Number(m[2]) }));
  // dump 1: start-up to the first mark; then per stage three: n, 2n, and what follows up to the next stage's mark
  const out = new Map<string, number>();
  order.forEach((s, i) => {
    const once = totals[3 * i + 2];
    const twice = totals[3 * i + 3];
    if (once === undefined || twice === undefined) throw new Error(`callgrind dumps missing for stage ${s.name}`);
    out.set(s.name, (twice - once) / s.n);
  });
  return out;
}

function hasValgrind(): boolean {
  return spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Repetitions n for a count: n + 2n take about `seconds` of native time, at least 2. */
function callgrindReps(us: number, seconds: number): number {
  return Math.max(2, Math.min(5000, Math.round((seconds * 1e6) / Math.max(us, 1) / 3)));
}

export interface StageRow {
  variant: Variant;
  name: string;
  /** µs per repetition on this PC, loop cost (the empty stage) taken off */
  us: number;
  /** x86 instructions per repetition, loop cost taken off */
  insns?: number;
}

export async function measureStages(
  ctx: RunContext,
  variants: Variant[] = ['custom', 'stock'],
  callgrind = true,
): Promise<{ rows: StageRow[]; skipped: Skip[]; memory: Record<string, unknown> }> {
  const rows: StageRow[] = [];
  const skipped: Skip[] = [];
  const memory: Record<string, unknown> = {};
  const code = await bundle();
  const valgrind = callgrind && hasValgrind();
  if (callgrind && !valgrind) skipped.push({ what: 'instruction counts', why: 'valgrind is not installed (apt-get install valgrind)' });
  for (const variant of variants) {
    try {
      hostBuild(variant);
    } catch (e) {
      skipped.push({ what: `stages on ${variant}`, why: (e as Error).message });
      continue;
    }
    if (variant === 'stock' && !existsSync(CRYPTO_MODULE)) {
      skipped.push({ what: 'stages on stock', why: 'dist/gwcrypto-js.js is not built: run `npm run build`' });
      continue;
    }
    const dir = mkdtempSync(join(tmpdir(), `bench-stages-${variant}-`));
    try {
      const board: Board = { variant, dir, code };
      ctx.log(`[bench] stages: timing on ${variant} …`);
      const timed = await timeStages(board, ctx.quick ? 0.02 : 0.3);
      memory[variant] = timed.memory;
      let insns = new Map<string, number>();
      // a quick run counts instructions on the custom firmware only: the
      // stock firmware's interpreted crypto under callgrind takes minutes
      const count = valgrind && !(ctx.quick && variant === 'stock');
      if (valgrind && !count) skipped.push({ what: `instruction counts on ${variant}`, why: 'a quick run counts them on the custom firmware only' });
      if (count) {
        const counts: Record<string, number> = {};
        // callgrind runs ~50× slower: about 0.1 s of native time per stage (0.01 s when quick)
        for (const s of timed.stages) counts[s.name] = callgrindReps(s.us, ctx.quick ? 0.01 : 0.1);
        ctx.log(`[bench] stages: callgrind on ${variant} …`);
        try {
          insns = await countStages(board, counts);
        } catch (e) {
          // the times stand on their own; the report says why the counts are missing
          skipped.push({ what: `instruction counts on ${variant}`, why: (e as Error).message.split('\n')[0] });
          ctx.log(`[bench] stages: no instruction counts on ${variant}: ${(e as Error).message.split('\n')[0]}`);
        }
      }
      // the empty stage is the loop's own cost: taken off every other stage
      const empty = timed.stages.find((s) => s.name === 'empty');
      const baseUs = empty ? empty.us : 0;
      const baseInsns = insns.get('empty') ?? 0;
      for (const s of timed.stages) {
        const own = s.name === 'empty';
        const n = insns.get(s.name);
        rows.push({
          variant,
          name: s.name,
          us: own ? s.us : Math.max(0, s.us - baseUs),
          insns: n === undefined ? undefined : own ? n : Math.max(0, n - baseInsns),
        });
      }
      for (const [name, measured, device] of LESS_THE_DEVICE) {
        const withPing = rows.find((r) => r.variant === variant && r.name === measured);
        const ping = rows.find((r) => r.variant === variant && r.name === device);
        if (!withPing || !ping) continue;
        rows.push({
          variant,
          name,
          us: Math.max(0, withPing.us - ping.us),
          insns: withPing.insns === undefined || ping.insns === undefined ? undefined : Math.max(0, withPing.insns - ping.insns),
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { rows, skipped, memory };
}

function esp32Ms(insns: number): number {
  return (insns / (ESP32_HZ * X86_INSNS_PER_LX6_CYCLE)) * 1000;
}

// Stages that sum others, the device's part, the scale: not where a call's time goes.
const NOT_PARTS = [
  'empty', 'scale: 10,000 empty loop iterations', 'open envelope (all of the above but MQTT)', 'seal envelope (all of the above)',
  ...LESS_THE_DEVICE.flat(),
];

/** What a missed call target means: the stages that cost most, and how steady the figure is. */
function missNote(rows: StageRow[], variant: Variant): string {
  const top = rows
    .filter((r) => r.variant === variant && !NOT_PARTS.includes(r.name))
    .sort((a, b) => b.us - a.us)
    .slice(0, 3)
    .map((r) => `${r.name} ${r.us.toFixed(0)} µs`);
  return (
    `Most time: ${top.join(', ')}. PC times on a shared machine are noisy (the whole call is a difference of two ` +
    'timings): the instruction counts are the steadier figure.'
  );
}

export async function runStages(ctx: RunContext): Promise<SectionOutput & { display?: string[][] }> {
  const { rows, skipped } = await measureStages(ctx);
  if (!rows.length) throw new SectionSkipped(skipped.map((s) => `${s.what}: ${s.why}`).join('; '));
  const figures: Figure[] = [];
  const targets: TargetRow[] = [];
  const how =
    'tools/bench/stages/program.ts bundled from src (Rollup, TypeScript ES5, the images\' terser options) and run by the ' +
    'host build of Espruino 2v29 (-Og, 32-bit) from Storage (.bootcde, code read from flash, as the image); custom firmware uses GatewayCrypto, stock the pure-JS module from Storage. ' +
    'Each stage repeats (×4 each round) until a round takes 0.3 s; µs per op from getTime(), the empty stage\'s loop cost ' +
    'subtracted. Instructions: one valgrind --tool=callgrind run of the same program, each stage N and then 2N times with a ' +
    'counter dump (--dump-before=jswrap_espruino_getErrorFlags) around each, (I(2N) − I(N)) / N, less the empty stage. The ' +
    'whole call and onMessage are timed with the device sealing a new ping (each nonce is taken once), less that sealing timed alone. ESP32 estimate: instructions / (240 MHz × ' + X86_INSNS_PER_LX6_CYCLE + ' x86 instructions per LX6 cycle) — an assumption ' +
    '(in-order single-issue LX6 vs ~2 IPC on x86, flash cache misses), good to a factor of about 2.';
  const display: string[][] = [['variant', 'stage', 'µs (PC)', 'x86 insns/op', 'ESP32 est. ms']];
  for (const r of rows) {
    const id = `stages.${r.variant}.${r.name.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
    figures.push({ id: `${id}.us`, label: `${r.variant}: ${r.name} (µs on this PC)`, value: round(r.us, 1), unit: 'µs', how });
    if (r.insns !== undefined) {
      figures.push({ id: `${id}.insns`, label: `${r.variant}: ${r.name} (x86 instructions)`, value: Math.round(r.insns), unit: 'insns', how });
      figures.push({ id: `${id}.esp32_ms`, label: `${r.variant}: ${r.name} (ESP32 estimate)`, value: round(esp32Ms(r.insns), 2), unit: 'ms', how });
    }
    display.push([r.variant, r.name, r.us.toFixed(1), r.insns !== undefined ? String(Math.round(r.insns)) : '–', r.insns !== undefined ? esp32Ms(r.insns).toFixed(2) : '–']);
    if (r.name === WHOLE_CALL && r.variant === 'custom') {
      targets.push(
        target({
          id: `stages.${r.variant}.whole_call_ms`,
          label: `${r.variant}: one sealed call ≤ ${CALL_MS_TARGET} ms of PC time`,
          value: round(r.us / 1000, 2),
          unit: 'ms',
          kind: 'max',
          limit: CALL_MS_TARGET,
          how,
          note: r.us / 1000 > CALL_MS_TARGET ? r.variant === 'stock'
            ? 'stock firmware seals and opens in interpreted JS (AEAD, HMAC): the custom firmware\'s GatewayCrypto is the fast path. ' + missNote(rows, r.variant)
            : missNote(rows, r.variant) : undefined,
        }),
      );
    }
  }
  return { how, figures, targets, skipped, display };
}
