// The telnet console on the real interpreter: what the `espruino` CLI of
// npm run flash talks to (handshake, DLE lines, echo and =result), and how the
// gateway locks it down at boot (TelnetServer off, E.setPassword + lockConsole).
import net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TELNET_PORT, type Interpreter } from '../../tools/espruino/interpreter.ts';
import { acceptsConnections } from '../../tools/ports.ts';
import { restartBoard, startBoard } from './board.ts';

/** A raw telnet client that collects what the board says. */
class Terminal {
  private buf = '';
  readonly closed: Promise<void>;
  constructor(readonly sock: net.Socket) {
    sock.on('data', (d) => (this.buf += d.toString('latin1')));
    sock.on('error', () => undefined);
    this.closed = new Promise((r) => sock.once('close', () => r()));
  }

  static async open(port: number): Promise<Terminal> {
    const sock = net.connect(port, '127.0.0.1');
    await new Promise((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    return new Terminal(sock);
  }

  /** Sends bytes; resolves with what arrived after them once it ends with `until`. */
  async send(bytes: string, until: string | RegExp, ms = 5000): Promise<string> {
    this.buf = '';
    if (bytes) this.sock.write(Buffer.from(bytes, 'latin1'));
    const done = () => (typeof until === 'string' ? this.buf.endsWith(until) : until.test(this.buf));
    const deadline = Date.now() + ms;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`no ${String(until)} after ${JSON.stringify(bytes)}; got ${JSON.stringify(this.buf)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.buf;
  }

  close(): void {
    this.sock.destroy();
  }
}

const test = suite<{ it: Interpreter; term: Terminal }>('the telnet console', {} as { it: Interpreter; term: Terminal });
test.before.each(async (ctx) => {
  ctx.it = await startBoard({ telnetPort: 0 }); // its prompt comes after the telnet server listens
  ctx.term = await Terminal.open(ctx.it.hostPort(TELNET_PORT));
});
test.after.each(async (ctx) => {
  ctx.term.close();
  await ctx.it.stop();
});

test('the CLI\'s handshake: a newline gets a prompt; the process.env query answers between its markers', async ({ it, term }) => {
  assert.match(await term.send('\n', '>'), /\r\n>$/);
  const out = await term.send('\x10print("<","<<",JSON.stringify(process.env),">>",">")\n', '>> >\r\n>');
  const env = JSON.parse(out.slice(out.indexOf('< <<') + 4, out.indexOf('>> >')));
  assert.is(env.VERSION, '2v29');
  assert.is(env.CONSOLE, 'Telnet');
  assert.match(env.MODULES, /Storage/);
  // the board's own console (stdin/stdout) notes the switch
  await it.waitForOutput('-> Telnet');
});

test('echo, =result, \\r\\n line ends, the prompt; a DLE line runs without echo or result', async ({ term }) => {
  await term.send('\n', '>');
  assert.is(await term.send('1+2\n', '=3\r\n>'), '1+2\r\n=3\r\n>');
  assert.is(await term.send('"str"\n', '>'), '"str"\r\n="str"\r\n>');
  assert.is(await term.send('\x10var quiet = 5\n', /^$/), '');
  assert.is(await term.send('quiet\n', '=5\r\n>'), 'quiet\r\n=5\r\n>');
  assert.is(await term.send('\x10print("shown")\n', 'shown\r\n>'), 'shown\r\n>');
});

test('a line runs when its brackets balance; Ctrl-C clears the line being typed', async ({ term }) => {
  await term.send('\n', '>');
  assert.match(await term.send('function f() {\n', ':'), /function f\(\) \{\r\n:$/);
  await term.send('return "}" + 1;\n', ':');
  assert.match(await term.send('}\n', '>'), /=function \(\) \{ \.\.\. \}\r\n>$/);
  assert.match(await term.send('f()\n', '="}1"\r\n>'), /="}1"\r\n>$/);
  await term.send('garbage that would fail', 'fail');
  assert.match(await term.send('\x03', '>'), /\r\x1b\[J>$/);
  assert.match(await term.send('7*6\n', '=42\r\n>'), /=42\r\n>$/);
});

test('TelnetServer.setOptions({mode:"off"}) drops the console until the next boot (the gateway does it at boot)', async ({ it, term }) => {
  await term.send('\n', '>');
  term.sock.write('require("TelnetServer").setOptions({ mode: "off" })\n');
  await term.closed;
  assert.is(await acceptsConnections(it.hostPort(TELNET_PORT)), false);
  await restartBoard(it); // telnet is on again at every boot
  const again = await Terminal.open(it.hostPort(TELNET_PORT));
  try {
    assert.match(await again.send('\n', '>'), />$/);
  } finally {
    again.close();
  }
});

test('E.setPassword + E.lockConsole: the console wants the password first (gw.cfg telnet "locked")', async ({ it, term }) => {
  await term.send('\n', '>');
  assert.match(await term.send('E.setPassword("s3cret"); E.lockConsole()\n', 'password>'), /\r\npassword>$/);
  assert.is(await term.send('1+1\n', 'password>'), '\r\n  Invalid password\r\npassword>');
  assert.is(await term.send('wrong\n', 'password>'), '\r\n  Invalid password\r\npassword>');
  assert.is(await term.send('s3cret\n', '>'), '\r\n  Logged in.\r\n>');
  assert.match(await term.send('2+2\n', '=4\r\n>'), /=4\r\n>$/);
  // locked again at the next boot only by the boot code: the password itself is kept in RAM
  await restartBoard(it);
  const again = await Terminal.open(it.hostPort(TELNET_PORT));
  try {
    assert.match(await again.send('3+3\n', '=6\r\n>'), /=6\r\n>$/);
  } finally {
    again.close();
  }
});

test.run();
