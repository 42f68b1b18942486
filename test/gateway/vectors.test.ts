// The worked examples of protocol-vectors.json against the built gateway on
// the real interpreter: its Storage is provisioned with the vector session
// (fixed keys) and its clock set to the vectors' time, so every
// `gateway_must_drop` envelope must be dropped with exactly its reason and no
// reply, and the valid envelopes must be accepted — after the Echo round
// trip, since a session restored from flash is not fresh (§6). On both
// firmware variants: the native crypto and the pure-JS one.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { utf8Bytes } from '../../tools/emulate/config.ts';
import { VARIANTS } from '../../tools/espruino/build.ts';
import type { Variant } from '../../tools/espruino/build.ts';
import * as P from '../../src/protocol/index.ts';
import { createAedes } from '../mqtt/brokers.ts';
import type { AedesBroker } from '../mqtt/brokers.ts';
import { GatewayUnderTest } from './harness.ts';
import { TestDevice, until } from './device.ts';
import { writeSessions } from './sessions.ts';

const V = JSON.parse(readFileSync(new URL('../fixtures/protocol-vectors.json', import.meta.url), 'utf8')).protocol;
const T0 = 1764072000;

/** The vector session in the gateway's registry. */
function writeVectorSession(dir: string, variant: Variant): Promise<void> {
  return writeSessions(
    dir,
    [{ id: V.device_id, n: 'vector', pk: V.device_public, g: V.gateway_public, k: V.hmac_key + V.enc_key, p: V.psk_hash, a: null, t: T0, s: 'approved' }],
    variant,
  );
}

