// Crash safety of the gateway's Storage files (src/gateway/store.ts and the
// registry's and config's save paths).
//  - In Node: the CRC, slot choice, a corrupted newest slot, finishing an
//    interrupted replace, line splitting.
//  - On the real interpreter: power cuts (SIGKILL) at random moments while
//    test/fixtures/espruino/store-writer.ts writes the registry, the nonce
//    marks and gw.cfg through the gateway's code in a loop; after each
//    restart the same code reads them back, and each file must hold the old
//    or the new version of the write that was cut, never a torn one, and no
//    completed write (an approval, a nonce mark) may be lost.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SlotFile, crc32, readReplaced, replaceFile, splitLines } from '../../src/gateway/store.ts';
import type { StorageLike } from '../../src/gateway/store.ts';
import { bundleProgram } from '../../tools/espruino/bundle.ts';
import { Interpreter, writeStorage } from '../../tools/espruino/interpreter.ts';

/** Storage's read/write/erase over a Map, for the logic alone. */
function memoryStorage(): StorageLike & { files: Map<string, string> } {
  const files = new Map<string, string>();
  return {
    files,
    read: (name) => files.get(name),
    write: (name, data) => {
      files.set(name, data);
      return true;
    },
    erase: (name) => {
      files.delete(name);
    },
  };
}

const versions = ['{"v":1}', '{"v":2,"pad":"' + 'x'.repeat(300) + '"}', '{"v":3}', '\n{"id":"a"}\n{"id":"b\xe9"}', '{"v":5}'];

test('crc32 is the IEEE CRC-32 (zlib, Espruino E.CRC32)', () => {
  assert.is(crc32(''), 0);
  assert.is(crc32('123456789'), 0xcbf43926);
  for (let n = 0; n < 50; n++) {
    const b = randomBytes(n * 7);
    assert.is(crc32(b.toString('latin1')), zlibCrc32(b));
  }
});

test('slot file: writes alternate between the two slots; a reader takes the newest', () => {
  const st = memoryStorage();
  const s = new SlotFile(st, 'gw.reg');
  assert.is(s.read(), undefined);
  for (const v of versions) {
    assert.ok(s.write(v));
    assert.is(new SlotFile(st, 'gw.reg').read(), v);
  }
  assert.equal([...st.files.keys()].sort(), ['gw.reg.0', 'gw.reg.1']);
  assert.ok(s.raw()!.endsWith(versions[versions.length - 1]));
  s.erase();
  assert.is(st.files.size, 0);
  assert.is(new SlotFile(st, 'gw.reg').read(), undefined);
});

test('slot file: a torn or corrupted newest slot falls back to the older one; the next write replaces the bad one', () => {
  for (const damage of [(t: string) => t.replace('two', 'tvo'), (t: string) => t.slice(0, -1) + '\xff', (t: string) => t.slice(0, 5), () => 'garbage']) {
    const st = memoryStorage();
    const s = new SlotFile(st, 'x');
    s.read();
    s.write('one');
    s.write('two');
    const older = st.read('x.0')!;
    st.write('x.1', damage(st.read('x.1')!));
    const again = new SlotFile(st, 'x');
    assert.is(again.read(), 'one');
    assert.ok(again.write('three'));
    assert.is(st.read('x.0'), older, 'the good slot is kept');
    assert.is(new SlotFile(st, 'x').read(), 'three');
  }
  // Storage refusing the write: false, and the old version stays the newest
  const st = memoryStorage();
  new SlotFile(st, 'x').write('two');
  const full: StorageLike = { read: st.read, erase: st.erase, write: () => false };
  const f = new SlotFile(full, 'x');
  assert.is(f.read(), 'two');
  assert.is(f.write('nope'), false);
  assert.is(new SlotFile(st, 'x').read(), 'two');
});

test('replaceFile / readReplaced: every stage an interrupted replace can leave reads as the old or the new text', () => {
  const a = '{"broker":"mqtt://a:1"}';
  const b = '{"broker":"mqtt://b:2","prefix":"p"}';
  // what Storage holds after each flash step of replaceFile(b) over a
  const stages: [string, Record<string, string>][] = [
    ['before', { 'gw.cfg': a }],
    ['.new torn', { 'gw.cfg': a, 'gw.cfg.new': b.slice(0, 10) + '\xff\xff' }],
    ['.new written', { 'gw.cfg': a, 'gw.cfg.new': b }],
    ['old erased', { 'gw.cfg.new': b }],
    ['new torn', { 'gw.cfg': b.slice(0, 5), 'gw.cfg.new': b }],
    ['new written', { 'gw.cfg': b, 'gw.cfg.new': b }],
    ['done', { 'gw.cfg': b }],
  ];
  for (const [stage, files] of stages) {
    const st = memoryStorage();
    for (const [k, v] of Object.entries(files)) st.write(k, v);
    const got = readReplaced(st, 'gw.cfg');
    assert.ok(got === a || got === b, `${stage}: ${got}`);
    assert.is(st.read('gw.cfg.new'), undefined, `${stage}: the move is finished`);
    assert.is(st.read('gw.cfg'), got, stage);
  }
  const st = memoryStorage();
  assert.is(readReplaced(st, 'gw.cfg'), undefined);
  assert.ok(replaceFile(st, 'gw.cfg', a));
  assert.is(readReplaced(st, 'gw.cfg'), a);
  assert.equal([...st.files.keys()], ['gw.cfg']);
});

