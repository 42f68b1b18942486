// The gateway core (src/gateway/core.ts) in virtual time, in this process:
// its real counterpart, the device core (src/device/core.ts), talks to it
// through an in-memory broker, and one clock drives both through their
// tick()s. The timing cases: offline timeout, call deadlines, the rate limit,
// the connect-request limit, the state write-behind, and the echo round after
// a gateway restart. (The images on the real interpreter: the other
// test/gateway files.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsCrypto as c } from '../../src/crypto/node/js.ts';
// The gateway on the C crypto (the custom firmware's): its x25519Async ends
// before it returns, so an approval finishes in virtual time too.
import { nativeCrypto } from '../../src/crypto/node/native.ts';
import { createDeviceCore } from '../../src/device/core.ts';
import type { DeviceCore, DeviceOptions, RpcError } from '../../src/device/api.ts';
import type { SavedState } from '../../src/device/state.ts';
import type { GatewayEvent } from '../../src/gateway/admin/wire.ts';
import type { Gateway } from '../../src/gateway/api.ts';
import { defaultConfig } from '../../src/gateway/config.ts';
import type { Config } from '../../src/gateway/config.ts';
import { createGateway } from '../../src/gateway/core.ts';
import type { StorageLike } from '../../src/gateway/store.ts';
import { RATE_LIMITED, connectTopic, gatewayRxTopic, newKeyPair, pskHash, pskProof, toHex } from '../../src/protocol/index.ts';
import { BLOCK_S, FAIL_BUDGET } from '../../src/gateway/strikes.ts';

const T0 = 1764072000; // Unix seconds: the clocks are set

/** Storage as the gateway uses it: named files, whole writes. */
function memoryStorage(): StorageLike & { files: Map<string, string> } {
  const files = new Map<string, string>();
  return {
    files,
    read: (name) => files.get(name),
    write: (name, data) => (files.set(name, data), true),
    erase: (name) => void files.delete(name),
  };
}

interface Device {
  core: DeviceCore;
  events: [string, any][];
  saved?: SavedState;
  online: boolean;
}

/**
 * A gateway and its devices on one virtual clock. Messages queue and are
 * delivered by flush() (as a broker would, never from inside a publish);
 * advance() moves time in one-second steps, ticking every core.
 */
function world(configure: (cfg: Config) => void = () => {}) {
  const storage = memoryStorage();
  const cfg = defaultConfig();
  configure(cfg);
  let wall = T0;
  let mono = 100;
  const queue: { topic: string; payload: string }[] = [];
  const devices = new Map<string, Device>();
  const events: GatewayEvent[] = [];
  const toGateway: string[] = []; // every payload delivered to the gateway, for replays

  function boot(): Gateway {
    const gw = createGateway({
      crypto: nativeCrypto,
      storage,
      cfg,
      publish: (topic, payload) => (queue.push({ topic, payload }), true),
      clock: () => wall,
      mono: () => mono,
    });
    gw.start();
    gw.onEvent((ev) => events.push(ev));
    return gw;
  }

  const w = {
    storage,
    cfg,
    events,
    toGateway,
    gw: boot(),
    /** A power cut and boot on the same Storage (after a clean write of the state). */
    restart(clean = true) {
      if (clean) w.gw.persist();
      queue.length = 0;
      w.gw = boot();
    },
    device(id: string, o: Partial<DeviceOptions> = {}): Device {
      const d: Device = { core: undefined as any, events: [], online: true };
      d.core = createDeviceCore(c, { deviceId: id, ...o }, {
        now: () => wall * 1000,
        publish: (topic, payload) => void (d.online && queue.push({ topic, payload })),
        save: (s) => (d.saved = JSON.parse(JSON.stringify(s))),
        event: (type, detail) => d.events.push([type, detail]),
      });
      devices.set(id, d);
      d.core.connected();
      w.flush();
      return d;
    },
    flush() {
      for (let n = 0; queue.length; n++) {
        assert.ok(n < 10000, 'the message exchange ends');
        const m = queue.shift()!;
        const to = [...devices.values()].find((d) => d.core.rxTopic === m.topic);
        if (to) {
          if (to.online) to.core.message(m.topic, m.payload);
        } else {
          toGateway.push(m.payload);
          w.gw.onMessage(m.topic, m.payload);
        }
      }
    },
    advance(seconds: number) {
      for (let i = 0; i < seconds; i++) {
        wall += 1;
        mono += 1;
        w.gw.tick();
        for (const d of devices.values()) d.core.tick();
        w.flush();
      }
    },
    /** Enrolled, approved and proven with its first ping. */
    authorized(id: string, o: Partial<DeviceOptions> = {}): Device {
      const d = w.device(id, o);
      assert.is(w.gw.device(id)?.status, 'pending');
      let refusal: unknown = 'no answer';
      w.gw.approve(id, o.psk, { pskWeak: false }, (err) => (refusal = err));
      assert.is(refusal, undefined);
      w.flush();
      w.advance(1);
      assert.is(d.core.status(), 'authorized');
      assert.is(w.gw.device(id)?.status, 'authorized');
      return d;
    },
    /** device.call() with its outcome recorded. */
    call(d: Device, method: string, params?: unknown) {
      const out: { err?: RpcError | null; result?: any; calls: number } = { calls: 0 };
      d.core.call(method, params, (err, result) => {
        out.calls++;
        out.err = err;
        out.result = result;
      });
      w.flush();
      return out;
    },
    statusEvents(id: string): string[] {
      return events.filter((e) => e.type === 'device' && e.device.device_id === id).map((e: any) => e.device.status);
    },
    security(reason: string): number {
      return w.gw.sec.report().counters[reason];
    },
  };
  return w;
}

