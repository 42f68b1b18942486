// The readable table on stdout and the JSON files: the same figures twice.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResult, SectionResult, TargetRow } from './results';

export function formatValue(value: number, unit: string): string {
  if (unit === '×') return `${value < 10 ? value.toFixed(2) : value.toFixed(1)}×`;
  if (unit === 'B') return `${value.toLocaleString('en-US')} B`;
  const digits = Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${text} ${unit}` : text;
}

/** Columns padded to their widest cell; numbers (anything starting with a digit) right-aligned. */
export function formatTable(rows: string[][], indent = '  '): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] || 0, c.length)));
  return rows.map(
    (r) =>
      indent +
      r
        .map((c, i) => (i > 0 && /^[\d.,<>≤≥-]/.test(c) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
  );
}

function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

function targetLine(t: TargetRow): string[] {
  const limit = `${t.kind === 'max' ? '≤' : '≥'} ${formatValue(t.limit, t.unit)}`;
  return [t.pass ? 'PASS' : 'MISS', t.label, formatValue(t.value, t.unit), `(target ${limit})`];
}

export function formatSection(s: SectionResult, display: string[][] | undefined, index: number): string[] {
  const out: string[] = [];
  out.push('', `${index}. ${s.title}  [${s.status}, ${s.duration_s.toFixed(1)} s]`);
  if (s.status !== 'ok') {
    out.push(`  ${s.status === 'skipped' ? 'skipped' : 'error'}: ${s.reason}`);
    return out;
  }
  if (display) out.push(...formatTable(display));
  else if (s.figures.length) {
    out.push(...formatTable(s.figures.map((f) => [f.label, formatValue(f.value, f.unit)])));
  }
  if (s.targets.length) {
    out.push('  targets:');
    out.push(...formatTable(s.targets.map(targetLine), '    '));
    for (const t of s.targets) {
      if (!t.pass && t.note) out.push(...wrap(`why ${t.label} is missed: ${t.note}`, 96, '      '));
    }
  }
  for (const k of s.skipped) out.push(...wrap(`skipped: ${k.what}: ${k.why}`, 96, '  '));
  out.push(...wrap(`how: ${s.how}`, 96, '  '));
  return out;
}

export function formatHeader(r: BenchResult): string[] {
  const m = r.machine;
  return [
    `bench ${r.started_at}${r.quick ? ' (quick: tiny iteration counts, figures are rough)' : ''}`,
    `node ${m.node}, OpenSSL ${m.openssl}, ${m.platform}/${m.arch}, ${m.cpus} × ${m.cpu}`,
    'Times are PC times: the images run on the real Espruino 2v29 interpreter built for this machine, not on an ESP32.',
  ];
}

// The goals of issue 11 ("Fast on the real interpreter") and the targets that
// measure them, in the issue's order; a goal whose section did not run is
// listed as not measured.
export const ISSUE_GOALS: [string, string[]][] = [
  ['sealed ping ≤ 3 ms of PC time', ['stages.custom.whole_call_ms', 'e2e.n1.rtt_ms']],
  ['24 devices × 15 calls/s: ≥ 95 % served, p99 ≤ 20 ms', ['e2e.load.served', 'e2e.load.p99']],
  ['sealed ÷ plain ≤ 2×', ['e2e.n1.rtt']],
  ['≤ 2,500 JsVars idle', ['budgets.jsvars_idle']],
  ['≤ 24 JsVars per device at 8 and 32', ['budgets.jsvars_per_device_8', 'budgets.jsvars_per_device_32']],
  ['no JsVar growth after 10,000 calls', ['budgets.jsvars_growth']],
  ['stock: longest stall of an enrollment ≤ 100 ms', ['enroll.stock.stall']],
  ['stock: connect → approved ≤ 60 s, gateway serving', ['enroll.stock.approved']],
];

/** Issue 11's goals with PASS/MISS from this run's targets (why a target is missed is in its section). */
export function formatGoals(r: BenchResult): string[] {
  const targets = r.sections.flatMap((s) => s.targets);
  const rows: string[][] = [];
  for (const [goal, ids] of ISSUE_GOALS) {
    const found = ids.map((id) => targets.find((t) => t.id === id));
    for (let i = 0; i < ids.length; i++) {
      const t = found[i];
      rows.push([t ? (t.pass ? 'PASS' : 'MISS') : '—', i === 0 ? goal : '', t ? t.label : `${ids[i]}: not measured in this run`, t ? formatValue(t.value, t.unit) : '']);
    }
  }
  return ['', "issue 11's goals (a missed one says why in its section):", ...formatTable(rows)];
}

export function formatSummary(r: BenchResult, files: string[]): string[] {
  const targets = r.sections.flatMap((s) => s.targets);
  const missed = targets.filter((t) => !t.pass).length;
  const lines = [...formatGoals(r), '', `${targets.length - missed} of ${targets.length} targets met, ${missed} missed; ${r.duration_s.toFixed(1)} s in all.`];
  const m = r.machine;
  // At the start the load is other work's (at the end it is also this run's own).
  if (m.load_start > m.cpus) {
    lines.push(`load average ${m.load_start} at the start on ${m.cpus} cores: other work shared the machine, so timings are noisy; run again on a quiet machine.`);
  }
  const notOk = r.sections.filter((s) => s.status !== 'ok');
  if (notOk.length) lines.push(`not run: ${notOk.map((s) => `${s.id} (${s.status})`).join(', ')}`);
  if (files.length) lines.push(`figures with how each was measured: ${files.join(', ')}`);
  return lines;
}

/** bench-<timestamp>.json plus latest.json (written whole, then renamed, so readers never see half a file). */
export function writeResults(r: BenchResult, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(r, null, 2) + '\n';
  const stamp = r.started_at.replace(/[:.]/g, '-');
  const files = [join(dir, `bench-${stamp}.json`), join(dir, 'latest.json')];
  for (const f of files) {
    writeFileSync(f + '.tmp', text);
    renameSync(f + '.tmp', f);
  }
  return files;
}
