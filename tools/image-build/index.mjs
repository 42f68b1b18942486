// How an Espruino image is made from TypeScript: one ES5 IIFE through the
// TypeScript compiler, terser with the options the real interpreter needs,
// then the image check. rollup.config.mjs builds dist/ with it, and
// tools/espruino/bundle.ts builds test programs with it, so a program a test
// runs on the interpreter is made exactly like the images.
import typescript from '@rollup/plugin-typescript';
import resolve from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import terser from '@rollup/plugin-terser';
import { imageCheck } from '../image-check/index.mjs';

/** Rollup output options of an image (file or dir left to the caller). */
export const imageOutput = {
  format: 'iife',
  strict: false, // Espruino has no strict mode
  generatedCode: 'es5',
  sourcemap: false,
};

/** Only our own modules have side effects worth keeping. */
export const imageTreeshake = { moduleSideEffects: (id) => !id.includes('node_modules') };

/**
 * The plugins, in order. `module`: an Espruino module (may use exports);
 * `tsconfig`: the compiler settings (the project's by default);
 * `minify`: false leaves out terser (MINIFY=0 builds, for reading).
 */
export function imagePlugins({ module = false, tsconfig = './tsconfig.json', minify = true } = {}) {
  return [
    resolve({ browser: true, preferBuiltins: false }),
    // tweetnacl probes require('crypto') for a Node RNG; its package maps that
    // to an empty module for browsers, which must stay a plain {} (no
    // Object.freeze'd namespace): we only use its scalarMult.
    commonjs({ requireReturnsDefault: true }),
    typescript({ tsconfig, noEmitOnError: true }),
    minify &&
      terser({
        ecma: 5,
        // pure_getters: no getters with side effects in our code (Espruino's
        // built-ins have none either); unsafe_proto: [].slice for
        // Array.prototype.slice. The other unsafe_* options can change results
        // (NaN comparisons, dropped `new` on built-ins): off. The real
        // interpreter does not hoist `var` and takes no `for` that starts with
        // a function expression: inline: 2, no sequences, and hoist_vars (every
        // `var` at the top of its function: terser drops a repeated `var i` of
        // one function, and on Espruino an `i = …` whose `var` sat in a branch
        // that did not run writes the enclosing scope's `i`).
        compress: { passes: 3, unsafe_arrows: false, arrows: false, pure_getters: true, unsafe_proto: true, inline: 2, sequences: false, hoist_vars: true },
        mangle: true,
        format: { comments: false, ascii_only: true },
      }),
    imageCheck({ module }),
  ];
}
