// `npm start`: the whole system on one machine, in one process tree: an
// embedded aedes broker (this process), the gateway image in the emulator
// (a child running `npm run emulate`'s program), and three simulated sensors
// on the device SDK (this process), one of them holding a PSK. Prints the
// dashboard URL and the admin password; Ctrl-C stops everything.
//   npm start [-- --admin-password PW] [--http-port N] [--broker-port N] [--storage DIR]
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../ports';
import { createFleet, Fleet } from '../sim/fleet';
import { Broker, startBroker } from './broker';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const USAGE = 'usage: npm start [-- --admin-password PW] [--http-port N] [--broker-port N] [--storage DIR]';
const SENSORS: [string, string][] = [
  ['kitchen', 'Kitchen'],
  ['garage', 'Garage'],
  ['greenhouse', 'Greenhouse'],
];
const PSK_SENSOR = 'greenhouse';

interface StartOptions {
  adminPassword?: string;
  httpPort?: number;
  brokerPort: number;
  storage?: string;
}

function parse(argv: string[]): StartOptions | string {
  const o: StartOptions = { brokerPort: 0 };
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let value: string | undefined;
    if (flag === '--help' || flag === '-h') return 'help';
    const eq = flag.indexOf('=');
    if (flag.startsWith('--') && eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    } else value = argv[++i];
    if (value === undefined) return `${flag} needs a value`;
    const port = /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535 ? Number(value) : undefined;
    if (flag === '--admin-password') {
      if (!value) return '--admin-password must not be empty';
      o.adminPassword = value;
    } else if (flag === '--http-port' || flag === '--broker-port') {
      if (port === undefined) return `${flag} must be a port number 1-65535, got ${JSON.stringify(value)}`;
      if (flag === '--http-port') o.httpPort = port;
      else o.brokerPort = port;
    } else if (flag === '--storage') o.storage = value;
    else return `unknown option ${JSON.stringify(flag)}`;
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
  const psk = randomBytes(6).toString('hex');
  if (file) writeFileSync(file, psk + '\n', { mode: 0o600 });
  return psk;
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
  if (!existsSync(join(ROOT, 'dist/gateway.js'))) {
    say('dist/ is missing: building first');
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('the build failed (see above)');
  }

  const temp = o.storage ? undefined : mkdtempSync(join(tmpdir(), 'mqtt-gateway-demo-'));
  const base = o.storage ?? temp!;
  const gatewayDir = join(base, 'gateway');
  const sensorDir = join(base, 'sensors');
  mkdirSync(gatewayDir, { recursive: true });
  mkdirSync(sensorDir, { recursive: true });
  const password = o.adminPassword ?? randomBytes(9).toString('base64url');
  const httpPort = o.httpPort ?? ((await portFree(8080)) ? 8080 : await freePort());

  let broker: Broker | undefined;
  let gateway: ChildProcess | undefined;
  let fleet: Fleet | undefined;
  let stopping = false;

  async function stop(code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    say('stopping');
    fleet?.stop();
    const g = gateway;
    if (g && g.exitCode === null && g.signalCode === null) {
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => g.kill('SIGKILL'), 5000);
        g.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        g.kill('SIGTERM');
      });
    }
    await broker?.close();
    if (temp) rmSync(temp, { recursive: true, force: true });
    process.exit(code);
  }
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    broker = await startBroker(o.brokerPort);
    say(`MQTT broker (aedes) on ${broker.url}`);

    // The gateway: `npm run emulate`'s program as a child, so the emulated board has a core of its own.
    const g = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'tools/emulate/main.ts'), '--broker', broker.url, '--http-port', String(httpPort), '--storage', gatewayDir, '--admin-password', password],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    gateway = g;
    // Ready when the dashboard is served and the gateway is on the broker.
    const url = await new Promise<string>((resolve, reject) => {
      let buffered = '';
      let dashboard = '';
      let mqtt = false;
      const onLine = (line: string) => {
        const m = /^dashboard: (http:\/\/\S+)/.exec(line);
        if (m) dashboard = m[1];
        else if (line.trim()) console.log('gateway | ' + line);
        if (/^mqtt: connected/.test(line)) mqtt = true;
        if (dashboard && mqtt) resolve(dashboard);
      };
      g.stdout!.on('data', (d) => {
        buffered += d;
        let nl;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          onLine(buffered.slice(0, nl).replace(/\r$/, ''));
          buffered = buffered.slice(nl + 1);
        }
      });
      g.stderr!.on('data', (d) => process.stderr.write('gateway | ' + d));
      setTimeout(() => reject(new Error('the gateway did not come up within 60 s')), 60000).unref();
      g.once('exit', (code) => {
        if (!stopping) {
          reject(new Error(`the gateway emulator exited (code ${code})`));
          void stop(1);
        }
      });
    });

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
