// The gateway's WebSocket server (src/gateway/ws) running on the real
// interpreter's http server, inside a small test image with its own admin core
// (test/gateway/fixtures/ws-image.js), driven by the `ws` package and raw TCP.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { rollup } from 'rollup';
import typescript from '@rollup/plugin-typescript';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageCheck } from '../../tools/image-check/index.mjs';
import { Interpreter } from '../../tools/espruino/interpreter.ts';
import { acceptsConnections } from '../../tools/ports.ts';
import { GUID, RawClient, clientFrame, refusedUpgrade, waitFor, wsClient } from './ws-helpers';

let emu: Interpreter;
let port: number;
let dir: string;
// the keepalive tests' ping period: short, as real time passes
const KEEPALIVE_MS = 1000;
const open: { close(): void }[] = [];
// Tests end their clients with a closing handshake: one that just vanishes
// holds its slot until a keepalive write fails (see the keepalive tests).
const track = <T extends { ws?: any; send?: (b: Buffer) => void; ended?: boolean }>(c: T): T => {
  open.push({ close: () => (c.ws ? c.ws.close() : c.ended || c.send!(clientFrame(8, Buffer.from([3, 232])))) });
  return c;
};

async function buildImage(): Promise<string> {
  const bundle = await rollup({
    input: 'test/gateway/fixtures/ws-image.js',
    plugins: [typescript({ tsconfig: './tsconfig.json', noEmitOnError: true }), imageCheck()],
    onwarn: (w) => {
      throw new Error(String(w.message));
    },
  });
  const { output } = await bundle.generate({ format: 'iife', strict: false, generatedCode: 'es5' });
  await bundle.close();
  return output[0].code;
}

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ws-image-'));
  const file = join(dir, 'ws-image.js');
  writeFileSync(file, await buildImage());
  emu = await Interpreter.start({ file, ports: { 80: 0 } });
  port = emu.hostPort(80);
  // the script has run once the server takes connections (under load that can take a while)
  await waitFor('the server listens', () => acceptsConnections(port), 30000);
});

/** The board's count of admin sockets. */
const sockets = () => emu.eval<number>('wsTest.sockets()');

test.after.each(async () => {
  for (const c of open.splice(0)) c.close();
  await waitFor('every socket gone', async () => (await sockets()) === 0);
});

test.after(async () => {
  await emu?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('handshake: 101 with the RFC 6455 accept key, then JSON-RPC and events', async () => {
  const raw = track(await RawClient.open(port, RawClient.handshake(undefined, { Authorization: 'Bearer good' })));
  assert.is(raw.status, 101);
  assert.is(raw.headers['sec-websocket-accept'], 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  assert.is(raw.headers['upgrade'].toLowerCase(), 'websocket');
  assert.is(raw.headers['connection'].toLowerCase(), 'upgrade');
  const key = Buffer.from('0123456789abcdef').toString('base64');
  const raw2 = track(await RawClient.open(port, RawClient.handshake(key, { authorization: 'Bearer good' })));
  assert.is(raw2.headers['sec-websocket-accept'], createHash('sha1').update(key + GUID).digest('base64'));

  const c = track(await wsClient(port, 'good'));
  assert.equal(await c.rpc('status'), { jsonrpc: '2.0', id: 1, result: { uptime_s: 1 } });
  await emu.eval('wsTest.emit(3, 10, 0)');
  await waitFor('three events', () => c.events.length === 3);
  assert.equal(c.events.map((e) => e.at), [0, 1, 2]);
  assert.equal(c.events[0], { type: 'log', device_id: 'd', level: 'info', msg: 'xxxxxxxxxx', at: 0 });
});

test('JSON-RPC errors, asynchronous answers and the per-client request limit', async () => {
  const c = track(await wsClient(port, 'good'));
  assert.is((await c.rpc('password.change', { old: 'a', new: 'b' })).error.code, -32601);
  assert.equal((await c.rpc('device.setMethods', { device_id: 'd', allow: 5 })).error, {
    code: -32602,
    message: 'allow must be an array.',
    data: { status: 400, code: 'bad_request' },
  });
  assert.is((await c.rpc('device.get', { device_id: 'x' })).error.data.status, 404);
  // five slow calls at once: the fifth is refused, the four others answer later
  const ids = [10, 11, 12, 13, 14];
  const got: any[] = [];
  c.ws.on('message', (m) => {
    const d = JSON.parse(String(m));
    if (ids.includes(d.id)) got.push(d);
  });
  for (const id of ids) c.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'device.call', params: { device_id: 'd', method: 'later', params: { ms: 1000 } } }));
  await waitFor('the refusal', () => got.length >= 1);
  assert.equal(got[0].id, 14);
  assert.equal(got[0].error.data, { status: 429, code: 'rate_limited' });
  await waitFor('four late answers', () => got.length === 5);
  assert.equal(got.slice(1).map((d) => d.result), Array(4).fill({ result: 'late' }));
});

