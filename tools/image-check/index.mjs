#!/usr/bin/env node
// Checks an Espruino image (the bundle the device will run) for things
// Espruino 2v29 cannot run, so they fail the build instead of the device:
// syntax beyond ES5, missing globals and built-in members (Math.imul,
// Array.prototype.slice), RegExps outside its matcher, names used before
// their `var` or function declaration has run, and what it does not take
// (labels, `for(function…`, assignment to `.length`, ...). See syntax.mjs,
// rules.mjs, declaration-order.mjs and regexp.mjs.
//
//   import { checkImage, imageCheck } from './tools/image-check/index.mjs'
//   node tools/image-check/index.mjs [--module] FILE...   (exit 0 clean, 1 problems, 2 usage/IO)
//
// Positions are 1-based lines and 1-based columns, as editors expect in
// FILE:LINE:COL.
import { readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkTree } from './rules.mjs';
import { parseImage } from './syntax.mjs';

/**
 * Every problem in one image, ordered by position.
 * @param {string} code the bundle text
 * @param {string} fileName where it came from (carried into each problem)
 * @param {{module?: boolean}} [options] module: an Espruino module, which may use `exports`/`module`
 * @returns {Array<{line:number, column:number, message:string, file:string}>}
 */
export function checkImage(code, fileName, options = {}) {
  const { ast, problems } = parseImage(code);
  if (ast) problems.push(...checkTree(ast, code, options));
  const seen = new Set();
  return problems
    .sort((a, b) => a.line - b.line || a.column - b.column)
    .filter((p) => {
      const id = `${p.line}:${p.column}:${p.message}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    })
    .map((p) => ({ ...p, file: fileName }));
}

/** `FILE:LINE:COL: message` lines. */
function formatProblems(problems, shownName) {
  return problems.map((p) => `${shownName}:${p.line}:${p.column}: ${p.message}`);
}

/**
 * Rollup plugin; put it last (after terser) so it sees the final text. It
 * fails the build listing every problem of every chunk, before anything is
 * written.
 */
export function imageCheck(options = {}) {
  return {
    name: 'espruino-image-check',
    generateBundle(outputOptions, bundle) {
      const lines = [];
      for (const item of Object.values(bundle)) {
        if (item.type !== 'chunk') continue;
        lines.push(...formatProblems(checkImage(item.code, item.fileName, options), shownPath(outputOptions, item.fileName)));
      }
      if (lines.length > 0) {
        const count = `${lines.length} problem${lines.length === 1 ? '' : 's'}`;
        this.error(`Espruino image check: ${count} (the image must be ES5 that Espruino 2v29 runs)\n${lines.join('\n')}`);
      }
    },
  };
}

/** How to name a chunk in messages: the output path, relative to the working directory. */
function shownPath(outputOptions, fileName) {
  const path = outputOptions.file || (outputOptions.dir ? join(outputOptions.dir, fileName) : fileName);
  return isAbsolute(path) ? relative(process.cwd(), path) : path;
}

function main(args) {
  // --module: the files are Espruino modules (they may use `exports`/`module`)
  const options = { module: args.includes('--module') };
  const files = args.filter((a) => a !== '--module');
  if (files.length === 0) {
    console.error('usage: node tools/image-check/index.mjs [--module] FILE...');
    return 2;
  }
  let status = 0;
  for (const file of files) {
    let bytes;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      console.error(`${file}: cannot read: ${err.message}`);
      status = 2;
      continue;
    }
    const problems = checkImage(bytes.toString('utf8'), file, options);
    if (problems.length === 0) console.log(`ok ${file} (${bytes.length} bytes)`);
    else {
      for (const line of formatProblems(problems, file)) console.log(line);
      if (status === 0) status = 1;
    }
  }
  return status;
}

/** Run as a program (not imported, e.g. by rollup.config.mjs)? */
function isMain() {
  try {
    return realpathSync(resolve(process.argv[1])) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false; // no script path (node -e, a REPL)
  }
}

if (isMain()) process.exitCode = main(process.argv.slice(2));