test('offline after offline_timeout without a valid envelope, authorized again with the next one', () => {
  const w = world((cfg) => (cfg.offline_timeout = 30));
  const d = w.authorized('sensor-1', { heartbeatMs: 20000 });
  d.online = false; // the device loses its connection: no heartbeats reach the gateway
  d.core.disconnected();
  w.advance(30);
  assert.is(w.gw.device('sensor-1')!.status, 'authorized', 'not before the timeout has passed');
  w.advance(2);
  assert.is(w.gw.device('sensor-1')!.status, 'offline');
  assert.is(w.statusEvents('sensor-1').pop(), 'offline', 'the admin is told');
  assert.equal(w.gw.counts(), { pending: 0, approved: 0, authorized: 0, offline: 1, revoked: 0 });

  d.online = true;
  d.core.connected(); // a heartbeat goes out at once
  w.flush();
  assert.is(w.gw.device('sensor-1')!.status, 'authorized');
  assert.is(w.statusEvents('sensor-1').pop(), 'authorized');
});

test('a device heard within the timeout stays authorized', () => {
  const w = world((cfg) => (cfg.offline_timeout = 30));
  w.authorized('sensor-1', { heartbeatMs: 20000 });
  w.advance(120);
  assert.is(w.gw.device('sensor-1')!.status, 'authorized');
  assert.not.ok(w.statusEvents('sensor-1').includes('offline'));
});

test('gateway → device calls: answered, timed out at the first tick past the deadline, failed when the session ends', () => {
  const w = world();
  const d = w.authorized('lamp');
  let late: ((err: any, result?: any) => void) | undefined;
  d.core.handle('led.set', (p, reply) => reply(null, { on: p.on }));
  d.core.handle('sleepy', (_p, reply) => (late = reply));
  const done: [boolean, any][] = [];
  const record = (timedOut: boolean, reply?: any) => done.push([timedOut, reply]);

  assert.is(w.gw.call('lamp', 'led.set', { on: true }, 5000, record), undefined);
  w.flush();
  assert.equal(done, [[false, { result: { on: true } }]]);

  done.length = 0;
  assert.is(w.gw.call('lamp', 'sleepy', {}, 3000, record), undefined);
  w.flush();
  w.advance(2);
  assert.equal(done, [], 'still waiting before the deadline');
  w.advance(2);
  assert.equal(done, [[true, undefined]], 'timed out');
  late!(null, 'too late');
  w.flush();
  assert.is(done.length, 1, 'an answer after the deadline is dropped');

  done.length = 0;
  w.gw.call('lamp', 'sleepy', {}, 60000, record);
  w.flush();
  assert.is(w.gw.revoke('lamp'), undefined);
  assert.equal(done, [[true, undefined]], 'revocation ends the call at once');
  assert.is(w.gw.call('lamp', 'led.set', {}, 1000, record)!.status, 409);
  assert.is(w.gw.call('nobody', 'led.set', {}, 1000, record)!.status, 404);
});

