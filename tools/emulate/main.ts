// npm run emulate -- --broker mqtt://HOST:PORT --http-port N --storage DIR
//                    --admin-password PW [--variant stock|custom] [--prefix P] [--offline-timeout S]
// Builds the gateway image (and the host interpreter) when needed, writes the
// image (as .bootcde), its configuration, the dashboard page and, for stock
// firmware, the pure-JS crypto module into the board's Storage kept in DIR,
// and powers on the real Espruino interpreter built for this PC with its
// port 80 on 127.0.0.1:N. The same DIR keeps the gateway's state across
// runs. SIGINT/SIGTERM power it off.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildError, buildHost, hostBuild } from '../espruino/build.ts';
import type { Variant } from '../espruino/build.ts';
import { Interpreter } from '../espruino/interpreter.ts';
import { USAGE, parseFlags, provision } from './config.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const IMAGE = join(ROOT, 'dist/gateway.js');
const PAGE = join(ROOT, 'dist/dashboard.html.gz');
const CRYPTO_MODULE = join(ROOT, 'dist/gwcrypto-js.js');
const FOREVER_MS = 2 ** 31 - 1; // the longest timer Node takes

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestSource(p) : s.mtimeMs);
  }
  return newest;
}

function buildIfNeeded(): void {
  if (existsSync(IMAGE) && statSync(IMAGE).mtimeMs >= newestSource(join(ROOT, 'src'))) return;
  console.error('emulate: dist/gateway.js is missing or older than src/: building');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    console.error('emulate: the build failed (see above)');
    process.exit(1);
  }
}

async function interpreterIfNeeded(variant: Variant): Promise<void> {
  try {
    hostBuild(variant);
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    console.error(`emulate: the ${variant} host interpreter is not built: building`);
    await buildHost([variant]);
  }
}

async function main(): Promise<void> {
  const o = parseFlags(process.argv.slice(2));
  if (typeof o === 'string') {
    console.error('emulate: ' + o);
    console.error(USAGE);
    process.exit(2);
  }
  const variant = o.variant ?? 'custom';
  buildIfNeeded();
  await interpreterIfNeeded(variant);
  await provision(o, { image: IMAGE, dashboard: PAGE, cryptoModule: variant === 'stock' ? CRYPTO_MODULE : undefined }, variant);
  // no file: the board boots the image from its Storage (.bootcde), as on the ESP32
  const board = await Interpreter.start({
    variant,
    storageDir: o.storage,
    ports: { 80: o.httpPort },
    onOutput: (text) => process.stdout.write(text),
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await board.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  board
    .exited(FOREVER_MS)
    .then((code) => {
      if (stopping) return;
      console.error(`emulate: the interpreter exited (${code})`);
      process.exit(1);
    })
    .catch(() => undefined); // still running after FOREVER_MS
  await board.waitForOutput('http: admin API on port 80', 60000);
  console.log(`dashboard: http://127.0.0.1:${board.hostPort(80)}/`);
}

main().catch((e) => {
  console.error('emulate: ' + ((e && e.message) || e));
  process.exit(1);
});
