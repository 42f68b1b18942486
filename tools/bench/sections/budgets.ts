// Section 4: what the firmware costs the board: bytes of each minified image,
// the gzipped dashboard the gateway serves from flash, the gateway's JsVars at
// idle and per authorized device (process.memory() of the real interpreter),
// and the Xtensa .text of the native crypto.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { RunContext } from '../main';
import { ROOT } from '../paths';
import { Figure, SectionOutput, Skip, TargetRow, target } from '../results';
import { measureJsVars } from '../jsvars';

const KB = 1024;
const GATEWAY = 'gateway.js';
const CRYPTO_MODULE = 'gwcrypto-js.js';
const DASHBOARD_GZ = 'dist/dashboard.html.gz';
const XTENSA_TOOL = 'tools/native/xtensa-size.mjs';

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) newest = Math.max(newest, newestSource(p));
    else newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

/** A warning when dist/ was built before the last source edit: its sizes would describe old code. */
function staleness(file: string, sources: string[]): string {
  const built = statSync(file).mtimeMs;
  const newest = Math.max(...sources.filter((s) => existsSync(s)).map(newestSource));
  return newest > built ? ` WARNING: ${relative(ROOT, file)} is older than the sources; run \`npm run build\` first.` : '';
}

function imageFigures(figures: Figure[], targets: TargetRow[], skipped: Skip[]): void {
  const sources = ['src/crypto', 'src/protocol', 'src/mqtt', 'src/gateway', 'src/device'].map((s) => join(ROOT, s));
  const dist = join(ROOT, 'dist');
  const images = existsSync(dist) ? readdirSync(dist).filter((f) => f.endsWith('.js')).sort() : [];
  if (!images.includes(GATEWAY)) skipped.push({ what: `dist/${GATEWAY} size`, why: 'not built: run `npm run build`' });
  for (const file of images) {
    const path = join(dist, file);
    const bytes = statSync(path).size;
    const gz = gzipSync(readFileSync(path), { level: 9 }).length;
    const stale = staleness(path, sources);
    const name = file.replace(/\.js$/, '');
    figures.push(
      {
        id: `budgets.image.${name}.bytes`,
        label: `dist/${file} (minified)${stale ? ' STALE' : ''}`,
        value: bytes,
        unit: 'B',
        how: `File size of dist/${file} as written by \`npm run build\` (Rollup + terser, ES5, mangled); what is stored in the board's flash.${stale}`,
      },
      {
        id: `budgets.image.${name}.gzip_bytes`,
        label: `dist/${file} gzipped (for reference)`,
        value: gz,
        unit: 'B',
        how: `gzip level 9 of dist/${file} in memory; the board stores images uncompressed, so only the size above is budgeted.`,
      },
    );
  }
  if (images.includes(GATEWAY) && images.includes(CRYPTO_MODULE)) {
    const both = statSync(join(dist, GATEWAY)).size + statSync(join(dist, CRYPTO_MODULE)).size;
    figures.push({
      id: 'budgets.image.gateway_on_stock_firmware.bytes',
      label: `dist/${GATEWAY} + dist/${CRYPTO_MODULE} (stock firmware)`,
      value: both,
      unit: 'B',
      how: `Sum of the two files: on stock firmware, without the native GatewayCrypto library, the gateway also needs the pure-JS crypto module (${CRYPTO_MODULE}) in Storage.`,
    });
  }
  if (images.includes(GATEWAY)) {
    const bytes = statSync(join(dist, GATEWAY)).size;
    targets.push(
      target({
        id: 'budgets.gateway_image',
        label: 'gateway image ≤ 48 KB',
        value: bytes,
        unit: 'B',
        kind: 'max',
        limit: 48 * KB,
        how: `Bytes of dist/${GATEWAY} against 48 × 1024 bytes (the image for the firmware with GatewayCrypto).`,
        note:
          bytes > 48 * KB
            ? `${bytes - 48 * KB} bytes (${(((bytes - 48 * KB) / (48 * KB)) * 100).toFixed(1)}%) over. To find what to trim, ` +
              'build with MINIFY=0 and compare module sizes; long property names and message strings survive ' +
              'minification (terser mangles only local names), so shortening those is usually the cheapest cut.'
            : undefined,
      }),
    );
  }
  const dash = join(ROOT, DASHBOARD_GZ);
  if (!existsSync(dash)) {
    skipped.push({ what: 'dashboard size', why: `${DASHBOARD_GZ} not built: run \`npm run build\`` });
    return;
  }
  const bytes = statSync(dash).size;
  const dashStale = staleness(dash, [join(ROOT, 'src/dashboard')]);
  figures.push({
    id: 'budgets.dashboard.gzip_bytes',
    label: `${DASHBOARD_GZ}${dashStale ? ' STALE' : ''}`,
    value: bytes,
    unit: 'B',
    how: `File size of ${DASHBOARD_GZ}, the gzip the gateway serves from flash as written by \`npm run build\`.${dashStale}`,
  });
  targets.push(
    target({
      id: 'budgets.dashboard',
      label: 'dashboard ≤ 20 KB gzipped',
      value: bytes,
      unit: 'B',
      kind: 'max',
      limit: 20 * KB,
      how: `Bytes of ${DASHBOARD_GZ} against 20 × 1024 bytes.`,
      note: bytes > 20 * KB ? 'Trim the dashboard bundle (largest views first); the build fails over this limit.' : undefined,
    }),
  );
}

