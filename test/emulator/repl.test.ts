// The REPL over telnet, byte for byte what the `espruino` CLI expects.
import net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Emulator } from '../../tools/emulator/index.ts';

/** A raw telnet client that collects what the board says. */
class Terminal {
  private buf = '';
  private waiting: (() => void) | undefined;
  constructor(readonly sock: net.Socket) {
    sock.on('data', (d) => {
      this.buf += d.toString('latin1');
      this.waiting?.();
    });
    sock.on('error', () => undefined);
  }

  /** Connect, and wait for the prompt the board shows on a new console. */
  static async open(port: number): Promise<Terminal> {
    const sock = net.connect(port, '127.0.0.1');
    await new Promise((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    const t = new Terminal(sock);
    await t.send('', '>');
    return t;
  }

  /** Send bytes and return everything received until `until` has arrived. */
  async send(bytes: string, until: string | RegExp): Promise<string> {
    if (bytes) {
      this.buf = '';
      this.sock.write(Buffer.from(bytes, 'latin1'));
    }
    const done = () => (typeof until === 'string' ? this.buf.endsWith(until) : until.test(this.buf));
    const deadline = Date.now() + 5000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`no ${String(until)} after ${JSON.stringify(bytes)}; got ${JSON.stringify(this.buf)}`);
      await new Promise<void>((r) => {
        this.waiting = r;
        setTimeout(r, 100);
      });
    }
    return this.buf;
  }

  close(): void {
    this.sock.destroy();
  }
}

const test = suite<{ emu: Emulator; term: Terminal }>('repl', {} as { emu: Emulator; term: Terminal });
test.before.each(async (ctx) => {
  ctx.emu = await Emulator.start({ telnetPort: 0 });
  ctx.term = await Terminal.open(ctx.emu.hostPort(23));
});
test.after.each(async (ctx) => {
  ctx.term.close();
  await ctx.emu.stop();
});

test('handshake: a newline gets a prompt; the CLI\'s process.env query gets the markers and JSON', async ({ term }) => {
  assert.is(await term.send('\n', '>'), '\r\n>');
  const out = await term.send('\x10print("<","<<",JSON.stringify(process.env),">>",">")\n', '>> >\r\n>');
  const json = JSON.parse(out.slice(out.indexOf('< <<') + 4, out.indexOf('>> >')));
  assert.is(json.VERSION, '2v29');
  assert.is(json.BOARD, 'ESP32');
  assert.is(json.CONSOLE, 'Telnet');
  assert.match(json.MODULES, /Storage/);
});

test('echo, =result, \\r\\n line ends, prompt', async ({ term }) => {
  await term.send('\n', '>');
  assert.is(await term.send('1+2\n', '>'), '1+2\r\n=3\r\n>');
  assert.is(await term.send('print("a\\nb")\n', '>'), 'print("a\\nb")\r\na\r\nb\r\n=undefined\r\n>');
  assert.is(await term.send('"str"\n', '>'), '"str"\r\n="str"\r\n>');
  assert.is(await term.send('({a:1})\n', '>'), '({a:1})\r\n={ a: 1 }\r\n>');
});

test('a DLE line runs without echo, result or prompt of its own', async ({ term }) => {
  await term.send('\n', '>');
  assert.is(await term.send('\x10var quiet = 5\n', /$/), '');
  await new Promise((r) => setTimeout(r, 100));
  assert.is(await term.send('quiet\n', '>'), 'quiet\r\n=5\r\n>');
  assert.is(await term.send('\x10print("shown")\n', 'shown\r\n>'), 'shown\r\n>');
});

test('Enter executes only when brackets balance; ESC LF continues a line; ESC [ n d is taken', async ({ term }) => {
  await term.send('\n', '>');
  assert.is(await term.send('function f() {\n', ':'), 'function f() {\r\n:');
  assert.is(await term.send('return "}" + 1;\n', ':'), 'return "}" + 1;\r\n:');
  assert.is(await term.send('}\n', '>'), '}\r\n=undefined\r\n>');
  assert.is(await term.send('f()\n', '>'), 'f()\r\n="}1"\r\n>');
  const out = await term.send('\x1b[12d[1,\x1b\n2].length\n', '>');
  assert.match(out, /=2\r\n>$/);
});

test('Ctrl-C clears the line being typed', async ({ term }) => {
  await term.send('\n', '>');
  await term.send('garbage that would fail', 'fail');
  assert.is(await term.send('\x03', '>'), '\r\x1b[J>');
  assert.is(await term.send('7*6\n', '>'), '7*6\r\n=42\r\n>');
});

test('uncaught errors and output from timers take the prompt off and put it back', async ({ term }) => {
  await term.send('\n', '>');
  assert.match(await term.send('throw new Error("bad")\n', '>'), /Uncaught Error: bad\r\n[^]*>$/);
  const out = await term.send('setTimeout(function () { print("tick"); }, 20)\n', 'tick\r\n>');
  assert.match(out, /=\d+\r\n>\r\x1b\[Jtick\r\n>$/);
});

test('TelnetServer.setOptions({mode:"off"}) closes the REPL until the next boot', async ({ emu, term }) => {
  await term.send('\n', '>');
  const closed = new Promise((r) => term.sock.once('close', r));
  term.sock.write('require("TelnetServer").setOptions({mode:"off"})\n');
  await closed;
  const refused = await new Promise((resolve) => {
    const s = net.connect(emu.hostPort(23), '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
  assert.is(refused, true);
  await emu.restart(); // telnet is back on at every boot
  const again = await Terminal.open(emu.hostPort(23));
  assert.is(await again.send('\n', '>'), '\r\n>');
  again.close();
});

test('E.setPassword + E.lockConsole: the REPL wants the password first', async ({ emu, term }) => {
  emu.eval('E.setPassword("s3cret"); E.lockConsole();');
  assert.ok((await term.send('\n', 'password>')).endsWith('password>'));
  assert.match(await term.send('wrong\n', 'password>'), /Invalid password/);
  assert.match(await term.send('s3cret\n', '>'), /Logged in/);
  assert.is(await term.send('1\n', '>'), '1\r\n=1\r\n>');
});

test.run();
