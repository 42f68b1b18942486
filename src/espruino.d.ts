// The parts of Espruino's global surface the firmware uses. Built-in modules
// are reached with require("name"), which Rollup leaves alone, so the bundle
// keeps them as calls for the firmware to resolve.
declare function require(name: string): any;
declare const E: any;
declare function getTime(): number;
declare function setTime(seconds: number): void;
declare function peek32(addr: number): number;
declare const process: { env: { [k: string]: any }; memory(): { free: number; usage: number; total: number; blocksize?: number } };
declare function setTimeout(fn: () => void, ms: number): any;
declare function clearTimeout(id: any): void;
declare function setInterval(fn: () => void, ms: number): any;
declare function clearInterval(id: any): void;
declare function btoa(binary: string): string;
declare function atob(b64: string): string;
declare const console: { log(...args: any[]): void };
declare const Modules: { addCached(id: string, source: string): void; removeCached(id: string): void };
