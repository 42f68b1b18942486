// npm run fuzz: every fuzz target (targets.ts) with 10^6 inputs each, or as
// many as --runs says (--quick: 10^4, what npm test runs). Prints each
// target's outcomes and time; exits 1 at the first property that fails, with
// fast-check's shrunk counterexample and the seed to replay it. Then `image`:
// 10^4 hostile MQTT payloads and 10^4 HTTP requests through the built gateway
// image on the real interpreter (image.ts; --quick: 10^3 of each).
//   npm run fuzz -- [--runs N | --quick] [--only name,name] [--seed S]
import { readFlags } from '../flags.ts';
import { TARGETS } from './targets.ts';
import { HostileImage, IMAGE_SLACK } from './image.ts';

const IMAGE = 'image';
const USAGE = 'usage: npm run fuzz -- [--runs N | --quick] [--only ' + [...TARGETS.map((t) => t.name), IMAGE].join(',') + '] [--seed S]';

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
const unknown = (only || []).filter((n) => n !== IMAGE && !TARGETS.some((t) => t.name === n));
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
if (!only || only.includes(IMAGE)) {
  // the image is slow to feed (a few ms per message): 10^4 each, not 10^6
  const n = f.quick ? 1_000 : 10_000;
  const start = Date.now();
  const img = new HostileImage();
  try {
    await img.start();
    const o = await img.run(n, n, seed);
    const s = ((Date.now() - start) / 1000).toFixed(1);
    const grew = o.memory.after - o.memory.baseline;
    const list = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${k}: ${v}`).join(', ');
    const line = `${o.mqtt} MQTT payloads and ${o.http} HTTP requests in ${s} s; HTTP answers (${list(o.answers)}); counted (${list(o.counted)}); JsVars ${o.memory.baseline} → ${o.memory.after}`;
    if (grew > IMAGE_SLACK) throw new Error(line + `: memory grew by ${grew} JsVars`);
    console.log(`PASS ${IMAGE}: ${line}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${IMAGE}: the gateway image keeps serving under hostile traffic and its memory returns to the baseline\n${(e as Error).message}`);
  } finally {
    await img.stop();
  }
}
console.log(failed ? `fuzz: ${failed} target(s) failed` : 'fuzz: 0 failures');
process.exit(failed ? 1 : 0);
