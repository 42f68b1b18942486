// The emulated board as tests and tools drive it: boot it on an emulated
// flash, talk to its console, move its clock, break its network, cut its
// power. See README.md for what is modelled and how faithfully.
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { asDeviceText, bytesOf, stringOf } from './bytes.ts';
import { Clock } from './clock.ts';
import { Flash } from './flash.ts';
import { BootSource, Interpreter, InterpreterHost } from './interpreter.ts';
import { BLOCK_SIZE } from './jsvars.ts';
import { Repl } from './repl.ts';
import { settle } from './scheduler.ts';

export interface EmulatorOptions {
  /** Emulated flash (Storage); a temporary directory when omitted. Kept across restarts and runs. */
  storageDir?: string;
  /** JsVar pool size (default 10000). */
  vars?: number;
  /** Device port -> host port (0 = pick a free one), for device servers. */
  portMap?: Record<number, number>;
  /** REPL over TCP (the board's telnet on port 23) on this host port (0 = free port). */
  telnetPort?: number;
  /** Timers and getTime() driven by advance() instead of the wall clock. */
  virtualTime?: boolean;
  /** Initial Unix seconds of getTime() at power-on (the clock counts as set only after setTime/SNTP). */
  startTime?: number;
  /** Extra process.env entries. */
  env?: Record<string, any>;
  /** Console output of the emulated program. */
  onOutput?: (text: string) => void;
  /** false: stock firmware, without the native GatewayCrypto module (default true). */
  nativeCrypto?: boolean;
  /** Sockets the board's network stack has (listening ones included; default 10). */
  maxSockets?: number;
  /** A single callback running longer than this (ms, host time) is interrupted (default 10000). */
  busyLimitMs?: number;
  /** Keep the host process alive while the board has timers/sockets (the CLI does; tests do not). */
  keepAlive?: boolean;
}

export interface MemoryInfo {
  free: number;
  usage: number;
  total: number;
  blocksize: 14;
}

const DEFAULT_VARS = 10000;

/** A loopback port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Await host work whose handles are unref'd (so a test never waits on a loop that Node would leave). */
async function held<T>(work: Promise<T>): Promise<T> {
  const hold = setInterval(() => undefined, 1 << 30);
  try {
    return await work;
  } finally {
    clearInterval(hold);
  }
}
const TELNET_DEVICE_PORT = 23;

export class Emulator {
  readonly storageDir: string;
  private readonly flash: Flash;
  private readonly clock: Clock;
  private readonly program: BootSource | undefined;
  private interp: Interpreter | undefined;
  private powered = false;
  private text = '';
  private cursor = 0;
  private readonly decoder = new StringDecoder('utf8');
  private waiters = new Set<() => void>();
  private readonly ports = new Map<number, number>();
  // console: the telnet client when one is connected, else an attached terminal (the CLI's stdin)
  private readonly repl: Repl;
  private terminal: ((bytes: Buffer) => void) | undefined;
  private telnetServer: net.Server | undefined;
  private telnetClient: net.Socket | undefined;
  private telnetWanted = true;
  private telnetHostPort: number | undefined;
  private rebootPending = false;

  private constructor(private readonly opts: EmulatorOptions & { file?: string; code?: string }) {
    this.storageDir = opts.storageDir ?? mkdtempSync(join(tmpdir(), 'espruino-flash-'));
    this.flash = new Flash(this.storageDir);
    this.flash.onPowerCut = () => this.cutPower();
    this.clock = new Clock(!!opts.virtualTime, opts.startTime ?? 0);
    if (opts.file !== undefined) this.program = { code: readFileSync(opts.file, 'latin1'), name: opts.file };
    else if (opts.code !== undefined) this.program = { code: asDeviceText(opts.code), name: 'code' };
    for (const [dev, hostPort] of Object.entries(opts.portMap ?? {})) if (hostPort) this.ports.set(Number(dev), hostPort);
    this.telnetHostPort = opts.telnetPort || undefined;
    this.repl = new Repl((t) => this.termWrite(t), () => this.interp);
  }

  /** Power the board on: runs `file`/`code` if given, else the boot code in its flash. */
  static async start(opts: EmulatorOptions & { file?: string; code?: string } = {}): Promise<Emulator> {
    const emu = new Emulator(opts);
    // Ports mapped to 0 get their host port now, so hostPort() knows it before the program listens.
    for (const [dev, hostPort] of Object.entries(opts.portMap ?? {})) {
      if (!hostPort) emu.ports.set(Number(dev), await held(freePort()));
    }
    await emu.powerUp();
    return emu;
  }

  // ------------------------------------------------------------------ console output

