// Builds the plain responder into an Espruino image the way rollup.config.mjs
// builds dist/gateway.js, in memory: TypeScript to ES5, then the gateway
// build's own terser and image-check plugins (taken from rollup.config.mjs,
// so a change to the image options reaches both sides of the comparison) and
// its output format.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup, type OutputOptions, type Plugin, type RollupOptions } from 'rollup';
import typescript from '@rollup/plugin-typescript';
import { ROOT } from '../paths';

const INPUT = fileURLToPath(new URL('./main.ts', import.meta.url));
const GATEWAY_OUTPUT = 'dist/gateway.js';
const REUSED = ['terser', 'espruino-image-check'];

/** The gateway image's build from rollup.config.mjs (its inputs resolve from the repository root). */
async function gatewayBuild(): Promise<RollupOptions & { output: OutputOptions }> {
  const builds: RollupOptions[] = (await import(join(ROOT, 'rollup.config.mjs'))).default;
  const gw = builds.find((b) => (b.output as OutputOptions | undefined)?.file === GATEWAY_OUTPUT);
  if (!gw) throw new Error(`rollup.config.mjs has no build for ${GATEWAY_OUTPUT} (run the bench from the repository root)`);
  return gw as RollupOptions & { output: OutputOptions };
}

export async function buildPlainResponder(): Promise<string> {
  const gw = await gatewayBuild();
  const reused = ((gw.plugins || []) as (Plugin | false | null | undefined)[]).filter((p): p is Plugin => !!p && REUSED.includes(p.name));
  if (reused.length !== REUSED.length) throw new Error(`the gateway build in rollup.config.mjs lacks one of the plugins ${REUSED.join(', ')}`);
  // The project's compiler settings, with this entry added to the files it covers.
  const dir = mkdtempSync(join(tmpdir(), 'bench-plain-'));
  const tsconfig = join(dir, 'tsconfig.json');
  writeFileSync(tsconfig, JSON.stringify({ extends: join(ROOT, 'tsconfig.json'), include: [join(ROOT, 'src/espruino.d.ts'), INPUT] }));
  try {
    const bundle = await rollup({
      input: INPUT,
      treeshake: gw.treeshake,
      plugins: [typescript({ tsconfig, noEmitOnError: true }), ...reused],
      onwarn: (w) => {
        throw new Error(`plain responder build: ${w.message}`);
      },
    });
    try {
      const { file: _file, ...output } = gw.output;
      const { output: chunks } = await bundle.generate(output);
      return chunks[0].code;
    } finally {
      await bundle.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
