// `npm run sim`: simulated sensors on the device SDK, or one attack mode.
//   npm run sim -- --broker mqtt://127.0.0.1:1883 --devices 3 [--psk S] [--admin http://127.0.0.1:8080 --admin-password PW]
//   npm run sim -- --broker ... --admin ... --admin-password ... --attack replay [--json]
// Exit: 0 normal end (or the attack went as expected), 1 attack outcome not
// as expected or a runtime error, 2 bad flags.
import { adminLogin, AdminClient } from './admin';
import { parseArgs, USAGE, SimOptions } from './args';
import { runAttack, AttackReport } from './attacks';
import { approvePending, createFleet, statusLine } from './fleet';

function fail(message: string): never {
  console.error(`sim: ${message}`);
  console.error(USAGE);
  process.exit(2);
}

async function login(o: SimOptions): Promise<AdminClient | undefined> {
  if (!o.admin) return undefined;
  try {
    return await adminLogin(o.admin, o.adminPassword!);
  } catch (e: any) {
    console.error(`sim: cannot log in to the admin API at ${o.admin}: ${e.message}`);
    process.exit(1);
  }
}

function printReport(r: AttackReport, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(r));
    return;
  }
  console.log(`\nattack ${r.attack} against ${r.victim}`);
  console.log(`expected: ${r.expected}`);
  if (r.counters) {
    const moved = Object.entries(r.counters).map(([k, n]) => `${k} +${n}`);
    console.log(`gateway security counters: ${moved.length ? moved.join(', ') : 'unchanged'}`);
  } else console.log('gateway security counters: not read (give --admin and --admin-password)');
  const drops = Object.entries(r.deviceDrops).map(([k, n]) => `${k} ${n}`);
  console.log(`dropped by the device: ${drops.length ? drops.join(', ') : 'nothing'}`);
  console.log(r.ok ? 'result: as expected, nothing forged was accepted' : `result: NOT as expected:\n  ${r.failures.join('\n  ')}`);
}

async function attack(o: SimOptions): Promise<void> {
  const admin = await login(o);
  const log = o.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  let stopping = false;
  process.on('SIGINT', () => {
    if (stopping) process.exit(130);
    stopping = true;
    console.error('sim: interrupted');
    process.exit(130);
  });
  const report = await runAttack(o, admin, log);
  printReport(report, o.json);
  process.exit(report.ok ? 0 : 1);
}

async function simulate(o: SimOptions): Promise<void> {
  const admin = await login(o);
  const width = String(o.devices).length < 2 ? 2 : String(o.devices).length;
  const ids = Array.from({ length: o.devices }, (_, i) => `${o.idPrefix}-${String(i + 1).padStart(width, '0')}`);
  const tty = process.stdout.isTTY;
  let line = '';
  // Events go above the status line; on a terminal the status line is redrawn in place.
  const log = (text: string) => {
    if (tty) process.stdout.write('\r\x1b[K' + text + '\n' + line);
    else console.log(text);
  };
  const fleet = createFleet({ broker: o.broker, prefix: o.prefix, ids, psk: o.psk, rate: o.rate, stateDir: o.state, log });
  for (const s of fleet.sensors) log(`${s.id}: key fingerprint ${s.dev.fingerprint()}`);
  fleet.start();
  let lastPrinted = '';
  let lastAt = 0;
  const show = setInterval(() => {
    line = 'sim: ' + statusLine(fleet.counts(), ids.length);
    if (tty) process.stdout.write('\r\x1b[K' + line);
    else if (line !== lastPrinted && Date.now() - lastAt >= 2000) {
      console.log(line);
      lastPrinted = line;
      lastAt = Date.now();
    }
  }, 500);
  let approving = false;
  const approve = admin
    ? setInterval(() => {
        if (approving) return;
        approving = true;
        approvePending(admin, fleet.sensors)
          .then((done) => done.forEach((id) => log(`${id}: approved through the admin API`)))
          .catch((e) => log(`sim: approving failed: ${e.message}`))
          .finally(() => (approving = false));
      }, 1000)
    : undefined;
  let stopped = false;
  const stop = (why: string) => {
    if (stopped) return;
    stopped = true;
    clearInterval(show);
    if (approve) clearInterval(approve);
    fleet.stop();
    if (tty) process.stdout.write('\r\x1b[K');
    console.log(`sim: ${why}; ${statusLine(fleet.counts(), ids.length)}`);
    // let the DISCONNECT packets go out
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.on('SIGINT', () => stop('stopped'));
  process.on('SIGTERM', () => stop('stopped'));
  if (o.duration) setTimeout(() => stop(`ran ${o.duration} s`), o.duration * 1000);
}

const parsed = parseArgs(process.argv.slice(2));
if (parsed === 'help') {
  console.log(USAGE);
  process.exit(0);
}
if (typeof parsed === 'string') fail(parsed);
const options = parsed as SimOptions;
(options.attack ? attack(options) : simulate(options)).catch((e) => {
  console.error(`sim: ${e?.message ?? e}`);
  process.exit(1);
});
