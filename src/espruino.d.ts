// The parts of Espruino's global surface the firmware uses. Built-in modules
// are reached with require("name"), which Rollup leaves alone, so the bundle
// keeps them as calls for the firmware to resolve. Each module is typed with
// the members the code calls (docs/espruino.md has how they behave).

/** A socket of the `net`/`tls` modules and of net.createServer's connections. */
interface EspruinoSocket {
  on(event: 'data', fn: (chunk: string) => void): void;
  on(event: 'close' | 'drain', fn: () => void): void;
  on(event: 'error', fn: (e: unknown) => void): void;
  write(data: string): void;
  /** closes after the bytes queued (and `data`) are out */
  end(data?: string): void;
  /** set: the firmware's socket loop closes the connection on its next pass (src/gateway/http/socket.ts) */
  clsNow?: boolean;
}

interface EspruinoStorage {
  /** A file's contents (a string pointing into flash), or part of it; undefined when absent. */
  read(name: string, offset?: number, length?: number): string | undefined;
  write(name: string, data: string): boolean;
  erase(name: string): void;
  /** The parsed JSON of a file; undefined when absent, or (noExceptions) unparsable. */
  readJSON(name: string, noExceptions: boolean): unknown;
  writeJSON(name: string, data: unknown): boolean;
  list(pattern?: RegExp): string[];
  /** Bytes left without compacting. */
  getFree(): number;
  /** Moves the live files together (not power-cut safe: docs/espruino.md). */
  compact(): void;
}

/** The built-in modules by name, as far as the firmware uses them. */
interface EspruinoModules {
  Storage: EspruinoStorage;
  crypto: {
    SHA256(data: Uint8Array | string): ArrayBuffer;
    SHA1(data: string): ArrayBuffer;
    PBKDF2(password: Uint8Array, salt: Uint8Array, o: { keySize: number; iterations: number; hasher: string }): ArrayBuffer;
  };
  net: {
    connect(o: { host: string; port: number }, onConnect: () => void): EspruinoSocket;
    createServer(onConnection: (sock: EspruinoSocket) => void): { listen(port: number): void };
  };
  tls: { connect(o: { host: string; port: number; ca?: string }, onConnect: () => void): EspruinoSocket };
  Wifi: {
    connect(ssid: string, o: { password?: string }, cb: (err: unknown) => void): void;
    setSNTP(server: string, zone: string): void;
  };
  TelnetServer: { setOptions(o: { mode: 'on' | 'off' }): void };
  /** The custom firmware's native crypto (native/jswrap_gateway_crypto.c): the Crypto of src/crypto/types.ts. */
  GatewayCrypto: import('./crypto/types').Crypto;
  /** The custom firmware's socket extras (native/jswrap_gateway_net.c). */
  GatewayNet: { peer(sock: EspruinoSocket): string | undefined };
}

declare function require<K extends keyof EspruinoModules>(name: K): EspruinoModules[K];
/** A module from Storage (Modules.addCached): what it exports is the caller's to check. */
declare function require(name: string): unknown;

declare const E: {
  toUint8Array(s: string): Uint8Array;
  /** A flat string of the bytes, or undefined when there is no room for one. */
  toString(b: Uint8Array | ArrayBuffer): string | undefined;
  convolve?: (a: Float64Array, b: Float64Array, k: number) => number;
  CRC32?: (s: string) => number;
  getTemperature?: () => number;
  reboot?: () => void;
  setPassword(password: string): void;
  lockConsole(): void;
  on(event: 'kill', fn: () => void): void;
  /** The interpreter's error flags (the bench's stages program calls it as a marker for callgrind). */
  getErrorFlags(): string[];
};
declare function getTime(): number;
declare function setTime(seconds: number): void;
declare function peek32(addr: number): number;
declare const process: { env: { VERSION: string; [k: string]: unknown }; memory(): { free: number; usage: number; total: number; blocksize?: number } };
declare function setTimeout(fn: () => void, ms: number): number;
declare function clearTimeout(id: number): void;
declare function setInterval(fn: () => void, ms: number): number;
declare function clearInterval(id: number): void;
declare function btoa(binary: string): string;
declare function atob(b64: string): string;
declare const console: { log(...args: unknown[]): void };
declare const Modules: { addCached(id: string, source: string): void; removeCached(id: string): void };
