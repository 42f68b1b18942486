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

/** terser for the Espruino images (and the test programs tools/espruino/bundle.ts builds). */
export const IMAGE_TERSER = {
  ecma: 5,
  // pure_getters: no getters with side effects in our code (Espruino's
  // built-ins have none either); unsafe_proto: [].slice for
  // Array.prototype.slice, which Espruino lacks. The other unsafe_*
  // options can change results (NaN comparisons, dropped `new` on
  // built-ins): off. Espruino hoists no `var`, so: hoist_vars puts a
  // function's vars first when it has several `var` statements (it also
  // saves bytes here); inline: 1,
  // as inlining a call with arguments leaves `return a=…,f(a);var a`;
  // no sequences, which make `for(function(){…}(),i=0;…)`, a syntax
  // error there. The image check below rejects any of these.
  compress: {
    passes: 3,
    unsafe_arrows: false,
    arrows: false,
    pure_getters: true,
    unsafe_proto: true,
    hoist_vars: true,
    inline: 1,
    sequences: false,
  },
  mangle: true,
  format: { comments: false, ascii_only: true },
};

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
    minify && terser(IMAGE_TERSER),
    imageCheck({ module }),
  ];
}
