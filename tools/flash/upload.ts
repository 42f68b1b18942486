// The two uploads `npm run flash` makes with the espruino CLI:
// - a Storage file, with `--storage NAME:FILE`: the CLI reads FILE as bytes and
//   sends `require("Storage").write(NAME, atob("<base64>"), offset[, size])` in
//   384-byte pieces, so binary data (the gzip page) arrives as it is; then the
//   board reports the file's length and CRC32, compared here;
// - the image into .bootcde (SAVE_ON_SEND=1), ending in load(): the board boots it.
// Both begin with the CLI's reset(), which stops the program running on the
// board, so nothing rewrites its files during the flash.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT, runCli } from './espruino-cli.ts';
import { Fail } from './fail.ts';

/** The CLI only reports completion of a send longer than its 512-byte block (espruino 0.1.67). */
const MIN_UPLOAD = 600;
const IMAGE_CHUNK = 1024; // the CLI writes .bootcde in 1024-character pieces
const STORAGE_CHUNK = 384; // and --storage files in 384-byte pieces

/** What the board reported after a Storage upload. */
export interface Stored {
  /** its firmware has the GatewayCrypto module (the custom build) */
  native: boolean;
}

/** CRC-32 (IEEE 802.3), what E.CRC32 computes on the board. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A CRC32 as the 8 hex digits people compare. */
export function hex(crc: number): string {
  return crc.toString(16).padStart(8, '0');
}

/** Trailing blank lines are harmless in .bootcde and let the CLI notice the end of a tiny upload. */
function padded(code: string): string {
  return code.length < MIN_UPLOAD ? code + '\n'.repeat(MIN_UPLOAD - code.length) : code;
}

/** A path the CLI takes relative to its working directory; `--storage` splits its argument at ':'. */
function cliPath(path: string): string {
  const p = relative(ROOT, path);
  if (p.includes(':')) throw new Fail(`the espruino CLI cannot take the path ${p} (it has a ':'): set TMPDIR to a folder without one`);
  return p;
}

function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'flash-'));
  return use(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/**
 * The check the board runs after a Storage upload: one line with the file's
 * length (-1 when missing), its CRC32 and whether GatewayCrypto is built in.
 * `erase` lists companion files to remove first. Padded with a string
 * statement up to MIN_UPLOAD (the CLI drops blank lines from REPL code).
 */
function checkCode(name: string, erase: string[]): string {
  const n = JSON.stringify(name);
  const body = 'var s=require("Storage");' +
    erase.map((e) => `s.erase(${JSON.stringify(e)});`).join('') +
    `var d=s.read(${n}),g=false;` +
    'try{g=typeof require("GatewayCrypto").aeadOpen=="function"}catch(e){}' +
    'print("FLASH-CHECK "+(d===undefined?"-1 0":d.length+" "+(E.CRC32(d)>>>0))+" "+g);';
  const code = (pad: string) => `(function(){${body}"${pad}"})();\n`;
  return code(' '.repeat(Math.max(0, MIN_UPLOAD - code('').length)));
}

/**
 * Writes `bytes` into the board's Storage file `name` and checks there that
 * every byte arrived. `erase`: files removed on the board at the same time.
 */
export function uploadStorageFile(name: string, bytes: Buffer, erase: string[], port: string, baud?: number): Promise<Stored> {
  return withTempDir(async (dir) => {
    const data = join(dir, 'data.bin');
    const check = join(dir, 'check.js');
    writeFileSync(data, bytes);
    writeFileSync(check, checkCode(name, erase));
    const seen: { report?: RegExpExecArray } = {};
    await runCli({
      port,
      baud,
      args: ['--config', 'SAVE_ON_SEND=0', '--storage', `${name}:${cliPath(data)}`, cliPath(check)],
      lines: Math.ceil(bytes.length / STORAGE_CHUNK) + 2,
      onDevice: (text) => {
        const m = /FLASH-CHECK (-?\d+) (\d+) (true|false)/.exec(text);
        if (m) seen.report = m;
        return !!m;
      },
    });
    if (!seen.report) throw new Fail(`the board on ${port} did not report ${name} after the upload; try again`);
    const [, length, crc, native] = seen.report;
    const want = crc32(bytes);
    if (Number(length) < 0) {
      throw new Fail(`the board on ${port} did not store ${name}: is its flash full? (see require("Storage").getFree() on its console)`);
    }
    if (Number(length) !== bytes.length || Number(crc) !== want) {
      throw new Fail(`${name} did not arrive intact: the board has ${length} bytes with CRC32 ${hex(Number(crc))}, ` +
        `the file ${bytes.length} bytes with CRC32 ${hex(want)}; try again`);
    }
    return { native: native === 'true' };
  });
}

/** Writes the image into .bootcde and boots it. */
export function uploadImage(file: string, port: string, baud?: number): Promise<void> {
  return withTempDir(async (dir) => {
    const code = padded(readFileSync(file, 'latin1'));
    const sent = join(dir, 'image.js');
    writeFileSync(sent, code, 'latin1');
    await runCli({
      port,
      baud,
      args: ['--config', 'SAVE_ON_SEND=1', cliPath(sent)],
      lines: Math.ceil(code.length / IMAGE_CHUNK) + 2,
    });
  });
}
