// The dashboard build: one self-contained HTML file and its gzip, within the
// 20 KB budget, no external resources, and a build that fails over budget.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { rollup, type RollupOptions } from 'rollup';
import { parse } from 'acorn';
import configs from '../../rollup.config.mjs';
import { inlineHtml, minifyCss } from '../../tools/dashboard/inline-html.mjs';

const dashboard = (configs as RollupOptions[]).find((c) => c.input === 'src/dashboard/main.ts')!;
const out = mkdtempSync(join(tmpdir(), 'dash-build-'));

async function build(options: RollupOptions, dir: string): Promise<void> {
  const bundle = await rollup(options);
  try {
    await bundle.write({ ...(options.output as object), dir });
  } finally {
    await bundle.close();
  }
}

test('builds dashboard.html and its gzip within 20 KB', async () => {
  await build(dashboard, out);
  const html = readFileSync(join(out, 'dashboard.html'), 'utf8');
  const gz = readFileSync(join(out, 'dashboard.html.gz'));
  assert.ok(gz.length <= 20 * 1024, `gzip is ${gz.length} bytes`);
  assert.is(gunzipSync(gz).toString('utf8'), html);
  assert.is(gz[0], 0x1f);
  assert.is(gz[1], 0x8b);
});

test('the page is self-contained: inline CSS and JS only, nothing fetched from elsewhere', () => {
  const html = readFileSync(join(out, 'dashboard.html'), 'utf8');
  assert.match(html, /^<!doctype html>/i);
  assert.not.match(html, /<link\b|<img\b|<iframe\b|\bsrc=|@import|url\(/i);
  const urls = html.match(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"'`)]*/gi) || [];
  assert.equal(urls.filter((u) => u !== 'http://www.w3.org/2000/svg'), [], 'no absolute URLs but the SVG namespace');
  const scripts = html.match(/<script>([\s\S]*?)<\/script>/g) || [];
  assert.is(scripts.length, 1);
  assert.is((html.match(/<style>/g) || []).length, 1);
  const js = scripts[0].slice('<script>'.length, -'</script>'.length);
  parse(js, { ecmaVersion: 2019, sourceType: 'script' });
  assert.ok(js.length > 1000, 'the script is inlined');
});

test('the build fails when the gzip is over its budget', async () => {
  const plugins = (dashboard.plugins as any[]).filter((p) => p && p.name !== 'dashboard-inline-html');
  const tight = { ...dashboard, plugins: [...plugins, inlineHtml({ template: 'src/dashboard/index.html', css: 'src/dashboard/style.css', name: 'dashboard.html', maxGzipBytes: 1000 })] };
  const dir = mkdtempSync(join(tmpdir(), 'dash-tight-'));
  try {
    await build(tight, dir);
    assert.unreachable('built over budget');
  } catch (e: any) {
    assert.match(e.message, /dashboard\.html\.gz is \d+ bytes, over its budget of 1000 bytes/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('minifyCss drops comments and spaces, keeps the rules', () => {
  assert.is(minifyCss('/* x */ a  > b { color : red ;  }\n\n@media (max-width: 40rem) { p { margin: 0 } }'), 'a>b{color:red}@media (max-width:40rem){p{margin:0}}');
});

test.after(() => rmSync(out, { recursive: true, force: true }));

test.run();
