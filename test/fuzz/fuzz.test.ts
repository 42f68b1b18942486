// Every fuzz target of `npm run fuzz` (tools/fuzz/targets.ts) with 10^4
// inputs, as part of npm test; the full run takes 10^6 each. A fixed seed
// keeps a failure reproducible: `npm run fuzz -- --only NAME --seed 12`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TARGETS } from '../../tools/fuzz/targets.ts';

const RUNS = 10_000;
const SEED = 12;

for (const t of TARGETS) {
  test(`${t.name}: ${t.what}`, () => {
    const o = t.run(RUNS, SEED);
    assert.is(o.runs, RUNS);
    // the inputs reached past the first check: more than one outcome was seen
    assert.ok(Object.keys(o.counts).length > 1, JSON.stringify(o.counts));
  });
}

test.run();