test('at most 8 calls in flight; the rest are refused until one settles', () => {
  const w = world();
  const d = w.authorized('lamp');
  d.core.handle('sleepy', () => {});
  const settled: boolean[] = [];
  for (let i = 0; i < 8; i++) assert.is(w.gw.call('lamp', 'sleepy', {}, 2000, (t) => settled.push(t)), undefined);
  assert.is(w.gw.call('lamp', 'sleepy', {}, 2000, () => {})!.code, 'busy');
  w.advance(3);
  assert.equal(settled, Array(8).fill(true));
  assert.is(w.gw.call('lamp', 'sleepy', {}, 2000, () => {}), undefined, 'room again');
});

test('rate limit: a burst beyond the bucket gets one −32003 a second, the rest dropped; all counted; tokens come back with time', () => {
  const w = world((cfg) => {
    cfg.limits.rate = 2;
    cfg.limits.burst = 4;
  });
  const d = w.authorized('chatty', { maxCalls: 8 });
  w.advance(3); // the bucket is full again after the first ping
  const before = w.security('rate limited');
  const outcome = (o: { err?: RpcError | null; result?: any; calls: number }) => (!o.calls ? 'no answer' : o.err ? o.err.code : o.result);
  const outs = [];
  for (let i = 0; i < 7; i++) outs.push(w.call(d, 'ping'));
  // each −32003 is sealed (a nonce, now and then a flash write): one a second at most
  assert.equal(outs.map(outcome), ['pong', 'pong', 'pong', 'pong', RATE_LIMITED, 'no answer', 'no answer']);
  assert.is(w.security('rate limited') - before, 3);
  assert.is(w.gw.device('chatty')!.counters.dropped, 3);

  w.advance(1); // two more tokens, and a −32003 may go out again
  assert.equal([w.call(d, 'ping'), w.call(d, 'ping'), w.call(d, 'ping'), w.call(d, 'ping')].map(outcome), ['pong', 'pong', RATE_LIMITED, 'no answer']);
  // a notification over the rate is dropped without an answer
  const sent = d.core.stats().received;
  assert.ok(d.core.notify('report', { t: 1 }));
  w.flush();
  assert.is(d.core.stats().received, sent, 'no reply to a notification');
  assert.is(w.security('rate limited') - before, 6);
});

/** A connect request for `id` with key `pub`, and with a proof of `psk` when given. */
function connectText(id: string, pub: string, psk?: string): string {
  const params: any = { device_id: id, pubkey: pub };
  if (psk) params.psk_proof = pskProof(nativeCrypto, pskHash(nativeCrypto, psk), id, pub);
  return JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'connect', params });
}

test('connect requests of one id at most one per connect_s: an early one is dropped and counted', () => {
  const w = world((cfg) => (cfg.limits.connect_s = 2));
  w.device('early');
  const request = connectText('early', toHex(newKeyPair(c).publicKey));
  w.gw.onMessage(connectTopic(w.cfg.prefix), request);
  assert.is(w.security('rate limited'), 1, 'within 2 s of the first');
  const firstKey = w.gw.device('early')!.pubkey;
  w.advance(2);
  w.gw.onMessage(connectTopic(w.cfg.prefix), request);
  assert.is(w.security('rate limited'), 1);
  assert.is.not(w.gw.device('early')!.pubkey, firstKey, 'accepted: the latest key wins');
});

