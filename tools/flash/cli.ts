#!/usr/bin/env node
// npm run flash -- --port PORT [--image gateway|sensor] [--config FILE.json] [--native] [--image-only] [--file FILE.js]
// npm run flash -- --firmware DIR --port /dev/ttyUSB0 [--baud N]
//
// Uploads everything a board needs with the real `espruino` CLI: into a board
// on USB (--port /dev/ttyUSB0, needs the optional `serialport` package) or
// over TCP into the host interpreter or a board's telnet console (--port
// tcp://127.0.0.1:PORT). In this order, each Storage file checked on the
// board (length and CRC32) before the next: the pure-JS crypto module stock
// firmware needs (gwcrypto-js), the configuration (gw.cfg or sensor.cfg, from
// --config, checked here first with the firmware's own reader), the dashboard
// page (dash.html.gz, gateway only), and last the image into .bootcde, which
// the board boots at once with everything present and at every power-on.
// Builds dist/ first when it is missing or older than the sources. --firmware
// flashes a custom Espruino build (bootloader 0x1000, partition table 0x8000,
// app 0x10000) with esptool.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { delimiter, join, relative } from 'node:path';
import { FALLBACK_MODULE } from '../../src/crypto/espruino.ts';
import { type BoardKind, checkConfig, configFileName, GATEWAY_CONFIG_FILE } from './board-config.ts';
import { ESPRUINO_CLI, ROOT } from './espruino-cli.ts';
import { Fail } from './fail.ts';
import { crc32, hex, uploadImage, uploadStorageFile } from './upload.ts';

/** The Storage file the gateway serves its dashboard page from (src/gateway/http/server.ts). */
const DASHBOARD_FILE = 'dash.html.gz';

const USAGE = `usage: npm run flash -- --port PORT [--image gateway|sensor] [--config FILE.json] [--native] [--image-only]
                        [--file FILE.js] [--baud N] [--no-build]
       npm run flash -- --firmware DIR --port /dev/ttyUSB0 [--baud N]
Uploads into the board's Storage, each file checked on the board (length and CRC32), the image last:
  gwcrypto-js          the pure-JS crypto stock Espruino loads (dist/gwcrypto-js.js); not with --native
  gw.cfg / sensor.cfg  the configuration from --config; without --config the board keeps the one it has
  dash.html.gz         the dashboard page, for the gateway (dist/dashboard.html.gz)
  .bootcde             the image (dist/NAME.js): the board boots it now and at every power-on
Options:
  --port PORT       /dev/ttyUSB0 (a board on USB) or tcp://HOST:PORT (npm run emu -- --telnet PORT, a board's telnet; default port 23)
  --image NAME      gateway (default) or sensor: which build to upload (built when stale), and which files go with it
  --config FILE     the configuration, JSON, checked before anything is sent with the firmware's own reader:
                    gw.cfg fields in src/gateway/config.ts, sensor.cfg fields in src/device/sensor/config.ts;
                    Wi-Fi for both as "wifi": {"ssid": "...", "password": "..."}
  --native          the board runs the custom firmware with GatewayCrypto (board/README.md): skip gwcrypto-js
  --image-only      upload only the image; the board keeps its other files
  --file FILE.js    upload this file as the image instead of the build (--image still picks the other files)
  --baud N          serial speed (default 115200)
  --no-build        do not run the build, even when dist/ is stale
  --firmware DIR    flash bootloader.bin, partitions*.bin and espruino.bin from DIR with esptool`;

interface Args {
  image: BoardKind;
  file?: string;
  config?: string;
  native: boolean;
  imageOnly: boolean;
  port?: string;
  baud?: number;
  build: boolean;
  firmware?: string;
}

function parse(argv: string[]): Args {
  const args: Args = { image: 'gateway', native: false, imageOnly: false, build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Fail(`${a} needs a value\n${USAGE}`, 2);
      return v;
    };
    switch (a) {
      case '-h':
      case '--help':
        process.stdout.write(USAGE + '\n');
        process.exit(0);
        break;
      case '--image': {
        const v = value();
        if (v !== 'gateway' && v !== 'sensor') throw new Fail(`--image is gateway or sensor, got ${v}\n${USAGE}`, 2);
        args.image = v;
        break;
      }
      case '--file':
        args.file = value();
        break;
      case '--config':
        args.config = value();
        break;
      case '--native':
        args.native = true;
        break;
      case '--image-only':
        args.imageOnly = true;
        break;
      case '--port':
      case '-p':
        args.port = value();
        break;
      case '--baud':
      case '-b': {
        const v = value();
        args.baud = Number(v);
        if (!Number.isInteger(args.baud) || args.baud <= 0) throw new Fail(`--baud takes a whole number, got ${v}\n${USAGE}`, 2);
        break;
      }
      case '--no-build':
        args.build = false;
        break;
      case '--firmware':
        args.firmware = value();
        break;
      default:
        throw new Fail(`unknown option ${a}\n${USAGE}`, 2);
    }
  }
  if (args.imageOnly && args.config !== undefined) {
    throw new Fail('--image-only uploads only the image: leave out --config, or --image-only to upload the configuration', 2);
  }
  return args;
}

