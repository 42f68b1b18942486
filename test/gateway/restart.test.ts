// Restart and power cut of the gateway (docs/protocol.md §5.2, §6): approvals
// survive, the first call after boot needs the Echo round trip, envelopes
// from before the restart never run again, and the gateway never reuses a
// send nonce, even when power is cut before its state is written. Power
// cuts are SIGKILL of the interpreter; the write-behind of the nonce marks is
// configured short (limits.nonce_flush_s) where a test needs it written.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAedes } from '../mqtt/brokers.ts';
import type { AedesBroker } from '../mqtt/brokers.ts';
import { GatewayUnderTest } from './harness.ts';
import { TestDevice, until } from './device.ts';
import { memoryStorage } from './sessions.ts';
import { SlotFile } from '../../src/gateway/store.ts';
import * as P from '../../src/protocol/index.ts';

let broker: AedesBroker;
let gw: GatewayUnderTest;
let a: TestDevice; // PSK
let b: TestDevice; // no PSK

async function enroll(d: TestDevice, psk?: string): Promise<void> {
  await d.start();
  await d.connect();
  const ap = d.approved();
  await gw.admin.ok('POST', `/api/devices/${d.id}/approve`, psk ? { psk } : {});
  await ap;
}

/** The highest nonce of device `id` in the gateway's state file on the board (0 when none). */
async function markOnFlash(id: string): Promise<number> {
  const names = ['gw.st.0', 'gw.st.1'];
  const held = await gw.files(names);
  const files = new Map<string, string>();
  for (const n of names) if (held[n] !== undefined) files.set(n, held[n]!);
  const body = new SlotFile(memoryStorage(files), 'gw.st').read();
  const e = body ? JSON.parse(body)[id] : undefined; // [r, R, w, g]
  return e ? e[0] : 0;
}

/** Sets the least seconds between write-behinds of the nonce marks. */
async function flushEvery(s: number): Promise<void> {
  await gw.admin.ok('PUT', '/api/config', { limits: { nonce_flush_s: s } });
}

/** Gateway nonces seen by the device must keep increasing across boots. */
function seenNonce(d: TestDevice): number {
  return d.rxHigh;
}

test.before(async () => {
  broker = await createAedes();
  gw = new GatewayUnderTest({ brokerPort: broker.port });
  await gw.start();
  a = gw.device('keeper-a', { psk: 'psk-a' });
  b = gw.device('keeper-b');
  await enroll(a, 'psk-a');
  await enroll(b);
  await gw.admin.ok('PUT', '/api/devices/keeper-b/methods', { allow: ['ping', 'report'] });
  assert.is((await a.call('ping')).result, 'pong');
  assert.is((await b.call('ping')).result, 'pong');
});

test.after(async () => {
  a?.end();
  b?.end();
  await gw?.stop();
  await broker?.close();
});

async function echoRoundTrip(d: TestDevice): Promise<void> {
  const r = await d.call('ping', undefined, { echo: false });
  assert.is(r.error.code, -32010, d.id + ': echo required after boot');
  const value = r.error.data.echo;
  assert.ok(P.isHex(value, 32));
  // a notification from the unfresh session gets the echo.required notification, not executed
  d.notify('report', { unfresh: 1 });
  const n = await d.nextSealed((m) => m.method === 'echo.required');
  assert.equal(n.message.params, { echo: value });
  // the retry carries the echo: runs
  const id = 777;
  d.send(d.seal(P.requestText(id, 'ping'), { echo: value }));
  assert.is((await d.nextSealed((m) => m.id === id)).message.result, 'pong');
  // fresh now: no echo needed
  assert.is((await d.call('ping', undefined, { echo: false })).result, 'pong');
  const dev = await gw.admin.ok('GET', '/api/devices/' + d.id);
  assert.is(dev.telemetry.unfresh, undefined, 'the unfresh notification did not run');
}

test('restart after the state was written: approvals, allow-lists and PSK kept; echo needed; old envelopes refused', async () => {
  const old = a.seal(P.requestText(5, 'report', { old: 1 }));
  a.send(old);
  assert.is((await a.nextSealed((m) => m.id === 5)).message.result, true);
  const before = seenNonce(a);
  await flushEvery(1);
  await until(async () => (await markOnFlash('keeper-a')) >= a.tx, 30000, 'the nonce marks written behind');
  await gw.restart();

  const list = await gw.admin.ok('GET', '/api/devices');
  const da = list.find((x: any) => x.device_id === 'keeper-a');
  const db = list.find((x: any) => x.device_id === 'keeper-b');
  assert.is(da.status, 'offline');
  assert.is(da.psk, true);
  assert.equal(db.allow, ['ping', 'report']);

  // the envelope accepted before the restart is a replay now
  const r0 = (await gw.security()).replay;
  a.send(old);
  await until(async () => (await gw.security()).replay === r0 + 1, 15000, 'replay after restart');

  await echoRoundTrip(a);
  await echoRoundTrip(b);
  assert.ok(seenNonce(a) > before);
  assert.is((await gw.admin.ok('GET', '/api/devices/keeper-a')).status, 'authorized');

  // the echo value is new at each boot
  const v1 = (await a.call('ping', undefined, { echo: false })).result;
  assert.is(v1, 'pong');
});

test('power cut: nonces never reused, unwritten high-water marks covered by the echo', async () => {
  // traffic after the last state write: the gateway's marks on flash are behind
  await flushEvery(3600);
  const written = await markOnFlash('keeper-a');
  for (let i = 0; i < 5; i++) assert.is((await a.call('report', { n: i })).result, true);
  assert.ok((await markOnFlash('keeper-a')) === written, 'not written behind yet');
  const captured = a.seal(P.requestText(900, 'report', { captured: 1 }));
  // the attacker holds `captured`; the device never sent it. Power goes off.
  const before = seenNonce(a);
  await gw.restart(); // power cut (SIGKILL), then power on

  // the captured envelope is authentic and newer than the marks on flash:
  // the gateway answers "echo required" and does not run it
  a.send(captured);
  const r = await a.nextSealed((m) => m.id === 900);
  assert.is(r.message.error.code, -32010);
  assert.ok(r.envelope.nonce > before, 'the gateway send nonce moved past every nonce used before the cut');
  const dev = await gw.admin.ok('GET', '/api/devices/keeper-a');
  assert.is(dev.telemetry.captured, undefined);

  // the device goes on normally
  assert.is((await a.call('ping')).result, 'pong');
  assert.is((await b.call('ping')).result, 'pong');
});

test('repeated power cuts right after boot never reuse a gateway nonce', async () => {
  for (let round = 0; round < 3; round++) {
    const before = seenNonce(b);
    await gw.restart(); // power cut, then power on
    const r = await b.call('ping', undefined, { echo: false });
    assert.is(r.error.code, -32010);
    assert.ok(seenNonce(b) > before, `round ${round}: nonce ${seenNonce(b)} > ${before}`);
  }
});

test.run();
