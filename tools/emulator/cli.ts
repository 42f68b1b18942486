#!/usr/bin/env node
// npm run emu -- [options] [FILE.js]
// Like Espruino's own Linux build: with a file it runs it; with -e it
// evaluates and prints; with neither it boots the emulated flash's boot code.
// Runs until the board has nothing left to do (no timers, sockets or
// servers), or until Ctrl-C/SIGTERM when a REPL (terminal or --telnet) is open.
import { existsSync } from 'node:fs';
import { formatForRepl } from './format.ts';
import { Emulator, EmulatorOptions } from './index.ts';

const USAGE = `usage: npm run emu -- [options] [FILE.js]
  FILE.js             run this file as the board's program (else: boot code from the flash)
  -e EXPR             evaluate EXPR on the board and print =result
  --storage DIR       the emulated flash, kept across runs (default: a new temporary one)
  --telnet PORT       REPL over TCP on this port (what \`espruino -p tcp://127.0.0.1:PORT\` talks to)
  --port DEV:HOST     a device server port on a host port (repeatable; default: a free port)
  --vars N            JsVar pool size (default 10000)
  --no-native         stock firmware: no GatewayCrypto module
  --virtual-time      timers only run when advanced (useful with -e only)
  -h, --help          this text`;

class UsageError extends Error {}

function parse(argv: string[]): { opts: EmulatorOptions & { file?: string }; expr?: string } {
  const opts: EmulatorOptions & { file?: string } = { keepAlive: true, portMap: {} };
  let expr: string | undefined;
  const num = (flag: string, v: string | undefined, min: number, max: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min || n > max) {
      throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, got ${JSON.stringify(v ?? '')}`);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    switch (a) {
      case '-h':
      case '--help':
        process.stdout.write(USAGE + '\n');
        process.exit(0);
        break;
      case '-e': {
        const v = next();
        if (v === undefined) throw new UsageError('-e takes an expression');
        expr = v;
        break;
      }
      case '--storage': {
        const v = next();
        if (!v) throw new UsageError('--storage takes a directory');
        opts.storageDir = v;
        break;
      }
      case '--telnet':
        opts.telnetPort = num('--telnet', next(), 0, 65535);
        break;
      case '--port': {
        const v = next() ?? '';
        const m = /^(\d+):(\d+)$/.exec(v);
        if (!m) throw new UsageError(`--port takes DEVICE:HOST (e.g. 80:8080), got ${JSON.stringify(v)}`);
        opts.portMap![num('--port device', m[1], 1, 65535)] = num('--port host', m[2], 0, 65535);
        break;
      }
      case '--vars':
        opts.vars = num('--vars', next(), 100, 1_000_000);
        break;
      case '--no-native':
        opts.nativeCrypto = false;
        break;
      case '--virtual-time':
        opts.virtualTime = true;
        break;
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
        if (opts.file !== undefined) throw new UsageError(`only one FILE.js, got ${opts.file} and ${a}`);
        if (!existsSync(a)) throw new UsageError(`no such file: ${a}`);
        opts.file = a;
    }
  }
  return { opts, expr };
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`emu: ${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  const { opts, expr } = parsed;
  const interactive = !!process.stdin.isTTY && expr === undefined;
  if (!interactive) opts.onOutput = (text) => process.stdout.write(text);
  const emu = await Emulator.start(opts);
  process.stderr.write(`emulated flash: ${emu.storageDir}\n`);
  if (opts.telnetPort !== undefined) process.stderr.write(`telnet REPL on 127.0.0.1:${emu.hostPort(23)}\n`);

  let stopping = false;
  const quit = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await emu.stop();
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.exit(code);
  };
  process.on('SIGINT', () => void quit(0));
  process.on('SIGTERM', () => void quit(0));

  if (expr !== undefined) {
    try {
      process.stdout.write(`=${formatForRepl(emu.eval(expr))}\n`);
    } catch (e) {
      process.stdout.write(`Uncaught ${String(e)}\n`);
    }
  }

  if (interactive) {
    process.stdin.setRawMode(true);
    // The tty turns \n into \r\n itself, so the board's \r\n line ends are written as \n.
    const input = emu.attachTerminal((bytes) => process.stdout.write(bytes.toString('latin1').replace(/\r\n/g, '\n'), 'latin1'));
    let lastCtrlC = 0;
    process.stdin.on('data', (buf: Buffer) => {
      if (buf.includes(3)) {
        const now = Date.now();
        if (now - lastCtrlC < 1000) return void quit(0); // Ctrl-C twice: leave
        lastCtrlC = now;
      }
      if (buf.includes(4)) return void quit(0); // Ctrl-D
      input(buf);
    });
    process.stdout.write('Espruino 2v29 emulator: Ctrl-C twice to exit\r\n');
    input(Buffer.from('\n'));
    return;
  }
  // Not interactive: run while the board has work (or a telnet REPL is open).
  const timer = setInterval(() => {
    if (!emu.running || (!emu.busy && opts.telnetPort === undefined)) {
      clearInterval(timer);
      void quit(0);
    }
  }, 200);
}

void main().catch((e) => {
  process.stderr.write(`emu: ${(e as Error).message}\n`);
  process.exit(1);
});
