// The built images in emulators, for the device and simulator tests: the
// gateway (dist/gateway.js, its flash provisioned as `npm run emulate` does)
// and the sensor (dist/sensor.js with a sensor.cfg in its flash).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Emulator } from '../../tools/emulator/index.ts';
import { Flash } from '../../tools/emulator/flash.ts';
import { provision } from '../../tools/emulate/config.ts';
import { storageOn, utf8Bytes } from '../../tools/emulate/storage.ts';
import { adminLogin } from '../../tools/sim/admin.ts';
import type { AdminClient } from '../../tools/sim/admin.ts';
import { FALLBACK_MODULE } from '../../src/crypto/espruino.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ADMIN_PASSWORD = 'device-tests-pw';
const verbose = !!process.env.DEVICE_TEST_VERBOSE;

function image(name: string): string {
  const file = join(ROOT, 'dist', name);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return file;
}

export interface Board {
  emu: Emulator;
  out(): string;
  stop(): Promise<void>;
}

export interface GatewayBoard extends Board {
  adminUrl: string;
  admin: AdminClient;
  /** Power cycle on the same flash, then log in again. */
  restart(): Promise<void>;
}

export async function startGateway(brokerPort: number): Promise<GatewayBoard> {
  const dir = mkdtempSync(join(tmpdir(), 'device-test-gw-'));
  provision({ broker: `mqtt://127.0.0.1:${brokerPort}`, httpPort: 1, storage: dir, adminPassword: ADMIN_PASSWORD });
  let out = '';
  const emu = await Emulator.start({
    file: image('gateway.js'),
    storageDir: dir,
    portMap: { 80: 0 },
    onOutput: (s) => {
      out += s;
      if (verbose) process.stdout.write('[gw] ' + s);
    },
  });
  await emu.waitForOutput('mqtt: connected', 15000);
  const adminUrl = 'http://127.0.0.1:' + emu.hostPort(80);
  const board: GatewayBoard = {
    emu,
    adminUrl,
    admin: await adminLogin(adminUrl, ADMIN_PASSWORD),
    out: () => out,
    async restart() {
      await emu.restart();
      await emu.waitForOutput('mqtt: connected', 15000);
      board.admin = await adminLogin(adminUrl, ADMIN_PASSWORD);
    },
    async stop() {
      await emu.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return board;
}

/**
 * `stockFirmware`: no native GatewayCrypto; the pure-JS crypto module
 * (dist/gwcrypto-js.js) goes into Storage, as `npm run flash` puts it there.
 */
export async function startSensor(config: Record<string, unknown>, stockFirmware = false): Promise<Board> {
  const dir = mkdtempSync(join(tmpdir(), 'device-test-sensor-'));
  const storage = storageOn(new Flash(dir));
  storage.write('sensor.cfg', utf8Bytes(JSON.stringify(config)));
  if (stockFirmware) storage.write(FALLBACK_MODULE, readFileSync(image('gwcrypto-js.js')).toString('latin1'));
  let out = '';
  const emu = await Emulator.start({
    file: image('sensor.js'),
    storageDir: dir,
    nativeCrypto: !stockFirmware,
    onOutput: (s) => {
      out += s;
      if (verbose) process.stdout.write('[sensor] ' + s);
    },
  });
  return {
    emu,
    out: () => out,
    async stop() {
      await emu.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns something truthy; fails with `what` after `ms`. */
export async function waitFor<T>(probe: () => Promise<T> | T, ms: number, what: string): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    await sleep(100);
  }
}