test('malformed JSON gets parse / invalid-request errors and the socket stays', async () => {
  const raw = track(await RawClient.open(port, RawClient.handshake(undefined, { Authorization: 'Bearer good' })));
  raw.send(Buffer.concat([clientFrame(1, '{"jsonrpc":"2.0","id":'), clientFrame(1, '[1,2]'), clientFrame(1, '{"jsonrpc":"2.0","id":3,"method":"status"}')]));
  const replies = [await raw.frame(), await raw.frame(), await raw.frame()].map((f) => JSON.parse(f.data.toString()));
  assert.equal(replies.map((r) => (r.error ? r.error.code : r.result)), [-32700, -32600, { uptime_s: 1 }]);
});

test('a frame dribbled in one byte at a time, and two frames in one write', async () => {
  const raw = track(await RawClient.open(port, RawClient.handshake(undefined, { Authorization: 'Bearer good' })));
  raw.sock.setNoDelay(true);
  const f = clientFrame(1, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status', params: { pad: 'p'.repeat(600) } }));
  for (const b of f) {
    raw.send(Buffer.from([b]));
    await new Promise((r) => setImmediate(r));
  }
  const one = JSON.parse((await raw.frame()).data.toString());
  assert.is(one.id, 1);
  raw.send(Buffer.concat([clientFrame(9, 'p1'), clientFrame(1, '{"jsonrpc":"2.0","id":2,"method":"status"}')]));
  const pong = await raw.frame();
  assert.is(pong.op, 10);
  assert.is(pong.data.toString(), 'p1');
  assert.is(JSON.parse((await raw.frame()).data.toString()).id, 2);
});

test('no session, an unknown token, or a logged-out session: close 4401', async () => {
  for (const token of [null, 'nope']) {
    const raw = track(await RawClient.open(port, RawClient.handshake(undefined, token ? { Authorization: 'Bearer ' + token } : {})));
    assert.is(raw.status, 101);
    assert.is(await raw.closeCode(), 4401);
    await waitFor('closed', () => raw.ended);
  }
  const c = track(await wsClient(port, 'spare'));
  assert.is((await c.rpc('status')).result.uptime_s, 1);
  await emu.eval('wsTest.logout("spare")');
  c.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'status' }));
  await waitFor('4401', () => c.closed() === 4401);
});

test('Origin must match Host; requests that are not WebSocket upgrades are refused', async () => {
  const bad = await refusedUpgrade(port, 'good', 'http://evil.example');
  assert.is(bad.status, 403);
  assert.is(JSON.parse(bad.body).error.code, 'forbidden');
  assert.is((await refusedUpgrade(port, 'good', 'null')).status, 403);
  const same = track(await wsClient(port, 'good', `http://127.0.0.1:${port}`));
  assert.is((await same.rpc('status')).id, 1);

  const plain = await RawClient.open(port, {});
  assert.is(plain.status, 400);
  assert.is(JSON.parse(plain.body).error.code, 'bad_request');
  const v8 = await RawClient.open(port, RawClient.handshake(undefined, { 'Sec-WebSocket-Version': '8', Authorization: 'Bearer good' }));
  assert.is(v8.status, 426);
  assert.is(v8.headers['sec-websocket-version'], '13');
  const shortKey = await RawClient.open(port, RawClient.handshake('abc', { Authorization: 'Bearer good' }));
  assert.is(shortKey.status, 400);
});

test('bad frames are refused with their close code and the connection closes', async () => {
  const cases: [string, Buffer, number][] = [
    ['unmasked', clientFrame(1, '{}', { masked: false }), 1002],
    ['too big', clientFrame(1, 'x'.repeat(5000)), 1009],
    ['too big, header only', clientFrame(1, 'x'.repeat(70000)).subarray(0, 14), 1009],
    ['fragmented', clientFrame(1, '{"jsonrpc"', { fin: false }), 1003],
    ['continuation', clientFrame(0, '{}'), 1002],
    ['binary', clientFrame(2, Buffer.from([1, 2, 3])), 1003],
    ['opcode 3', clientFrame(3, ''), 1002],
    ['RSV1', clientFrame(1, '{}', { rsv: 64 }), 1002],
    ['ping too long', clientFrame(9, 'p'.repeat(126)), 1002],
  ];
  for (const [what, bytes, code] of cases) {
    const raw = track(await RawClient.open(port, RawClient.handshake(undefined, { Authorization: 'Bearer good' })));
    raw.send(bytes);
    assert.is(await raw.closeCode(), code, what);
    await waitFor(what + ': closed', () => raw.ended);
  }
});

