// A TypeScript program for the interpreter, built the way the images are
// (tools/image-build: TypeScript to ES5, terser, the image check), so a test
// that runs it on the board runs the code the images carry. Programs live
// outside src/ (test/fixtures/espruino/); they import from src/.
//
// Built once per content: the result is kept in .espruino-host/bundles/,
// keyed by the entry, everything under src/ and the build settings (an entry
// that imports from elsewhere than src/ must say so in BUILD_INPUTS).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { rollup } from 'rollup';
// @ts-expect-error: a JavaScript module without types
import { imageOutput, imagePlugins, imageTreeshake } from '../image-build/index.mjs';
import { CACHE, ROOT } from './build.ts';

/** Files whose content shapes a bundle besides the entry. */
const BUILD_INPUTS = ['src', 'tools/image-build', 'tools/image-check', 'tsconfig.json', 'package-lock.json'];

function files(path: string, out: string[]): string[] {
  if (!existsSync(path)) return out;
  if (!statSync(path).isDirectory()) {
    out.push(path);
    return out;
  }
  for (const name of readdirSync(path).sort()) files(join(path, name), out);
  return out;
}

function bundleKey(entry: string): string {
  const h = createHash('sha256').update(relative(ROOT, entry)).update(readFileSync(entry));
  for (const f of BUILD_INPUTS.flatMap((p) => files(join(ROOT, p), []))) h.update(relative(ROOT, f)).update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

/** The image of `entry` (a .ts path), as the text that goes into .bootcde. */
export async function bundleProgram(entryPath: string): Promise<string> {
  const entry = resolve(entryPath);
  const name = basename(entry).replace(/\.ts$/, '');
  const bundles = join(CACHE, 'bundles');
  const cached = join(bundles, `${name}-${bundleKey(entry)}.js`);
  if (existsSync(cached)) return readFileSync(cached, 'latin1');
  // the project's compiler settings, covering this entry too
  const dir = mkdtempSync(join(tmpdir(), 'espruino-bundle-'));
  const tsconfig = join(dir, 'tsconfig.json');
  writeFileSync(tsconfig, JSON.stringify({ extends: join(ROOT, 'tsconfig.json'), include: [join(ROOT, 'src/espruino.d.ts'), entry] }));
  try {
    const bundle = await rollup({
      input: entry,
      treeshake: imageTreeshake,
      plugins: imagePlugins({ tsconfig }),
      onwarn: (w) => {
        throw new Error(`${relative(ROOT, entry)}: ${w.message}`);
      },
    });
    try {
      const { output } = await bundle.generate({ ...imageOutput, file: cached });
      const code = output[0].code;
      mkdirSync(bundles, { recursive: true });
      // older builds of this program are stale now
      for (const f of readdirSync(bundles)) if (f.startsWith(`${name}-`)) rmSync(join(bundles, f));
      writeFileSync(cached, code, 'latin1');
      return code;
    } finally {
      await bundle.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