for (const variant of VARIANTS) {
  const t = suite('vectors on ' + variant + ' firmware');

  let broker: AedesBroker;
  let gw: GatewayUnderTest;
  let dev: TestDevice;

  t.before(async () => {
    broker = await createAedes();
    gw = new GatewayUnderTest({ brokerPort: broker.port, variant, extraConfig: writeVectorSession });
    await gw.start();
    await gw.setClock(T0); // as SNTP would: the vectors' timestamps are "now"
    dev = gw.device(V.device_id, { psk: V.psk, clock: () => T0 });
    dev.keys = { hmacKey: P.fromHex(V.hmac_key)!, encKey: P.fromHex(V.enc_key)! };
    dev.gatewayPub = V.gateway_public;
    await dev.start();
  });

  t.after(async () => {
    dev?.end();
    await gw?.stop();
    await broker?.close();
  });

  t('the restored vector session is listed with its PSK, not authorized yet', async () => {
    const d = await gw.admin.ok('GET', '/api/devices/sensor-01');
    assert.is(d.status, 'approved');
    assert.is(d.psk, true);
    assert.is(d.pubkey, V.device_public);
  });

  t('every gateway_must_drop vector is dropped with its reason and no reply', async () => {
    for (const v of V.gateway_must_drop) {
      if (v.after) continue; // the replay pair runs below
      const before = await gw.security();
      dev.send(JSON.stringify(v.envelope));
      await until(async () => (await gw.security())[v.reason] === before[v.reason] + 1, 15000, v.note);
      const now = await gw.security();
      for (const k of Object.keys(now)) if (k !== v.reason) assert.is(now[k], before[k], `${v.note}: only "${v.reason}" counts (${k})`);
      assert.ok(await dev.silent(() => true, 300), `${v.note}: no reply`);
      const recent = (await gw.admin.ok('GET', '/api/security')).recent;
      assert.is(recent[recent.length - 1].reason, v.reason);
    }
  });

  t('the valid request is authentic: echo required first (restored session), then it runs', async () => {
    const s = V.sealed.device_report_request;
    dev.send(JSON.stringify(s.envelope));
    const echo = await dev.nextSealed();
    assert.is(echo.message.error.code, -32010);
    assert.is(echo.message.error.message, 'echo required');
    assert.is(echo.id, 7);
    const value = echo.message.error.data.echo;
    assert.ok(P.isHex(value, 32));
    assert.is((await gw.admin.ok('GET', '/api/devices/sensor-01')).status, 'authorized');
    assert.is((await gw.admin.ok('GET', '/api/devices/sensor-01')).telemetry.temperature, undefined, 'not executed');

    // the same envelope again is a replay (the vector pair)
    const replay = V.gateway_must_drop.find((v: any) => v.after);
    const r0 = (await gw.security()).replay;
    dev.send(JSON.stringify(replay.after[0]));
    await until(async () => (await gw.security()).replay === r0 + 1, 15000, 'replay');

    // repeated with the echo value (new nonce): runs
    dev.tx = 1;
    dev.send(dev.seal(utf8Bytes(s.plaintext), { echo: value, timestamp: T0 }));
    const ok = await dev.nextSealed();
    assert.equal(ok.message, { jsonrpc: '2.0', id: 7, result: true });
    const d = await gw.admin.ok('GET', '/api/devices/sensor-01');
    assert.is(d.telemetry.temperature.value, 21.5);

    // the vector notification (nonce 2 is now old) is a replay; a fresh one with its text is accepted
    const n = V.sealed.device_log_notification;
    const r1 = (await gw.security()).replay;
    dev.send(JSON.stringify(n.envelope));
    await until(async () => (await gw.security()).replay === r1 + 1, 15000, 'old notification');
    dev.send(dev.seal(utf8Bytes(n.plaintext), { timestamp: T0 }));
    const extra = await dev.next((p) => p.includes('ciphertext'), 300).catch(() => undefined);
    assert.is(extra && JSON.stringify(dev.open(extra)), undefined, 'notifications get no answer');

    // the echo vector (nonce near 2^53, a string id) passes every check, and the echo is not needed any more
    const pe = V.sealed.device_ping_with_echo;
    dev.send(JSON.stringify(pe.envelope));
    const pong = await dev.nextSealed();
    assert.equal(pong.message, { jsonrpc: '2.0', id: 'a-1', result: 'pong' });
  });

  t('the gateway seals like the vectors: its responses open with the vector keys', async () => {
    // every sealed reply above opened with the vector keys in direction 1; nonces went up
    assert.ok(dev.rxHigh >= 2);
  });

  t('the vector connect request gets the vector approval (same key, valid proof: no re-key)', async () => {
    await gw.setClock(T0);
    dev.publish('connect/request', JSON.stringify(V.connect_request));
    const reply = JSON.parse(await dev.next((p) => p.includes('"approved"')));
    assert.is(reply.id, 1);
    assert.is(reply.result.status, 'approved');
    assert.is(reply.result.gateway_pubkey, V.approval_params.gateway_pubkey);
    assert.is(reply.result.gw_proof, V.approval_params.gw_proof);
    assert.is(reply.result.device_id, V.device_id);
    assert.ok(reply.result.time >= T0 && reply.result.time < T0 + 300, 'the gateway clock: ' + reply.result.time);
  });

  t('stale timestamps are dropped (gateway clock set)', async () => {
    // real time runs on from T0: 400 s off is stale, 250 s ahead is not
    await gw.setClock(T0);
    const before = (await gw.security()).stale;
    const e = dev.seal(P.requestText(1, 'ping'), { nonce: 9007199254740100, timestamp: T0 - 400 });
    dev.send(e);
    await until(async () => (await gw.security()).stale === before + 1, 15000, 'stale');
    dev.send(dev.seal(P.requestText(2, 'ping'), { nonce: 9007199254740101, timestamp: T0 + 400 }));
    await until(async () => (await gw.security()).stale === before + 2, 15000, 'stale future');
    dev.send(dev.seal(P.requestText(3, 'ping'), { nonce: 9007199254740102, timestamp: T0 + 250 }));
    assert.is((await dev.nextSealed()).message.result, 'pong');
  });

  t.run();
}
