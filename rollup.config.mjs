// One ES5 file per Espruino image. Espruino's built-in modules are reached
// with plain require("name") calls in the sources (see src/espruino.d.ts), so
// Rollup never sees them as imports and leaves them for the firmware.
import { existsSync } from 'node:fs';
import typescript from '@rollup/plugin-typescript';
import resolve from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import terser from '@rollup/plugin-terser';
import { imageCheck } from './tools/image-check/index.mjs';

const images = [
  { name: 'gateway', input: 'src/gateway/main.ts' },
  { name: 'sensor', input: 'src/device/sensor/main.ts' },
];

const minify = process.env.MINIFY !== '0';

export default images
  .filter((img) => existsSync(img.input))
  .map((img) => ({
    input: img.input,
    output: {
      file: `dist/${img.name}.js`,
      format: 'iife',
      strict: false, // Espruino has no strict mode
      generatedCode: 'es5',
      sourcemap: false,
    },
    treeshake: { moduleSideEffects: (id) => !id.includes('node_modules') },
    plugins: [
      resolve({ browser: true, preferBuiltins: false }),
      commonjs(),
      typescript({ tsconfig: './tsconfig.json', noEmitOnError: true }),
      minify &&
        terser({
          ecma: 5,
          compress: { passes: 2, unsafe_arrows: false, arrows: false },
          mangle: true,
          format: { comments: false, ascii_only: false },
        }),
      imageCheck(),
    ],
  }));