test('ping gets a pong; a client close gets a close back and frees the slot', async () => {
  const c = track(await wsClient(port, 'good'));
  const pong = new Promise<string>((ok) => c.ws.once('pong', (d) => ok(String(d))));
  c.ws.ping('hello');
  assert.is(await pong, 'hello');
  assert.is(await emu.eval('wsTest.listeners()'), 1);
  c.ws.close(4000, 'bye');
  await waitFor('closed', () => c.closed() !== 0);
  assert.is(c.closed(), 1000);
  await waitFor('no sockets', async () => (await sockets()) === 0);
  assert.is(await emu.eval('wsTest.listeners()'), 0, 'the core listener is removed with the last socket');
});

test('three admin browsers at once get every event; a fourth is refused with 503', async () => {
  const cs = [track(await wsClient(port, 'good')), track(await wsClient(port, 'good')), track(await wsClient(port, 'good'))];
  const busy = await refusedUpgrade(port, 'good');
  assert.is(busy.status, 503);
  assert.is(JSON.parse(busy.body).error.code, 'busy');
  // without a session a socket does not count against the cap: it is closed 4401
  const anon = track(await RawClient.open(port, RawClient.handshake()));
  assert.is(await anon.closeCode(), 4401);
  await emu.eval('wsTest.emit(5, 100, 0)');
  for (const c of cs) await waitFor('five events', () => c.events.length === 5);
  assert.is(await emu.eval('wsTest.listeners()'), 1, 'one core subscription for all sockets');
  cs[0].ws.close();
  await waitFor('a free slot', async () => (await sockets()) === 2);
  const again = track(await wsClient(port, 'good'));
  assert.is((await again.rpc('status')).result.uptime_s, 1);
});

test('a client that stops reading is closed (1013) once it falls behind; the others get everything', async () => {
  const good = track(await wsClient(port, 'good'));
  const slow = track(await RawClient.open(port, RawClient.handshake(undefined, { Authorization: 'Bearer good' })));
  slow.sock.pause();
  // ~3.2 KB batches, each once the reading client has drained the one before,
  // until a client is dropped: the stalled one falls behind once the kernel's
  // socket buffers are full (a MB or so on loopback)
  await emu.eval('wsTest.flood(3, 1000)');
  await waitFor('a client dropped', async () => (await sockets()) < 2, 120000);
  const sent = await emu.eval<number>('wsTest.flooded()');
  await waitFor('the reading client has every event', () => good.events.length === sent);
  assert.equal(good.events.map((e) => e.at), Array.from({ length: sent }, (_, i) => i), 'every event, in order');
  assert.is((await good.rpc('status')).result.uptime_s, 1, 'the gateway still answers');
  slow.sock.resume();
  await waitFor('the stalled client sees the end', () => slow.ended, 60000);
  const frames = [];
  for (let f; (f = slow.take()); ) frames.push(f);
  const last = frames[frames.length - 1];
  assert.is(last.op, 8);
  assert.is(last.data.readUInt16BE(0), 1013);
  assert.ok(frames.length - 1 < sent, `the stalled client got ${frames.length - 1} of ${sent} events`);
});

test('keepalive: a silent client is pinged, then dropped; a live one stays', async () => {
  await emu.eval(`wsTest.keepaliveMs = ${KEEPALIVE_MS}`);
  const live = track(await wsClient(port, 'good'));
  const silent = track(await RawClient.open(port, RawClient.handshake(undefined, { Authorization: 'Bearer good' })));
  // one keepalive period; the live client's automatic pong precedes its request,
  // so once the answer is here the server has heard the pong
  async function period(): Promise<void> {
    await new Promise((ok) => live.ws.once('ping', ok));
    assert.is((await live.rpc('status')).result.uptime_s, 1);
  }
  await period();
  const ping = await silent.frame();
  assert.is(ping.op, 9);
  await period();
  await waitFor('the silent client dropped', () => silent.ended);
  await period();
  assert.is(await sockets(), 1);
});

test('keepalive finds a client that vanished without a close frame', async () => {
  await emu.eval(`wsTest.keepaliveMs = ${KEEPALIVE_MS}`);
  const gone = await wsClient(port, 'good');
  gone.ws.terminate(); // TCP closed, no close frame: Espruino notices only when a write fails
  await waitFor('its slot freed', async () => (await sockets()) === 0);
});

test('keepalive closes sockets whose session has ended (logout elsewhere) with 4401', async () => {
  await emu.eval(`wsTest.keepaliveMs = ${KEEPALIVE_MS}`);
  const c = track(await wsClient(port, 'good'));
  await emu.eval('wsTest.logout("good")');
  await waitFor('4401', () => c.closed() === 4401);
});

test.run();
