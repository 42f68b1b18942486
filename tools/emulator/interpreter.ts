// One boot of the emulated board: a fresh V8 context holding Espruino's
// globals and modules, its event loop, its sockets, and the boot sequence.
// A soft reset (reset()/load()) or a power cycle throws it away and makes a
// new one; Storage, the clock and the console belong to the board.
import crypto from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { checkRegExp } from '../image-check/regexp.mjs';
import { asDeviceText, bytesOf, bytesOfData, flattenBytes, isArrayBuffer, stringOf } from './bytes.ts';
import { Clock } from './clock.ts';
import { Flash, PowerCut, StorageError } from './flash.ts';
import { formatForPrint, formatUncaught } from './format.ts';
import { BLOCK_SIZE, JsVarModel } from './jsvars.ts';
import {
  UNMODELLED, cryptoModule, firmwareModules, gatewayCryptoModule, loadGatewayCrypto, telnetModule,
  unmodelledModule, wifiModule,
} from './modules.ts';
import { Network } from './network.ts';
import { PreludeHost, preludeSource } from './prelude.ts';
import { Realm, listenerKey } from './realm.ts';
import { Callback, Scheduler } from './scheduler.ts';
import { EspruinoSyntaxError, TICK, prepareScript } from './syntax.ts';

export const VERSION = '2v29';
/** Vars the interpreter itself holds at idle (root, timer/event arrays, console line, module table). */
const BASE_VARS = 64;
const TIMER_VARS = 5;
const EVENT_VARS = 4;
/** V8 heap bytes per JsVar when deciding that a running callback may have filled the pool (see checkHeap). */
const HEAP_BYTES_PER_VAR = 16;
const RNG_REGISTER = 0x3ff75144;
const DISPATCH_KEY = '\u0000dispatch';

export interface InterpreterHost {
  clock: Clock;
  flash: Flash;
  vars: number;
  nativeCrypto: boolean;
  env: Record<string, unknown>;
  keepAlive: boolean;
  /** A callback running longer than this (host ms) is interrupted, as Ctrl-C would. */
  busyLimitMs: number;
  maxSockets: number;
  /** Console output from the device (an 8-bit string; "\n" ends a line). */
  out(text: string): void;
  consoleKind(): 'Telnet' | 'Serial1';
  setTelnet(on: boolean): void;
  telnetSockets(): number;
  bindPort(devicePort: number): number;
  listening(devicePort: number, hostPort: number): void;
  /** reset()/load()/E.reboot(): done by the board once the running code returns. */
  requestReboot(kind: 'reset' | 'load' | 'hard', file?: string): void;
  /** After each pass of the idle loop. */
  onIdle(): void;
}

export type BootSource = { code: string; name: string };

const liveInterpreters = new Set<Interpreter>();
let rejectionHandlerInstalled = false;

/** Promise rejections nobody handled inside a device are reported on its console, like the board does. */
function installRejectionHandler(): void {
  if (rejectionHandlerInstalled) return;
  rejectionHandlerInstalled = true;
  process.on('unhandledRejection', (reason, promise) => {
    for (const interp of liveInterpreters) {
      if (interp.owns(promise)) {
        interp.reportRejection(reason);
        return;
      }
    }
    // Not from a device: Node's default (throw) unless someone else listens too.
    if (process.listenerCount('unhandledRejection') === 1) throw reason;
  });
}

let forceGc: ((options?: { type: 'minor' | 'major' }) => void) | undefined;
function gc(type: 'minor' | 'major' = 'major'): void {
  if (!forceGc) {
    v8.setFlagsFromString('--expose-gc');
    forceGc = vm.runInNewContext('gc') as typeof forceGc;
  }
  forceGc!({ type });
}