// ------------------------------------------------------------------ ports

interface Tcp {
  host: string;
  port: number;
}

function tcpTarget(port: string): Tcp | undefined {
  if (!port.startsWith('tcp://')) return undefined;
  const m = /^tcp:\/\/([^:/]+)(?::(\d+))?\/?$/.exec(port);
  if (!m) throw new Fail(`bad TCP port ${port}: write it as tcp://HOST:PORT`, 2);
  return { host: m[1], port: m[2] ? Number(m[2]) : 23 };
}

function reachable(t: Tcp, timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: t.host, port: t.port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

async function checkPort(port: string): Promise<void> {
  const tcp = tcpTarget(port);
  if (tcp) {
    if (!(await reachable(tcp))) {
      throw new Fail(`nothing answers at ${port}: start the host interpreter with \`npm run emu -- --telnet ${tcp.port}\`, ` +
        `or check the board's address and that its telnet REPL is on`);
    }
    return;
  }
  if (!existsSync(port)) {
    throw new Fail(`no serial port ${port}: plug the board in and look for it with \`ls /dev/ttyUSB* /dev/ttyACM*\`, ` +
      `or use --port tcp://HOST:PORT for the host interpreter`);
  }
  try {
    createRequire(ESPRUINO_CLI).resolve('serialport');
  } catch {
    throw new Fail('the serialport package is missing, which the espruino CLI needs for USB: run `npm install serialport`');
  }
}

// ------------------------------------------------------------------ build

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** dist/NAME for each of `names`, built first when one is missing or older than the sources. */
function ensureBuilt(names: string[], build: boolean): string[] {
  const outs = names.map((n) => join(ROOT, 'dist', n));
  if (!outs.length) return outs;
  const inputs = ['src', 'tools/dashboard', 'rollup.config.mjs', 'tsconfig.json', 'package.json'].map((p) => join(ROOT, p)).filter(existsSync);
  const newestInput = Math.max(...inputs.map(newestMtime));
  const stale = outs.find((o) => !existsSync(o) || newestInput > statSync(o).mtimeMs);
  if (stale && build) {
    const rel = relative(ROOT, stale);
    process.stdout.write(`building (${rel} is ${existsSync(stale) ? 'older than the sources' : 'missing'})...\n`);
    const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Fail('the build failed (see above): fix it, then flash again');
  }
  const missing = outs.find((o) => !existsSync(o));
  if (missing) throw new Fail(`${relative(ROOT, missing)} was not built: is its entry point in src/ yet?`);
  return outs;
}

// ------------------------------------------------------------------ firmware

function findEsptool(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['esptool.py', 'esptool']) {
      const p = join(dir, name);
      if (dir && existsSync(p)) return p;
    }
  }
  return undefined;
}

function flashFirmware(dir: string, port: string | undefined, baud: number | undefined): void {
  if (!port || tcpTarget(port)) throw new Fail('--firmware needs the board on USB: add --port /dev/ttyUSB0 (esptool cannot flash over TCP)', 2);
  if (!existsSync(dir)) throw new Fail(`no firmware directory ${dir}`);
  const files = readdirSync(dir);
  const partitions = files.find((f) => /^partitions.*\.bin$/.test(f));
  const missing = ['bootloader.bin', 'espruino.bin'].filter((f) => !files.includes(f));
  if (missing.length || !partitions) {
    throw new Fail(`${dir} lacks ${[...missing, ...(partitions ? [] : ['partitions*.bin'])].join(', ')}: ` +
      'point --firmware at the build output of board/ (see its README)');
  }
  if (!existsSync(port)) throw new Fail(`no serial port ${port}: plug the board in and look for it with \`ls /dev/ttyUSB*\``);
  const esptool = findEsptool();
  if (!esptool) {
    throw new Fail('esptool is not installed: get it with `pip install esptool` or `apt-get install esptool`, then run this again');
  }
  const args = ['--chip', 'esp32', '--port', port, '--baud', String(baud ?? 460800), '--before', 'default_reset',
    '--after', 'hard_reset', 'write_flash', '-z', '--flash_mode', 'dio', '--flash_freq', '40m', '--flash_size', 'detect',
    '0x1000', join(dir, 'bootloader.bin'), '0x8000', join(dir, partitions), '0x10000', join(dir, 'espruino.bin')];
  process.stdout.write(`${esptool} ${args.join(' ')}\n`);
  const r = spawnSync(esptool, args, { stdio: 'inherit' });
  if (r.status !== 0) throw new Fail('esptool failed (see above): check the port, and hold BOOT while it connects if the board needs it');
}

// ------------------------------------------------------------------ main

/** A Storage file to upload before the image. */
interface BoardFile {
  name: string;
  /** where it comes from, as shown */
  from: string;
  bytes: Buffer;
  /** companion files erased on the board with it */
  erase: string[];
}

