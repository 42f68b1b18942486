// `npm start`: the whole system on one machine: an embedded aedes broker (this
// process), the gateway image booted from Storage on the real Espruino
// interpreter (host build of the custom firmware, or of the stock one with
// --variant stock; a child process that dies with this one), and three
// simulated sensors on the device SDK (this process), one of them holding a
// PSK. Prints the dashboard URL and the admin password; the admin approves the
// sensors on the dashboard. Ctrl-C stops everything.
//   npm start [-- --admin-password PW] [--http-port N] [--broker-port N] [--storage DIR] [--variant custom|stock]
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildHost, VARIANTS, type Variant } from '../espruino/build';
import { Interpreter } from '../espruino/interpreter';
import { provision } from '../emulate/config';
import { readFlags } from '../flags';
import { generatePsk } from '../../src/gateway/admin/psk-strength';
import { freePort } from '../ports';
import { createFleet, Fleet } from '../sim/fleet';
import { Broker, startBroker } from './broker';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = join(ROOT, 'dist');
const USAGE = 'usage: npm start [-- --admin-password PW] [--http-port N] [--broker-port N] [--storage DIR] [--variant custom|stock]';
const SENSORS: [string, string][] = [
  ['kitchen', 'Kitchen'],
  ['garage', 'Garage'],
  ['greenhouse', 'Greenhouse'],
];
const PSK_SENSOR = 'greenhouse';
// Boot, Storage checks and the first MQTT connection; the stock firmware's first boot also makes the gateway's key in pure JS.
const GATEWAY_UP_MS = 120000;

interface StartOptions {
  adminPassword?: string;
  httpPort?: number;
  brokerPort: number;
  storage?: string;
  variant: Variant;
}

function parse(argv: string[]): StartOptions | string {
  const raw = readFlags(argv, {
    valued: { '--admin-password': 'adminPassword', '--http-port': 'httpPort', '--broker-port': 'brokerPort', '--storage': 'storage', '--variant': 'variant' },
    help: true,
  });
  if (typeof raw === 'string') return raw;
  const o: StartOptions = { brokerPort: 0, variant: 'custom' };
  for (const [flag, key] of [['--http-port', 'httpPort'], ['--broker-port', 'brokerPort']] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) return `${flag} must be a port number 1-65535, got ${JSON.stringify(v)}`;
    o[key] = Number(v);
  }
  if (raw.adminPassword !== undefined) {
    if (!raw.adminPassword) return '--admin-password must not be empty';
    o.adminPassword = raw.adminPassword;
  }
  if (raw.storage !== undefined) {
    if (!raw.storage) return '--storage needs a directory';
    o.storage = raw.storage;
  }
  if (raw.variant !== undefined) {
    if (!VARIANTS.includes(raw.variant as Variant)) return `--variant must be ${VARIANTS.join(' or ')}, got ${JSON.stringify(raw.variant)}`;
    o.variant = raw.variant as Variant;
  }
  return o;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function say(line: string): void {
  console.log('demo: ' + line);
}

// The PSK of the sensor that has one: kept with the state when --storage is given.
function demoPsk(dir: string | undefined): string {
  const file = dir && join(dir, 'demo-psk.txt');
  if (file && existsSync(file)) return readFileSync(file, 'utf8').trim();
  // a strong one, in the form the dashboard proposes: the weak-PSK warning is for real mistakes
  const psk = generatePsk(randomBytes(16));
  if (file) writeFileSync(file, psk + '\n', { mode: 0o600 });
  return psk;
}

/** The board's console as lines for the terminal: without the REPL's prompts and screen codes. */
function consoleLines(print: (line: string) => void): (text: string) => void {
  let partial = '';
  return (text) => {
    partial += text;
    let nl;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl).replace(/\x1b\[J|\r/g, '').replace(/^>+/, '');
      partial = partial.slice(nl + 1);
      if (line.trim()) print(line);
    }
  };
}