test('splitLines is split("\\n")', () => {
  for (const t of ['', '\n', 'a', 'a\n', '\na\nbb\n\nccc', 'x'.repeat(1000) + '\n' + 'y'.repeat(3)]) assert.equal(splitLines(t), t.split('\n'), JSON.stringify(t));
});

// ---------------------------------------------------------------- power cuts

const WRITER = fileURLToPath(new URL('../fixtures/espruino/store-writer.ts', import.meta.url));
const TRIALS = Number(process.env.STORE_TRIALS) || 220;

interface Report {
  ids: number[];
  marks: Record<string, [number, number]>;
  badColds: string[];
  cfg: number;
  cfgErrors: string[];
  cfgIntact: boolean;
  files: string[];
}

/** What flash may hold: per kind of write, the last one that completed and the one begun after it. */
class Expected {
  done: Record<string, number> = { add: 0, del: 0, st: 0, cfg: -1 };
  begun: Record<string, number> = { add: 0, del: 0, st: 0, cfg: -1 };

  /** Both values a file may show for `kind` (the write in progress may or may not have landed). */
  allowed(kind: string): number[] {
    return [this.done[kind], this.begun[kind]];
  }

  /** The program's markers of one power-on, in order. Returns the write that was cut, if any. */
  follow(output: string): string | undefined {
    let open: string | undefined;
    // whole lines only: a cut can leave the last one half printed
    for (const m of output.matchAll(/(?:^|\x1b\[J)(B|D|FAILED) (add|del|st|cfg) (\d+)\r\n/gm)) {
      const [, what, kind, n] = m;
      if (what === 'FAILED') throw new Error(`Storage refused ${kind} ${n}`);
      if (what === 'B') {
        this.begun[kind] = Number(n);
        open = `${kind} ${n}`;
      } else {
        this.done[kind] = Number(n);
        open = undefined;
      }
    }
    return open;
  }

  /** Checks a boot's report against what flash may hold, then takes it as what flash holds. */
  check(r: Report, trial: number): void {
    const at = `trial ${trial}: ${JSON.stringify(r).slice(0, 400)}`;
    assert.equal(r.badColds, [], `${at}: registry records differ`);
    assert.equal(r.cfgErrors, [], `${at}: gw.cfg`);
    assert.ok(r.cfgIntact, `${at}: gw.cfg is not the text written`);
    assert.ok(this.allowed('cfg').includes(r.cfg), `${at}: gw.cfg is step ${r.cfg}, expected one of ${this.allowed('cfg')}`);
    // the registry: dev<lo>..dev<hi>, no gaps
    r.ids.forEach((id, k) => assert.is(id, r.ids[0] + k, `${at}: registry has a gap`));
    const hi = r.ids.length ? r.ids[r.ids.length - 1] : 0;
    assert.ok(this.allowed('add').includes(hi), `${at}: newest approval dev${hi}, expected one of ${this.allowed('add')} (an approval lost?)`);
    if (r.ids.length) {
      const deleted = r.ids[0] - 1;
      assert.ok(deleted === 0 || this.allowed('del').includes(deleted), `${at}: oldest device dev${r.ids[0]}, last removal expected one of ${this.allowed('del')}`);
    }
    // nonce marks: every device the last completed state write covered has it (or the newer one)
    let marks = this.done.st;
    for (const id of r.ids) {
      const [rx, reserve] = r.marks[`dev${id}`];
      assert.is(reserve, rx * 10, `${at}: dev${id} marks torn`);
      const covered = id <= this.done.st;
      const ok = covered ? this.allowed('st').includes(rx) : rx === 0 || rx === this.begun.st;
      assert.ok(ok, `${at}: dev${id} nonce mark ${rx}, last completed state write ${this.done.st}, begun ${this.begun.st}`);
      marks = Math.max(marks, rx);
    }
    // from here on flash holds what the report shows
    this.done = { add: hi, del: r.ids.length ? r.ids[0] - 1 : this.done.del, st: marks, cfg: r.cfg };
    this.begun = { ...this.done };
  }
}

/** A small seeded generator, so a failing run can be repeated (STORE_SEED=…). */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Console output as it arrives, for waits that must act at once (a cut inside a write). */
const arrivals = new Set<() => void>();

/** Resolves true when the output since `from` matches `re`, false after `ms` or when the board is off. */
function seen(it: Interpreter, from: number, re: RegExp, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const check = () => {
      const hit = re.test(it.output.slice(from));
      if (!hit && it.running) return;
      arrivals.delete(check);
      clearTimeout(timer);
      resolve(hit);
    };
    const timer = setTimeout(() => {
      arrivals.delete(check);
      resolve(false);
    }, ms);
    arrivals.add(check);
    check();
  });
}

