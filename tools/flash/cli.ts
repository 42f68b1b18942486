#!/usr/bin/env node
// npm run flash -- [--image gateway|sensor] --port PORT [--baud N] [--file FILE.js]
// npm run flash -- --firmware DIR --port /dev/ttyUSB0 [--baud N]
//
// Uploads an Espruino image with the real `espruino` CLI so it lands in
// Storage as .bootcde and runs at every boot (its SAVE_ON_SEND=1 mode):
// into a board on USB (--port /dev/ttyUSB0, needs the optional `serialport`
// package) or over TCP into the emulator or a board's telnet REPL
// (--port tcp://127.0.0.1:PORT). Builds dist/ first when it is missing or
// older than the sources. --firmware flashes a custom Espruino build
// (bootloader 0x1000, partition table 0x8000, app 0x10000) with esptool.
//
// Offline by design: the CLI reads the board description from
// tools/flash/board/ESP32.json and looks for modules there too, so it never
// fetches espruino.com.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BOARD_DIR = fileURLToPath(new URL('./board', import.meta.url));
const ESPRUINO_CLI = join(ROOT, 'node_modules/espruino/bin/espruino-cli.js');
const CHUNK = 1024; // the CLI writes .bootcde in 1024-character pieces
/** The CLI only reports completion of a send longer than its 512-byte block (espruino 0.1.67). */
const MIN_UPLOAD = 600;

const USAGE = `usage: npm run flash -- --port PORT [--image gateway|sensor] [--file FILE.js] [--baud N] [--no-build]
       npm run flash -- --firmware DIR --port /dev/ttyUSB0 [--baud N]
  --port PORT       /dev/ttyUSB0 (a board on USB) or tcp://HOST:PORT (the emulator's --telnet, a board's telnet; default port 23)
  --image NAME      which build to upload: gateway (default) or sensor (dist/NAME.js, built when stale)
  --file FILE.js    upload this file instead of a build
  --baud N          serial speed (default 115200)
  --no-build        do not run the build, even when dist/ is stale
  --firmware DIR    flash bootloader.bin, partitions*.bin and espruino.bin from DIR with esptool`;

class Fail extends Error {
  constructor(message: string, readonly code = 1) {
    super(message);
  }
}

interface Args {
  image: string;
  file?: string;
  port?: string;
  baud?: number;
  build: boolean;
  firmware?: string;
}

