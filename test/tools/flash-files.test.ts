// npm run flash uploads everything a board needs, with the real `espruino` CLI
// through the telnet console of the real interpreter: the pure-JS crypto
// module, the configuration and the dashboard page byte-exact, then the image;
// a board flashed so boots from Storage on stock firmware (power cycle) and
// serves the gzip page. --native leaves the module out, and a bad --config
// stops everything before the board is touched.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Variant } from '../../tools/espruino/build.ts';
import { Interpreter, readStorage, TELNET_PORT, writeStorage } from '../../tools/espruino/interpreter.ts';
import { flash, ROOT, unusedPort } from './flash-run.ts';

const MODULE = readFileSync(join(ROOT, 'dist/gwcrypto-js.js'));
const PAGE = readFileSync(join(ROOT, 'dist/dashboard.html.gz'));

/** The board with its telnet console open, ready for the CLI. */
async function board(storageDir: string, variant: Variant, ports: Record<number, number> = {}): Promise<Interpreter> {
  const it = await Interpreter.start({ storageDir, variant, telnetPort: 0, ports });
  await it.waitForOutput(`portmap: ${TELNET_PORT} -> ${it.hostPort(TELNET_PORT)}`);
  await it.waitForOutput(/\n>/); // listening: the prompt comes after listen()
  return it;
}

/** Storage files as the board holds them, read with the power off (the board's program does not run). */
async function stored(it: Interpreter, names: string[]): Promise<Record<string, Buffer | undefined>> {
  await it.kill();
  return readStorage(it.storageDir, names, it.variant);
}

/** Byte-equal, with a short message (not two dumps of 40 KB) when not. */
function sameBytes(actual: Buffer | undefined, expected: Buffer, what: string): void {
  if (!actual) return assert.unreachable(`${what}: missing`);
  const at = actual.findIndex((b, i) => b !== expected[i]);
  assert.ok(actual.equals(expected), `${what}: ${actual.length} bytes, expected ${expected.length}; first difference at byte ${at}`);
}

function storageList(it: Interpreter): Promise<string[]> {
  return it.eval<string[]>('require("Storage").list()');
}

/** GET without decoding, so the body is the bytes the board sent. */
function rawGet(port: number, path: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function lineIndex(out: string, re: RegExp): number {
  const lines = out.split('\n');
  const i = lines.findIndex((l) => re.test(l));
  assert.ok(i >= 0, `no line matching ${re} in:\n${out}`);
  return i;
}

const test = suite<{ dir: string }>('npm run flash: the files a board needs', { dir: '' });
test.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'flash-files-'));
});
test.after((ctx) => {
  rmSync(ctx.dir, { recursive: true, force: true });
});

test('a gateway on stock firmware: module, gw.cfg and page byte-exact, image last; it boots and serves the gzip page', async ({ dir }) => {
  const cfgFile = join(dir, 'gw.json');
  // Pretty-printed, with Wi-Fi: uploaded as written. An admin hash is set, so the
  // gateway does not make a password (and rewrite gw.cfg) at boot. The broker is a
  // loopback port nothing listens on: the gateway keeps retrying.
  writeFileSync(cfgFile, JSON.stringify({
    broker: `mqtt://127.0.0.1:${await unusedPort()}`,
    prefix: 'flash-test',
    admin: '00112233445566778899aabbccddeeff:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    wifi: { ssid: 'workshop', password: 'correct horse' },
  }, null, 2) + '\n');
  const cfg = readFileSync(cfgFile);
  const it = await board(join(dir, 'gateway'), 'stock', { 80: 0 });
  try {
    const r = await flash(['--port', `tcp://127.0.0.1:${it.hostPort(TELNET_PORT)}`, '--no-build', '--config', cfgFile], 240000);
    assert.is(r.code, 0, r.out + r.err);
    assert.match(r.out, /flashing gateway onto tcp:\/\/127\.0\.0\.1:\d+: gwcrypto-js, gw\.cfg, dash\.html\.gz, \.bootcde/);
    // one step per file, in this order, each but the image checked on the board
    const steps = [
      /^\[1\/4\] gwcrypto-js from dist\/gwcrypto-js\.js \(\d+ bytes\)/,
      /^\[2\/4\] gw\.cfg from .*gw\.json \(\d+ bytes\)/,
      /^\[3\/4\] dash\.html\.gz from dist\/dashboard\.html\.gz \(\d+ bytes\)/,
      /^\[4\/4\] \.bootcde from dist\/gateway\.js \(\d+ bytes\)/,
      /^done: dist\/gateway\.js is in \.bootcde .* runs at every boot, with gwcrypto-js, gw\.cfg, dash\.html\.gz/,
    ].map((re) => lineIndex(r.out, re));
    assert.equal([...steps].sort((a, b) => a - b), steps);
    assert.is(r.out.match(/checked on the board: \d+ bytes, CRC32 [0-9a-f]{8}/g)?.length, 3);
    assert.is(r.out.match(/sent 100%/g)?.length, 4);
    assert.not.match(r.out, /no --config/);

    const files = await stored(it, ['gwcrypto-js', 'dash.html.gz', 'gw.cfg']);
    sameBytes(files['gwcrypto-js'], MODULE, 'gwcrypto-js');
    sameBytes(files['dash.html.gz'], PAGE, 'dash.html.gz');
    sameBytes(files['gw.cfg'], cfg, 'gw.cfg');
    // (.bootcde is the image as the CLI rewrites it for the REPL: checked by booting it)

    // power on: it boots from Storage
    await it.restart();
    await it.waitForOutput('http: admin API on port 80', 30000);
    assert.not.match(it.output, /no crypto|gw\.cfg: |Uncaught/);
    assert.is(await it.eval('process.env.MODULES.indexOf("GatewayCrypto")'), -1); // stock: the pure-JS module did the crypto
    const page = await rawGet(it.hostPort(80), '/');
    assert.is(page.status, 200);
    assert.is(page.headers['content-encoding'], 'gzip');
    sameBytes(page.body, PAGE, 'GET / body');
    sameBytes((await stored(it, ['gw.cfg']))['gw.cfg'], cfg, 'gw.cfg after the boots');
  } finally {
    await it.stop();
  }
});

