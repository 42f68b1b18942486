// The board's Storage area: a journaling log of files in 896 KB of flash,
// modelled on Espruino's jsflash.c. A file is a 32-byte header plus its data
// rounded up to 4 bytes; replacing or erasing one only marks it as trash, and
// the space comes back when the log is compacted (automatically when a new
// file does not fit). Unwritten flash reads as 0xFF.
//
// Every flash operation is written through to `<dir>/storage.json` before
// the next one starts, so a power cut (armPowerCut / powerCut) can land
// between any two of them: a Storage.write that replaces a file is three
// operations (erase the old file, create the new one full of 0xFF, fill it).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const STORAGE_CAPACITY = 896 * 1024;
export const NAME_MAX = 28;
const HEADER = 32;
const FORMAT = 1;

interface Entry {
  name: string;
  size: number;
  live: boolean;
  data?: Uint8Array; // live entries only
}

/** Thrown (inside the device) when power is cut by armPowerCut. */
export class PowerCut extends Error {
  constructor() {
    super('power cut');
  }
}

/** A Storage error with Espruino's message; the interpreter rethrows it as a device Error. */
export class StorageError extends Error {}

const align = (n: number): number => (n + 3) & ~3;

export class Flash {
  private log: Entry[] = [];
  private opsBeforeCut: number | undefined;
  powered = true;
  /** Called once when an armed power cut trips. */
  onPowerCut: (() => void) | undefined;

  constructor(readonly dir: string, readonly capacity = STORAGE_CAPACITY) {
    mkdirSync(dir, { recursive: true });
    this.load();
  }

  private get file(): string {
    return join(this.dir, 'storage.json');
  }

  private load(): void {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return; // erased flash
    }
    const saved = JSON.parse(text) as { format: number; log: Array<{ name: string; size: number; live: boolean; data?: string }> };
    if (saved.format !== FORMAT) throw new Error(`${this.file}: unknown storage format ${saved.format}`);
    this.log = saved.log.map((e) => ({
      name: e.name,
      size: e.size,
      live: e.live,
      data: e.live && e.data !== undefined ? new Uint8Array(Buffer.from(e.data, 'base64')) : undefined,
    }));
  }

  private persist(): void {
    const body = JSON.stringify({
      format: FORMAT,
      capacity: this.capacity,
      log: this.log.map((e) => ({
        name: e.name,
        size: e.size,
        live: e.live,
        data: e.live && e.data ? Buffer.from(e.data).toString('base64') : undefined,
      })),
    });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, body);
    renameSync(tmp, this.file);
  }

  /** Cut the power just before the (n+1)-th flash operation from now. */
  armPowerCut(n: number): void {
    this.opsBeforeCut = n;
  }

  /** Run one flash operation: nothing reaches flash once the power is off. */
  private op(apply: () => void): void {
    if (!this.powered) throw new PowerCut();
    if (this.opsBeforeCut !== undefined) {
      if (this.opsBeforeCut <= 0) {
        this.opsBeforeCut = undefined;
        this.powered = false;
        this.onPowerCut?.();
        throw new PowerCut();
      }
      this.opsBeforeCut--;
    }
    apply();
    this.persist();
  }

  static fileName(name: string): string {
    return name.slice(0, NAME_MAX); // the board copies at most 28 characters of the name
  }

  private find(name: string): Entry | undefined {
    const n = Flash.fileName(name);
    return this.log.find((e) => e.live && e.name === n);
  }

  private used(): number {
    return this.log.reduce((sum, e) => sum + HEADER + align(e.size), 0);
  }

  getFree(): number {
    return Math.max(0, this.capacity - this.used());
  }

  list(): string[] {
    return this.log.filter((e) => e.live).map((e) => e.name);
  }

  read(name: string, offset = 0, length = 0): Uint8Array | undefined {
    const e = this.find(name);
    if (!e || !e.data) return undefined;
    let off = offset > 0 ? offset : 0;
    let len = length > 0 ? length : e.size;
    if (off > e.size) off = e.size;
    if (off + len > e.size) len = e.size - off;
    return e.data.slice(off, off + Math.max(0, len));
  }

  /** Storage.write(name, bytes, offset, size) as jsfWriteFile does it. */
  write(name: string, bytes: Uint8Array, offset: number, size: number): boolean {
    if (offset < 0 || size < 0) return false;
    const fileSize = size || bytes.length;
    if (!fileSize) throw new StorageError("Can't create zero length file");
    let e = this.find(name);
    const replace =
      offset === 0 && (!e || e.size !== fileSize || !isErased(e.data!, 0, fileSize));
    if (replace) {
      if (e && e.size === fileSize && bytes.length === fileSize && equal(e.data!, bytes)) return true;
      if (e) {
        const old = e;
        this.op(() => {
          old.live = false;
          old.data = undefined;
        });
      }
      e = this.create(Flash.fileName(name), fileSize);
    }
    if (!e) throw new StorageError('Unable to find or create file');
    if (offset + bytes.length > e.size) throw new StorageError('Too much data for file size');
    if (!isErased(e.data!, offset, bytes.length)) throw new StorageError('File already written with different data');
    if (bytes.length) {
      const target = e;
      this.op(() => target.data!.set(bytes, offset));
    }
    return true;
  }

  private create(name: string, size: number): Entry | undefined {
    const need = HEADER + align(size);
    if (this.capacity - this.used() < need) {
      if (this.log.some((x) => !x.live)) this.compact();
      if (this.capacity - this.used() < need) return undefined;
    }
    const entry: Entry = { name, size, live: true, data: new Uint8Array(size).fill(0xff) };
    this.op(() => this.log.push(entry));
    return entry;
  }

  erase(name: string): void {
    const e = this.find(name);
    if (!e) return;
    this.op(() => {
      e.live = false;
      e.data = undefined;
    });
  }

  eraseAll(): void {
    this.op(() => {
      this.log = [];
    });
  }

  compact(): void {
    this.op(() => {
      this.log = this.log.filter((e) => e.live);
    });
  }
}

function isErased(data: Uint8Array, from: number, len: number): boolean {
  for (let i = from; i < from + len && i < data.length; i++) if (data[i] !== 0xff) return false;
  return true;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
