// Builds the plain responder into an Espruino image the way rollup.config.mjs
// builds dist/gateway.js (ES5 through TypeScript, terser, the image check),
// in memory, so both sides of the comparison run code made alike.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';
import typescript from '@rollup/plugin-typescript';
import terser from '@rollup/plugin-terser';
import { ROOT } from '../paths';
// @ts-expect-error: a JavaScript module without types
import { checkImage } from '../../image-check/index.mjs';
// @ts-expect-error: a JavaScript module without types
import { IMAGE_TERSER } from '../../../rollup.config.mjs';

const INPUT = fileURLToPath(new URL('./main.ts', import.meta.url));

export async function buildPlainResponder(): Promise<string> {
  // The project's compiler settings, with this entry added to the files it covers.
  const dir = mkdtempSync(join(tmpdir(), 'bench-plain-'));
  const tsconfig = join(dir, 'tsconfig.json');
  writeFileSync(tsconfig, JSON.stringify({ extends: join(ROOT, 'tsconfig.json'), include: [join(ROOT, 'src/espruino.d.ts'), INPUT] }));
  try {
    return await bundleImage(tsconfig);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bundleImage(tsconfig: string): Promise<string> {
  const bundle = await rollup({
    input: INPUT,
    plugins: [
      typescript({ tsconfig, noEmitOnError: true }),
      terser(IMAGE_TERSER),
    ],
    onwarn: (w) => {
      throw new Error(`plain responder build: ${w.message}`);
    },
  });
  try {
    const { output } = await bundle.generate({ format: 'iife', strict: false, generatedCode: 'es5' });
    const code = output[0].code;
    const problems = checkImage(code, 'plain-responder.js') as { line: number; column: number; message: string }[];
    if (problems.length) {
      throw new Error(`plain responder image: ${problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('; ')}`);
    }
    return code;
  } finally {
    await bundle.close();
  }
}
