// A board for the bench: an image booted from Storage (.bootcde) by the real
// Espruino 2v29 interpreter built for this PC (tools/espruino), in a process
// of its own, so it shares no event loop with the devices that load it.
// Stopped by disposeAll() (resources.ts), also on errors and Ctrl-C; the
// launch shim ends it should the bench die without running the disposers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHost, type Variant } from '../espruino/build';
import { Interpreter, writeStorage, type MemoryInfo } from '../espruino/interpreter';
import { provision } from '../emulate/config';
import { procCpuMicros } from './proc-cpu';
import { ROOT } from './paths';
import { track } from './resources';

export const GATEWAY_IMAGE = join(ROOT, 'dist/gateway.js');
const DASHBOARD = join(ROOT, 'dist/dashboard.html.gz');
const CRYPTO_MODULE = join(ROOT, 'dist/gwcrypto-js.js');

export interface Board {
  variant: Variant;
  /** Host port of the board's port 80 (a gateway's admin API and dashboard). */
  httpPort?: number;
  /** process.memory() of the interpreter, read through its console (the reading's own command included). */
  memory(): Promise<MemoryInfo>;
  /** CPU time (user + system) the interpreter process used so far, µs; undefined where /proc is not readable. */
  cpuMicros(): number | undefined;
  /** Evaluates `code` at the board's console and returns its value (JSON). */
  eval<T = unknown>(code: string, timeoutMs?: number): Promise<T>;
  /** Console output so far. */
  output(): string;
  waitForOutput(text: string, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** Which firmware, for the how texts. */
export function describeFirmware(variant: Variant): string {
  return variant === 'custom'
    ? 'custom firmware: the C crypto in native/ as the GatewayCrypto library'
    : 'stock firmware: the pure-JS crypto module gwcrypto-js from Storage';
}

/** What the boards run on, for the how texts. */
export function describeInterpreter(variant: Variant): string {
  return (
    'the Espruino 2v29 interpreter built for this PC (tools/espruino: 32-bit, 14-byte JsVars, a pool of 16,383 as ' +
    `on the ESP32; ${describeFirmware(variant)})`
  );
}

function storageDir(name: string): string {
  return track(mkdtempSync(join(tmpdir(), `bench-${name}-`)), (d) => rmSync(d, { recursive: true, force: true }));
}

async function boot(variant: Variant, dir: string, ports: Record<number, number>): Promise<Board> {
  await buildHost([variant], true); // once per checkout; cached in .espruino-host/
  const it = track(await Interpreter.start({ variant, storageDir: dir, ports }), (i) => i.stop());
  return {
    variant,
    httpPort: ports[80] === undefined ? undefined : it.hostPort(80),
    memory: () => it.memory(),
    cpuMicros: () => (it.pid === undefined ? undefined : procCpuMicros(it.pid)),
    eval: (code, ms) => it.eval(code, ms),
    output: () => it.output,
    async waitForOutput(text, ms) {
      // a search of its own, so repeated waits for the same line do not step past each other
      const end = Date.now() + ms;
      while (!it.output.includes(text)) {
        if (!it.running) throw new Error(`the interpreter exited (${it.exitCode}) before printing "${text}": ${it.output.slice(-400)}`);
        if (Date.now() > end) throw new Error(`"${text}" not printed within ${ms} ms: ${it.output.slice(-400)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: () => it.stop(),
  };
}

/**
 * The gateway image with its Storage as `npm run flash` leaves it: gw.cfg,
 * the dashboard, the image as .bootcde, and on stock firmware the pure-JS
 * crypto module.
 */
export async function startGatewayBoard(o: { variant: Variant; broker: string; adminPassword: string }): Promise<Board> {
  const dir = storageDir(`gateway-${o.variant}`);
  await provision(
    { broker: o.broker, httpPort: 80, storage: dir, adminPassword: o.adminPassword },
    { image: GATEWAY_IMAGE, dashboard: DASHBOARD, cryptoModule: o.variant === 'stock' ? CRYPTO_MODULE : undefined },
    o.variant,
  );
  return boot(o.variant, dir, { 80: 0 });
}

/** Any other image (the plain responder), booted the same way from .bootcde. */
export async function startImageBoard(variant: Variant, name: string, image: string): Promise<Board> {
  const dir = storageDir(name);
  await writeStorage(dir, { '.bootcde': image }, variant);
  return boot(variant, dir, {});
}

/** The interpreter with nothing in Storage: what the firmware itself holds. */
export async function startBareBoard(variant: Variant): Promise<Board> {
  return boot(variant, storageDir(`bare-${variant}`), {});
}
