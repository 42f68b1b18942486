// Crash-safe files in Espruino Storage. Storage.write of a whole file erases
// the old one first, so a power cut in between would lose both. Hence:
//  - SlotFile: two files NAME.0 / NAME.1, each "<seq> <crc>\n<body>"; a write
//    goes to the slot NOT holding the newest valid copy, so a cut at any
//    moment leaves the old or the new state readable. The reader takes the
//    valid slot with the higher sequence number.
//  - replaceFile: for a plain file others also write (gw.cfg): the new text
//    goes to NAME.new first, then NAME, then NAME.new is erased; a reader
//    finding a valid NAME.new finishes the move.

export interface StorageLike {
  read(name: string): string | undefined;
  write(name: string, data: string): boolean;
  erase(name: string): void;
}

/**
 * CRC-32 (IEEE) of a byte string: catches torn writes (unwritten flash reads
 * as 0xFF). On the board E.CRC32 does it natively, reading a flash string in
 * place, with no RAM copy of the file; the loop serves Node.
 */
export function crc32(s: string): number {
  if (typeof E !== 'undefined' && E.CRC32) return E.CRC32(s) >>> 0;
  let c = -1;
  for (let i = 0; i < s.length; i++) {
    c ^= s.charCodeAt(i) & 255;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ -1) >>> 0;
}

/**
 * text.split('\n') in linear time, for file text: Espruino's split scans the
 * string from its start for every piece (a 6 KB registry: ~0.1 s on a PC,
 * 11 KB: ~0.3 s). For a string read from Storage the lines point into flash
 * too (valid until that file is written again).
 */
export function splitLines(text: string): string[] {
  const out: string[] = [];
  let at = 0;
  for (;;) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) break;
    out.push(text.substring(at, nl));
    at = nl + 1;
  }
  out.push(text.substring(at));
  return out;
}

function parseSlot(text: string | undefined): { seq: number; body: string } | undefined {
  if (!text) return undefined;
  const nl = text.indexOf('\n');
  const sp = text.indexOf(' ');
  if (nl < 0 || sp < 0 || sp > nl) return undefined;
  const seq = parseInt(text.substr(0, sp), 10);
  if (!(seq >= 0)) return undefined;
  const body = text.substr(nl + 1);
  if (parseInt(text.substr(sp + 1, nl - sp - 1), 16) !== crc32(body)) return undefined;
  return { seq: seq, body: body };
}

export class SlotFile {
  private seq = 0;
  private slot = 1; // slot of the newest valid copy; the next write goes to the other

  constructor(
    private storage: StorageLike,
    private name: string,
  ) {}

  /** The body of the newest valid copy, or undefined when there is none. */
  read(): string | undefined {
    const a = parseSlot(this.storage.read(this.name + '.0'));
    const b = parseSlot(this.storage.read(this.name + '.1'));
    let best = a;
    this.slot = 0;
    if (b && (!a || b.seq > a.seq)) {
      best = b;
      this.slot = 1;
    }
    if (!best) {
      this.slot = 1;
      return undefined;
    }
    this.seq = best.seq;
    return best.body;
  }

  /** Writes a new version; true when Storage accepted it. */
  write(body: string): boolean {
    const seq = this.seq + 1;
    const slot = 1 - this.slot;
    let ok = false;
    try {
      ok = this.storage.write(this.name + '.' + slot, seq + ' ' + crc32(body).toString(16) + '\n' + body) !== false;
    } catch (e) {
      ok = false;
    }
    if (ok) {
      this.seq = seq;
      this.slot = slot;
    }
    return ok;
  }

  /** The stored text of the newest copy as last read or written (header line included). */
  raw(): string | undefined {
    return this.seq ? this.storage.read(this.name + '.' + this.slot) : undefined;
  }

  erase(): void {
    this.storage.erase(this.name + '.0');
    this.storage.erase(this.name + '.1');
    this.seq = 0;
    this.slot = 1;
  }
}

function validJson(text: string | undefined): boolean {
  if (!text) return false;
  try {
    JSON.parse(text);
    return true;
  } catch (e) {
    return false;
  }
}

/**
 * Reads a replaceFile'd JSON file, finishing a move a power cut interrupted.
 * (A string Storage.read returns points into flash and turns null once its
 * file is erased: what is returned is read from NAME after the move.)
 */
export function readReplaced(storage: StorageLike, name: string): string | undefined {
  const next = storage.read(name + '.new');
  if (validJson(next)) {
    if (storage.read(name) !== next) storage.write(name, next as string);
    storage.erase(name + '.new');
    // read again: a string from Storage is a view of the flash, and that of
    // NAME.new is gone with the erase (docs/espruino.md)
    return storage.read(name);
  }
  if (next !== undefined) storage.erase(name + '.new');
  return storage.read(name);
}

/** Replaces a JSON file so that a power cut leaves the old or the new text. */
export function replaceFile(storage: StorageLike, name: string, text: string): boolean {
  try {
    if (storage.write(name + '.new', text) === false) return false;
    storage.write(name, text);
    storage.erase(name + '.new');
    return true;
  } catch (e) {
    return false;
  }
}