export class Interpreter {
  readonly context: vm.Context;
  readonly global: any;
  readonly realm: Realm;
  readonly scheduler: Scheduler;
  readonly network: Network;
  private readonly model = new JsVarModel();
  private readonly modules = new Map<string, unknown>();
  private readonly cachedModules = new Map<string, unknown>();
  private readonly errorFlags = new Set<string>();
  private readonly dispatchScript = new vm.Script(`this[${JSON.stringify(DISPATCH_KEY)}]()`, { filename: 'espruino:dispatch' });
  private pending: { fn: Callback; thisArg: unknown; args: unknown[] } | undefined;
  private depth = 0;
  private interrupted: 'busy' | 'memory' | undefined;
  private ticks = 0;
  private runStart = 0;
  private heapMark = 0;
  private nextWalk = 0;
  private nextMeasure = 0;
  private oomReported = false;
  private rng = [0x2545f491, 0x9e3779b9, 0x7f4a7c15, 0x1b873593]; // same at every boot: the PRNG is not seeded
  private pins = new Map<string, number>();
  echo = true;
  password: string | undefined;
  consoleLocked = false;
  lastUsage = 0;
  dead = false;

  constructor(private readonly host: InterpreterHost) {
    this.context = vm.createContext({}, {
      name: 'Espruino',
      microtaskMode: 'afterEvaluate',
      codeGeneration: { strings: true, wasm: false },
    });
    this.global = vm.runInContext('this', this.context);
    this.realm = this.makeRealm();
    this.scheduler = new Scheduler(host.clock, (fn, t, a) => this.invoke(fn, t, a), () => this.idle(), host.keepAlive);
    this.network = new Network(this.realm, this.scheduler, {
      bindPort: (p) => host.bindPort(p),
      listening: (p, hp) => host.listening(p, hp),
      maxSockets: () => host.maxSockets - host.telnetSockets(),
      keepAlive: host.keepAlive,
    });
    this.scheduler.poll = () => this.network.poll();
    const preludeHost: PreludeHost = {
      queue: (target, listeners, args) => this.scheduler.enqueue(listeners, target, args),
      dataListenerAdded: (target) => this.network.dataListenerAdded(target),
      nowMs: () => host.clock.now() * 1000,
      random: () => this.random() / 2 ** 32,
      checkRegExp: (source, flags) => {
        const problems = checkRegExp(source, flags);
        if (problems.length) throw this.realm.error(`RegExp /${source}/${flags}: ${problems[0].message}`, 'Error');
      },
    };
    (vm.runInContext(preludeSource(), this.context) as Function).call(undefined, preludeHost);
    this.installGlobals();
    const g = this.global;
    const firmware = [g, ...Object.values(this.network.protos), ...([...this.modules.values()] as object[])];
    this.model.markBaseline(firmware, [g, g.E, g.process, g.Object.prototype, g.Array.prototype, g.Function.prototype,
      g.String.prototype, g.Number.prototype, g.Boolean.prototype, g.Error.prototype]);
    installRejectionHandler();
    liveInterpreters.add(this);
  }

  // ------------------------------------------------------------------ realm

  private makeRealm(): Realm {
    const g = this.global;
    const sched = () => this.scheduler;
    const out = (t: string) => this.print(t);
    return {
      global: g,
      object: (proto) => (proto === undefined ? new g.Object() : g.Object.create(proto)),
      array: (items) => {
        const a = new g.Array();
        for (const x of items) a.push(x);
        return a;
      },
      error: (message, type = 'Error') => new g[type](message),
      uint8: (bytes) => new g.Uint8Array(bytes),
      arrayBuffer: (bytes) => new g.Uint8Array(bytes).buffer,
      emit: (target, event, args) => {
        const key = listenerKey(event);
        if (Object.prototype.hasOwnProperty.call(target, key)) {
          const l = (target as any)[key];
          sched().enqueue(Array.isArray(l) ? l.slice() : l, target, args);
        }
      },
      hasListener: (target, event) => Object.prototype.hasOwnProperty.call(target, listenerKey(event)),
      print: out,
      printError: (message) => out(`ERROR: ${message}\n`),
    };
  }

  /** Device console output; nothing comes out of a board without power. */
  print(text: string): void {
    if (!this.dead) this.host.out(text);
  }

  // ------------------------------------------------------------------ globals

  private def(target: object, name: string, value: unknown): void {
    Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
  }

