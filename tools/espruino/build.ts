// Builds the real Espruino 2v29 interpreter for this PC, in the two shapes the
// board comes in (board/host/HOST_ESP32_*.py): `stock` firmware and `custom`
// firmware with native/ as GatewayCrypto and board/*.c (as ESP32_GATEWAY.py
// has them). Each build is cached under .espruino-host/ keyed by the source
// manifest, board/host/, board/*.c and native/, and is redone only when one of
// them changes.
//
// Source, in this order: ESPRUINO_SOURCE (a tarball or a directory of the
// RELEASE_2V29 tree, e.g. a local copy of the release archive), else the
// release archive downloaded from GitHub. Either way every file the build
// reads is checked against board/host/espruino-2v29.sha256 before use.
//
//   node --import tsx tools/espruino/build.ts [--variant stock|custom|all] [--quiet]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CACHE = join(ROOT, '.espruino-host');
const BOARD_DIR = join(ROOT, 'board');
const HOST_BOARD_DIR = join(ROOT, 'board/host');
const NATIVE_DIR = join(ROOT, 'native');
const MANIFEST = join(HOST_BOARD_DIR, 'espruino-2v29.sha256');
const RELEASE_TAG = 'RELEASE_2V29';
const RELEASE_URL = `https://github.com/espruino/Espruino/archive/refs/tags/${RELEASE_TAG}.tar.gz`;

export type Variant = 'stock' | 'custom';
export const VARIANTS: Variant[] = ['stock', 'custom'];
const BOARD: Record<Variant, string> = { stock: 'HOST_ESP32_STOCK', custom: 'HOST_ESP32_CUSTOM' };

export interface HostBuild {
  variant: Variant;
  /** the interpreter binary */
  binary: string;
  /** LD_PRELOAD shim that remaps bind() ports (board/host/launch_shim.c) */
  shim: string;
}

export class BuildError extends Error {}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** path -> sha256 of every source file the build reads. */
function manifest(): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of readFileSync(MANIFEST, 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    m.set(line.slice(66), line.slice(0, 64));
  }
  return m;
}

/** The custom firmware's own C files in board/ (e.g. tls_verify.c), built at libs/mqtt-gateway/. */
function boardSources(): string[] {
  return readdirSync(BOARD_DIR).filter((f) => f.endsWith('.c'));
}

/** Project files that shape a build: the board files and host stand-ins, board/*.c and native/. */
function projectInputs(): string[] {
  const files = readdirSync(HOST_BOARD_DIR).map((f) => join(HOST_BOARD_DIR, f));
  for (const f of boardSources()) files.push(join(BOARD_DIR, f));
  for (const f of readdirSync(NATIVE_DIR)) if (/\.[ch]$/.test(f)) files.push(join(NATIVE_DIR, f));
  return files.filter((f) => statSync(f).isFile()).sort();
}

function buildKey(variant: Variant): string {
  const h = createHash('sha256').update(variant).update(readFileSync(MANIFEST));
  for (const f of projectInputs()) h.update(f.slice(ROOT.length)).update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

/** Where a variant's build lives (whether or not it is built yet). */
export function hostBuildPaths(variant: Variant): HostBuild {
  const dir = join(CACHE, `${variant}-${buildKey(variant)}`);
  return { variant, binary: join(dir, 'espruino'), shim: join(dir, 'launch_shim.so') };
}

/** The built interpreter of a variant; throws with the command to run when it is missing or stale. */
export function hostBuild(variant: Variant): HostBuild {
  const b = hostBuildPaths(variant);
  if (!existsSync(b.binary) || !existsSync(b.shim)) {
    throw new BuildError(`the ${variant} host interpreter is not built (or is stale): run \`npm run build:espruino\``);
  }
  return b;
}

function run(cmd: string, args: string[], cwd: string, what: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new BuildError(`${what}: ${r.error.message}`);
  if (r.status !== 0) {
    const log = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-25).join('\n');
    throw new BuildError(`${what} failed (exit ${r.status}):\n${log}`);
  }
  return r.stdout;
}

