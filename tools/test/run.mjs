#!/usr/bin/env node
// Runs every test/**/*.test.ts in its own Node process (uvu + tsx), so one
// crashing or hanging file cannot take the others with it, and ends with the
// line CI reads: "N passed, N failed".
//   node tools/test/run.mjs [--jobs N] [--timeout S] [filter...]
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
let jobs = 1;
let timeoutS = 600;
const filters = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--jobs' || a === '--timeout') {
    const v = Number(args[++i]);
    if (!Number.isInteger(v) || v < 1) {
      console.error(`run.mjs: ${a} takes a whole number >= 1, got ${JSON.stringify(args[i])}`);
      process.exit(2);
    }
    if (a === '--jobs') jobs = v; else timeoutS = v;
  } else if (a.startsWith('--')) {
    console.error(`run.mjs: unknown option ${a} (options: --jobs N, --timeout S, then path filters)`);
    process.exit(2);
  } else filters.push(a);
}

function walk(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const files = walk(join(root, 'test'), []).filter(
  (f) => filters.length === 0 || filters.some((flt) => relative(root, f).includes(flt)),
);

const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
let passed = 0;
let failed = 0;
const failures = [];

function runFile(file) {
  return new Promise((resolve) => {
    const rel = relative(root, file);
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      out += `\n[run.mjs] ${rel} timed out after ${timeoutS}s and was killed\n`;
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const text = strip(out);
      const total = Number((text.match(/Total:\s+(\d+)/) || [])[1] || 0);
      const ok = Number((text.match(/Passed:\s+(\d+)/) || [])[1] || 0);
      let bad = total - ok;
      const skipped = Number((text.match(/Skipped:\s+(\d+)/) || [])[1] || 0);
      bad -= skipped;
      if (bad < 0) bad = 0;
      if (code !== 0 && bad === 0) bad = 1; // crashed, hung, or failed outside a test
      passed += ok;
      failed += bad;
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`\n=== ${rel}: ${ok} passed, ${bad} failed (${secs} s)\n`);
      if (bad > 0 || process.env.TEST_VERBOSE) {
        process.stdout.write(text.trimEnd() + '\n');
        if (bad > 0) failures.push(rel);
      }
      resolve();
    });
  });
}

const queue = files.slice();
await Promise.all(
  Array.from({ length: Math.min(jobs, queue.length) || 0 }, async () => {
    while (queue.length) await runFile(queue.shift());
  }),
);
if (failures.length) console.log(`\nfailing files:\n  ${failures.join('\n  ')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 && files.length > 0 ? 0 : 1);