  private installGlobals(): void {
    const g = this.global;
    const r = this.realm;
    const host = this.host;
    const print = (...args: unknown[]) => this.print(args.map(formatForPrint).join(' ') + '\n');

    Object.defineProperty(g, DISPATCH_KEY, { value: () => this.dispatch(), enumerable: false });
    Object.defineProperty(g, TICK, { value: () => this.tick(), enumerable: false });

    this.def(g, 'print', print);
    const consoleObj = r.object();
    for (const k of ['log', 'debug', 'info', 'warn', 'error', 'trace']) consoleObj[k] = print;
    this.def(g, 'console', consoleObj);

    const addTimer = (repeat: boolean) => (fn: unknown, ms?: unknown, ...args: unknown[]) => {
      if (typeof fn !== 'function' && typeof fn !== 'string') throw r.error('Function or String not supplied!');
      return this.scheduler.addTimer(fn, Number(ms), args, repeat);
    };
    const clear = (what: string) => (id?: unknown) => {
      if (id === undefined) {
        this.scheduler.clearAllTimers(); // no argument: every timer and interval stops
        return;
      }
      const n = typeof id === 'number' || typeof id === 'string' ? Number(id) : NaN;
      if (!this.scheduler.removeTimer(n)) throw r.error(`Unknown ${what}`);
    };
    this.def(g, 'setTimeout', addTimer(false));
    this.def(g, 'setInterval', addTimer(true));
    this.def(g, 'clearTimeout', clear('Timeout'));
    this.def(g, 'clearInterval', clear('Interval'));
    this.def(g, 'changeInterval', (id: unknown, ms: unknown) => {
      if (!this.scheduler.changeInterval(Number(id), Number(ms))) throw r.error('Unknown Interval');
    });
    this.def(g, 'getTime', () => host.clock.now());
    this.def(g, 'setTime', (s: unknown) => host.clock.set(Number(s)));
    this.def(g, 'getSerial', () => '240ac4000001');
    this.def(g, 'peek32', (addr: unknown) => (Number(addr) === RNG_REGISTER ? crypto.randomBytes(4).readInt32LE(0) : 0));
    this.def(g, 'peek16', () => 0);
    this.def(g, 'peek8', () => 0);
    for (const k of ['poke32', 'poke16', 'poke8', 'setDeepSleep', 'setSleepIndicator', 'setBusyIndicator', 'trace', 'edit']) {
      this.def(g, k, () => undefined);
    }
    this.def(g, 'echo', (on: unknown) => {
      this.echo = !!on;
    });
    this.def(g, 'reset', (clearFlash?: unknown) => {
      if (clearFlash) for (const f of ['.varimg', '.bootcde', '.bootrst']) this.flashCall(() => host.flash.erase(f));
      host.requestReboot('reset');
    });
    this.def(g, 'load', (file?: unknown) => host.requestReboot('load', file === undefined ? undefined : String(file)));
    this.def(g, 'save', () => {
      if (host.flash.read('.bootcde')) {
        r.printError('save() will not run while .bootcde exists (erase it first, or keep using Storage boot code)');
      } else {
        r.printError('save() is not emulated: the emulator cannot snapshot RAM; put the program in .bootcde');
      }
    });
    this.def(g, 'btoa', (s: unknown) => bytesOf(String(s)).toString('base64'));
    this.def(g, 'atob', (s: unknown) => Buffer.from(String(s), 'base64').toString('latin1'));
    this.installPins();
    const esp32 = r.object();
    esp32.getState = () => {
      const s = r.object();
      s.sdkVersion = 'v3.3.6';
      s.freeHeap = 40000;
      s.BLE = false;
      s.Wifi = true;
      s.minHeap = 30000;
      return s;
    };
    esp32.reboot = () => host.requestReboot('hard');
    esp32.setBLE_Debug = () => undefined;
    esp32.enableBLE = () => undefined;
    esp32.enableWifi = () => undefined;
    this.def(g, 'ESP32', esp32);

    this.createModules();
    this.def(g, 'require', (name: unknown) => this.require(String(name)));
    const modulesObj = r.object();
    modulesObj.addCached = (id: unknown, mod: unknown) => void this.cachedModules.set(String(id), mod);
    modulesObj.removeCached = (id: unknown) => void this.cachedModules.delete(String(id));
    modulesObj.removeAllCached = () => this.cachedModules.clear();
    modulesObj.getCached = () => r.array([...this.cachedModules.keys()]);
    this.def(g, 'Modules', modulesObj);

    this.def(g, 'E', this.makeE());
    this.def(g, 'process', this.makeProcess());
  }

