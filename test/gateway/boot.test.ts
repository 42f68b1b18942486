// Boot of the gateway image: the telnet REPL is switched off, a bad gw.cfg
// gives clear console errors and safe defaults (never a crash), and without
// an admin password the first boot makes one, prints it once and stores only
// its salted hash.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interpreter, TELNET_PORT, readStorage, writeStorage } from '../../tools/espruino/interpreter.ts';
import { acceptsConnections } from '../../tools/ports.ts';
import { createAedes } from '../mqtt/brokers.ts';
import type { AedesBroker } from '../mqtt/brokers.ts';
import { Admin } from './device.ts';
import { IMAGE } from './harness.ts';

let broker: AedesBroker;
const dirs: string[] = [];
const emus: Interpreter[] = [];

test.before(async () => {
  broker = await createAedes();
});

test.after(async () => {
  for (const e of emus) await e.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await broker?.close();
});

/** A Storage holding the image as boot code and the given gw.cfg text (none when undefined). */
async function flashWith(cfg: string | undefined): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-boot-'));
  dirs.push(dir);
  const files: Record<string, Buffer | string> = { '.bootcde': readFileSync(IMAGE) };
  if (cfg !== undefined) files['gw.cfg'] = cfg;
  await writeStorage(dir, files);
  return dir;
}

async function boot(dir: string, o: { telnet?: boolean } = {}): Promise<Interpreter> {
  const emu = await Interpreter.start({ storageDir: dir, ports: { 80: 0 }, telnetPort: o.telnet ? 0 : undefined });
  emus.push(emu);
  return emu;
}

test('first boot without a password: one is made, printed once, stored hashed; telnet goes off', async () => {
  const dir = await flashWith(JSON.stringify({ broker: 'mqtt://127.0.0.1:' + broker.port }));
  const emu = await boot(dir, { telnet: true });
  // up to the line's end: console output arrives in pieces, and \S+ alone could match half of it
  const line = await emu.waitForOutput(/admin password \(shown once\): \S+\r?\n/, 30000);
  const pw = line.split(': ')[1].trim();
  await emu.waitForOutput('mqtt: connected', 30000);
  assert.not.ok(await acceptsConnections(emu.hostPort(TELNET_PORT)), 'the telnet REPL is off');
  const admin = new Admin('http://127.0.0.1:' + emu.hostPort(80));
  await admin.login(pw);
  await emu.kill();
  const stored = (await readStorage(dir, ['gw.cfg']))['gw.cfg']!.toString('latin1');
  assert.not.ok(stored.includes(pw), 'only the salted hash is stored');
  // the next boot keeps it and does not print it again
  await emu.restart();
  await emu.waitForOutput('mqtt: connected', 30000);
  assert.is(emu.output.split('admin password').length, 2, 'printed once');
  await new Admin('http://127.0.0.1:' + emu.hostPort(80)).login(pw);
});

/** What the console answers to `text` over telnet within 500 ms. */
function telnet(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('connect', () => s.write(text));
    setTimeout(() => {
      s.destroy();
      resolve(got);
    }, 500);
  });
}

test('telnet "locked": the console asks for the password; without one configured, telnet goes off', async () => {
  const dir = await flashWith(JSON.stringify({ broker: 'mqtt://127.0.0.1:' + broker.port, telnet: 'locked', console_password: 'open-sesame' }));
  const emu = await boot(dir, { telnet: true });
  await emu.waitForOutput('mqtt: connected', 30000);
  const locked = await telnet(emu.hostPort(TELNET_PORT), '\n6*7\n');
  assert.not.match(locked, /=42/, 'a locked console evaluates nothing: ' + locked);
  const unlocked = await telnet(emu.hostPort(TELNET_PORT), 'open-sesame\n6*7\n');
  assert.match(unlocked, /=42/);

  const dir2 = await flashWith(JSON.stringify({ broker: 'mqtt://127.0.0.1:' + broker.port, telnet: 'locked' }));
  const emu2 = await boot(dir2, { telnet: true });
  await emu2.waitForOutput('mqtt: connected', 30000);
  assert.match(emu2.output, /telnet: "locked" needs console_password/);
  assert.not.ok(await acceptsConnections(emu2.hostPort(TELNET_PORT)));
});

test('a bad gw.cfg: clear console errors, safe defaults, the gateway runs', async () => {
  const dir = await flashWith(JSON.stringify({ broker: 'mqtt://127.0.0.1:' + broker.port, prefix: 'bad/+', offline_timeout: 'soon', limits: { pending: -1 } }));
  const emu = await boot(dir);
  await emu.waitForOutput('mqtt: connected', 30000);
  assert.match(emu.output, /gw\.cfg: prefix must be .* \(using the default\)/);
  assert.match(emu.output, /gw\.cfg: offline_timeout must be/);
  assert.match(emu.output, /gw\.cfg: limits\.pending must be/);
  assert.not.match(emu.output, /Uncaught/);
});

test('gw.cfg that is not JSON: one clear error, defaults, HTTP still up', async () => {
  const dir = await flashWith('{"broker": nope');
  const emu = await boot(dir);
  await emu.waitForOutput('http: admin API on port 80', 30000);
  assert.match(emu.output, /gw\.cfg: not valid JSON \(using the default\)/);
  const r = await fetch('http://127.0.0.1:' + emu.hostPort(80) + '/api/status');
  assert.is(r.status, 401);
  assert.not.match(emu.output, /Uncaught/);
});

test.run();
