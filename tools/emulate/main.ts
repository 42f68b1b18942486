// npm run emulate -- --broker mqtt://HOST:PORT --http-port N --storage DIR
//                    --admin-password PW [--prefix P] [--offline-timeout S]
// Builds the gateway image when needed, writes it (as .bootcde), its
// configuration and the dashboard page into the emulated flash at DIR, and
// boots the emulated board with its port 80 on 127.0.0.1:N. The same DIR keeps
// the gateway's state across runs. SIGINT/SIGTERM stop it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Emulator } from '../emulator/index.ts';
import { USAGE, parseFlags, provision } from './config.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const IMAGE = join(ROOT, 'dist/gateway.js');
const PAGE = join(ROOT, 'dist/dashboard.html.gz');
const CRYPTO_MODULE = join(ROOT, 'dist/gwcrypto-js.js');

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

async function main(): Promise<void> {
  const o = parseFlags(process.argv.slice(2));
  if (typeof o === 'string') {
    console.error('emulate: ' + o);
    console.error(USAGE);
    process.exit(2);
  }
  buildIfNeeded();
  provision(o, { image: IMAGE, dashboard: PAGE, cryptoModule: CRYPTO_MODULE });
  // no file: the board boots the image from its flash (.bootcde), as on the ESP32
  const emu = await Emulator.start({
    storageDir: o.storage,
    portMap: { 80: o.httpPort },
    keepAlive: true,
    onOutput: (text) => process.stdout.write(text),
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await emu.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await emu.waitForOutput('http: admin API on port 80', 30000);
  console.log(`dashboard: http://127.0.0.1:${emu.hostPort(80)}/`);
}

main().catch((e) => {
  console.error('emulate: ' + ((e && e.message) || e));
  process.exit(1);
});
