// net and http as the ESP32 firmware gives them to JS, over real loopback TCP.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { Emulator } from '../../tools/emulator/index.ts';

const test = suite('network');

/** A host TCP server on a free loopback port; `connections` are kept for the test to drive. */
async function hostServer(onConnection: (s: net.Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onConnection(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

test('socket data arrives as 8-bit strings in pieces of at most 536 bytes', async () => {
  const payload = randomBytes(5000);
  const srv = await hostServer((s) => s.end(payload));
  const emu = await Emulator.start({});
  try {
    emu.eval(`var got = [], sizes = [], types = {};
      var s = require("net").connect({ host: "127.0.0.1", port: ${srv.port} });
      s.on("data", function (d) { types[typeof d] = 1; sizes.push(d.length); got.push(d); });
      s.on("close", function () { print("closed after " + sizes.length + " pieces"); });`);
    await emu.waitForOutput(/closed after \d+ pieces/);
    assert.equal(emu.eval('Object.keys(types).join()'), 'string');
    assert.ok(emu.eval('Math.max.apply(null, sizes)') <= 536);
    assert.ok(emu.eval('sizes.length') >= 10);
    const received = Buffer.from(emu.eval('got.join("")'), 'latin1');
    assert.ok(received.equals(payload), 'the bytes come through unchanged');
  } finally {
    await emu.stop();
    await srv.close();
  }
});

test('write(x) sends String(x): a Uint8Array goes out as "1,2,3"; E.toString sends the bytes', async () => {
  let got = Buffer.alloc(0);
  let done: () => void;
  const received = new Promise<void>((r) => (done = r));
  const srv = await hostServer((s) => s.on('data', (d: Buffer) => {
    got = Buffer.concat([got, d]);
    if (got.length >= 10) done();
  }));
  const emu = await Emulator.start({});
  try {
    emu.eval(`var s = require("net").connect({ host: "127.0.0.1", port: ${srv.port} }, function () {
      s.write(new Uint8Array([1, 2, 3]));
      s.write(E.toString(new Uint8Array([0, 255])));
      s.write(42);
      s.write("\\xe9");
    });`);
    await received;
    assert.equal([...got], [...Buffer.from('1,2,3'), 0, 255, ...Buffer.from('42'), 0xe9]);
  } finally {
    await emu.stop();
    await srv.close();
  }
});

test('events: connect (even before the handshake), drain, end, close; unsent data is an error -8', async () => {
  const srv = await hostServer((s) => s.end('bye'));
  const emu = await Emulator.start({});
  try {
    emu.eval(`var ev = [];
      var s = require("net").connect({ host: "127.0.0.1", port: ${srv.port} }, function () { ev.push("connect"); });
      s.on("drain", function () { ev.push("drain"); });
      s.on("data", function (d) { ev.push("data " + d); });
      s.on("end", function () { ev.push("end"); });
      s.on("close", function (hadError) { ev.push("close " + hadError); print("done: " + ev.join()); });`);
    assert.is(await emu.waitForOutput(/done: [^\n]*/), 'done: connect,drain,data bye,end,close false');
    // a refused connection still reports 'connect' on the ESP32, then fails with what it could not send
    const closed = await hostServer(() => undefined);
    const deadPort = closed.port;
    await closed.close();
    emu.eval(`var ev2 = [];
      var r = require("net").connect({ host: "127.0.0.1", port: ${deadPort} }, function () { ev2.push("connect"); r.write("hello"); });
      r.on("error", function (e) { ev2.push("error " + e.code + " " + e.message); });
      r.on("end", function () { ev2.push("end"); });
      r.on("close", function (hadError) { ev2.push("close " + hadError); print("refused: " + ev2.join()); });`);
    assert.is(await emu.waitForOutput(/refused: [^\n]*/), 'refused: connect,error -8 unsent data,end,close true');
    assert.match(String((() => { try { emu.eval('r.write("more")'); } catch (e) { return e; } })()), /This socket is closed/);
  } finally {
    await emu.stop();
    await srv.close();
  }
});

test('dropSockets(): every open connection closes as on Wi-Fi loss; servers keep listening', async () => {
  const srv = await hostServer(() => undefined);
  const emu = await Emulator.start({ portMap: { 80: 0 } });
  try {
    emu.eval(`var s = require("net").connect({ host: "127.0.0.1", port: ${srv.port} });
      s.on("close", function () { print("client dropped"); });
      require("http").createServer(function (req, res) { print("request in"); req.on("close", function () { print("request dropped"); }); }).listen(80);`);
    const client = net.connect(emu.hostPort(80), '127.0.0.1');
    client.on('error', () => undefined);
    await new Promise((r) => client.once('connect', r));
    client.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await emu.waitForOutput('request in');
    emu.dropSockets();
    await emu.waitForOutput('client dropped');
    await emu.waitForOutput('request dropped');
    client.destroy();
    const again = net.connect(emu.hostPort(80), '127.0.0.1');
    await new Promise((resolve, reject) => {
      again.once('connect', resolve);
      again.once('error', reject);
    });
    again.destroy();
  } finally {
    await emu.stop();
    await srv.close();
  }
});

test('http: method, url, headers in the client\'s case, body in pieces, one request per connection', async () => {
  const emu = await Emulator.start({ portMap: { 80: 0 } });
  try {
    emu.eval(`require("http").createServer(function (req, res) {
      var body = "", pieces = 0;
      req.on("data", function (d) { body += d; pieces++; });
      req.on("end", function () {
        res.writeHead(201, { "Content-Type": "application/json", "X-Pieces": pieces });
        res.end(JSON.stringify({ m: req.method, u: req.url, h: req.headers["X-Mixed-Case"], lower: req.headers["x-mixed-case"], n: body.length }));
      });
    }).listen(80);`);
    const body = 'b'.repeat(3000);
    const res = await fetch(`http://127.0.0.1:${emu.hostPort(80)}/a/b?c=1`, { method: 'POST', body, headers: { 'X-Mixed-Case': 'v' } });
    assert.is(res.status, 201);
    assert.is(res.headers.get('connection'), 'close');
    assert.is(res.headers.get('server'), 'Espruino 2v29');
    assert.ok(Number(res.headers.get('x-pieces')) >= 6, 'the body came in pieces');
    // the device keeps the names exactly as they arrived: no lowercase alias
    assert.equal(await res.json(), { m: 'POST', u: '/a/b?c=1', h: 'v', n: 3000 });
    // a raw client keeps its case
    const raw = await rawHttp(emu.hostPort(80), 'GET /x HTTP/1.1\r\nX-Mixed-Case: Kept\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 201 OK\r\nServer: Espruino 2v29\r\nConnection: close\r\n/);
    assert.match(raw, /"h":"Kept"/);
  } finally {
    await emu.stop();
  }
});

function rawHttp(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(request));
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

test('http: writeHead twice is an error message, end() twice throws, write after end throws', async () => {
  const emu = await Emulator.start({ portMap: { 80: 0 } });
  try {
    emu.eval(`require("http").createServer(function (req, res) {
      res.writeHead(200, {});
      res.writeHead(500, {});
      res.end("ok");
      try { res.end(); } catch (e) { print("second end: " + e.message); }
      try { res.write("x"); } catch (e) { print("write after end: " + e.message); }
    }).listen(80);`);
    const raw = await rawHttp(emu.hostPort(80), 'GET / HTTP/1.1\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 200 OK/);
    assert.match(raw, /\r\n\r\nok$/);
    await emu.waitForOutput('ERROR: Headers have already been sent');
    await emu.waitForOutput('second end: This socket is closed.');
    await emu.waitForOutput('write after end: This socket is closed.');
  } finally {
    await emu.stop();
  }
});

test('http upgrade: after a 101 the connection stays open, raw bytes both ways through req/res', async () => {
  const emu = await Emulator.start({ portMap: { 80: 0 } });
  try {
    // a minimal WebSocket echo on top of http, as the gateway does it
    emu.eval(`require("http").createServer(function (req, res) {
      var key = req.headers["Sec-WebSocket-Key"] || req.headers["sec-websocket-key"];
      var accept = btoa(E.toString(new Uint8Array(require("crypto").SHA1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))));
      res.writeHead(101, { "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": accept });
      req.on("end", function () { print("req end right after the upgrade"); });
      req.on("data", function (d) {
        var b = E.toUint8Array(d), len = b[1] & 127, mask = b.slice(2, 6), text = "";
        for (var i = 0; i < len; i++) text += String.fromCharCode(b[6 + i] ^ mask[i & 3]);
        res.write(E.toString([0x81, text.length + 5]) + "echo " + text);
      });
    }).listen(80);`);
    const ws = new WebSocket(`ws://127.0.0.1:${emu.hostPort(80)}/ws`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const reply = new Promise<string>((r) => ws.once('message', (m) => r(m.toString())));
    ws.send('hi there');
    assert.is(await reply, 'echo hi there');
    await emu.waitForOutput('req end right after the upgrade');
    ws.terminate();
  } finally {
    await emu.stop();
  }
});

test('only maxSockets sockets: net.connect throws InternalError beyond them', async () => {
  const srv = await hostServer(() => undefined);
  const emu = await Emulator.start({ maxSockets: 3 });
  try {
    emu.eval(`var socks = []; for (var i = 0; i < 3; i++) socks.push(require("net").connect({ host: "127.0.0.1", port: ${srv.port} }));`);
    let err = '';
    try {
      emu.eval(`require("net").connect({ host: "127.0.0.1", port: ${srv.port} })`);
    } catch (e) {
      err = String(e);
    }
    assert.match(err, /InternalError: Unable to create socket/);
    await emu.waitForOutput('ERROR: Socket creation failed');
  } finally {
    await emu.stop();
    await srv.close();
  }
});

test('the SHA1 used for the WebSocket accept matches the host', async () => {
  const emu = await Emulator.start({});
  try {
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const accept = emu.eval(`btoa(E.toString(new Uint8Array(require("crypto").SHA1("${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))))`);
    assert.is(accept, createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64'));
  } finally {
    await emu.stop();
  }
});

test.run();
