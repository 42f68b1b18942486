// net and http as the interpreter gives them to JS (src/mqtt/espruino-transport.ts,
// src/gateway/http, src/gateway/ws), over loopback TCP to the real interpreter.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import type { Interpreter } from '../../tools/espruino/interpreter.ts';
import { freePort } from '../../tools/ports.ts';
import { errorOf, startBoard } from './board.ts';

/** A host TCP server on a free loopback port. */
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

/** One raw HTTP exchange: what the board sent back, as 8-bit text. */
function rawHttp(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(request));
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

const test = suite<{ it: Interpreter }>('network', {} as { it: Interpreter });
test.before.each(async (ctx) => {
  ctx.it = await startBoard({ ports: { 80: 0 } });
});
test.after.each(async (ctx) => {
  await ctx.it.stop();
});

test('socket data arrives as 8-bit strings in pieces of at most 536 bytes, bytes unchanged', async ({ it }) => {
  const payload = randomBytes(5000);
  const srv = await hostServer((s) => s.end(payload));
  try {
    await it.eval(`global.got = []; global.sizes = []; global.types = {};
      var s = require("net").connect({ host: "127.0.0.1", port: ${srv.port} });
      s.on("data", function (d) { types[typeof d] = 1; sizes.push(d.length); got.push(d); });
      s.on("close", function () { print("closed after " + sizes.length + " pieces"); })`);
    await it.waitForOutput(/closed after \d+ pieces/);
    assert.equal(await it.eval('Object.keys(types)'), ['string']);
    assert.is(await it.eval('Math.max.apply(null, sizes)'), 536);
    const received = Buffer.from(await it.eval<string>('btoa(got.join(""))'), 'base64');
    assert.ok(received.equals(payload), 'the bytes come through unchanged');
  } finally {
    await srv.close();
  }
});

test('write(x) sends String(x): a Uint8Array goes out as "1,2,3"; E.toString sends the bytes', async ({ it }) => {
  let got = Buffer.alloc(0);
  let done: () => void;
  const received = new Promise<void>((r) => (done = r));
  const srv = await hostServer((s) => s.on('data', (d: Buffer) => {
    got = Buffer.concat([got, d]);
    if (got.length >= 10) done();
  }));
  try {
    await it.eval(`var s = require("net").connect({ host: "127.0.0.1", port: ${srv.port} }, function () {
      s.write(new Uint8Array([1, 2, 3])); s.write(E.toString(new Uint8Array([0, 255]))); s.write(42); s.write("\\xe9");
    })`);
    await received;
    assert.equal([...got], [...Buffer.from('1,2,3'), 0, 255, ...Buffer.from('42'), 0xe9]);
  } finally {
    await srv.close();
  }
});

test('events: connect, drain, data, end, close(false); write after close throws; a refused connect throws at once on the host', async ({ it }) => {
  const srv = await hostServer((s) => s.end('bye'));
  try {
    await it.eval(`global.ev = [];
      global.sock = require("net").connect({ host: "127.0.0.1", port: ${srv.port} }, function () { ev.push("connect"); });
      sock.on("drain", function () { ev.push("drain"); });
      sock.on("data", function (d) { ev.push("data " + d); });
      sock.on("end", function () { ev.push("end"); });
      sock.on("close", function (hadError) { ev.push("close " + hadError); print("done: " + ev.join()); })`);
    // the data event may be queued before or after connect/drain (the server writes at once);
    // end and close always come last
    const line = await it.waitForOutput(/done: [^\r\n]*\r\n/);
    const events = line.trim().slice('done: '.length).split(',');
    assert.equal(events.slice(-2), ['end', 'close false']);
    assert.equal(events.slice(0, -2).sort(), ['connect', 'data bye', 'drain']);
    assert.ok(events.indexOf('connect') < events.indexOf('drain'), line);
    assert.match(await errorOf(it, 'sock.write("more")'), /closed/i);
  } finally {
    await srv.close();
  }
  // (on the ESP32 the connect is asynchronous and fails with an error event;
  // src/mqtt/client.ts takes both)
  const dead = await freePort();
  assert.match(await errorOf(it, `require("net").connect({ host: "127.0.0.1", port: ${dead} })`), /InternalError: Unable to create socket/);
});

test('http: method, url with query, headers as the client wrote them, body in pieces, Connection: close', async ({ it }) => {
  await it.eval(`require("http").createServer(function (req, res) {
      var body = "", pieces = 0;
      req.on("data", function (d) { body += d; pieces++; });
      req.on("end", function () {
        res.writeHead(201, { "Content-Type": "application/json", "X-Pieces": pieces });
        res.end(JSON.stringify({ m: req.method, u: req.url, h: req.headers["X-Mixed-Case"], lower: req.headers["x-mixed-case"] || "none", n: body.length }));
      });
    }).listen(80)`);
  const res = await fetch(`http://127.0.0.1:${it.hostPort(80)}/a/b?c=1`, { method: 'POST', body: 'b'.repeat(3000), headers: { 'X-Mixed-Case': 'v' } });
  assert.is(res.status, 201);
  assert.is(res.headers.get('connection'), 'close');
  assert.is(res.headers.get('server'), 'Espruino 2v29');
  assert.ok(Number(res.headers.get('x-pieces')) >= 5, 'the body came in pieces');
  // the board keeps header names as they arrived: no lower-case alias
  assert.equal(await res.json(), { m: 'POST', u: '/a/b?c=1', h: 'v', lower: 'none', n: 3000 });
  const raw = await rawHttp(it.hostPort(80), 'GET /x HTTP/1.1\r\nX-Mixed-Case: Kept\r\n\r\n');
  assert.match(raw, /^HTTP\/1\.1 201 OK\r\nServer: Espruino 2v29\r\nConnection: close\r\nContent-Type: application\/json\r\nX-Pieces: 0\r\n\r\n/);
  assert.match(raw, /"h":"Kept"/);
});

test('http: a second writeHead is refused with a message, end() closes the connection', async ({ it }) => {
  await it.eval(`require("http").createServer(function (req, res) {
      res.writeHead(200, {});
      res.writeHead(500, {});
      res.write("a");
      res.end("b");
    }).listen(80)`);
  const raw = await rawHttp(it.hostPort(80), 'GET / HTTP/1.1\r\n\r\n');
  assert.match(raw, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(raw, /\r\n\r\nab$/);
  await it.waitForOutput(/Headers have already been sent/);
});

test('http upgrade: after a 101 the connection stays open, raw bytes both ways through req/res (the gateway\'s WebSocket)', async ({ it }) => {
  await it.eval(`require("http").createServer(function (req, res) {
      var key = req.headers["Sec-WebSocket-Key"] || req.headers["sec-websocket-key"];
      var accept = btoa(E.toString(new Uint8Array(require("crypto").SHA1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))));
      res.writeHead(101, { "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": accept });
      req.on("data", function (d) {
        var b = E.toUint8Array(d), len = b[1] & 127, mask = b.slice(2, 6), text = "";
        for (var i = 0; i < len; i++) text += String.fromCharCode(b[6 + i] ^ mask[i & 3]);
        res.write(E.toString([0x81, text.length + 5]) + "echo " + text);
      });
    }).listen(80)`);
  const ws = new WebSocket(`ws://127.0.0.1:${it.hostPort(80)}/ws`);
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const reply = new Promise<string>((r) => ws.once('message', (m) => r(m.toString())));
    ws.send('hi there');
    assert.is(await reply, 'echo hi there');
  } finally {
    ws.terminate();
  }
});

test.run();