test('--native: no crypto module; a sensor gets sensor.cfg, and no dashboard', async ({ dir }) => {
  const cfgFile = join(dir, 'sensor.json');
  writeFileSync(cfgFile, JSON.stringify({ device_id: 'bench-1', broker: `mqtt://127.0.0.1:${await unusedPort()}`, wifi: { ssid: 'workshop', password: 'pw' } }));
  const it = await board(join(dir, 'sensor'), 'custom'); // custom firmware: GatewayCrypto built in
  try {
    const r = await flash(['--port', `tcp://127.0.0.1:${it.hostPort(TELNET_PORT)}`, '--no-build', '--image', 'sensor', '--native', '--config', cfgFile], 120000);
    assert.is(r.code, 0, r.out + r.err);
    assert.match(r.out, /flashing sensor onto tcp:\/\/127\.0\.0\.1:\d+: sensor\.cfg, \.bootcde\n/);
    lineIndex(r.out, /^\[1\/2\] sensor\.cfg from .*sensor\.json/);
    lineIndex(r.out, /^\[2\/2\] \.bootcde from dist\/sensor\.js/);
    assert.not.match(r.out, /gwcrypto-js|dash\.html\.gz/);
    sameBytes((await stored(it, ['sensor.cfg']))['sensor.cfg'], readFileSync(cfgFile), 'sensor.cfg');
    await it.restart();
    const files = await storageList(it);
    assert.ok(files.includes('.bootcde'), files.join(', '));
    assert.not.ok(files.includes('gwcrypto-js'), files.join(', '));
    assert.not.ok(files.includes('dash.html.gz'), files.join(', '));
  } finally {
    await it.stop();
  }
});

test('--native on stock firmware: stops before the image; without --config the board keeps its gw.cfg', async ({ dir }) => {
  const storageDir = join(dir, 'stock');
  await writeStorage(storageDir, { 'gw.cfg': '{"broker":"mqtt://10.0.0.2:1883"}' }, 'stock');
  const it = await board(storageDir, 'stock');
  try {
    const r = await flash(['--port', `tcp://127.0.0.1:${it.hostPort(TELNET_PORT)}`, '--no-build', '--native'], 120000);
    assert.is(r.code, 1, r.out + r.err);
    assert.match(r.out, /gw\.cfg: no --config, so the board keeps the gw\.cfg it has/);
    assert.match(r.err, /^flash: --native, but the firmware on tcp:\/\/127\.0\.0\.1:\d+ has no GatewayCrypto module: flash without --native/);
    assert.is(r.err.trim().split('\n').length, 1);
    assert.not.match(r.out, /\.bootcde from/);
    const files = await stored(it, ['.bootcde', 'gwcrypto-js', 'gw.cfg']);
    assert.is(files['.bootcde'], undefined);
    assert.is(files['gwcrypto-js'], undefined);
    assert.is(files['gw.cfg']?.toString(), '{"broker":"mqtt://10.0.0.2:1883"}');
  } finally {
    await it.stop();
  }
});

test('a bad --config: one line naming the problem, exit 2, before anything is sent', async ({ dir }) => {
  let connections = 0;
  const board = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => board.listen(0, '127.0.0.1', r));
  const port = `tcp://127.0.0.1:${(board.address() as net.AddressInfo).port}`;
  const cases: [string, string, string, RegExp][] = [
    ['gateway', 'broken.json', '{"broker": "mqtt://127.0.0.1:1883",', /broken\.json is not valid JSON \(/],
    ['gateway', 'fields.json', '{"broker": "http://example", "wifi": {"ssid": 7}}', /fields\.json: broker must be mqtt:\/\/host:port or mqtts:\/\/host:port; wifi must be \{"ssid"/],
    ['gateway', 'typo.json', '{"brokr": "mqtt://127.0.0.1:1883"}', /typo\.json: "brokr" is not a field of gw\.cfg \(the gateway reads broker, /],
    ['gateway', 'array.json', '[]', /array\.json must hold a JSON object/],
    ['sensor', 'sensor.json', '{"broker": "mqtt://127.0.0.1:1883"}', /sensor\.json: device_id must be 1-64 of/],
  ];
  try {
    for (const [image, name, text, re] of cases) {
      const file = join(dir, name);
      writeFileSync(file, text);
      const r = await flash(['--port', port, '--no-build', '--image', image, '--config', file]);
      assert.is(r.code, 2, `${name}: ${r.out}${r.err}`);
      assert.is(r.out, '', name);
      assert.is(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, /^flash: /);
      assert.match(r.err, re);
    }
    const both = await flash(['--port', port, '--image-only', '--config', join(dir, 'typo.json')]);
    assert.is(both.code, 2);
    assert.match(both.err, /^flash: --image-only uploads only the image: leave out --config/);
    assert.is(connections, 0);
  } finally {
    await new Promise((r) => board.close(r));
  }
});

test.run();