async function main(): Promise<void> {
  const parsed = parse(process.argv.slice(2));
  if (parsed === 'help') {
    console.log(USAGE);
    return;
  }
  if (typeof parsed === 'string') {
    console.error('demo: ' + parsed);
    console.error(USAGE);
    process.exit(2);
  }
  const o = parsed;
  if (!existsSync(join(DIST, 'gateway.js'))) {
    say('dist/ is missing: building first');
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('the build failed (see above)');
  }
  // the interpreter for this PC: built once (about a minute), then cached in .espruino-host/
  await buildHost([o.variant]);

  const temp = o.storage ? undefined : mkdtempSync(join(tmpdir(), 'mqtt-gateway-demo-'));
  const base = o.storage ?? temp!;
  const gatewayDir = join(base, 'gateway');
  const sensorDir = join(base, 'sensors');
  mkdirSync(gatewayDir, { recursive: true });
  mkdirSync(sensorDir, { recursive: true });
  const password = o.adminPassword ?? randomBytes(9).toString('base64url');
  if (o.httpPort !== undefined && !(await portFree(o.httpPort))) throw new Error(`port ${o.httpPort} is in use: choose another with --http-port`);
  const httpPort = o.httpPort ?? ((await portFree(8080)) ? 8080 : await freePort());

  let broker: Broker | undefined;
  let board: Interpreter | undefined;
  let fleet: Fleet | undefined;
  let stopping = false;

  async function stop(code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    say('stopping');
    fleet?.stop();
    // a power cut: the gateway's Storage writes are made to survive one
    await board?.kill();
    await broker?.close();
    if (temp) rmSync(temp, { recursive: true, force: true });
    process.exit(code);
  }
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    broker = await startBroker(o.brokerPort);
    say(`MQTT broker (aedes) on ${broker.url}`);

    // Storage as `npm run flash` leaves it (settings changed on the dashboard survive unless a flag overrides them)
    await provision(
      { broker: broker.url, httpPort, storage: gatewayDir, adminPassword: password },
      {
        image: join(DIST, 'gateway.js'),
        dashboard: join(DIST, 'dashboard.html.gz'),
        cryptoModule: o.variant === 'stock' ? join(DIST, 'gwcrypto-js.js') : undefined,
      },
      o.variant,
    );
    const gw = await Interpreter.start({
      variant: o.variant,
      storageDir: gatewayDir,
      ports: { 80: httpPort },
      onOutput: consoleLines((line) => {
        if (!/^(espruino|portmap): /.test(line)) console.log('gateway | ' + line);
      }),
    });
    board = gw;
    say(`gateway: dist/gateway.js on the Espruino 2v29 interpreter for this PC (${o.variant} firmware), pid ${gw.pid}`);
    gw.exited(2 ** 31 - 1).then(
      (code) => {
        if (stopping) return;
        console.error(`demo: the gateway's interpreter ended (exit ${code})`);
        void stop(1);
      },
      () => undefined,
    );
    await gw.waitForOutput('mqtt: connected', GATEWAY_UP_MS);
    const url = `http://127.0.0.1:${httpPort}/`;

    const psk = demoPsk(o.storage ? base : undefined);
    fleet = createFleet({
      broker: broker.url,
      prefix: 'jrpc',
      ids: SENSORS.map((s) => s[0]),
      nameOf: (id) => SENSORS.find((s) => s[0] === id)![1],
      pskOf: (id) => (id === PSK_SENSOR ? psk : undefined),
      rate: 5,
      stateDir: sensorDir,
      log: (line) => console.log('sensor  | ' + line),
    });
    fleet.start();

    say(`dashboard ${url}`);
    say(`admin password ${password}`);
    say(`sensors ${SENSORS.map((s) => s[0]).join(', ')} ask to join; approve them on the dashboard`);
    say(`${PSK_SENSOR} holds the PSK "${psk}": enter it when approving ${PSK_SENSOR}`);
    say('Ctrl-C stops everything');
  } catch (e: any) {
    console.error('demo: ' + (e?.message ?? e));
    await stop(1);
  }
}

main().catch((e) => {
  console.error('demo: ' + (e?.message ?? e));
  process.exit(1);
});