function parse(argv: string[]): Args {
  const args: Args = { image: 'gateway', build: true };
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
      case '--image':
        args.image = value();
        if (!/^(gateway|sensor)$/.test(args.image)) throw new Fail(`--image is gateway or sensor, got ${args.image}\n${USAGE}`, 2);
        break;
      case '--file':
        args.file = value();
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
      throw new Fail(`nothing answers at ${port}: start the emulator with \`npm run emu -- --telnet ${tcp.port}\`, ` +
        `or check the board's address and that its telnet REPL is on`);
    }
    return;
  }
  if (!existsSync(port)) {
    throw new Fail(`no serial port ${port}: plug the board in and look for it with \`ls /dev/ttyUSB* /dev/ttyACM*\`, ` +
      `or use --port tcp://HOST:PORT for the emulator`);
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

function ensureBuilt(image: string, build: boolean): string {
  const out = join(ROOT, 'dist', `${image}.js`);
  const inputs = ['src', 'rollup.config.mjs', 'tsconfig.json', 'package.json'].map((p) => join(ROOT, p)).filter(existsSync);
  const stale = !existsSync(out) || Math.max(...inputs.map(newestMtime)) > statSync(out).mtimeMs;
  if (stale && build) {
    process.stdout.write(`building (dist/${image}.js is ${existsSync(out) ? 'older than the sources' : 'missing'})...\n`);
    const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Fail('the build failed (see above): fix it, then flash again');
  }
  if (!existsSync(out)) throw new Fail(`dist/${image}.js was not built: is its entry point in src/ yet?`);
  return out;
}

// ------------------------------------------------------------------ upload

function upload(file: string, port: string, baud: number | undefined): Promise<void> {
  let code = readFileSync(file, 'latin1');
  const size = code.length;
  // Trailing blank lines are harmless and let the CLI notice the end of a tiny upload.
  if (code.length < MIN_UPLOAD) code += '\n'.repeat(MIN_UPLOAD - code.length);
  const dir = mkdtempSync(join(tmpdir(), 'flash-'));
  const sent = join(dir, 'image.js');
  writeFileSync(sent, code, 'latin1');
  const chunks = Math.ceil(code.length / CHUNK);
  const cliArgs = [ESPRUINO_CLI, '--no-ble', '-v', '-p', port, '--config', 'SAVE_ON_SEND=1',
    '--config', `BOARD_JSON_URL=${BOARD_DIR}`, '--config', `MODULE_URL=${BOARD_DIR}`];
  if (baud) cliArgs.push('-b', String(baud));
  cliArgs.push(sent);
  process.stdout.write(`uploading ${relative(process.cwd(), file) || file} (${size} bytes) to .bootcde on ${port}\n`);

  return new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, cliArgs, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let problem: string | undefined;
    let complete = false;
    let written = 0;
    let loadSent = false; // every chunk is written and load() is on its way
    let rest = '';
    const limit = setTimeout(() => {
      problem ??= `the device on ${port} did not answer the Espruino REPL in time: check that it runs Espruino ` +
        `(and the --baud for USB), then try again`;
      child.kill();
    }, 30000 + chunks * 1000);
    const progress = () => process.stdout.write(`  written ${Math.min(written, chunks)}/${chunks} chunks\n`);
    const onLine = (line: string) => {
      if (line.startsWith('--] ')) {
        const text = line.slice(4).replace(/\x1b\[J|\r/g, '');
        if (text.trim() && text.trim() !== '>') process.stdout.write(`  device: ${text}\n`);
      } else if (line.includes('Splitting for Storage.write')) {
        written++;
        progress();
      } else if (line.includes('Splitting for load()')) {
        loadSent = true;
      } else if (line.includes('Upload Complete')) {
        complete = true;
      } else if (/Disconnected/.test(line) && loadSent) {
        // The image booted and closed the telnet REPL (the gateway switches it off at boot).
        complete = true;
        process.stdout.write('  (the board closed its telnet REPL as the image booted)\n');
      } else if (/Unable to retrieve board information|No result found for|Prompt not detected/.test(line)) {
        problem ??= `the device on ${port} did not answer the Espruino REPL handshake: is it running Espruino ` +
          `(and, for USB, at the right --baud)?`;
      } else if (/RECEIVE ERROR|Unable to connect|Disconnected/.test(line) && !complete) {
        problem ??= `the connection to ${port} failed or dropped during the upload; try again`;
      }
    };
    const onData = (d: Buffer) => {
      rest += d.toString('latin1');
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        onLine(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (status) => {
      clearTimeout(limit);
      if (rest) onLine(rest);
      rmSync(dir, { recursive: true, force: true });
      if (problem) reject(new Fail(problem));
      else if (!complete || status !== 0) reject(new Fail(`the espruino CLI stopped before the upload completed (exit ${status}); try again`));
      else resolve();
    });
  });
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

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  if (args.firmware !== undefined) {
    flashFirmware(args.firmware, args.port, args.baud);
    process.stdout.write('firmware flashed: now upload the program with `npm run flash -- --port ' + args.port + '`\n');
    return;
  }
  if (!args.port) {
    throw new Fail('no --port: give --port /dev/ttyUSB0 for a board on USB, or --port tcp://127.0.0.1:PORT for the ' +
      'emulator (`npm run emu -- --telnet PORT`) or a board\'s telnet', 2);
  }
  let file: string;
  if (args.file !== undefined) {
    if (!existsSync(args.file)) throw new Fail(`no such file: ${args.file}`, 2);
    file = args.file;
  } else file = ensureBuilt(args.image, args.build);
  await checkPort(args.port);
  await upload(file, args.port, args.baud);
  process.stdout.write(`done: ${relative(process.cwd(), file) || file} is in .bootcde on ${args.port} and runs at every boot\n`);
}

main().catch((e) => {
  if (e instanceof Fail) {
    process.stderr.write(`flash: ${e.message}\n`);
    process.exit(e.code);
  }
  process.stderr.write(`flash: ${(e as Error).stack}\n`);
  process.exit(1);
});
