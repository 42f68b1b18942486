// The built images on the real Espruino interpreter (host build, stock or
// custom firmware), for the device and simulator tests: the gateway
// (dist/gateway.js through test/gateway/harness.ts) and the sensor
// (dist/sensor.js as .bootcde, with its sensor.cfg, in a Storage of its own).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interpreter, writeStorage } from '../../tools/espruino/interpreter.ts';
import type { Variant } from '../../tools/espruino/build.ts';
import { utf8Bytes } from '../../tools/emulate/config.ts';
import { adminLogin } from '../../tools/sim/admin.ts';
import type { AdminClient } from '../../tools/sim/admin.ts';
import { FALLBACK_MODULE } from '../../src/crypto/espruino.ts';
import { GatewayUnderTest, PASSWORD, ROOT } from '../gateway/harness.ts';

export { ROOT };
export const ADMIN_PASSWORD = PASSWORD;
// the gateway's console: GW_TEST_VERBOSE=1 (harness.ts); the sensor's: DEVICE_TEST_VERBOSE=1
const verbose = !!process.env.DEVICE_TEST_VERBOSE;
// an approval on stock firmware runs pure-JS X25519 inside the request: seconds, more on a busy machine
const ADMIN_TIMEOUT_MS = 120000;

function image(name: string): string {
  const file = join(ROOT, 'dist', name);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return file;
}

export interface Board {
  emu: Interpreter;
  /** console output since the first power-on */
  out(): string;
  /** resolves once `text` appears in the output after `from` (an offset in out()), across power cycles */
  waitForText(text: string | RegExp, ms: number, from?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface GatewayBoard extends Board {
  gw: GatewayUnderTest;
  adminUrl: string;
  admin: AdminClient;
  /** Power cycle on the same Storage, then log in again. */
  restart(): Promise<void>;
}

export async function startGateway(brokerPort: number, o: { variant?: Variant; prefix?: string } = {}): Promise<GatewayBoard> {
  const gw = new GatewayUnderTest({ brokerPort, variant: o.variant, prefix: o.prefix });
  try {
    await gw.start();
  } catch (e) {
    await gw.stop();
    throw e;
  }
  const adminUrl = 'http://127.0.0.1:' + gw.emu.hostPort(80);
  const board: GatewayBoard = {
    gw,
    emu: gw.emu,
    adminUrl,
    admin: await adminLogin(adminUrl, ADMIN_PASSWORD, 4, ADMIN_TIMEOUT_MS),
    out: () => gw.out,
    waitForText: (text, ms, from = 0) => textAfter(() => gw.out, text, ms, from),
    async restart() {
      await gw.restart();
      board.admin = await adminLogin(adminUrl, ADMIN_PASSWORD, 4, ADMIN_TIMEOUT_MS);
    },
    stop: () => gw.stop(),
  };
  return board;
}

/**
 * The sensor image booting from Storage as after `npm run flash --image
 * sensor`. On stock firmware (no GatewayCrypto) the pure-JS crypto module
 * (dist/gwcrypto-js.js) goes into Storage too, as the flash tool puts it there.
 *
 * `reboot`: the host build's E.reboot() prints "Not implemented" and ends the
 * process, where a board resets and boots again; the rig powers the sensor on
 * again when its interpreter ends by itself.
 */
export async function startSensor(config: Record<string, unknown>, variant: Variant = 'custom'): Promise<Board> {
  const dir = mkdtempSync(join(tmpdir(), 'device-test-sensor-'));
  const files: Record<string, string | Buffer> = {
    'sensor.cfg': utf8Bytes(JSON.stringify(config)),
    '.bootcde': readFileSync(image('sensor.js')),
  };
  if (variant === 'stock') files[FALLBACK_MODULE] = readFileSync(image('gwcrypto-js.js'));
  await writeStorage(dir, files, variant);
  let out = '';
  const emu = await Interpreter.start({
    variant,
    storageDir: dir,
    onOutput: (s) => {
      out += s;
      if (verbose) process.stdout.write('[sensor] ' + s);
    },
  });
  let stopping = false;
  void (async () => {
    while (!stopping) {
      try {
        await emu.exited(2 ** 31 - 1);
      } catch {
        return;
      }
      if (stopping || emu.running) return;
      await emu.restart();
    }
  })();
  return {
    emu,
    out: () => out,
    waitForText: (text, ms, from = 0) => textAfter(() => out, text, ms, from),
    async stop() {
      stopping = true;
      await emu.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function textAfter(out: () => string, text: string | RegExp, ms: number, from: number): Promise<void> {
  const seen = () => {
    const rest = out().slice(from);
    return typeof text === 'string' ? rest.includes(text) : text.test(rest);
  };
  try {
    await waitFor(seen, ms, `${String(text)} on the console`);
  } catch (e) {
    throw new Error(`${(e as Error).message}; last output:\n${out().slice(-600)}`);
  }
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