  /** All console output so far (the device's bytes read as UTF-8). */
  get output(): string {
    return this.text;
  }

  private deviceOut(text: string): void {
    if (!this.powered) return;
    const decoded = this.decoder.write(bytesOf(text));
    this.text += decoded;
    if (decoded) this.opts.onOutput?.(decoded);
    if (this.consoleAttached) {
      this.repl.beforeOutput();
      this.termWrite(text.replace(/\n/g, '\r\n'));
    }
    for (const w of [...this.waiters]) w();
  }

  private get consoleAttached(): boolean {
    return !!this.telnetClient || !!this.terminal;
  }

  private termWrite(text: string): void {
    const bytes = bytesOf(text);
    if (this.telnetClient) this.telnetClient.write(bytes);
    else this.terminal?.(bytes);
  }

  /**
   * Resolves with the first match of `re` in output not consumed by an earlier
   * waitForOutput (so successive waits read the console in order).
   */
  waitForOutput(re: RegExp | string, timeoutMs = 5000): Promise<string> {
    const pattern = typeof re === 'string' ? null : new RegExp(re.source, re.flags.replace('g', ''));
    const find = (): string | undefined => {
      const rest = this.text.slice(this.cursor);
      if (pattern) {
        const m = pattern.exec(rest);
        if (!m) return undefined;
        this.cursor += m.index + m[0].length;
        return m[0];
      }
      const i = rest.indexOf(re as string);
      if (i < 0) return undefined;
      this.cursor += i + (re as string).length;
      return re as string;
    };
    const now = find();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = find();
        if (m === undefined) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`waitForOutput: ${String(re)} not seen within ${timeoutMs} ms; last output:\n${this.text.slice(-600)}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Attach a terminal (the CLI's stdin/stdout) as the console; returns the input function. */
  attachTerminal(write: (bytes: Buffer) => void): (input: Buffer) => void {
    this.terminal = write;
    if (!this.telnetClient) this.repl.reset();
    return (input) => {
      if (!this.telnetClient && this.powered) this.repl.input(stringOf(input));
    };
  }

  // ------------------------------------------------------------------ power and boot

  private host(): InterpreterHost {
    return {
      clock: this.clock,
      flash: this.flash,
      vars: this.opts.vars ?? DEFAULT_VARS,
      nativeCrypto: this.opts.nativeCrypto !== false,
      env: this.opts.env ?? {},
      keepAlive: !!this.opts.keepAlive,
      busyLimitMs: this.opts.busyLimitMs ?? 10000,
      maxSockets: this.opts.maxSockets ?? 10,
      out: (t) => this.deviceOut(t),
      consoleKind: () => (this.telnetClient ? 'Telnet' : 'Serial1'),
      setTelnet: (on) => this.setTelnet(on),
      telnetSockets: () => (this.telnetServer ? 1 : 0) + (this.telnetClient ? 1 : 0),
      bindPort: (p) => this.ports.get(p) ?? 0,
      listening: (p, hp) => {
        this.ports.set(p, hp);
        if (this.opts.keepAlive) process.stderr.write(`device port ${p} is on 127.0.0.1:${hp}\n`);
      },
      requestReboot: (kind, file) => this.requestReboot(kind, file),
      onIdle: () => {
        if (this.consoleAttached) this.repl.returnLine();
      },
    };
  }

  private async powerUp(): Promise<void> {
    this.powered = true;
    this.flash.powered = true;
    this.clock.powerOn();
    this.telnetWanted = true;
    await held(this.syncTelnet());
    this.bootInterpreter(this.program, false);
    if (this.interp) await held(this.interp.network.whenListening());
  }

  private bootInterpreter(program: BootSource | undefined, afterReset: boolean): void {
    this.interp = new Interpreter(this.host());
    this.interp.boot(program, afterReset);
  }

  private requestReboot(kind: 'reset' | 'load' | 'hard', file?: string): void {
    if (this.rebootPending) return;
    this.rebootPending = true;
    setImmediate(() => {
      this.rebootPending = false;
      if (!this.powered) return;
      if (kind === 'hard') {
        void this.restart();
        return;
      }
      this.interp?.kill();
      let program: BootSource | undefined;
      if (kind === 'load' && file !== undefined) {
        const code = this.flash.read(file);
        program = { code: code ? stringOf(code) : '', name: file };
      }
      this.bootInterpreter(program, kind === 'reset');
    });
  }

  /** Armed power cut: the board dies just before the (n+1)-th flash operation from now. */
  armPowerCut(flashOps: number): void {
    this.flash.armPowerCut(flashOps);
  }

  private cutPower(): void {
    this.powered = false;
    this.flash.powered = false;
    this.interp?.kill();
    this.interp = undefined;
    this.closeTelnet();
    for (const w of [...this.waiters]) w();
  }

  /** Stop now: no flush, timers and sockets die, Storage keeps exactly what was written. */
  async powerCut(): Promise<void> {
    if (this.powered) this.cutPower();
    await held(settle());
  }

  /** Boot again on the same Storage (cutting the power first if it is on). */
  async restart(): Promise<void> {
    if (this.powered) this.cutPower();
    await held(settle());
    await this.powerUp();
  }

  /** Clean shutdown. */
  async stop(): Promise<void> {
    this.cutPower();
    this.waiters.clear();
    this.terminal = undefined;
    await held(settle());
  }

  get running(): boolean {
    return this.powered;
  }

  /** Is the board doing anything by itself (timers, queued events, sockets, servers)? */
  get busy(): boolean {
    return !!this.interp && (this.interp.scheduler.busy || this.interp.network.active);
  }

  // ------------------------------------------------------------------ test hooks

  /** Evaluate code in the device context and return its value (device exceptions are thrown). */
  eval(code: string): any {
    if (!this.interp) throw new Error('the emulated board is not running');
    return this.interp.evaluate(code);
  }

  /** The host port where a device server (e.g. http on 80, telnet on 23) is reachable (mapped ports are known from the start). */
  hostPort(devicePort: number): number {
    if (devicePort === TELNET_DEVICE_PORT && this.telnetHostPort) return this.telnetHostPort;
    const p = this.ports.get(devicePort);
    if (p === undefined) throw new Error(`nothing on the emulated board listens on port ${devicePort}`);
    return p;
  }

  /** Virtual time: run every timer due in the next `seconds`, letting I/O settle in between. */
  async advance(seconds: number): Promise<void> {
    if (!this.clock.virtual) throw new Error('advance() needs an emulator started with virtualTime: true');
    const target = this.clock.monoMs() + seconds * 1000;
    while (this.clock.monoMs() < target) {
      const interp = this.interp;
      if (!interp || !this.powered) {
        this.clock.advanceTo(target);
        break;
      }
      await held(interp.scheduler.advanceUntil(target));
      await held(settle()); // a reboot requested meanwhile takes effect; the new boot's timers follow
      if (this.interp === interp && interp.scheduler.stopped) this.clock.advanceTo(target);
    }
  }

  /** Jump the board's RTC (what getTime() returns); timers are not affected. */
  setClock(unixSeconds: number): void {
    this.clock.jump(unixSeconds);
  }

  /** True once the program set the clock (setTime or Wifi.setSNTP) since power-on. */
  get clockSet(): boolean {
    return this.clock.clockSet;
  }

  /** Every open connection breaks as on Wi-Fi loss ('end'/'close'; 'error' -8 where data was unsent). */
  dropSockets(): void {
    this.interp?.network.dropAll();
  }

  memory(): MemoryInfo {
    if (!this.interp) throw new Error('the emulated board is not running');
    const m = this.interp.memory();
    return { ...m, blocksize: BLOCK_SIZE };
  }

  // ------------------------------------------------------------------ telnet

  private setTelnet(on: boolean): void {
    this.telnetWanted = on;
    void this.syncTelnet();
  }

  private async syncTelnet(): Promise<void> {
    if (this.opts.telnetPort === undefined) return;
    if (!this.telnetWanted || !this.powered) {
      this.closeTelnet();
      return;
    }
    if (this.telnetServer) return;
    const server = net.createServer((sock) => this.telnetConnected(sock));
    this.telnetServer = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: this.telnetHostPort ?? 0 }, () => {
        this.telnetHostPort = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
    if (!this.opts.keepAlive) server.unref();
  }

  private closeTelnet(): void {
    this.telnetServer?.close();
    this.telnetServer = undefined;
    this.telnetClient?.destroy();
    this.telnetClient = undefined;
  }

  private telnetConnected(sock: net.Socket): void {
    if (!this.powered || !this.telnetWanted) {
      sock.destroy();
      return;
    }
    this.telnetClient?.destroy(); // one console: a new connection takes it over
    this.telnetClient = sock;
    this.repl.reset();
    this.repl.returnLine(); // the console moved here: the prompt shows up
    if (!this.opts.keepAlive) sock.unref();
    sock.on('data', (data: Buffer) => {
      if (this.telnetClient === sock && this.powered) this.repl.input(stringOf(data));
    });
    const gone = () => {
      if (this.telnetClient === sock) {
        this.telnetClient = undefined;
        this.repl.reset();
      }
    };
    sock.on('close', gone);
    sock.on('error', gone);
  }
}
