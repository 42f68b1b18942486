// `npm run bench` in quick mode: the JSON has every section, each figure a
// number with its "how", each target a verdict; a bad flag is refused with
// usage and exit 2. Speed is never asserted here: only the shape and honesty
// of the report.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SECTION_IDS } from '../../tools/bench/results.ts';
import { ISSUE_GOALS } from '../../tools/bench/report.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(root, 'tools/bench/main.ts');

function bench(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
    timeout: 480_000,
  });
}

const out = mkdtempSync(join(tmpdir(), 'bench-test-'));
let run: ReturnType<typeof bench>;
let report: any;

test.before(() => {
  run = bench(['--quick', '--json', '--out', out]);
});
test.after(() => rmSync(out, { recursive: true, force: true }));

test('quick run exits 0 and prints the same JSON it writes', () => {
  assert.is(run.status, 0, `exit ${run.status}\n${run.stderr}`);
  report = JSON.parse(run.stdout);
  const files = readdirSync(out).sort();
  assert.is(files.length, 2, files.join(', '));
  assert.ok(files.includes('latest.json'));
  assert.match(files[0], /^bench-\d{4}-\d\d-\d\dT[\d-]+Z\.json$/);
  assert.equal(JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')), report);
  assert.equal(JSON.parse(readFileSync(join(out, files[0]), 'utf8')), report);
  assert.is(report.quick, true);
  assert.type(report.machine.openssl, 'string');
});

test('every section is present; each ran with numbers and how, or says why it was skipped', () => {
  // every section the runner knows, in its order
  assert.equal(
    report.sections.map((s: any) => s.id),
    SECTION_IDS,
  );
  for (const id of ['crypto', 'e2e', 'enroll', 'budgets']) assert.ok(SECTION_IDS.includes(id as any), id);
  for (const s of report.sections) {
    assert.ok(['ok', 'skipped'].includes(s.status), `${s.id}: ${s.status} ${s.reason}`);
    assert.type(s.title, 'string');
    if (s.status === 'skipped') {
      assert.ok(typeof s.reason === 'string' && s.reason.length > 5, `${s.id} skipped without a reason`);
      continue;
    }
    assert.ok(s.how.length > 20, `${s.id}: section how`);
    assert.ok(s.figures.length > 0, `${s.id}: no figures`);
    for (const f of s.figures) {
      assert.ok(Number.isFinite(f.value), `${f.id}: value ${f.value}`);
      assert.type(f.unit, 'string');
      assert.ok(typeof f.how === 'string' && f.how.length > 10, `${f.id}: how`);
      assert.ok(f.id.startsWith(`${s.id}.`), `${f.id} outside ${s.id}`);
    }
    for (const t of s.targets) {
      assert.type(t.pass, 'boolean');
      assert.ok(Number.isFinite(t.value) && Number.isFinite(t.limit), `${t.id}: ${t.value} vs ${t.limit}`);
      assert.is(t.pass, t.kind === 'max' ? t.value <= t.limit : t.value >= t.limit, `${t.id}: verdict`);
      assert.ok(t.how.length > 10, `${t.id}: how`);
      if (!t.pass) assert.ok(t.note && t.note.length > 10, `${t.id}: a miss needs a note`);
    }
    for (const k of s.skipped) assert.ok(k.what && k.why, `${s.id}: skip without what/why`);
  }
});

test('crypto covers every primitive and size for pure JS and OpenSSL, with ratios when native is there', () => {
  const crypto = report.sections.find((s: any) => s.id === 'crypto');
  assert.is(crypto.status, 'ok', crypto.reason);
  const ids = new Set(crypto.figures.map((f: any) => f.id));
  const cases = ['x25519', 'aead.64', 'aead.256', 'aead.4096', 'sha256.64', 'sha256.4096', 'hmac.64', 'hmac.4096'];
  const hasNative = ids.has('crypto.x25519.native');
  for (const c of cases) {
    for (const impl of ['js', 'openssl']) assert.ok(ids.has(`crypto.${c}.${impl}`), `crypto.${c}.${impl}`);
    if (hasNative) {
      for (const r of ['native', 'native_over_openssl', 'js_over_native']) assert.ok(ids.has(`crypto.${c}.${r}`), `crypto.${c}.${r}`);
    }
  }
  if (hasNative) assert.is(crypto.targets.length, 3);
  else assert.ok(crypto.skipped.some((k: any) => /native/.test(k.what)));
});

test('e2e, enroll and budgets ran on the real interpreter and say their times are PC times', () => {
  const section = (id: string) => report.sections.find((s: any) => s.id === id);
  const figure = (id: string) => section(id.split('.')[0]).figures.find((f: any) => f.id === id);
  for (const id of ['e2e', 'enroll', 'budgets']) assert.is(section(id).status, 'ok', `${id}: ${section(id).reason}`);
  for (const id of ['e2e', 'enroll']) assert.match(section(id).how, /PC times/);
  for (const n of [1, 8, 32]) {
    for (const key of [`e2e.gateway.n${n}.rtt_p50_ms`, `e2e.plain.n${n}.rtt_p50_ms`, `e2e.gateway.n${n}.calls_per_s`, `e2e.n${n}.rtt_ratio`]) {
      assert.ok(figure(key)?.value > 0, key);
    }
  }
  assert.ok(figure('e2e.gateway_stock.n1.rtt_p50_ms')?.value > 0, 'a sealed call on stock firmware');
  assert.ok(figure('enroll.stock.firstCall.median_ms')?.value > 0, 'an enrollment on stock firmware');
  // process.memory() of the interpreter: the image holds more than the bare firmware, stock more than custom
  const bare = figure('budgets.jsvars.bare').value;
  const idle = figure('budgets.jsvars.idle').value;
  assert.ok(bare > 0 && idle > bare, `bare ${bare}, idle ${idle}`);
  assert.ok(figure('budgets.jsvars.idle_stock').value > idle, 'the pure-JS crypto module costs JsVars');
  assert.ok(figure('budgets.jsvars.devices_32').value > figure('budgets.jsvars.devices_8').value);
  assert.ok(figure('budgets.jsvars.per_device_32').value > 0);
  assert.match(figure('budgets.jsvars.bare').how, /pool of 16383 JsVars of 14 bytes/);
});

test("every goal of issue 11 has its target, and a missed one says why", () => {
  const targets = report.sections.flatMap((s: any) => s.targets);
  for (const [goal, ids] of ISSUE_GOALS) {
    for (const id of ids) {
      const t = targets.find((x: any) => x.id === id);
      assert.ok(t, `${goal}: no target ${id}`);
      assert.type(t.pass, 'boolean');
      assert.ok(t.how.length > 20, `${id}: how`);
      if (!t.pass) assert.ok(typeof t.note === 'string' && t.note.length > 20, `${id} is missed without a why`);
    }
  }
});

test('a bad flag gets a one-line error, the usage, exit 2, and no results', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-bad-'));
  try {
    for (const args of [['--fast'], ['--only', 'disk'], ['--only'], ['--quick=1']]) {
      const r = bench([...args, '--out', dir]);
      assert.is(r.status, 2, `${args.join(' ')}: exit ${r.status}`);
      const lines = r.stderr.trim().split('\n');
      assert.is(lines.length, 2, r.stderr);
      assert.match(lines[0], /^bench: /);
      assert.match(lines[1], /^usage: npm run bench/);
      assert.is(r.stdout, '');
      assert.equal(readdirSync(dir), []);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