test('a PSK session: requests with a wrong proof are refused and not charged to the connect rate, so they cannot keep the device out', () => {
  const w = world((cfg) => (cfg.limits.connect_s = 2));
  w.authorized('keyed', { psk: 'the-psk' });
  w.advance(3);
  const ask = (text: string) => w.gw.onMessage(connectTopic(w.cfg.prefix), text);
  const forged = (pub: string) => connectText('keyed', pub, 'a-guess');
  for (let i = 0; i < 3; i++) {
    ask(forged(w.gw.device('keyed')!.pubkey));
    w.advance(1);
  }
  assert.is(w.security('psk proof'), 3);
  // right after a forged request, the device's own (a new key: a re-key, no admin) goes through
  const fresh = toHex(newKeyPair(c).publicKey);
  ask(forged(fresh));
  ask(connectText('keyed', fresh, 'the-psk'));
  assert.is(w.security('psk proof'), 4);
  assert.is(w.security('rate limited'), 0);
  assert.is(w.gw.device('keyed')!.pubkey, fresh, 'accepted: a new session with the new key');
  // a second valid request within connect_s is charged as before
  ask(connectText('keyed', fresh, 'the-psk'));
  assert.is(w.security('rate limited'), 1);
});

test('a full pending table gives up its oldest entry, counted: refreshed fake ids cannot hold it', () => {
  const w = world((cfg) => (cfg.limits.pending = 4));
  const key = () => toHex(newKeyPair(c).publicKey);
  const fakes = ['f1', 'f2', 'f3', 'f4'];
  for (const id of fakes) w.gw.onMessage(connectTopic(w.cfg.prefix), connectText(id, key()));
  w.advance(3);
  for (const id of fakes) w.gw.onMessage(connectTopic(w.cfg.prefix), connectText(id, key())); // refreshed
  w.flush();
  assert.is(w.gw.counts().pending, 4);
  const removedBefore = w.events.filter((e) => e.type === 'removed').length;
  w.device('real');
  assert.is(w.gw.device('real')?.status, 'pending', 'a new request always gets in');
  assert.is(w.gw.counts().pending, 4);
  assert.is(w.gw.device('f1'), undefined, 'the first to come is the first to go');
  assert.is(w.security('evicted'), 1);
  assert.is(w.events.filter((e) => e.type === 'removed').length, removedBefore + 1, 'the admin is told');
  // the fakes coming back evict in arrival order: the real device stays until 4 newer ones came
  w.gw.onMessage(connectTopic(w.cfg.prefix), connectText('f1', key()));
  w.gw.onMessage(connectTopic(w.cfg.prefix), connectText('f5', key()));
  w.gw.onMessage(connectTopic(w.cfg.prefix), connectText('f6', key()));
  assert.is(w.gw.device('real')?.status, 'pending');
  w.gw.onMessage(connectTopic(w.cfg.prefix), connectText('f7', key()));
  assert.is(w.gw.device('real'), undefined);
  assert.is(w.security('evicted'), 5);
});

test('failed decryptions: past the budget (a second) the device\'s envelopes are dropped unopened for BLOCK_S, counted apart', () => {
  const w = world();
  const d = w.authorized('target');
  w.advance(2);
  const sealed = JSON.parse(w.toGateway[w.toGateway.length - 1]);
  const forge = (nonce: number) => JSON.stringify({ ...sealed, nonce, timestamp: w.gw.wall() });
  const rx = gatewayRxTopic(w.cfg.prefix);
  for (let i = 0; i < FAIL_BUDGET; i++) w.gw.onMessage(rx, forge(1000 + i));
  assert.is(w.security('bad ciphertext'), FAIL_BUDGET, 'each one opened and failed');
  w.gw.onMessage(rx, forge(2000));
  assert.is(w.security('bad ciphertext'), FAIL_BUDGET, 'no more AEAD checks');
  assert.is(w.security('unopened'), 1);
  // the device's own envelopes too, while the block lasts
  const r = w.call(d, 'ping');
  assert.is(r.calls, 0);
  assert.is(w.security('unopened'), 2);
  w.advance(BLOCK_S);
  assert.is(w.call(d, 'ping').result, 'pong', 'served again once the block is over');
  // fewer failures than the budget each second: never blocked
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < FAIL_BUDGET - 1; i++) w.gw.onMessage(rx, forge(3000 + s * 100 + i));
    w.advance(1);
  }
  assert.is(w.call(d, 'ping').result, 'pong');
  assert.is(w.security('unopened'), 2);
});

