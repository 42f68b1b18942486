// One gateway under test: the BUILT image dist/gateway.js booted from Storage
// by the real Espruino interpreter (host build, stock or custom firmware), its
// Storage provisioned like `npm run emulate` does, against a real broker.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Interpreter } from '../../tools/espruino/interpreter.ts';
import type { Variant } from '../../tools/espruino/build.ts';
import { provision } from '../../tools/emulate/config.ts';
import { Admin, TestDevice } from './device.ts';
import type { DeviceOptions } from './device.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const IMAGE = join(ROOT, 'dist/gateway.js');
export const PASSWORD = 'admin-pass-1';
/** the pure-JS crypto that stock firmware (no GatewayCrypto module) loads from flash */
export const CRYPTO_MODULE = join(ROOT, 'dist/gwcrypto-js.js');

export interface GatewayOptions {
  brokerPort: number;
  prefix?: string;
  offlineTimeout?: number;
  storageDir?: string;
  /** stock firmware (the pure-JS crypto module from Storage) or custom (GatewayCrypto); default custom */
  variant?: Variant;
  /** more gw.cfg fields, as in the file (e.g. {limits: {nonce_flush_s: 1}}) */
  config?: any;
  /** extra Storage work before boot (e.g. more files), through the interpreter */
  extraConfig?: (storageDir: string, variant: Variant) => Promise<void>;
}

export class GatewayUnderTest {
  /** the interpreter running the gateway image */
  emu!: Interpreter;
  admin!: Admin;
  storageDir: string;
  out = '';
  private ownDir: boolean;

  constructor(public o: GatewayOptions) {
    if (!existsSync(IMAGE)) throw new Error('dist/gateway.js is missing: run `npm run build` first');
    this.ownDir = !o.storageDir;
    this.storageDir = o.storageDir || mkdtempSync(join(tmpdir(), 'gw-test-'));
  }

  get variant(): Variant {
    return this.o.variant ?? 'custom';
  }

  async start(): Promise<void> {
    await provision({
      broker: 'mqtt://127.0.0.1:' + this.o.brokerPort,
      httpPort: 1,
      storage: this.storageDir,
      adminPassword: PASSWORD,
      prefix: this.o.prefix,
      offlineTimeout: this.o.offlineTimeout,
    }, { image: IMAGE, cryptoModule: this.variant === 'stock' ? CRYPTO_MODULE : undefined }, this.variant, this.o.config);
    await this.o.extraConfig?.(this.storageDir, this.variant);
    // the image boots from Storage (.bootcde) as on the board: its code stays out of RAM
    this.emu = await Interpreter.start({
      variant: this.variant,
      storageDir: this.storageDir,
      ports: { 80: 0 },
      onOutput: (s: string) => {
        this.out += s;
        if (process.env.GW_TEST_VERBOSE) process.stdout.write(s);
      },
    });
    await this.ready();
  }

  /** Waits for the boot to reach MQTT; the admin API is then up too. */
  async ready(): Promise<void> {
    await this.emu.waitForOutput('mqtt: connected', 30000);
    this.admin = new Admin('http://127.0.0.1:' + this.emu.hostPort(80));
    await this.admin.login(PASSWORD);
  }

  async restart(): Promise<void> {
    await this.emu.restart();
    await this.ready();
  }

  device(id: string, o: DeviceOptions = {}): TestDevice {
    return new TestDevice(this.o.brokerPort, id, { prefix: this.o.prefix, ...o });
  }

  /** Sets the board's clock (setTime): timers keep their schedule, the gateway's monotonic clock ignores steps back. */
  async setClock(unix: number): Promise<void> {
    await this.emu.eval(`setTime(${unix})`);
  }

  /** Storage files of the running board (undefined for a missing one). */
  async files(names: string[]): Promise<Record<string, string | undefined>> {
    const got = await this.emu.eval<(string | null)[]>(
      `${JSON.stringify(names)}.map(function(n){var d=require("Storage").read(n);return d===undefined?null:btoa(d);})`,
    );
    const out: Record<string, string | undefined> = {};
    names.forEach((n, i) => (out[n] = got[i] === null ? undefined : Buffer.from(got[i]!, 'base64').toString('latin1')));
    return out;
  }

  async security(): Promise<Record<string, number>> {
    return (await this.admin.ok('GET', '/api/security')).counters;
  }

  async stop(): Promise<void> {
    await this.emu?.stop();
    if (this.ownDir) rmSync(this.storageDir, { recursive: true, force: true });
  }
}