function shown(path: string): string {
  return relative(process.cwd(), path) || path;
}

/** --config read and checked with the firmware's reader, with its notes; fails on a bad file. */
function configFile(args: Args): { file?: BoardFile; notes: string[] } {
  if (args.config === undefined) return { notes: [] };
  if (!existsSync(args.config)) throw new Fail(`no such file: ${args.config}`, 2);
  const bytes = readFileSync(args.config);
  const checked = checkConfig(args.image, args.config, bytes);
  if (typeof checked === 'string') throw new Fail(checked, 2);
  const name = configFileName(args.image);
  // a leftover gw.cfg.new (a replace cut short by power loss) would win over the new gw.cfg at boot (src/gateway/store.ts)
  const erase = name === GATEWAY_CONFIG_FILE ? [GATEWAY_CONFIG_FILE + '.new'] : [];
  return { file: { name, from: shown(args.config), bytes, erase }, notes: checked };
}

/** The image and the Storage files that go before it, in upload order (builds dist/ when stale). */
function boardFiles(args: Args, config: BoardFile | undefined): { image: string; files: BoardFile[] } {
  const needModule = !args.imageOnly && !args.native;
  const needPage = !args.imageOnly && args.image === 'gateway';
  const builds = [
    ...(args.file === undefined ? [`${args.image}.js`] : []),
    ...(needModule ? ['gwcrypto-js.js'] : []),
    ...(needPage ? ['dashboard.html.gz'] : []),
  ];
  const built = ensureBuilt(builds, args.build);
  const dist = (name: string) => built[builds.indexOf(name)];
  const fromDist = (name: string, file: string): BoardFile => ({ name, from: shown(dist(file)), bytes: readFileSync(dist(file)), erase: [] });
  const files: BoardFile[] = [];
  if (needModule) files.push(fromDist(FALLBACK_MODULE, 'gwcrypto-js.js'));
  if (config) files.push(config);
  if (needPage) files.push(fromDist(DASHBOARD_FILE, 'dashboard.html.gz'));
  return { image: args.file ?? dist(`${args.image}.js`), files };
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  if (args.firmware !== undefined) {
    flashFirmware(args.firmware, args.port, args.baud);
    process.stdout.write('firmware flashed: now upload the program with `npm run flash -- --port ' + args.port + '`\n');
    return;
  }
  const port = args.port;
  if (!port) {
    throw new Fail('no --port: give --port /dev/ttyUSB0 for a board on USB, or --port tcp://127.0.0.1:PORT for the ' +
      'host interpreter (`npm run emu -- --telnet PORT`) or a board\'s telnet', 2);
  }
  // Everything is read and checked before the board is touched.
  const config = configFile(args);
  if (args.file !== undefined && !existsSync(args.file)) throw new Fail(`no such file: ${args.file}`, 2);
  await checkPort(port);
  const { image, files } = boardFiles(args, config.file);

  const cfgName = configFileName(args.image);
  if (args.imageOnly) process.stdout.write(`flashing ${args.image} onto ${port}: only .bootcde (--image-only: the board keeps its other files)\n`);
  else process.stdout.write(`flashing ${args.image} onto ${port}: ${[...files.map((f) => f.name), '.bootcde'].join(', ')}\n`);
  if (!args.imageOnly && !config.file) process.stdout.write(`  ${cfgName}: no --config, so the board keeps the ${cfgName} it has\n`);
  for (const n of config.notes) process.stdout.write(`  ${cfgName}: ${n}\n`);

  const count = files.length + 1;
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    process.stdout.write(`[${i + 1}/${count}] ${f.name} from ${f.from} (${f.bytes.length} bytes)\n`);
    const stored = await uploadStorageFile(f.name, f.bytes, f.erase, port, args.baud);
    process.stdout.write(`  checked on the board: ${f.bytes.length} bytes, CRC32 ${hex(crc32(f.bytes))}\n`);
    if (args.native && !stored.native) {
      throw new Fail(`--native, but the firmware on ${port} has no GatewayCrypto module: flash without --native ` +
        '(stock Espruino needs gwcrypto-js), or put the custom firmware on first (board/README.md)');
    }
    if (f.name === FALLBACK_MODULE && stored.native) {
      process.stdout.write('  (this firmware has GatewayCrypto built in and does not need gwcrypto-js: --native skips it)\n');
    }
  }
  process.stdout.write(`[${count}/${count}] .bootcde from ${shown(image)} (${statSync(image).size} bytes)\n`);
  await uploadImage(image, port, args.baud);
  const others = files.length ? `, with ${files.map((f) => f.name).join(', ')}` : '';
  process.stdout.write(`done: ${shown(image)} is in .bootcde on ${port} and runs at every boot${others}\n`);
}

main().catch((e) => {
  if (e instanceof Fail) {
    process.stderr.write(`flash: ${e.message}\n`);
    process.exit(e.code);
  }
  process.stderr.write(`flash: ${(e as Error).stack}\n`);
  process.exit(1);
});