  private installPins(): void {
    const g = this.global;
    const pinProto = this.realm.object();
    const pinName = (pin: unknown) => String(pin);
    pinProto.toString = function (this: { n: number }) {
      return `D${this.n}`;
    };
    pinProto.write = (v: unknown) => undefined;
    for (let i = 0; i <= 39; i++) {
      const pin = this.realm.object(pinProto);
      Object.defineProperty(pin, 'n', { value: i, enumerable: false });
      this.def(g, `D${i}`, pin);
    }
    this.def(g, 'digitalWrite', (pin: unknown, value: unknown) => void this.pins.set(pinName(pin), Number(value) ? 1 : 0));
    this.def(g, 'digitalRead', (pin: unknown) => this.pins.get(pinName(pin)) ?? 0);
    this.def(g, 'pinMode', () => undefined);
    this.def(g, 'analogRead', () => 0.5);
    this.def(g, 'analogWrite', (pin: unknown, value: unknown) => void this.pins.set(pinName(pin), Number(value)));
  }

  private createModules(): void {
    const r = this.realm;
    const host = this.host;
    this.modules.set('Storage', this.makeStorage());
    this.modules.set('net', this.network.netModule());
    this.modules.set('http', this.network.httpModule());
    this.modules.set('crypto', cryptoModule(r));
    this.modules.set('Wifi', wifiModule(r, {
      worldNow: () => host.clock.worldNow(),
      setClock: (s) => host.clock.set(s),
      save: (json) => this.flashCall(() => host.flash.write('.wificfg', bytesOf(json), 0, 0)),
      later: (fn) => this.scheduler.enqueue(fn, undefined, []),
    }));
    this.modules.set('TelnetServer', telnetModule(r, (on) => host.setTelnet(on)));
    this.modules.set('ESP32', this.global.ESP32);
    for (const [name, fns] of Object.entries(UNMODELLED)) this.modules.set(name, unmodelledModule(r, name, fns));
    if (host.nativeCrypto) {
      const addon = loadGatewayCrypto();
      if (addon) this.modules.set('GatewayCrypto', gatewayCryptoModule(r, addon));
    }
  }

  private require(name: string): unknown {
    if (this.modules.has(name)) return this.modules.get(name);
    const cached = this.cachedModules.get(name);
    if (cached !== undefined) {
      const exports = this.evalModule(cached, name);
      this.modules.set(name, exports);
      return exports;
    }
    const stored = this.host.flash.read(name);
    if (stored) {
      const exports = this.evalModule(stringOf(stored), name);
      this.modules.set(name, exports);
      return exports;
    }
    throw this.realm.error(`Module ${name} not found`);
  }

  private evalModule(source: unknown, name: string): unknown {
    const g = this.global;
    const module = this.realm.object();
    module.exports = this.realm.object();
    const saved = [g.exports, g.module];
    g.module = module;
    g.exports = module.exports;
    try {
      if (typeof source === 'function') source.call(undefined);
      else this.runScript(String(source), `module ${name}`);
    } finally {
      g.exports = saved[0];
      g.module = saved[1];
      if (saved[0] === undefined) delete g.exports;
      if (saved[1] === undefined) delete g.module;
    }
    return module.exports;
  }

