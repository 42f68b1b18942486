// npm run flash: the real `espruino` CLI uploads an image into the real
// interpreter through its telnet console; after a power cycle the board boots
// it from Storage. And the one-line errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Interpreter, TELNET_PORT } from '../../tools/espruino/interpreter.ts';
import { acceptsConnections } from '../../tools/ports.ts';
import { flash, unusedPort } from './flash-run.ts';

const IMAGE = `// flash test image: a marker at boot and a web page on port 80
var http = require("http");
http.createServer(function (req, res) {
  res.writeHead(200, { "Content-Type": "text/plain" });
  res.end("flashed image answers " + req.url);
}).listen(80);
E.on("init", function () { print("FLASHED IMAGE BOOTED"); });
`;

const test = suite<{ dir: string }>('npm run flash', { dir: '' });
test.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'flash-test-'));
});
test.after((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

/** The board with its telnet console open, ready for the CLI. */
async function board(storageDir: string, ports: Record<number, number> = {}): Promise<Interpreter> {
  const it = await Interpreter.start({ storageDir, telnetPort: 0, ports });
  await it.waitForOutput(`portmap: ${TELNET_PORT} -> ${it.hostPort(TELNET_PORT)}`);
  await it.waitForOutput(/\n>/); // listening: the prompt comes after listen()
  return it;
}

test('uploads into .bootcde through the telnet console with the real CLI; the image boots at power-on', async ({ dir }) => {
  const file = join(dir, 'image.js');
  writeFileSync(file, IMAGE);
  const it = await board(join(dir, 'flash'), { 80: 0 });
  try {
    const r = await flash(['--port', `tcp://127.0.0.1:${it.hostPort(TELNET_PORT)}`, '--file', file, '--image-only']);
    assert.is(r.code, 0, r.out + r.err);
    assert.match(r.out, /flashing gateway onto tcp:\/\/127\.0\.0\.1:\d+: only \.bootcde/);
    assert.match(r.out, /\[1\/1\] \.bootcde from .*image\.js \(\d+ bytes\)/);
    assert.match(r.out, /sent 100%/);
    assert.match(r.out, /done: .* runs at every boot/);
    assert.not.match(r.out, /espruino\.com/); // the banner of the CLI's reset() is not shown
    // the upload ends in load(): the image ran at once, on the console the CLI was on
    assert.match(r.out, /device: FLASHED IMAGE BOOTED/);
    await it.restart();
    await it.waitForOutput('FLASHED IMAGE BOOTED');
    assert.match(await it.eval<string>('require("Storage").read(".bootcde")'), /flash test image/);
    const res = await fetch(`http://127.0.0.1:${it.hostPort(80)}/hello`);
    assert.is(await res.text(), 'flashed image answers /hello');
  } finally {
    await it.stop();
  }
});

test('an image that switches the telnet REPL off as it boots still counts as flashed', async ({ dir }) => {
  const file = join(dir, 'quiet.js');
  writeFileSync(file, '// telnet off at boot, as the gateway does\nrequire("TelnetServer").setOptions({ mode: "off" });\nprint("QUIET IMAGE UP");\n');
  const it = await board(join(dir, 'flash2'));
  try {
    const r = await flash(['--port', `tcp://127.0.0.1:${it.hostPort(TELNET_PORT)}`, '--file', file, '--image-only']);
    assert.is(r.code, 0, r.out + r.err);
    await it.restart();
    await it.waitForOutput('QUIET IMAGE UP');
    assert.is(await acceptsConnections(it.hostPort(TELNET_PORT)), false, 'the image switched telnet off at boot');
  } finally {
    await it.stop();
  }
});

test('no --port: a one-line hint, exit 2', async ({ dir }) => {
  const file = join(dir, 'image.js');
  writeFileSync(file, IMAGE);
  const r = await flash(['--file', file]);
  assert.is(r.code, 2);
  assert.match(r.err.trim(), /^flash: no --port: give --port \/dev\/ttyUSB0 .* --port tcp:\/\/127\.0\.0\.1:PORT/);
  assert.is(r.err.trim().split('\n').length, 1);
});

test('a serial port that is not there, and nothing listening on a TCP port: what to do', async ({ dir }) => {
  const file = join(dir, 'image.js');
  writeFileSync(file, IMAGE);
  const serial = await flash(['--port', '/dev/ttyUSB-not-there', '--file', file, '--image-only']);
  assert.is(serial.code, 1);
  assert.match(serial.err, /^flash: no serial port \/dev\/ttyUSB-not-there: plug the board in/);
  const tcp = await flash(['--port', `tcp://127.0.0.1:${await unusedPort()}`, '--file', file, '--image-only']);
  assert.is(tcp.code, 1);
  assert.match(tcp.err, /^flash: nothing answers at tcp:\/\/127\.0\.0\.1:\d+: start the host interpreter with `npm run emu -- --telnet \d+`/);
});

test('a device that does not answer the REPL: a one-line error', async ({ dir }) => {
  const file = join(dir, 'image.js');
  writeFileSync(file, IMAGE);
  const conns = new Set<net.Socket>();
  const silent = net.createServer((s) => {
    conns.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const r = await flash(['--port', `tcp://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, '--file', file, '--image-only']);
    assert.is(r.code, 1);
    assert.match(r.err, /^flash: the device on tcp:\/\/127\.0\.0\.1:\d+ did not answer the Espruino REPL/);
  } finally {
    for (const c of conns) c.destroy();
    await new Promise((r) => silent.close(r));
  }
});

test('--firmware: needs a serial port and the three images, and says how to get esptool', async ({ dir }) => {
  const tcp = await flash(['--firmware', dir, '--port', 'tcp://127.0.0.1:23']);
  assert.is(tcp.code, 2);
  assert.match(tcp.err, /--firmware needs the board on USB/);
  const incomplete = await flash(['--firmware', dir, '--port', '/dev/null']);
  assert.is(incomplete.code, 1);
  assert.match(incomplete.err, /lacks bootloader\.bin, espruino\.bin, partitions\*\.bin/);
  for (const f of ['bootloader.bin', 'partitions_espruino.bin', 'espruino.bin']) writeFileSync(join(dir, f), 'x');
  const r = await flash(['--firmware', dir, '--port', '/dev/null'], 30000);
  // esptool is not installed on these machines: the message says how to get it
  if (r.code !== 0) assert.match(r.err, /esptool is not installed: get it with `pip install esptool` or `apt-get install esptool`|esptool failed/);
});

test.run();
