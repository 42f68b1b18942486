// ESLint over the project (eslint.config.mjs) as part of `npm test`: one
// failing test that lists every problem, file:line:column rule message.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

const test = suite('lint');

test('the project has no lint problems', async () => {
  const results = await eslint.lintFiles(['.']);
  const problems: string[] = [];
  for (const r of results) {
    const file = r.filePath.slice(root.length);
    for (const m of r.messages) problems.push(`${file}:${m.line}:${m.column} ${m.ruleId ?? 'parse'} ${m.message}`);
  }
  assert.is(problems.length, 0, `${problems.length} lint problem(s):\n${problems.join('\n')}`);
});

// The rules the house relies on are switched on where they should be: a
// firmware file with var, == and any gets all three.
test('src/ files get no-var, eqeqeq and no-explicit-any', async () => {
  const [r] = await eslint.lintText('var a: any = 1;\nexport const b = a == 2;\n', { filePath: `${root}src/device/probe.ts` });
  const rules = r.messages.map((m) => m.ruleId).sort();
  assert.equal(rules, ['@typescript-eslint/no-explicit-any', 'eqeqeq', 'no-var']);
});

test('tools/ and test/ files get no-var and eqeqeq', async () => {
  const [r] = await eslint.lintText('var a = 1;\nexport const b = a == 2;\n', { filePath: `${root}tools/probe.mjs` });
  assert.equal(r.messages.map((m) => m.ruleId).sort(), ['eqeqeq', 'no-var']);
});

test.run();
