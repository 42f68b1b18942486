// One gateway under test: the BUILT image dist/gateway.js in the emulator,
// its flash provisioned like `npm run emulate` does, against a real broker.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Emulator } from '../../tools/emulator/index.ts';
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
  virtualTime?: boolean;
  /** Unix seconds the board's clock starts at (and SNTP answers near). */
  startTime?: number;
  /** false: stock firmware, the pure-JS crypto module from flash (default true) */
  nativeCrypto?: boolean;
  vars?: number;
  /** extra gw.cfg fields written before boot */
  extraConfig?: (storageDir: string) => void;
}

export class GatewayUnderTest {
  emu!: Emulator;
  admin!: Admin;
  storageDir: string;
  out = '';
  private ownDir: boolean;

  constructor(public o: GatewayOptions) {
    if (!existsSync(IMAGE)) throw new Error('dist/gateway.js is missing: run `npm run build` first');
    this.ownDir = !o.storageDir;
    this.storageDir = o.storageDir || mkdtempSync(join(tmpdir(), 'gw-test-'));
  }

  async start(): Promise<void> {
    provision({
      broker: 'mqtt://127.0.0.1:' + this.o.brokerPort,
      httpPort: 1,
      storage: this.storageDir,
      adminPassword: PASSWORD,
      prefix: this.o.prefix,
      offlineTimeout: this.o.offlineTimeout,
    }, { image: IMAGE, cryptoModule: this.o.nativeCrypto === false ? CRYPTO_MODULE : undefined });
    this.o.extraConfig?.(this.storageDir);
    // the image boots from flash (.bootcde) as on the board: its code stays out of RAM
    this.emu = await Emulator.start({
      storageDir: this.storageDir,
      vars: this.o.vars,
      portMap: { 80: 0 },
      virtualTime: this.o.virtualTime ?? false,
      startTime: this.o.startTime,
      nativeCrypto: this.o.nativeCrypto ?? true,
      onOutput: (s: string) => {
        this.out += s;
        if (process.env.GW_TEST_VERBOSE) process.stdout.write(s);
      },
    });
    await this.ready();
  }

  /** Waits for the boot to reach MQTT; the admin API is then up too. */
  async ready(): Promise<void> {
    await this.emu.waitForOutput('mqtt: connected', 10000);
    this.admin = new Admin('http://127.0.0.1:' + this.emu.hostPort(80));
    await this.admin.login(PASSWORD);
  }

  async restart(): Promise<void> {
    await this.emu.restart();
    await this.ready();
  }

  /**
   * Moves virtual time on in steps of at most 5 s, letting real I/O (the
   * broker's PINGRESP, socket data) land in between, as it would on a board.
   */
  async advance(seconds: number): Promise<void> {
    while (seconds > 0) {
      const step = Math.min(5, seconds);
      await this.emu.advance(step);
      seconds -= step;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  device(id: string, o: DeviceOptions = {}): TestDevice {
    return new TestDevice(this.o.brokerPort, id, { prefix: this.o.prefix, ...o });
  }

  async security(): Promise<Record<string, number>> {
    return (await this.admin.ok('GET', '/api/security')).counters;
  }

  async stop(): Promise<void> {
    await this.emu?.stop();
    if (this.ownDir) rmSync(this.storageDir, { recursive: true, force: true });
  }
}
