#!/usr/bin/env node
// npm run emu -- [FILE.js] [-e EXPR] [--storage DIR] [--telnet PORT] [--variant stock|custom] [--port DEV:HOST ...]
//
// The real Espruino 2v29 interpreter built for this PC (tools/espruino), as a
// board on the desk: its Storage is a folder, its console is this terminal.
// Without FILE it boots .bootcde from Storage like a board at power-on and
// runs until Ctrl-C twice, SIGTERM or quit(); with FILE it runs that program
// (read into RAM, no boot code) until it has nothing left to do; with -e it
// boots, evaluates EXPR on the board, prints the result and exits.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { BuildError, type Variant } from './build.ts';
import { Interpreter, TELNET_PORT } from './interpreter.ts';

const USAGE = `usage: npm run emu -- [FILE.js] [-e EXPR] [--storage DIR] [--telnet PORT] [--variant stock|custom] [--port DEV:HOST ...]
  FILE.js              run this program (in RAM, no boot code) until it has nothing left to do
  -e EXPR              boot from Storage, evaluate EXPR on the board, print =result and exit (1 when it throws)
  --storage DIR        the folder that holds the board's flash (espruino.flash); default: a new temporary one
  --telnet PORT        the telnet console on 127.0.0.1:PORT (0: a free port), e.g. for npm run flash -- --port tcp://127.0.0.1:PORT
  --variant V          custom (default: the gateway firmware with GatewayCrypto) or stock (stock ESP32 firmware)
  --port DEV:HOST      serve the board's port DEV on 127.0.0.1:HOST (0: a free port); repeatable
  -h, --help           this text
Without FILE or -e the board boots .bootcde from Storage and its console is this terminal:
Ctrl-C interrupts the board, twice in a row ends it (so do SIGTERM and quit()).`;

class UsageError extends Error {}

interface Args {
  file?: string;
  expr?: string;
  storageDir?: string;
  telnetPort?: number;
  variant: Variant;
  ports: Record<number, number>;
}

function portNumber(flag: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (v === undefined || !/^\d+$/.test(v) || n < min || n > 65535) throw new UsageError(`${flag} takes a port number from ${min} to 65535, got ${JSON.stringify(v ?? '')}`);
  return n;
}

function parse(argv: string[]): Args | 'help' {
  const args: Args = { variant: 'custom', ports: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '-h':
      case '--help':
        return 'help';
      case '-e':
        if (args.expr !== undefined) throw new UsageError('-e given twice');
        args.expr = value();
        break;
      case '--storage':
        args.storageDir = value();
        if (!args.storageDir) throw new UsageError('--storage takes a directory');
        break;
      case '--telnet':
        args.telnetPort = portNumber('--telnet', value(), 0);
        break;
      case '--variant': {
        const v = value();
        if (v !== 'stock' && v !== 'custom') throw new UsageError(`--variant is stock or custom, got ${JSON.stringify(v)}`);
        args.variant = v;
        break;
      }
      case '--port': {
        const v = value();
        const m = /^(\d+):(\d+)$/.exec(v);
        if (!m) throw new UsageError(`--port takes DEV:HOST (e.g. 80:8080), got ${JSON.stringify(v)}`);
        const dev = portNumber('--port DEV', m[1], 1);
        if (dev === TELNET_PORT) throw new UsageError(`--port ${TELNET_PORT}: the telnet console's port, use --telnet`);
        args.ports[dev] = portNumber('--port HOST', m[2], 0);
        break;
      }
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
        if (args.file !== undefined) throw new UsageError(`only one FILE.js, got ${args.file} and ${a}`);
        if (!existsSync(a) || !statSync(a).isFile()) throw new UsageError(`no such file: ${a}`);
        args.file = resolve(a);
    }
  }
  if (args.file !== undefined && args.expr !== undefined) throw new UsageError('FILE.js and -e: give one (-e runs on the board booted from Storage)');
  return args;
}

/**
 * Drops the host launcher's own lines ("espruino: Interactive mode." and the
 * like, the launch shim's "portmap: …") from the console, which arrives a
 * character at a time: a line is held back only while it could still be one.
 */
class HostLineFilter {
  private held = '';
  private atLineStart = true;
  private static readonly PREFIXES = ['espruino: ', 'portmap: '];

  constructor(private readonly out: (text: string) => void) {}

