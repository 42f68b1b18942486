#!/usr/bin/env node
// `npm run bench`: measures crypto, end-to-end calls, enrollment and the device
// budgets in one run, prints a table (or the JSON with --json) and writes the
// figures to bench-results/. Progress goes to stderr. Exit 0 when every chosen
// section ran or was skipped for a missing prerequisite, 1 when one crashed,
// 2 on a bad command line.
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './paths';
import { USAGE, UsageError, parseArgs } from './args';
import { FULL_EFFORT, QUICK_EFFORT, nowMs, round } from './measure';
import { formatHeader, formatSection, formatSummary, writeResults } from './report';
import { disposeAll } from './resources';
import { BenchResult, SECTION_IDS, SectionId, SectionOutput, SectionResult, SectionSkipped } from './results';
import { runBudgets } from './sections/budgets';
import { runCrypto } from './sections/crypto';
import { runE2e } from './sections/e2e';
import { runEnroll } from './sections/enroll';
import { runStages } from './sections/stages';

export interface RunContext {
  quick: boolean;
  log(line: string): void;
}

type SectionRun = (ctx: RunContext) => Promise<SectionOutput & { display?: string[][] }>;

const SECTIONS: Record<SectionId, { title: string; run: SectionRun }> = {
  crypto: {
    title: 'Crypto on the host: native addon vs pure JS vs OpenSSL (node:crypto)',
    run: (ctx) => runCrypto(ctx.quick ? QUICK_EFFORT : FULL_EFFORT, ctx.log),
  },
  e2e: { title: 'End to end: sealed calls through the gateway vs plain MQTT request/response', run: runE2e },
  enroll: { title: 'Enrollment: connect request to first authorized call, approval automated', run: runEnroll },
  budgets: { title: 'Device budgets: image sizes, dashboard, JsVars, Xtensa .text', run: runBudgets },
  stages: { title: 'Stages of one sealed call on the real interpreter: µs, x86 instructions, ESP32 estimate', run: runStages },
};

async function runSection(id: SectionId, ctx: RunContext): Promise<{ result: SectionResult; display?: string[][] }> {
  const { title, run } = SECTIONS[id];
  const t0 = nowMs();
  const base = { id, title, how: '', figures: [], targets: [], skipped: [] };
  ctx.log(`[bench] ${id} ...`);
  try {
    const out = await run(ctx);
    const duration_s = round((nowMs() - t0) / 1000);
    if (out.figures.length === 0) {
      // every part of it lacked a prerequisite: say so once, as a skipped section
      const reason = out.skipped.map((k) => `${k.what}: ${k.why}`).join('; ') || 'nothing to measure';
      return { result: { ...base, status: 'skipped', reason, how: out.how, skipped: out.skipped, duration_s } };
    }
    const result: SectionResult = { ...base, status: 'ok', how: out.how, figures: out.figures, targets: out.targets, skipped: out.skipped, duration_s };
    return { result, display: out.display };
  } catch (e) {
    const duration_s = round((nowMs() - t0) / 1000);
    if (e instanceof SectionSkipped) return { result: { ...base, status: 'skipped', reason: e.message, duration_s } };
    const err = e as Error;
    ctx.log(`[bench] ${id} failed: ${err.stack || err.message}`);
    return { result: { ...base, status: 'error', reason: err.message, duration_s } };
  } finally {
    await disposeAll();
  }
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2), join(ROOT, 'bench-results'));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`bench: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  const ctx: RunContext = { quick: args.quick, log: (line) => process.stderr.write(line + '\n') };
  const started = nowMs();
  const result: BenchResult = {
    version: 1,
    started_at: new Date().toISOString(),
    duration_s: 0,
    quick: args.quick,
    machine: {
      node: process.versions.node,
      openssl: process.versions.openssl,
      platform: process.platform,
      arch: process.arch,
      cpu: cpus()[0]?.model.trim() || 'unknown',
      cpus: cpus().length,
      load_start: round(loadavg()[0], 2),
      load_end: 0,
    },
    sections: [],
  };
  const lines = formatHeader(result);
  for (const id of args.only) {
    const { result: section, display } = await runSection(id, ctx);
    result.sections.push(section);
    lines.push(...formatSection(section, display, SECTION_IDS.indexOf(id) + 1));
  }
  result.duration_s = round((nowMs() - started) / 1000);
  result.machine.load_end = round(loadavg()[0], 2);
  const files = writeResults(result, args.out);
  const text = args.json ? JSON.stringify(result, null, 2) + '\n' : [...lines, ...formatSummary(result, files)].join('\n') + '\n';
  // written out before process.exit: a pipe may still hold the tail of a large report
  await new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
  return result.sections.some((s) => s.status === 'error') ? 1 : 0;
}

// Ctrl-C or a kill still stops every broker and interpreter this run started.
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.on(signal, () => {
    void disposeAll().finally(() => process.exit(code));
  });
}

main().then(
  async (code) => {
    await disposeAll();
    process.exit(code);
  },
  async (e) => {
    await disposeAll();
    process.stderr.write(`bench: ${(e as Error).stack || e}\n`);
    process.exit(1);
  },
);