test(`power cuts: ${TRIALS} at random moments while the registry, nonce marks and gw.cfg are written; each restart reads the old or the new state`, async () => {
  const seed = Number(process.env.STORE_SEED) || Date.now() % 1e9;
  const rnd = random(seed);
  const dir = mkdtempSync(join(tmpdir(), 'store-cuts-'));
  await writeStorage(dir, { '.bootcde': await bundleProgram(WRITER) });
  const it = await Interpreter.start({ storageDir: dir, onOutput: () => arrivals.forEach((f) => f()) });
  const expected = new Expected();
  const cut: Record<string, number> = {};
  let reports = 0;
  const started = Date.now();
  try {
    for (let trial = 0; trial <= TRIALS; trial++) {
      const from = it.output.length;
      const report = /REPORT [^\r\n]*\r\n/;
      const mode = rnd();
      if (trial === TRIALS) {
        assert.ok(await seen(it, from, report, 30000), `the last boot reported (seed ${seed})`);
      } else if (mode < 0.15) {
        // during boot, where readReplaced may be finishing a move
        await new Promise((r) => setTimeout(r, rnd() * 200));
      } else {
        const kind = ['add', 'del', 'st', 'cfg'][Math.floor(rnd() * 4)];
        // anywhere in the writing loop, or just after a write of one kind began (somewhere inside it)
        const loop = mode < 0.55;
        const until = loop ? report : new RegExp(`REPORT [^]*(?:\\n|\\x1b\\[J)B ${kind} \\d+\\r\\n`);
        if (!(await seen(it, from, until, 30000))) {
          throw new Error(`trial ${trial}: no ${until} (seed ${seed}); this power-on:\n${it.output.slice(from, from + 3000)}`);
        }
        await new Promise((r) => setTimeout(r, loop ? rnd() * 200 : rnd() * 3));
      }
      if (trial < TRIALS) {
        // not inside Espruino's compaction (see store-writer.ts): wait for its end
        const tail = it.output.slice(from);
        if (tail.lastIndexOf('B compact') > tail.lastIndexOf('D compact')) await seen(it, from + tail.lastIndexOf('B compact'), /D compact/, 30000);
        await it.kill();
      }
      const out = it.output.slice(from);
      const m = /REPORT ([^\r\n]*)\r\n/.exec(out);
      if (m) {
        reports++;
        try {
          expected.check(JSON.parse(m[1]) as Report, trial);
        } catch (e) {
          throw new Error(`${(e as Error).message}\n(seed ${seed}; this power-on:\n${out.slice(0, 3000)})`);
        }
        const open = expected.follow(out.slice(m.index));
        if (open && trial < TRIALS) {
          const kind = open.split(' ')[0];
          cut[kind] = (cut[kind] ?? 0) + 1;
        }
      }
      if (trial < TRIALS) await it.restart();
    }
    const within = Object.values(cut).reduce((a, b) => a + b, 0);
    console.log(`  ${TRIALS} power cuts in ${((Date.now() - started) / 1000).toFixed(0)} s (seed ${seed}): ${within} inside a write ` +
      `(${Object.entries(cut).map(([k, n]) => `${k} ${n}`).join(', ')}), ${TRIALS + 1 - reports} before the boot report; ` +
      `${expected.done.add} approvals, ${expected.done.st} state writes, gw.cfg step ${expected.done.cfg}`);
    assert.ok(reports > TRIALS / 2, `most boots reported (${reports})`);
    assert.ok(within >= TRIALS / 4, `cuts inside a write: ${within}`);
    for (const kind of ['add', 'del', 'st', 'cfg']) assert.ok((cut[kind] ?? 0) > 0, `a cut inside a ${kind} write`);
  } finally {
    await it.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