/** Xtensa .text per primitive and in total, from the native part's size tool. */
async function xtensaFigures(figures: Figure[], skipped: Skip[]): Promise<void> {
  const what = 'Xtensa .text of the native crypto';
  const tool = join(ROOT, XTENSA_TOOL);
  if (!existsSync(tool)) {
    skipped.push({ what, why: `${XTENSA_TOOL} does not exist` });
    return;
  }
  let sizes: Record<string, unknown>;
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [tool, '--json'], { cwd: ROOT, timeout: 120_000 });
    sizes = JSON.parse(stdout);
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    skipped.push({ what, why: `${XTENSA_TOOL} --json failed: ${(err.stderr || err.message).trim().split('\n')[0]}` });
    return;
  }
  // {"sha256":n,"x25519":n,"chacha20poly1305":n,"total":n,"compiler":"…","flags":"…"}
  const how =
    `${XTENSA_TOOL} --json: each native/*.c compiled alone with ${sizes.compiler} (${sizes.flags}) and the "text" ` +
    'column of xtensa-lx106-elf-size taken (code, literal pools, read-only tables). That is the ESP8266 core\'s ' +
    'toolchain, the Xtensa compiler installed here; the ESP32 (LX6) build should be of similar size, not equal. ' +
    'libgcc helpers the objects call (64-bit multiply and shifts, __muldi3 etc.) are not counted.';
  for (const [name, bytes] of Object.entries(sizes)) {
    if (typeof bytes !== 'number') continue;
    figures.push({ id: `budgets.xtensa_text.${name}`, label: `Xtensa .text: ${name}`, value: bytes, unit: 'B', how });
  }
}

export async function runBudgets(ctx: RunContext): Promise<SectionOutput> {
  const figures: Figure[] = [];
  const targets: TargetRow[] = [];
  const skipped: Skip[] = [];
  imageFigures(figures, targets, skipped);
  await measureJsVars(ctx, figures, targets, skipped);
  await xtensaFigures(figures, skipped);
  return {
    how:
      'Sizes are file sizes of the build output (run `npm run build` first; a warning marks outputs older than ' +
      'their sources). JsVars are process.memory().usage of the Espruino 2v29 interpreter built for this PC ' +
      '(tools/espruino) running the gateway image: the interpreter\'s own count, with the ESP32\'s 14-byte JsVars and ' +
      'pool of 16,383. 1 KB = 1024 bytes.',
    figures,
    targets,
    skipped,
  };
}
