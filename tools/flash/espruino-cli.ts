// One run of the real `espruino` CLI (npm espruino 0.1.67) against a board,
// read from its verbose output: the lines the device printed, how much of the
// upload has gone out of the port, and whether the upload completed.
//
// Offline by design: the CLI reads the board description from
// tools/flash/board/ESP32.json and looks for modules there too, so it never
// fetches espruino.com. FLASH_DEBUG=FILE appends the CLI's whole output to
// FILE, for when a real board misbehaves.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Fail } from './fail.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ESPRUINO_CLI = join(ROOT, 'node_modules/espruino/bin/espruino-cli.js');
const BOARD_DIR = fileURLToPath(new URL('./board', import.meta.url));

export interface CliRun {
  port: string;
  baud?: number;
  /** what to send: --storage and --config options, then the code file (paths relative to ROOT) */
  args: string[];
  /** REPL lines the upload takes (the CLI pauses 250 ms after each Storage.write): sets the time limit */
  lines: number;
  /** each line the device printed; returns true when it used the line (else it is shown) */
  onDevice?: (text: string) => boolean;
}

/** Lines of the banner Espruino prints at every reset() (the CLI's upload begins with one): not worth showing. */
const BANNER = /^ _{4} +_ *$|^\|[ _|.-]+\|[ _|.-]*$|^ +\|_\| espruino\.com$|^ \dv\d+ \(c\) \d+ G\.Williams$|^Espruino is Open Source\.|^only by sales of official boards|^http:\/\/espruino\.com\/Donate$/;

/** The string a CLI log line shows as JSON ('' when it is not one). */
function logged(json: string): string {
  try {
    const s = JSON.parse(json);
    return typeof s === 'string' ? s : '';
  } catch {
    return '';
  }
}

/** Runs the CLI; resolves once the upload completed, else fails with a one-line reason. */
export function runCli(run: CliRun): Promise<void> {
  const { port } = run;
  const cliArgs = [ESPRUINO_CLI, '--no-ble', '-v', '-p', port,
    '--config', `BOARD_JSON_URL=${BOARD_DIR}`, '--config', `MODULE_URL=${BOARD_DIR}`];
  if (run.baud) cliArgs.push('-b', String(run.baud));
  cliArgs.push(...run.args);

  return new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, cliArgs, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let problem: string | undefined;
    let complete = false;
    let loadSent = false; // the upload ends in load()
    let dropped = false; // the connection closed or failed
    let total = 0; // characters of the upload (the CLI logs it once as `serial: ---> "…"`)
    let sent = 0; // of those, written to the port so far (`serial: Sending "…"` per block)
    let loadEnd = 0; // where the load() that ends an image upload ends in it
    let quarters = 0; // progress lines shown
    const limit = setTimeout(() => {
      problem ??= `the device on ${port} did not answer the Espruino REPL in time: check that it runs Espruino ` +
        `(and the --baud for USB), then try again`;
      child.kill();
    }, 30000 + run.lines * 1000);
    const onLine = (line: string) => {
      if (process.env.FLASH_DEBUG) appendFileSync(process.env.FLASH_DEBUG, line + '\n');
      if (line.startsWith('--] ')) {
        const text = line.slice(4).replace(/\x1b\[J|\r/g, '');
        if (text.trim() && text.trim() !== '>' && !BANNER.test(text) && !run.onDevice?.(text)) process.stdout.write(`  device: ${text}\n`);
      } else if (line.startsWith('serial: ---> ')) {
        // the upload itself, not the handshake: it begins with the CLI's reset()
        const data = logged(line.slice(13));
        if (data.startsWith('\x10reset();')) {
          total = data.length;
          loadEnd = data.lastIndexOf('load()') + 6;
        }
      } else if (line.startsWith('serial: Sending ') && total) {
        sent += logged(line.slice(16)).length;
        const q = Math.min(4, Math.floor((sent * 4) / total));
        while (quarters < q) process.stdout.write(`  sent ${++quarters * 25}%\n`);
      } else if (line.includes('Splitting for load()')) {
        loadSent = true;
      } else if (line.includes('Upload Complete')) {
        complete = true;
      } else if (/Unable to retrieve board information|No result found for|Prompt not detected/.test(line)) {
        problem ??= `the device on ${port} did not answer the Espruino REPL handshake: is it running Espruino ` +
          `(and, for USB, at the right --baud)?`;
      } else if (/RECEIVE ERROR|Unable to connect|Disconnected/.test(line)) {
        // judged at the end: the CLI logs this on stderr, its progress on stdout
        dropped = true;
      }
    };
    const rest = { stdout: '', stderr: '' };
    const reader = (stream: 'stdout' | 'stderr') => (d: string) => {
      rest[stream] += d;
      let nl: number;
      while ((nl = rest[stream].indexOf('\n')) >= 0) {
        const line = rest[stream].slice(0, nl);
        rest[stream] = rest[stream].slice(nl + 1);
        onLine(line);
      }
    };
    // The CLI prints each device byte as one character, UTF-8 encoded.
    child.stdout.setEncoding('utf8').on('data', reader('stdout'));
    child.stderr.setEncoding('utf8').on('data', reader('stderr'));
    child.on('close', (status) => {
      clearTimeout(limit);
      for (const tail of [rest.stdout, rest.stderr]) if (tail) onLine(tail);
      // Everything up to the final load() went out, then the connection closed: the image
      // booted and switched the telnet REPL off (the gateway does), maybe before the CLI saw a prompt.
      const booted = dropped && loadSent && total > 0 && sent >= loadEnd;
      if (booted) {
        while (quarters < 4) process.stdout.write(`  sent ${++quarters * 25}%\n`); // all but the blank lines after load()
        process.stdout.write('  (the board closed its telnet REPL as the image booted)\n');
      }
      if (problem) reject(new Fail(problem));
      else if (booted) resolve();
      else if (dropped && !complete) reject(new Fail(`the connection to ${port} failed or dropped during the upload; try again`));
      else if (!complete || status !== 0) reject(new Fail(`the espruino CLI stopped before the upload completed (exit ${status}); try again`));
      else resolve();
    });
  });
}