/** One line that says what to install when the tool chain cannot build a 32-bit program. */
function checkToolchain(): void {
  for (const tool of ['gcc', 'make', 'python3', 'git', 'tar']) {
    const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
    if (r.error) throw new BuildError(`\`${tool}\` is missing: install it (Debian: apt-get install gcc make python3 git tar)`);
  }
  const dir = join(CACHE, 'toolchain-check');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'm32.c'), '#include <stdio.h>\n#include <sys/random.h>\nint main(void){puts("ok");return 0;}\n');
  const r = spawnSync('gcc', ['-m32', '-o', join(dir, 'm32'), join(dir, 'm32.c')], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new BuildError('gcc cannot build 32-bit programs (the interpreter is built -m32 like the ESP32): apt-get install gcc-multilib g++-multilib');
  }
}

function progress(quiet: boolean, text: string): void {
  if (!quiet) process.stderr.write(`espruino-host: ${text}\n`);
}

/** Checks the tree at `dir` against the manifest; throws naming the first file that differs. */
function verifySource(dir: string): void {
  for (const [path, want] of manifest()) {
    const p = join(dir, path);
    if (!existsSync(p)) throw new BuildError(`Espruino source ${dir} lacks ${path} (expected the ${RELEASE_TAG} tree)`);
    const got = sha256(readFileSync(p));
    if (got !== want) throw new BuildError(`Espruino source ${dir}: ${path} differs from ${RELEASE_TAG} (sha256 ${got.slice(0, 12)}…, expected ${want.slice(0, 12)}…)`);
  }
}

/** The one folder inside an unpacked archive (Espruino-RELEASE_2V29/). */
function archiveRoot(dir: string): string {
  const entries = readdirSync(dir);
  if (entries.length === 1 && statSync(join(dir, entries[0])).isDirectory()) return join(dir, entries[0]);
  return dir;
}

