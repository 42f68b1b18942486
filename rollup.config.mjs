// One ES5 file per Espruino image. Espruino's built-in modules are reached
// with plain require("name") calls in the sources (see src/espruino.d.ts), so
// Rollup never sees them as imports and leaves them for the firmware.
import { existsSync } from 'node:fs';
import typescript from '@rollup/plugin-typescript';
import resolve from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import terser from '@rollup/plugin-terser';
import { imageCheck } from './tools/image-check/index.mjs';
import { inlineHtml } from './tools/dashboard/inline-html.mjs';

const images = [
  { name: 'gateway', input: 'src/gateway/main.ts' },
  { name: 'sensor', input: 'src/device/sensor/main.ts' },
  // Not an image but an Espruino module in Storage: the pure-JS crypto for
  // stock firmware (src/crypto/espruino.ts loads it when GatewayCrypto is absent).
  { name: 'gwcrypto-js', input: 'src/crypto/fallback-module.ts', module: true },
];

const minify = process.env.MINIFY !== '0';

const imageBuilds = images
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
      // tweetnacl probes require('crypto') for a Node RNG; its package maps that
      // to an empty module for browsers, which must stay a plain {} (no
      // Object.freeze'd namespace): we only use its scalarMult.
      commonjs({ requireReturnsDefault: true }),
      typescript({ tsconfig: './tsconfig.json', noEmitOnError: true }),
      minify &&
        terser({
          ecma: 5,
          // pure_getters: no getters with side effects in our code (Espruino's
          // built-ins have none either); unsafe_proto: [].slice for
          // Array.prototype.slice. The other unsafe_* options can change results
          // (NaN comparisons, dropped `new` on built-ins): off.
          compress: { passes: 3, unsafe_arrows: false, arrows: false, pure_getters: true, unsafe_proto: true, inline: 2, sequences: false, hoist_vars: true },
          mangle: true,
          format: { comments: false, ascii_only: true },
        }),
      imageCheck({ module: !!img.module }),
    ],
  }));

// The admin dashboard: browser code (ES2019), one HTML file with its CSS and JS
// inlined, and the gzip the gateway serves from flash (tools/dashboard). The
// build fails when the gzip is over 20 KB. Not an Espruino image: no image check.
const dashboard = {
  input: 'src/dashboard/main.ts',
  output: { dir: 'dist', format: 'iife', sourcemap: false },
  plugins: [
    typescript({ tsconfig: './src/dashboard/tsconfig.json', noEmitOnError: true }),
    terser({ ecma: 2019, compress: { passes: 2 }, format: { comments: false } }),
    inlineHtml({
      template: 'src/dashboard/index.html',
      css: 'src/dashboard/style.css',
      name: 'dashboard.html',
      maxGzipBytes: 20 * 1024,
    }),
  ],
};

export default [...imageBuilds, dashboard];