test('tick() writes the nonce state behind: after a power cut, envelopes accepted before the write are replays', () => {
  const w = world();
  const d = w.authorized('sensor-1');
  const from = w.toGateway.length;
  for (let i = 0; i < 3; i++) assert.is(w.call(d, 'ping').result, 'pong');
  const captured = w.toGateway.slice(from);
  assert.is(captured.length, 3);
  w.advance(61); // the write-behind runs within 60 s of the change
  w.restart(false); // power cut: no clean write
  for (const envelope of captured) w.gw.onMessage(gatewayRxTopic(w.cfg.prefix), envelope);
  assert.is(w.security('replay'), 3);
  assert.is(w.call(d, 'ping').result, 'pong', 'the device carries on (after the echo round)');
});

test('a power cut before the write-behind: the newest envelopes are not replays, but not run either (echo)', () => {
  const w = world();
  const d = w.authorized('sensor-1');
  w.advance(61);
  const from = w.toGateway.length;
  assert.is(w.call(d, 'report', { n: 1 }).result, true);
  const captured = w.toGateway.slice(from);
  const reports: GatewayEvent[] = [];
  w.restart(false); // within 60 s: gw.st does not hold the last nonce yet
  w.gw.onEvent((ev) => ev.type === 'telemetry' && reports.push(ev));
  w.gw.onMessage(gatewayRxTopic(w.cfg.prefix), captured[0]);
  assert.is(w.security('replay'), 0);
  assert.is(reports.length, 0, 'the restored session is not fresh: the replay does not run');
});

test('after a restart every session proves it is live (echo) before a call runs; the device does it unnoticed', () => {
  const w = world();
  const d = w.authorized('sensor-1');
  const reports: GatewayEvent[] = [];
  w.restart();
  assert.is(w.gw.device('sensor-1')!.status, 'offline', 'restored, not yet heard');
  w.gw.onEvent((ev) => ev.type === 'telemetry' && reports.push(ev));

  // a request: answered −32010 with the echo, repeated by the device with it, then run
  const from = w.toGateway.length;
  const r = w.call(d, 'time');
  const sent = w.toGateway.slice(from).map((p) => JSON.parse(p));
  assert.equal(sent.map((e) => typeof e.echo), ['undefined', 'string'], 'the call went twice, the second time with the echo');
  assert.is(r.calls, 1);
  assert.is(r.err, null);
  assert.is(r.result.unix, w.gw.wall());
  assert.is(w.gw.device('sensor-1')!.status, 'authorized');

  // fresh now: a notification runs at once
  assert.ok(d.core.notify('report', { temperature: 21.5 }));
  w.flush();
  assert.is(reports.length, 1);
  assert.equal((reports[0] as any).values, { temperature: 21.5 });
});

test('a notification from a session not yet fresh is answered with echo.required and resent with the echo', () => {
  const w = world();
  const d = w.authorized('sensor-1');
  w.restart();
  const reports: GatewayEvent[] = [];
  w.gw.onEvent((ev) => ev.type === 'telemetry' && reports.push(ev));
  const from = w.toGateway.length;
  assert.ok(d.core.notify('report', { humidity: 40 }));
  w.flush();
  const sent = w.toGateway.slice(from).map((p) => JSON.parse(p));
  assert.equal(sent.map((e) => typeof e.echo), ['undefined', 'string'], 'sent twice, the second time with the echo');
  assert.is(reports.length, 1, 'delivered once, after the echo round');
  assert.equal((reports[0] as any).values, { humidity: 40 });
  assert.is(w.security('replay'), 0);
});

test('a PSK the admin core found weak is marked psk_weak: kept on flash, cleared with the PSK on revoke', () => {
  const w = world();
  w.device('weak-1', { psk: 'secret' });
  let refusal: unknown = 'no answer';
  w.gw.approve('weak-1', 'secret', { pskWeak: true }, (err) => (refusal = err));
  assert.is(refusal, undefined);
  w.flush();
  assert.is(w.gw.device('weak-1')!.psk, true);
  assert.is(w.gw.device('weak-1')!.psk_weak, true);
  w.restart();
  assert.is(w.gw.device('weak-1')!.psk_weak, true, 'from the flash record');
  assert.is(w.gw.revoke('weak-1'), undefined);
  assert.is(w.gw.device('weak-1')!.psk_weak, false);
  w.authorized('strong-1', { psk: 'a-long-random-psk' });
  assert.is(w.gw.device('strong-1')!.psk_weak, false);
});

test.run();
