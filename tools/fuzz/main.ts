// npm run fuzz: every fuzz target (targets.ts) with 10^6 inputs each, or as
// many as --runs says (--quick: 10^4, what npm test runs). Prints each
// target's outcomes and time; exits 1 at the first property that fails, with
// fast-check's shrunk counterexample and the seed to replay it.
//   npm run fuzz -- [--runs N | --quick] [--only name,name] [--seed S]
import { readFlags } from '../flags.ts';
import { TARGETS } from './targets.ts';

const USAGE = 'usage: npm run fuzz -- [--runs N | --quick] [--only ' + TARGETS.map((t) => t.name).join(',') + '] [--seed S]';

const flags = readFlags(process.argv.slice(2), { valued: { '--runs': 'runs', '--only': 'only', '--seed': 'seed' }, switches: { '--quick': 'quick' }, help: true });
if (flags === 'help') {
  console.log(USAGE);
  process.exit(0);
}
if (typeof flags === 'string') {
  console.error('fuzz: ' + flags + '\n' + USAGE);
  process.exit(2);
}
const f: any = flags;
const runs = f.quick ? 10_000 : f.runs !== undefined ? Number(f.runs) : 1_000_000;
if (!Number.isInteger(runs) || runs < 1) {
  console.error('fuzz: --runs takes a whole number >= 1\n' + USAGE);
  process.exit(2);
}
const seed = f.seed === undefined ? Date.now() % 2 ** 31 : Number(f.seed);
const only = f.only ? String(f.only).split(',') : undefined;
const unknown = (only || []).filter((n) => !TARGETS.some((t) => t.name === n));
if (unknown.length) {
  console.error('fuzz: no target ' + unknown.join(', ') + '\n' + USAGE);
  process.exit(2);
}

console.log(`fuzz: ${runs} inputs per target, seed ${seed}`);
let failed = 0;
for (const t of TARGETS) {
  if (only && !only.includes(t.name)) continue;
  const start = Date.now();
  try {
    const o = t.run(runs, seed);
    const s = ((Date.now() - start) / 1000).toFixed(1);
    const detail = Object.entries(o.counts).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${n}`).join(', ');
    console.log(`PASS ${t.name}: ${o.runs} inputs in ${s} s (${detail})`);
  } catch (e) {
    failed++;
    const cause = (e as any).cause;
    console.log(`FAIL ${t.name}: ${t.what}\n${(e as Error).message}${cause ? '\n' + (cause.stack || cause) : ''}`);
  }
}
console.log(failed ? `fuzz: ${failed} target(s) failed` : 'fuzz: 0 failures');
process.exit(failed ? 1 : 0);