  push(text: string): void {
    let pass = '';
    for (const ch of text) {
      if (this.held) {
        this.held += ch;
        if (ch === '\n') {
          this.held = '';
          this.atLineStart = true;
        } else if (!HostLineFilter.PREFIXES.some((p) => p.startsWith(this.held) || this.held.startsWith(p))) {
          pass += this.held;
          this.held = '';
          this.atLineStart = false;
        }
        continue;
      }
      if (this.atLineStart && HostLineFilter.PREFIXES.some((p) => p.startsWith(ch))) {
        this.held = ch;
        continue;
      }
      pass += ch;
      this.atLineStart = ch === '\n';
    }
    if (pass) this.out(pass);
  }
}

/** The REPL's answer to a line typed at it: echo, what it printed, then =result or Uncaught …, then the prompt. */
function replyOf(output: string, typed: string): { text: string; ok: boolean } {
  let text = output.startsWith(typed + '\r\n') ? output.slice(typed.length + 2) : output;
  if (text.endsWith('>')) text = text.slice(0, -1);
  return { text: text.replace(/\r\n/g, '\n'), ok: /(^|\r?\n)=/.test(text) };
}

async function main(): Promise<number> {
  let args: Args | 'help';
  try {
    args = parse(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`emu: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const { expr } = args;
  if (args.storageDir) mkdirSync(args.storageDir, { recursive: true });
  const toStdout = new HostLineFilter((text) => process.stdout.write(Buffer.from(text, 'utf8')));
  const it = await Interpreter.start({
    variant: args.variant,
    storageDir: args.storageDir,
    ports: args.ports,
    telnetPort: args.telnetPort,
    file: args.file,
    // -e shows only its own answer
    onOutput: expr === undefined ? (text) => toStdout.push(text) : undefined,
  });

  let ending = false;
  const end = async (code: number): Promise<never> => {
    ending = true;
    await it.stop();
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.exit(code);
  };
  const exited = it.exited(2 ** 31 - 1).then(async (code) => {
    if (ending) return;
    if (code !== 0) process.stderr.write(`emu: the interpreter exited with code ${code}\n`);
    await end(code);
  });
  process.on('SIGTERM', () => void end(0));
  process.on('SIGHUP', () => void end(0));

  if (expr !== undefined) {
    // typed at the REPL, so the board prints =result its own way
    await it.waitForOutput(/\n>/, 30000);
    const typed = `eval(${JSON.stringify(expr)})`;
    const from = it.output.length;
    it.write(typed + '\n');
    await it.waitForOutput(/\r\n>$/, 2 ** 31 - 1);
    const reply = replyOf(it.output.slice(from), typed);
    process.stdout.write(reply.text);
    return end(reply.ok ? 0 : 1);
  }

  const where = args.storageDir ? resolve(args.storageDir) : `${it.storageDir} (temporary)`;
  process.stderr.write(`emu: ${args.variant} firmware, Storage in ${where}\n`);
  for (const dev of Object.keys(args.ports)) process.stderr.write(`emu: port ${dev} on 127.0.0.1:${it.hostPort(Number(dev))}\n`);
  if (args.telnetPort !== undefined) {
    const port = it.hostPort(TELNET_PORT);
    await it.waitForOutput(`portmap: ${TELNET_PORT} -> ${port}`, 10000).catch(() => {
      process.stderr.write(`emu: the telnet console did not open on 127.0.0.1:${port} (is the port taken?)\n`);
      return end(1);
    });
    await it.waitForOutput(/\n>/, 5000).catch(() => undefined); // (the shim reports bind(); the prompt comes after listen())
    process.stderr.write(`emu: telnet console on 127.0.0.1:${port}\n`);
  }

  // The console: keys go to the board as they are typed (raw mode), Ctrl-C
  // included, which interrupts it; a second Ctrl-C in a row ends it. A pipe
  // is passed through; its end leaves the board running.
  let ctrlC = false;
  const interrupt = (): void => {
    if (ctrlC) return void end(0);
    ctrlC = true;
    process.stderr.write('\r\nemu: Ctrl-C again to end the board\r\n');
  };
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  process.stdin.on('data', (buf: Buffer) => {
    const text = buf.toString('latin1');
    it.write(text);
    if (!process.stdin.isTTY) return;
    if (text.includes('\x03')) interrupt();
    else ctrlC = false;
  });
  // SIGINT from outside (a terminal not in raw mode, kill -INT): the board's interrupt, twice: the end
  process.on('SIGINT', () => {
    if (it.pid) process.kill(it.pid, 'SIGINT');
    interrupt();
  });
  await exited;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`emu: ${e instanceof BuildError ? e.message : (e as Error).stack}\n`);
    process.exit(1);
  },
);
