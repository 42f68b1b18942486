#!/usr/bin/env node
// Flash footprint of the native crypto on an Xtensa core: cross-compiles each
// primitive in native/ the way the firmware gets it (freestanding, -Os, the
// 32-bit portable field arithmetic) into a temporary folder and prints the
// size of its code, per primitive and in total.
//   node tools/native/xtensa-size.mjs [--json]
// The figure is the "text" column of xtensa-lx106-elf-size: machine code plus
// literal pools and read-only tables (what lands in flash); data and bss are
// zero by design (no mutable globals).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CC = 'xtensa-lx106-elf-gcc';
const SIZE = 'xtensa-lx106-elf-size';
const PRIMITIVES = ['sha256', 'x25519', 'chacha20poly1305', 'envelope'];
const FLAGS = ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', '-Os', '-ffreestanding', '-DGATEWAY_CRYPTO_PORTABLE'];
const nativeDir = fileURLToPath(new URL('../../native/', import.meta.url));

const args = process.argv.slice(2);
const json = args.includes('--json');
const unknown = args.filter((a) => a !== '--json');
if (unknown.length > 0) fail(`unknown argument ${unknown[0]} (usage: xtensa-size.mjs [--json])`);

function fail(message) {
  process.stderr.write(`xtensa-size: ${message}\n`);
  process.exit(1);
}

function run(cmd, argv) {
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (e.code === 'ENOENT') fail(`${cmd} not found on PATH; install the cross compiler: apt-get install gcc-xtensa-lx106`);
    fail(`${cmd} failed: ${String(e.stderr || e.message).trim()}`);
  }
}

const compiler = run(CC, ['--version']).split('\n')[0].trim();
const dir = mkdtempSync(join(tmpdir(), 'xtensa-size-'));
const sizes = {};
try {
  for (const name of PRIMITIVES) {
    const obj = join(dir, `${name}.o`);
    run(CC, [...FLAGS, '-c', join(nativeDir, `${name}.c`), '-o', obj]);
    // Berkeley format: a header line, then "text data bss dec hex filename".
    const row = run(SIZE, [obj]).trim().split('\n')[1].trim().split(/\s+/);
    const text = Number(row[0]);
    if (!Number.isInteger(text)) fail(`cannot read the size of ${name}.o from ${SIZE}: ${row.join(' ')}`);
    sizes[name] = text;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const total = PRIMITIVES.reduce((sum, name) => sum + sizes[name], 0);

if (json) {
  console.log(JSON.stringify({ ...sizes, total, compiler, flags: FLAGS.join(' ') }));
} else {
  console.log(`Xtensa .text (${compiler}; ${FLAGS.join(' ')})`);
  for (const name of PRIMITIVES) console.log(`  ${name.padEnd(18)} ${String(sizes[name]).padStart(6)} B`);
  console.log(`  ${'total'.padEnd(18)} ${String(total).padStart(6)} B`);
}
