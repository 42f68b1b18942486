// The telnet REPL (full control of the board, gw.cfg included) on the real
// interpreter: switched off by the image's first statement, so a boot that
// fails later (stock firmware without the gwcrypto-js module, as the review
// found it) leaves it off; "locked" still asks for the console password.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interpreter } from '../../tools/espruino/interpreter.ts';
import { provision } from '../../tools/emulate/config.ts';
import { acceptsConnections } from '../../tools/ports.ts';
import { readStorage, writeStorage } from '../../tools/espruino/interpreter.ts';
import { createAedes } from '../mqtt/brokers.ts';
import type { AedesBroker } from '../mqtt/brokers.ts';
import { CRYPTO_MODULE, IMAGE, PASSWORD } from './harness.ts';
import { sleep } from './device.ts';

let broker: AedesBroker;
const dirs: string[] = [];
const boards: Interpreter[] = [];

test.before(async () => {
  broker = await createAedes();
});

test.after(async () => {
  for (const b of boards) await b.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await broker?.close();
});

/** A stock board with the image, gw.cfg (plus `extra` fields) and, unless told not to, the crypto module. */
async function board(extra: Record<string, unknown>, withCrypto: boolean): Promise<Interpreter> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-console-'));
  dirs.push(dir);
  await provision(
    { broker: 'mqtt://127.0.0.1:' + broker.port, httpPort: 1, storage: dir, adminPassword: PASSWORD },
    { image: IMAGE, cryptoModule: withCrypto ? CRYPTO_MODULE : undefined },
    'stock',
  );
  if (Object.keys(extra).length) {
    const cfg = JSON.parse((await readStorage(dir, ['gw.cfg'], 'stock'))['gw.cfg']!.toString('latin1'));
    await writeStorage(dir, { 'gw.cfg': JSON.stringify({ ...cfg, ...extra }) }, 'stock');
  }
  const it = await Interpreter.start({ variant: 'stock', storageDir: dir, ports: { 80: 0 }, telnetPort: 0 });
  boards.push(it);
  return it;
}

/** What the console answers to `text` over telnet within a second ('' when it does not take connections). */
function telnet(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('connect', () => s.write(text));
    s.on('error', () => resolve(got));
    setTimeout(() => {
      s.destroy();
      resolve(got);
    }, 1000);
  });
}

test('a boot that fails (no crypto module on stock firmware) leaves telnet off', async () => {
  const it = await board({}, false);
  await it.waitForOutput(/no crypto/, 30000);
  await sleep(500); // a few idle loops, where the firmware would open the telnet port
  const port = it.hostPort(2323);
  assert.not.ok(await acceptsConnections(port), 'telnet takes connections');
  assert.not.match(await telnet(port, 'require("Storage").read("gw.cfg")\n'), /admin/);
});

test('"locked" with a console password: the console asks for it, and then obeys', async () => {
  const it = await board({ telnet: 'locked', console_password: 'open-sesame' }, true);
  await it.waitForOutput('mqtt: connected', 30000);
  const port = it.hostPort(2323);
  const locked = await telnet(port, '\n6*7\n');
  assert.not.match(locked, /=42/, 'a locked console evaluates nothing: ' + locked);
  assert.match(await telnet(port, 'open-sesame\n6*7\n'), /=42/);
});

test('"locked" without a console password: telnet stays off, and the console says why', async () => {
  const it = await board({ telnet: 'locked' }, true);
  await it.waitForOutput('mqtt: connected', 30000);
  assert.match(it.output, /telnet: "locked" needs console_password/);
  assert.not.ok(await acceptsConnections(it.hostPort(2323)));
});

test.run();
