// The image check where it runs: as the last Rollup plugin of a real build
// (failing it, listing every problem, writing nothing) and as the
// check:image command line.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import terser from '@rollup/plugin-terser';
import { checkImage, imageCheck } from '../../tools/image-check/index.mjs';
import { IMAGE_TERSER } from '../../tools/image-build/index.mjs';

const cli = fileURLToPath(new URL('../../tools/image-check/index.mjs', import.meta.url));

// Three problems of different rules, at known places in the source; the
// iife wrapper Rollup adds moves them, so the test reads the positions back
// from the output it would have written.
const BAD_MAIN = `import { start } from './lib.js';
export var table = new Map();
start(Array.from([1, 2]));
`;
const BAD_LIB = `export function start(list) {
  return /^a?b$/.test(String(list));
}
`;
const GOOD_MAIN = `import { start } from './lib.js';
export var ok = start([1, 2]);
`;
const GOOD_LIB = `export function start(list) {
  return /^a*b$/.test(String(list));
}
`;

let dir = '';
function project(main: string, lib: string): string {
  dir = mkdtempSync(join(tmpdir(), 'image-check-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'main.js'), main);
  writeFileSync(join(dir, 'src', 'lib.js'), lib);
  return join(dir, 'src', 'main.js');
}

async function build(input: string) {
  const bundle = await rollup({ input, plugins: [imageCheck()], onwarn: () => {} });
  try {
    return await bundle.write({ file: join(dir, 'dist', 'gateway.js'), format: 'iife', name: 'gateway', strict: false });
  } finally {
    await bundle.close();
  }
}

const plugin = suite('image-check: Rollup plugin');
plugin.after.each(() => rmSync(dir, { recursive: true, force: true }));

plugin('fails the build with every problem as dist/gateway.js:LINE:COL, writing nothing', async () => {
  const input = project(BAD_MAIN, BAD_LIB);
  let error: any;
  try {
    await build(input);
  } catch (e) {
    error = e;
  }
  assert.ok(error, 'the build must fail');
  assert.is(error.plugin, 'espruino-image-check');
  assert.match(error.message, /Espruino image check: 3 problems/);
  const lines = String(error.message)
    .split('\n')
    .filter((l) => /gateway\.js:\d+:\d+: /.test(l));
  assert.is(lines.length, 3, error.message);
  assert.ok(lines.every((l) => /(^|\/)dist\/gateway\.js:\d+:\d+: /.test(l)), lines.join('\n'));
  assert.match(lines.join('\n'), /`\?` quantifier/);
  assert.match(lines.join('\n'), /`Map` is not a global/);
  assert.match(lines.join('\n'), /`Array\.from` is not available/);
  assert.not.ok(existsSync(join(dir, 'dist', 'gateway.js')), 'a bad image is not written');

  // The positions are those of the code Rollup produced.
  const bundle = await rollup({ input, onwarn: () => {} });
  const { output } = await bundle.generate({ format: 'iife', name: 'gateway', strict: false });
  await bundle.close();
  const code = output[0].code.split('\n');
  for (const line of lines) {
    const [, row, col, message] = /:(\d+):(\d+): (.*)$/.exec(line)!;
    const text = code[Number(row) - 1].slice(Number(col) - 1);
    const expected = /Map/.test(message) ? 'Map' : /Array/.test(message) ? 'Array.from' : '?b$/';
    assert.ok(text.startsWith(expected), `${line} points at ${JSON.stringify(text)}`);
  }
});

plugin('a clean image builds and is written', async () => {
  const input = project(GOOD_MAIN, GOOD_LIB);
  await build(input);
  assert.match(readFileSync(join(dir, 'dist', 'gateway.js'), 'utf8'), /var gateway = /);
});

const command = suite('image-check: command line');
command.after.each(() => rmSync(dir, { recursive: true, force: true }));

function run(...files: string[]) {
  const r = spawnSync(process.execPath, [cli, ...files], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

command('prints FILE:LINE:COL: message for each problem and exits 1', () => {
  dir = mkdtempSync(join(tmpdir(), 'image-check-'));
  const bad = join(dir, 'bad.js');
  writeFileSync(bad, 'var a = 1;\nvar m = new Map();\nObject.freeze(m);\n');
  const r = run(bad);
  assert.is(r.status, 1);
  assert.equal(r.stdout.trim().split('\n'), [
    `${bad}:2:13: \`Map\` is not a global in Espruino`,
    `${bad}:3:1: \`Object.freeze\` is not available in Espruino`,
  ]);
});

command('prints "ok FILE (N bytes)" and exits 0 for a clean image', () => {
  dir = mkdtempSync(join(tmpdir(), 'image-check-'));
  const good = join(dir, 'good.js');
  writeFileSync(good, 'var a = [1, 2].map(function (x) { return x * 2; });\n');
  const r = run(good);
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.is(r.stdout.trim(), `ok ${good} (${statSync(good).size} bytes)`);
});

command('checks every file given; any problem makes the exit code 1', () => {
  dir = mkdtempSync(join(tmpdir(), 'image-check-'));
  const good = join(dir, 'good.js');
  const bad = join(dir, 'bad.js');
  writeFileSync(good, 'var a = 1;\n');
  writeFileSync(bad, 'var a = () => 1;\n');
  const r = run(bad, good);
  assert.is(r.status, 1);
  assert.match(r.stdout, new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:9: not ES5: arrow function$`, 'm'));
  assert.match(r.stdout, /^ok .*good\.js \(11 bytes\)$/m);
});

command('no file, or an unreadable one, exits 2 with a message', () => {
  dir = mkdtempSync(join(tmpdir(), 'image-check-'));
  const none = run();
  assert.is(none.status, 2);
  assert.match(none.stderr, /usage: /);
  const missing = run(join(dir, 'missing.js'));
  assert.is(missing.status, 2);
  assert.match(missing.stderr, /missing\.js: cannot read: /);
});

// Plain ES5 that Espruino runs as written, in the shapes terser rewrites
// into what it does not: a call with arguments inlined into a `return`
// (leaving `return a=…,b=…,f(a,b);var a,b`) and an IIFE statement folded
// into the next loop's initialiser (`for(function(){…}(),i=0;…)`).
const TERSER_BAIT = `var HEX = '0123456789abcdef';
function isHex(v, length) {
  if (typeof v !== 'string' || v.length !== length) return false;
  for (var i = 0; i < length; i++) if (HEX.indexOf(v.charAt(i)) < 0) return false;
  return true;
}
function fromHex(s) { return s.split(''); }
function equal(a, b) { return a.join() === b.join(); }
function proof(c, hash, id, key) { return c.mac(hash, id + key); }
function proofMatches(received, expected) {
  return isHex(received, 64) && equal(fromHex(received), fromHex(expected));
}
export function checkProof(c, hash, req) {
  return proofMatches(req.proof, proof(c, hash, req.id, req.key));
}
export function fill(t, k) {
  var i;
  (function (a) { for (var j = 0; j < a.length; j++) t.push(a[j] ^ t.length); })(k);
  for (i = 0; i < 4; i++) t.push(i);
  return t;
}
`;

async function minified(options: object): Promise<string> {
  dir = mkdtempSync(join(tmpdir(), 'image-check-'));
  const input = join(dir, 'bait.js');
  writeFileSync(input, TERSER_BAIT);
  const bundle = await rollup({ input, plugins: [terser(options)], onwarn: () => {} });
  try {
    const { output } = await bundle.generate({ format: 'iife', name: 'bait', strict: false });
    return output[0].code;
  } finally {
    await bundle.close();
  }
}

const minify = suite('image-check: the images’ terser settings');
minify.after.each(() => rmSync(dir, { recursive: true, force: true }));

minify('terser’s defaults turn clean ES5 into `var` after use and `for(function…`; the project’s settings do not', async () => {
  assert.equal(checkImage(TERSER_BAIT.replace(/export /g, ''), 'bait.js'), [], 'the source itself is clean');
  const stock = checkImage(await minified({ ecma: 5, compress: { passes: 3 } }), 'bait.js').map((p) => p.message);
  assert.ok(stock.some((m) => /is assigned before `var /.test(m)), stock.join('\n'));
  assert.ok(stock.some((m) => /^`for\(` initialiser starts with `function`/.test(m)), stock.join('\n'));
  assert.equal(checkImage(await minified(IMAGE_TERSER), 'bait.js'), []);
});

plugin.run();
command.run();
minify.run();