  /** A Storage operation: flash errors become device Errors; a power cut stops everything. */
  private flashCall<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof StorageError) throw this.realm.error(e.message);
      if (e instanceof PowerCut) throw this.realm.error('Power lost', 'InternalError');
      throw e;
    }
  }

  private makeStorage(): object {
    const r = this.realm;
    const flash = this.host.flash;
    const g = this.global;
    const s = r.object();
    const nameOf = (n: unknown) => String(n);
    const toBytes = (data: unknown): { bytes: Uint8Array; json: boolean } => {
      if (typeof data === 'string') return { bytes: bytesOf(data), json: false };
      if (data && typeof data === 'object' && !Array.isArray(data) && !ArrayBuffer.isView(data) && !isArrayBuffer(data)) {
        return { bytes: bytesOf(g.JSON.stringify(data)), json: true };
      }
      if (data !== null && typeof data === 'object') return { bytes: Uint8Array.from(flattenBytes(data)), json: false };
      return { bytes: bytesOf(String(data)), json: false };
    };
    s.write = (name: unknown, data: unknown, offset?: unknown, size?: unknown) => {
      const { bytes, json } = toBytes(data);
      return this.flashCall(() =>
        flash.write(nameOf(name), bytes, json ? 0 : Number(offset) || 0, json ? 0 : Number(size) || 0));
    };
    s.writeJSON = (name: unknown, data: unknown) =>
      this.flashCall(() => flash.write(nameOf(name), bytesOf(String(g.JSON.stringify(data))), 0, 0));
    s.read = (name: unknown, offset?: unknown, length?: unknown) => {
      const b = flash.read(nameOf(name), Number(offset) || 0, Number(length) || 0);
      return b ? stringOf(b) : undefined;
    };
    s.readJSON = (name: unknown, noExceptions?: unknown) => {
      const b = flash.read(nameOf(name));
      if (!b) return undefined;
      try {
        return g.JSON.parse(stringOf(b));
      } catch (e) {
        if (noExceptions) return undefined;
        throw e;
      }
    };
    s.readArrayBuffer = (name: unknown) => {
      const b = flash.read(nameOf(name));
      return b ? r.arrayBuffer(b) : undefined;
    };
    s.erase = (name: unknown) => this.flashCall(() => flash.erase(nameOf(name)));
    s.eraseAll = () => this.flashCall(() => flash.eraseAll());
    s.compact = () => this.flashCall(() => flash.compact());
    s.getFree = () => flash.getFree();
    s.list = (pattern?: unknown) => {
      let names = flash.list();
      if (pattern !== undefined) names = names.filter((n) => n.match(pattern as RegExp));
      return r.array(names);
    };
    return s;
  }

  private makeE(): object {
    const r = this.realm;
    const host = this.host;
    const E = r.object();
    const argBytes = (args: unknown[]) => (args.length === 1 ? bytesOfData(args[0]) : Buffer.from(flattenBytes(args)));
    E.toString = (...args: unknown[]) => stringOf(argBytes(args));
    E.toUint8Array = (...args: unknown[]) => r.uint8(argBytes(args));
    E.toArrayBuffer = (str: unknown) => r.arrayBuffer(bytesOf(String(str)));
    E.toJS = (v: unknown) => toJS(v);
    E.getSizeOf = (v: unknown) => this.model.count([v]);
    E.setBootCode = (code: unknown, alwaysExec?: unknown) => {
      this.flashCall(() => {
        host.flash.erase('.bootcde');
        host.flash.erase('.bootrst');
        const text = code === undefined ? '' : String(code);
        if (text.length) host.flash.write(alwaysExec ? '.bootrst' : '.bootcde', bytesOf(text), 0, 0);
      });
    };
    E.hwRand = () => this.random() | 0;
    E.setPassword = (pw: unknown) => {
      this.password = pw === undefined ? undefined : String(pw);
    };
    E.lockConsole = () => {
      if (this.password !== undefined) this.consoleLocked = true;
    };
    E.getErrorFlags = () => {
      const flags = r.array([...this.errorFlags]);
      this.errorFlags.clear();
      return flags;
    };
    E.reboot = () => host.requestReboot('hard');
    E.CRC32 = (data: unknown) => crc32(bytesOfData(data));
    E.getTemperature = () => 40;
    E.kickWatchdog = () => undefined;
    E.enableWatchdog = () => undefined;
    E.setTimeZone = () => undefined;
    E.setDST = () => undefined;
    E.getAddressOf = () => 0;
    E.sum = (arr: ArrayLike<number>) => Array.from(arr, Number).reduce((a, b) => a + b, 0);
    E.variance = (arr: ArrayLike<number>, mean: number) => Array.from(arr, Number).reduce((a, b) => a + (b - mean) ** 2, 0);
    E.clip = (x: number, min: number, max: number) => Math.min(max, Math.max(min, x));
    E.getFlags = () => r.object();
    E.setFlags = () => undefined;
    E.nativeCall = () => {
      throw r.error('E.nativeCall cannot run new code on ESP32');
    };
    E.compiledC = E.nativeCall;
    return E;
  }

  private makeProcess(): object {
    const r = this.realm;
    const host = this.host;
    const p = r.object();
    Object.defineProperty(p, 'env', {
      enumerable: true,
      get: () => {
        const env = r.object();
        env.VERSION = VERSION;
        env.GIT_COMMIT = '00000000';
        env.BOARD = 'ESP32';
        env.RAM = 524288;
        env.FLASH = 0;
        env.SPIFLASH = 4194304;
        env.STORAGE = host.flash.capacity;
        env.SERIAL = '240ac4000001';
        env.CONSOLE = host.consoleKind();
        env.MODULES = firmwareModules(this.modules.has('GatewayCrypto'));
        env.EXPTR = 1073484860;
        for (const [k, v] of Object.entries(host.env)) env[k] = v;
        return env;
      },
    });
    p.version = VERSION;
    p.memory = () => {
      const m = this.memory();
      const o = r.object();
      o.free = m.free;
      o.usage = m.usage;
      o.total = m.total;
      o.history = 0;
      o.gc = 0;
      o.gctime = 0;
      o.blocksize = BLOCK_SIZE;
      o.stackEndAddress = 1073483200;
      o.stackFree = 8000;
      o.flash_start = 0;
      o.flash_binary_end = 0;
      o.flash_code_start = 0;
      o.flash_length = 4194304;
      return o;
    };
    return p;
  }

  private random(): number {
    // xorshift128: the deterministic software PRNG behind Math.random/E.hwRand
    const s = this.rng;
    let t = s[3];
    t ^= t << 11;
    t ^= t >>> 8;
    s[3] = s[2];
    s[2] = s[1];
    s[1] = s[0];
    t ^= s[0];
    t ^= s[0] >>> 19;
    s[0] = t >>> 0;
    return s[0];
  }

  // ------------------------------------------------------------------ running code

  /** Compile and run device source in the context (throws device errors). */
  runScript(code: string, name: string): unknown {
    let prepared: string;
    try {
      prepared = prepareScript(code);
    } catch (e) {
      if (e instanceof EspruinoSyntaxError) throw this.realm.error(e.message, 'SyntaxError');
      throw e;
    }
    let script: vm.Script;
    try {
      script = new vm.Script(prepared, { filename: `espruino:${name}` });
    } catch (e) {
      throw this.realm.error((e as Error).message, 'SyntaxError');
    }
    return script.runInContext(this.context);
  }

  /**
   * Run device code as one top-level execution: the watchdog and memory check
   * start, an interruption is reported, and a requested reboot waits for it.
   */
  private top<T>(fn: () => T): T {
    const outer = this.depth === 0;
    if (outer) {
      this.ticks = 0;
      this.runStart = performance.now();
      this.heapMark = v8.getHeapStatistics().used_heap_size;
      this.interrupted = undefined;
    }
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (outer && this.interrupted) {
        this.interrupted = undefined;
        this.print('Execution Interrupted\n');
      }
    }
  }

  private invoke(fn: Callback, thisArg: unknown, args: unknown[]): void {
    if (this.dead) return;
    this.top(() => {
      this.pending = { fn, thisArg, args };
      try {
        this.dispatchScript.runInContext(this.context);
      } catch (e) {
        this.handleThrown(e);
      }
    });
  }

  /** Called inside the context by the dispatch script. */
  private dispatch(): void {
    const p = this.pending;
    this.pending = undefined;
    if (!p) return;
    try {
      this.callDevice(p.fn, p.thisArg, p.args);
    } catch (e) {
      this.handleThrown(e);
    }
  }

  private callDevice(fn: Callback, thisArg: unknown, args: unknown[]): void {
    if (Array.isArray(fn)) {
      for (const f of fn) this.callDevice(f, thisArg, args);
    } else if (typeof fn === 'function') {
      Reflect.apply(fn, thisArg, args);
    } else if (typeof fn === 'string') {
      this.runScript(fn, 'callback');
    }
  }

  private handleThrown(e: unknown): void {
    if (this.interrupted || this.dead) return; // the interruption is reported when the run ends
    this.reportUncaught(e);
  }

  /** An exception nobody caught: process.on('uncaughtException') or "Uncaught ..." on the console. */
  reportUncaught(e: unknown): void {
    const proc = this.global.process;
    const key = listenerKey('uncaughtException');
    if (proc && Object.prototype.hasOwnProperty.call(proc, key)) {
      try {
        this.callDevice(proc[key], undefined, [e]);
        return;
      } catch (again) {
        e = again;
      }
    }
    this.print(formatUncaught(e) + '\n');
  }

  reportRejection(reason: unknown): void {
    if (this.dead) return;
    this.print(`Unhandled promise rejection: ${formatForPrint(reason)}\n`);
  }

  owns(promise: unknown): boolean {
    return promise instanceof this.global.Promise;
  }

  /** The REPL runs a line: returns the value, or ok=false when it threw (already reported). */
  evalLine(line: string): { ok: boolean; value?: unknown } {
    if (this.dead) return { ok: false };
    return this.top(() => {
      try {
        return { ok: true, value: this.runScript(line, 'REPL') };
      } catch (e) {
        this.handleThrown(e);
        return { ok: false };
      }
    });
  }

  /** emu.eval(): the value, or the device's exception thrown to the caller. */
  evaluate(code: string): unknown {
    if (this.dead) throw new Error('the emulated board is not running');
    return this.top(() => this.runScript(asDeviceText(code), 'eval'));
  }

  /** The boot sequence: .boot0-3, then the program (or .bootrst/.bootcde), then E 'init' and onInit(). */
  boot(program: BootSource | undefined, afterReset: boolean): void {
    const run = (code: string, name: string) => {
      this.top(() => {
        try {
          this.runScript(code, name);
        } catch (e) {
          this.handleThrown(e);
        }
      });
    };
    for (let i = 0; i < 4; i++) {
      const code = this.host.flash.read(`.boot${i}`);
      if (code) run(stringOf(code), `.boot${i}`);
    }
    if (program) run(program.code, program.name);
    else {
      const rst = this.host.flash.read('.bootrst');
      const cde = afterReset ? undefined : this.host.flash.read('.bootcde');
      if (rst) run(stringOf(rst), '.bootrst');
      else if (cde) run(stringOf(cde), '.bootcde');
    }
    if (this.dead) return;
    const E = this.global.E;
    const initKey = listenerKey('init');
    if (Object.prototype.hasOwnProperty.call(E, initKey)) this.invoke(E[initKey], E, []);
    const onInit = this.global.onInit;
    if (typeof onInit === 'function' && !this.dead) {
      if (this.echo) this.print('Running onInit()...\n');
      this.invoke(onInit, undefined, []);
    }
    this.scheduler.schedulePump();
  }

  // ------------------------------------------------------------------ watchdog and memory

  /** Called at the top of every loop body in device code. */
  private tick(): void {
    if (this.interrupted) throw this.realm.error('Execution Interrupted', 'InternalError');
    if ((++this.ticks & 255) !== 0) return;
    const now = performance.now();
    if (now - this.runStart > this.host.busyLimitMs) this.interrupt('busy');
    this.checkHeap(now);
  }

  private interrupt(why: 'busy' | 'memory'): never {
    this.interrupted = why;
    throw this.realm.error('Execution Interrupted', 'InternalError');
  }

  /**
   * While a callback runs, heap growth of a pool's worth (after a cheap
   * minor GC drops young garbage) triggers a walk of what the program can
   * reach; past the pool, the callback is stopped as the board's failed
   * allocation would stop it. Compiled code and garbage only trigger walks
   * (kept to 5% of the run time), never a false out-of-memory. Data held only in
   * the running function's locals is not seen until it is stored somewhere
   * reachable.
   */
  private checkHeap(now: number): void {
    const room = Math.max(1, this.host.vars - this.lastUsage);
    const grownBy = () => {
      const used = v8.getHeapStatistics().used_heap_size;
      // a major GC can drop the heap below the mark: growth counts from the lowest point
      if (used < this.heapMark) this.heapMark = used;
      return (used - this.heapMark) / HEAP_BYTES_PER_VAR / room;
    };
    if (grownBy() <= 1) return;
    gc('minor');
    const factor = grownBy();
    // The time budget only defers walks for modest growth: on a loaded
    // machine it would otherwise let a runaway loop go far past the pool
    // before anyone looks, which the board never does.
    if (factor <= 1 || (now < this.nextWalk && factor < 2)) return;
    const { usage } = this.memory();
    const after = performance.now();
    this.nextWalk = after + (after - now) * 20; // walks take at most 5% of the time
    this.heapMark = v8.getHeapStatistics().used_heap_size;
    if (usage <= this.host.vars) return;
    this.outOfMemory();
    this.interrupt('memory');
  }

  private outOfMemory(): void {
    this.errorFlags.add('LOW_MEMORY');
    this.errorFlags.add('MEMORY');
    if (!this.oomReported) {
      this.oomReported = true;
      this.print('ERROR: Out of Memory!\n');
    }
  }

  /** process.memory(): the JsVar estimate of everything the program holds. */
  memory(): { free: number; usage: number; total: number } {
    const roots: unknown[] = [this.global];
    for (const t of this.scheduler.timers.values()) roots.push(t.fn, ...t.args);
    for (const ev of this.scheduler.pendingEvents) roots.push(ev.fn, ev.thisArg, ...ev.args);
    roots.push(...this.network.roots());
    const usage = BASE_VARS + this.model.count(roots) + this.scheduler.timers.size * TIMER_VARS +
      this.scheduler.pendingEvents.length * EVENT_VARS + this.network.extraVars();
    this.lastUsage = usage;
    const total = this.host.vars;
    return { free: Math.max(0, total - usage), usage, total };
  }

  private idle(): void {
    if (this.dead) return;
    this.host.onIdle();
    const now = performance.now();
    if (now < this.nextMeasure) return;
    let usage: number;
    try {
      usage = this.memory().usage;
    } catch (e) {
      this.nextMeasure = Infinity; // an emulator fault: report it once, keep the board running
      process.stderr.write(`[emulator] JsVar estimate failed: ${(e as Error).stack}\n`);
      return;
    }
    const took = performance.now() - now;
    // At most 2% of the time: with many closures the walk (inspector calls
    // per function) is the emulator's biggest cost under load; heap growth
    // inside a callback still triggers checkHeap at once.
    this.nextMeasure = performance.now() + Math.max(1000, took * 50);
    if (usage > this.host.vars) this.outOfMemory();
    else this.oomReported = false;
  }

  kill(): void {
    if (this.dead) return;
    this.dead = true;
    this.scheduler.kill();
    this.network.kill();
    this.model.close();
    liveInterpreters.delete(this);
  }
}

/** E.toJS: a compact JS literal, with 8-bit characters escaped as \xHH. */
function toJS(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') {
    let out = '"';
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      const ch = v[i];
      if (ch === '"' || ch === '\\') out += '\\' + ch;
      else if (ch === '\n') out += '\\n';
      else if (ch === '\r') out += '\\r';
      else if (ch === '\t') out += '\\t';
      else if (c < 32 || c > 126) out += '\\x' + (c & 255).toString(16).toUpperCase().padStart(2, '0');
      else out += ch;
    }
    return out + '"';
  }
  if (typeof v === 'function') return Function.prototype.toString.call(v);
  if (ArrayBuffer.isView(v)) {
    const tag = Object.prototype.toString.call(v).slice(8, -1);
    return `new ${tag}([${Array.from(v as unknown as ArrayLike<number>).join(',')}])`;
  }
  if (Array.isArray(v)) return `[${v.map(toJS).join(',')}]`;
  if (typeof v === 'object') {
    const parts = Object.keys(v as object).map((k) =>
      `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : toJS(k)}:${toJS((v as Record<string, unknown>)[k])}`);
    return `{${parts.join(',')}}`;
  }
  return String(v);
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