/** A verified, unpacked source tree in the cache. */
async function sourceTree(quiet: boolean): Promise<string> {
  const manifestHash = sha256(readFileSync(MANIFEST)).slice(0, 16);
  const dest = join(CACHE, `source-${manifestHash}`);
  if (existsSync(join(dest, '.verified'))) return dest;
  rmSync(dest, { recursive: true, force: true });
  const tmp = `${dest}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const given = process.env.ESPRUINO_SOURCE;
  let tree: string;
  if (given) {
    if (!existsSync(given)) throw new BuildError(`ESPRUINO_SOURCE=${given} does not exist (a ${RELEASE_TAG} tarball or directory)`);
    if (statSync(given).isDirectory()) {
      progress(quiet, `source: directory ${given}`);
      tree = given;
    } else {
      progress(quiet, `source: unpacking ${given}`);
      run('tar', ['xzf', given, '-C', tmp], tmp, `unpacking ${given}`);
      tree = archiveRoot(tmp);
    }
  } else {
    progress(quiet, `source: downloading ${RELEASE_URL} (set ESPRUINO_SOURCE to use a local copy)`);
    const res = await fetch(RELEASE_URL).catch((e: Error) => {
      throw new BuildError(`cannot download ${RELEASE_URL}: ${e.message} (set ESPRUINO_SOURCE to a local ${RELEASE_TAG} tarball or directory)`);
    });
    if (!res.ok) throw new BuildError(`download of ${RELEASE_URL}: HTTP ${res.status}`);
    const file = join(tmp, `${RELEASE_TAG}.tar.gz`);
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    run('tar', ['xzf', file, '-C', tmp], tmp, 'unpacking the download');
    rmSync(file);
    tree = archiveRoot(tmp);
  }
  progress(quiet, `source: checking ${manifest().size} files against ${basename(MANIFEST)}`);
  verifySource(tree);
  // keep only what the manifest names: the build reads nothing else
  mkdirSync(dest, { recursive: true });
  for (const path of manifest().keys()) {
    mkdirSync(join(dest, path, '..'), { recursive: true });
    cpSync(join(tree, path), join(dest, path));
  }
  rmSync(tmp, { recursive: true, force: true });
  writeFileSync(join(dest, '.verified'), manifestHash);
  return dest;
}

async function buildVariant(variant: Variant, quiet: boolean): Promise<HostBuild> {
  const out = hostBuildPaths(variant);
  if (existsSync(out.binary) && existsSync(out.shim)) {
    progress(quiet, `${variant}: up to date (${out.binary.slice(ROOT.length)})`);
    return out;
  }
  checkToolchain();
  const source = await sourceTree(quiet);
  const dir = join(out.binary, '..');
  const work = `${dir}.work`;
  rmSync(work, { recursive: true, force: true });
  cpSync(source, work, { recursive: true });
  rmSync(join(work, '.verified'));
  for (const f of readdirSync(HOST_BOARD_DIR)) {
    if (f.endsWith('.py')) cpSync(join(HOST_BOARD_DIR, f), join(work, 'boards', f));
  }
  cpSync(HOST_BOARD_DIR, join(work, 'libs/mqtt-gateway/host'), { recursive: true });
  for (const f of boardSources()) cpSync(join(BOARD_DIR, f), join(work, 'libs/mqtt-gateway', f));
  mkdirSync(join(work, 'libs/mqtt-gateway/native'), { recursive: true });
  for (const f of readdirSync(NATIVE_DIR)) {
    if (/\.[ch]$/.test(f)) cpSync(join(NATIVE_DIR, f), join(work, 'libs/mqtt-gateway/native', f));
  }
  // what the release archive lacks: gen/ and bin/, and a git repository for the version script
  mkdirSync(join(work, 'gen'));
  mkdirSync(join(work, 'bin'));
  run('git', ['init', '-q'], work, 'git init');
  run('git', ['add', '-A'], work, 'git add');
  run('git', ['-c', 'user.name=build', '-c', 'user.email=build@localhost', 'commit', '-qm', RELEASE_TAG], work, 'git commit');
  const jobs = String(Math.max(1, cpus().length));
  progress(quiet, `${variant}: make BOARD=${BOARD[variant]} -j${jobs} …`);
  const started = Date.now();
  run('make', [`BOARD=${BOARD[variant]}`, `-j${jobs}`], work, `building the ${variant} interpreter`);
  run('gcc', ['-m32', '-shared', '-fPIC', '-O2', '-o', join(work, 'launch_shim.so'), join(HOST_BOARD_DIR, 'launch_shim.c'), '-ldl'], work, 'building launch_shim.so');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  renameSync(join(work, 'bin/espruino'), out.binary);
  renameSync(join(work, 'launch_shim.so'), out.shim);
  rmSync(work, { recursive: true, force: true });
  progress(quiet, `${variant}: built in ${((Date.now() - started) / 1000).toFixed(1)} s (${out.binary.slice(ROOT.length)})`);
  // older builds of this variant are stale now
  for (const f of readdirSync(CACHE)) {
    if (f.startsWith(`${variant}-`) && join(CACHE, f) !== dir) rmSync(join(CACHE, f), { recursive: true, force: true });
  }
  return out;
}

export async function buildHost(variants: Variant[] = VARIANTS, quiet = false): Promise<HostBuild[]> {
  mkdirSync(CACHE, { recursive: true });
  const out: HostBuild[] = [];
  for (const v of variants) out.push(await buildVariant(v, quiet));
  return out;
}

const USAGE = 'usage: build.ts [--variant stock|custom|all] [--quiet]';

async function cli(argv: string[]): Promise<void> {
  let variants: Variant[] = VARIANTS;
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quiet') quiet = true;
    else if (a === '--variant') {
      const v = argv[++i];
      if (v === 'all') variants = VARIANTS;
      else if (v === 'stock' || v === 'custom') variants = [v];
      else throw new BuildError(`--variant takes stock, custom or all, got ${JSON.stringify(v)}\n${USAGE}`);
    } else throw new BuildError(`unknown option ${JSON.stringify(a)}\n${USAGE}`);
  }
  await buildHost(variants, quiet);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  cli(process.argv.slice(2)).catch((e: Error) => {
    console.error(`espruino-host: ${e instanceof BuildError ? e.message : e.stack}`);
    process.exit(1);
  });
}
