// The device state machine (src/device/core.ts) in virtual time, against a
// gateway counterpart built from the protocol core: enrollment, forged and
// unsolicited approvals, sealed calls both ways, the echo retry, revocation,
// timeouts, heartbeats and restarts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsCrypto as c } from '../../src/crypto/node/js';
import {
  approvedNotificationText,
  connectApprovedText,
  connectErrorText,
  connectPendingText,
  deriveSessionKeys,
  echoRequiredErrorText,
  echoRequiredNotificationText,
  errorText,
  fromHex,
  gatewayProof,
  newKeyPair,
  notificationText,
  openEnvelope,
  parseConnectRequest,
  checkPskProof,
  pskHash,
  requestText,
  resultText,
  sealEnvelope,
  toHex,
} from '../../src/protocol';
import type { Opened, SessionKeys } from '../../src/protocol';
import { createDeviceCore } from '../../src/device/core';
import { NOT_SENT, SESSION_ENDED, TIMED_OUT } from '../../src/device/api';
import type { DeviceOptions, RpcError } from '../../src/device/api';
import { utf8Codec } from '../../src/device/node/device';
import type { SavedState } from '../../src/device/state';
import { fingerprint } from '../../src/device/fingerprint';
import { LOW_ORDER } from '../crypto/low-order';

const ID = 'sensor-01';
const RX = 'jrpc/devices/sensor-01/rx';
const T0 = 1764072000000;

// A device core with its outputs recorded, and the gateway's half of the protocol.
function rig(opts: Partial<DeviceOptions> = {}, saved?: SavedState) {
  const r = {
    now: T0,
    out: [] as { topic: string; payload: string }[],
    events: [] as [string, any][],
    saved: undefined as SavedState | undefined,
    gw: newKeyPair(c),
    keys: undefined as SessionKeys | undefined,
    gwNonce: 0,
    devHigh: 0,
  };
  const core = createDeviceCore(
    c,
    { deviceId: ID, ...opts },
    {
      now: () => r.now,
      publish: (topic, payload) => r.out.push({ topic, payload }),
      save: (s) => (r.saved = JSON.parse(JSON.stringify(s))),
      event: (t, d) => r.events.push([t, d]),
    },
    saved,
  );
  const gwHex = () => toHex(r.gw.publicKey);
  const h = {
    core,
    r,
    advance(ms: number) {
      const until = r.now + ms;
      while (r.now < until) {
        r.now = Math.min(until, r.now + 1000);
        core.tick();
      }
    },
    take() {
      const o = r.out;
      r.out = [];
      return o;
    },
    connects() {
      return h.take().filter((m) => m.topic === 'jrpc/connect/request');
    },
    /** The device's connect requests, parsed. */
    lastConnect() {
      const list = h.connects();
      assert.ok(list.length > 0, 'a connect request was sent');
      const p = parseConnectRequest(list[list.length - 1].payload);
      assert.ok(p.ok);
      return (p as any).request;
    },
    approvalFields(psk?: string, over: any = {}) {
      const f: any = { deviceId: ID, gatewayPubkey: gwHex(), time: Math.floor(r.now / 1000) };
      if (psk) f.gwProof = gatewayProof(c, pskHash(c, psk), ID, core.pubkey(), gwHex());
      return { ...f, ...over };
    },
    /** The gateway derives its keys the way docs/protocol.md §3.3 says. */
    gatewayKeys() {
      r.keys = deriveSessionKeys(c, r.gw.privateKey, fromHex(core.pubkey())!)!;
      r.gwNonce = 0;
      r.devHigh = 0;
      return r.keys;
    },
    sealToDevice(plaintext: string, nonce?: number, keys?: SessionKeys) {
      return sealEnvelope(c, keys || r.keys!, {
        direction: 1,
        deviceId: ID,
        nonce: nonce ?? ++r.gwNonce,
        timestamp: Math.floor(r.now / 1000),
        plaintext,
      });
    },
    send(plaintext: string) {
      core.message(RX, h.sealToDevice(plaintext));
    },
    /** Every sealed envelope the device sent, opened as the gateway does. */
    sealed(gatewayNow = Math.floor(r.now / 1000)): Opened[] {
      return h
        .take()
        .filter((m) => m.topic === 'jrpc/gateway/rx')
        .map((m) => {
          const o = openEnvelope(c, m.payload, {
            direction: 0,
            now: gatewayNow,
            findSession: (id) => (id === ID ? { keys: r.keys!, highNonce: r.devHigh } : undefined),
          });
          assert.ok(o.ok, 'the gateway accepts the device envelope: ' + JSON.stringify(o));
          r.devHigh = (o as Opened).highNonce;
          return o as Opened;
        });
    },
    statuses() {
      return r.events.filter((e) => e[0] === 'status').map((e) => e[1]);
    },
    drops() {
      return r.events.filter((e) => e[0] === 'drop').map((e) => e[1]);
    },
  };
  return h;
}

// Enrolled and approved, with the first heartbeat (a sealed `time` call: the
// approval's time is only provisional, §3.2) answered: status authorized.
function authorized(opts: Partial<DeviceOptions> = {}) {
  const h = rig(opts);
  h.core.connected();
  h.lastConnect();
  h.core.message(RX, connectPendingText(1));
  h.core.message(RX, approvedNotificationText(h.approvalFields(opts.psk)));
  h.gatewayKeys();
  h.advance(1000);
  const first = h.sealed();
  assert.is(first.length, 1);
  assert.is(first[0].method, 'time');
  h.send(resultText(first[0].id!, { unix: Math.floor(h.r.now / 1000) }));
  assert.is(h.core.status(), 'authorized');
  return h;
}

test('enrollment with a PSK: request with proof, pending, verified approval, authorized', () => {
  const h = rig({ psk: 'my-device-secret', name: 'Kitchen' });
  assert.is(h.core.status(), 'enrolling');
  const key = h.r.events.find((e) => e[0] === 'key')![1];
  assert.is(key.fingerprint, fingerprint(c, fromHex(key.pubkey)!));
  assert.match(key.fingerprint, /^[0-9a-f]{4}:[0-9a-f]{4}:[0-9a-f]{4}:[0-9a-f]{4}$/);
  assert.is(h.r.saved!.pub, key.pubkey, 'the key pair is saved before use');
  assert.is(h.take().length, 0, 'nothing is sent while offline');

  h.core.connected();
  const req = h.lastConnect();
  assert.is(req.deviceId, ID);
  assert.is(req.pubkey, h.core.pubkey());
  assert.is(req.name, 'Kitchen');
  assert.ok(checkPskProof(c, pskHash(c, 'my-device-secret'), req), 'psk_proof verifies');

  h.core.message(RX, connectPendingText(req.id));
  assert.is(h.core.status(), 'pending');
  h.core.message(RX, approvedNotificationText(h.approvalFields('my-device-secret')));
  assert.is(h.core.status(), 'approved');
  assert.ok(h.r.saved!.gw && h.r.saved!.enc && h.r.saved!.mac, 'session keys saved');

  h.gatewayKeys();
  h.advance(1000);
  const [first] = h.sealed();
  assert.is(first.method, 'time', 'a sealed time call proves the session at once and sets the clock');
  h.send(resultText(first.id!, { unix: Math.floor(h.r.now / 1000) }));
  assert.equal(h.statuses(), ['enrolling', 'pending', 'approved', 'authorized']);
});

test('approvals that fail their checks are ignored', () => {
  const psk = 'my-device-secret';
  const h = rig({ psk });
  h.core.connected();
  h.lastConnect();
  const other = newKeyPair(c);
  const forged = [
    // no proof at all although the device holds a PSK
    approvedNotificationText(h.approvalFields(undefined)),
    // a proof made with another PSK
    approvedNotificationText(h.approvalFields('guess', {})),
    // the right proof for another gateway key (an attacker swapping the key)
    approvedNotificationText(h.approvalFields(psk, { gatewayPubkey: toHex(other.publicKey) })),
    // for another device
    approvedNotificationText({ ...h.approvalFields(psk), deviceId: 'sensor-02' }),
    // as a connect reply, without proof
    connectApprovedText(1, h.approvalFields(undefined)),
    'not json',
    '{"jsonrpc":"2.0","method":"approved","params":{"device_id":"sensor-01","gateway_pubkey":"zz"}}',
  ];
  for (const f of forged) h.core.message(RX, f);
  assert.is(h.core.status(), 'enrolling');
  assert.is(h.drops().length, forged.length);
  assert.ok(h.drops().includes('gw_proof missing or wrong'));
  assert.ok(h.drops().includes('another device'));
  // the genuine one still works afterwards
  h.core.message(RX, approvedNotificationText(h.approvalFields(psk)));
  assert.is(h.core.status(), 'approved');
});

test('an approval before any connect request, or during a session, is unsolicited', () => {
  const h = rig();
  h.core.message(RX, approvedNotificationText(h.approvalFields()));
  assert.is(h.core.status(), 'enrolling', 'not connected yet: nothing was asked');
  assert.equal(h.drops(), ['unsolicited connect reply']);

  const a = authorized();
  const evil = newKeyPair(c);
  a.core.message(RX, approvedNotificationText({ ...a.approvalFields(), gatewayPubkey: toHex(evil.publicKey) }));
  a.core.message(RX, connectPendingText(1));
  assert.is(a.core.status(), 'authorized', 'session untouched');
  assert.ok(a.drops().every((d) => d === 'unsolicited connect reply'));
  // the session still works with the real gateway
  a.core.call('time', undefined, () => {});
  assert.is(a.sealed()[0].method, 'time');
});

test('a low-order gateway key (all-zero shared secret) is refused', () => {
  for (const point of LOW_ORDER.slice(0, 3)) {
    const h = rig();
    h.core.connected();
    h.lastConnect();
    h.core.message(RX, approvedNotificationText({ ...h.approvalFields(), gatewayPubkey: point }));
    assert.is(h.core.status(), 'enrolling');
    assert.equal(h.drops(), ['all-zero shared secret']);
    assert.is(h.r.saved!.gw, undefined);
  }
});

test('a wrong PSK is refused by the gateway: status refused, retried slowly', () => {
  const h = rig({ psk: 'wrong', pendingRetryMs: 60000 });
  h.core.connected();
  h.lastConnect();
  h.core.message(RX, connectErrorText(1, 'PSK proof missing or wrong'));
  assert.is(h.core.status(), 'refused');
  assert.ok(h.r.events.some((e) => e[0] === 'refused'));
  h.advance(59000);
  assert.is(h.connects().length, 0);
  h.advance(2000);
  assert.is(h.connects().length, 1);
});

test('connect requests: repeated while unanswered, never closer than 2 s', () => {
  const h = rig({ retryMs: 10000 });
  h.core.connected();
  assert.is(h.connects().length, 1);
  h.core.disconnected();
  h.core.connected(); // a reconnect right away must wait for the 2 s gap
  assert.is(h.connects().length, 0);
  h.advance(1000);
  assert.is(h.connects().length, 0);
  h.advance(1000);
  assert.is(h.connects().length, 1);
  h.advance(9000);
  assert.is(h.connects().length, 0);
  h.advance(1000);
  assert.is(h.connects().length, 1, 'repeated after retryMs without a reply');
});

test('sealed calls: result, error, timeout, and the local refusals', () => {
  const h = authorized();
  const got: any[] = [];
  h.core.call('report', { temperature: 21.5 }, (e, r) => got.push(['report', e, r]));
  h.core.call('nope', undefined, (e, r) => got.push(['nope', e, r]));
  h.core.call('slow', undefined, (e, r) => got.push(['slow', e, r]), 3000);
  const [rep, nope] = h.sealed();
  assert.equal(rep.message.params, { temperature: 21.5 });
  h.send(resultText(rep.id!, true));
  h.send(errorText(nope.id!, -32002, 'method not allowed'));
  h.advance(3000);
  assert.equal(got, [
    ['report', null, true],
    ['nope', { code: -32002, message: 'method not allowed', data: undefined }, undefined],
    ['slow', { code: TIMED_OUT, message: 'timed out' }, undefined],
  ]);
  // a late answer to the timed-out call is dropped, not delivered twice
  h.send(resultText(got.length + 100, 1));
  assert.ok(h.drops().includes('response to no call'));

  h.core.disconnected();
  let err: RpcError | null = null;
  h.core.call('ping', undefined, (e) => (err = e));
  assert.is(err!.code, NOT_SENT);
  assert.not.ok(h.core.notify('log', { level: 'info', msg: 'x' }));
});

test('echo: a -32010 answer is retried with the echo in a new envelope, invisibly', () => {
  const h = authorized();
  let result: any;
  let calls = 0;
  h.core.call('time', undefined, (e, r) => {
    calls++;
    result = [e, r];
  });
  const [first] = h.sealed();
  assert.is(first.envelope.echo, undefined);
  const echo = '00112233445566778899aabbccddeeff';
  h.send(echoRequiredErrorText(first.id!, echo));
  const [again] = h.sealed();
  assert.is(again.envelope.echo, echo, 'echo carried (and authenticated in the AAD)');
  assert.ok(again.envelope.nonce > first.envelope.nonce, 'new nonce');
  assert.is(again.id, first.id, 'same call');
  assert.is(calls, 0, 'the caller saw nothing yet');
  h.send(resultText(again.id!, { unix: 1764072000 }));
  assert.equal(result, [null, { unix: 1764072000 }]);
  assert.is(calls, 1);
});

test('echo: a second -32010 for the same call is an error (no loop)', () => {
  const h = authorized();
  let err: any;
  h.core.call('time', undefined, (e) => (err = e));
  const [first] = h.sealed();
  h.send(echoRequiredErrorText(first.id!, 'aa'.repeat(16)));
  const [again] = h.sealed();
  h.send(echoRequiredErrorText(again.id!, 'bb'.repeat(16)));
  assert.is(err.code, -32010);
  assert.is(h.sealed().length, 0);
});

test('echo: an echo.required notification resends the recent notifications once', () => {
  const h = authorized();
  assert.ok(h.core.notify('report', { t: 1 }));
  assert.ok(h.core.notify('log', { level: 'info', msg: 'hi' }));
  const sent = h.sealed();
  assert.is(sent.length, 2);
  const echo = 'ff'.repeat(16);
  h.send(echoRequiredNotificationText(echo));
  h.send(echoRequiredNotificationText(echo)); // one per unfresh notification: only the first acts
  const again = h.sealed();
  assert.equal(
    again.map((o) => [o.method, o.envelope.echo]),
    [
      ['report', echo],
      ['log', echo],
    ],
  );
  // notifications older than the window are not repeated
  h.core.notify('report', { t: 2 });
  h.sealed();
  h.advance(11000);
  h.sealed(); // heartbeat ping
  h.send(echoRequiredNotificationText('ee'.repeat(16)));
  assert.is(h.sealed().length, 0);
});

test('gateway → device calls: handler, sealed response, unknown method, throwing handler', () => {
  const h = authorized();
  const seen: any[] = [];
  h.core.handle('led.set', (p, reply) => {
    seen.push(p);
    reply(null, { on: p.on });
  });
  h.core.handle('boom', () => {
    throw new Error('bad');
  });
  h.send(requestText(100, 'led.set', { on: true }));
  h.send(requestText('x-1', 'missing'));
  h.send(requestText(101, 'boom'));
  const out = h.sealed();
  assert.equal(seen, [{ on: true }]);
  assert.equal(out[0].message, { jsonrpc: '2.0', id: 100, result: { on: true } });
  assert.is(out[0].method, '', 'a response');
  assert.equal(out[1].message.error.code, -32601);
  assert.is(out[1].message.id, 'x-1');
  assert.is(out[2].message.error.code, -32603);
  // the nonce high-water mark is saved before a call runs
  assert.is(h.r.saved!.rx, h.r.gwNonce);
});

test('incoming envelopes: replayed, tampered, for another id, or wrong key are dropped', () => {
  const h = authorized();
  let runs = 0;
  h.core.handle('led.set', (_p, reply) => {
    runs++;
    reply(null, true);
  });
  const env = h.sealToDevice(requestText(7, 'led.set', { on: true }));
  h.core.message(RX, env);
  h.core.message(RX, env);
  const t = JSON.parse(env);
  t.nonce += 1000;
  h.core.message(RX, JSON.stringify(t));
  const other = JSON.parse(h.sealToDevice(requestText(8, 'led.set', {})));
  other.device_id = 'sensor-02';
  h.core.message(RX, JSON.stringify(other));
  const wrongKey = deriveSessionKeys(c, newKeyPair(c).privateKey, fromHex(h.core.pubkey())!)!;
  h.core.message(RX, h.sealToDevice(requestText(9, 'led.set', {}), undefined, wrongKey));
  h.core.message(RX, '{"device_id":"sensor-01","ciphertext":1}');
  assert.is(runs, 1);
  assert.equal(h.drops(), ['replay', 'bad ciphertext', 'unknown device', 'bad ciphertext', 'malformed']);
});

test('revoked: session wiped, calls failed, a new key pair enrolls again', () => {
  const h = authorized({ psk: 'k' });
  const oldPub = h.core.pubkey();
  let err: any;
  h.core.call('time', undefined, (e) => (err = e));
  h.sealed();
  h.r.now += 2000;
  h.send(notificationText('revoked'));
  assert.is(err.code, SESSION_ENDED);
  assert.is(h.core.status(), 'enrolling');
  assert.ok(h.r.events.some((e) => e[0] === 'revoked'));
  assert.is.not(h.core.pubkey(), oldPub, 'new key pair');
  assert.is(h.r.saved!.gw, undefined, 'keys wiped from storage');
  assert.is(h.r.saved!.pub, h.core.pubkey());
  const req = h.lastConnect();
  assert.is(req.pubkey, h.core.pubkey());
  assert.ok(checkPskProof(c, pskHash(c, 'k'), req));
  // old-session envelopes mean nothing now
  h.send(requestText(5, 'led.set', {}));
  assert.ok(h.drops().includes('sealed message without a session'));
});

test('heartbeat: a ping after 20 s of silence; three misses ask the gateway where it stands', () => {
  const h = authorized({ heartbeatMs: 20000, callTimeoutMs: 5000 });
  h.advance(19000);
  assert.is(h.sealed().length, 0);
  h.advance(1000);
  const pings = h.sealed();
  assert.is(pings[0].method, 'ping');
  // the gateway has gone quiet: pings time out; after the third, a connect request with the same key
  h.advance(10000);
  assert.is(h.connects().length, 0);
  assert.is(h.core.status(), 'authorized');
  h.advance(5000);
  assert.is(h.core.status(), 'approved', 'no longer known to be authorized');
  const req = h.lastConnect();
  assert.is(req.pubkey, h.core.pubkey());
  // gateway: "pending" means it lost the session (removed): the device goes back to pending
  h.core.message(RX, connectPendingText(req.id));
  assert.is(h.core.status(), 'pending');
  assert.is(h.r.saved!.gw, undefined);
});

test('probe answered "approved" with the same gateway key keeps the session and its counters', () => {
  const h = authorized({ heartbeatMs: 20000, callTimeoutMs: 5000 });
  h.advance(36000);
  assert.is(h.connects().length, 1, 'the probe');
  const nonceBefore = h.r.devHigh;
  // without a PSK, a new gateway key in the answer can only be someone else's
  h.core.message(RX, connectApprovedText(1, h.approvalFields(undefined, { gatewayPubkey: toHex(newKeyPair(c).publicKey) })));
  assert.ok(h.drops().includes('gateway key change without PSK'));
  h.core.message(RX, connectApprovedText(1, h.approvalFields()));
  assert.is(h.core.status(), 'approved');
  h.core.call('time', undefined, () => {});
  const out = h.sealed();
  assert.ok(out[0].envelope.nonce > nonceBefore, 'counter continues: same session');
  h.send(resultText(out[0].id!, { unix: 1 }));
  assert.is(h.core.status(), 'authorized');
});

test('restart: keys kept, the counter resumes above the saved reserve, unset clock learns the time', () => {
  const h = authorized({ reserveStep: 10 });
  for (let i = 0; i < 15; i++) h.core.notify('report', { i });
  const before = h.sealed();
  const last = before[before.length - 1].envelope.nonce;
  const saved = h.r.saved!;
  assert.ok(saved.tx >= last, 'reserve covers every nonce used');

  // same state, a device clock at 1970 (an ESP32 without SNTP)
  const h2 = rig({}, saved);
  h2.r.gw = h.r.gw;
  h2.r.keys = h.r.keys;
  h2.r.gwNonce = h.r.gwNonce;
  h2.r.devHigh = h.r.devHigh;
  h2.r.now = 5000;
  assert.is(h2.core.status(), 'approved');
  assert.is(h2.core.pubkey(), h.core.pubkey());
  h2.core.connected();
  const req = h2.lastConnect();
  assert.is(req.pubkey, h.core.pubkey());
  h2.core.message(RX, connectApprovedText(req.id, { deviceId: ID, gatewayPubkey: toHex(h.r.gw.publicKey), time: 1764072100 }));
  h2.advance(1000);
  const out = h2.sealed(1764072101);
  assert.ok(out[0].envelope.nonce > saved.tx, 'no nonce reused after the restart');
  assert.ok(Math.abs(out[0].envelope.timestamp - 1764072101) <= 2, 'timestamp from the learned clock');
});

test('a replayed approval cannot set the clock of a device that holds session keys (§3.2)', () => {
  const psk = 'my-device-secret';
  const h = authorized({ psk, heartbeatMs: 20000, callTimeoutMs: 5000 });
  // an approval captured long ago: genuine gw_proof for this session, a time a day old
  const old = h.approvalFields(psk, { time: Math.floor(h.r.now / 1000) - 86400 });
  // the gateway goes quiet, the device probes with a connect request, the attacker answers first
  h.advance(36000);
  assert.is(h.connects().length, 1, 'the probe');
  h.core.message(RX, connectApprovedText(1, old));
  h.core.message(RX, approvedNotificationText({ ...old, time: null }));
  h.core.call('ping', undefined, () => {});
  const [out] = h.sealed();
  assert.ok(Math.abs(out.envelope.timestamp - Math.floor(h.r.now / 1000)) <= 2, 'still the sealed time, not the replayed one: ' + out.envelope.timestamp);
});

test('an approval only sets a clock provisionally; a sealed time response corrects and fixes it', () => {
  // a device without a clock of its own (1970), enrolling
  const h = rig();
  h.r.now = 5000;
  h.core.connected();
  h.lastConnect();
  // a replayed approval with a wrong time gets in first: the clock is set, provisionally
  h.core.message(RX, approvedNotificationText(h.approvalFields(undefined, { time: 1700000000 })));
  h.gatewayKeys();
  h.advance(1000);
  const [first] = h.sealed(1700000001);
  assert.is(first.method, 'time', 'the heartbeat asks for the time while only an approval set it');
  // the gateway's sealed answer moves the clock to the real time
  h.send(resultText(first.id!, { unix: 1764072000 }));
  h.core.call('ping', undefined, () => {});
  const [ping] = h.sealed(1764072000);
  assert.ok(Math.abs(ping.envelope.timestamp - 1764072000) <= 2);
  // from now on approvals leave the clock alone
  h.advance(36000 + 16000);
  h.core.message(RX, connectApprovedText(1, h.approvalFields(undefined, { time: 1700000000 })));
  h.sealed(1764072052);
  h.core.call('ping', undefined, () => {});
  const [after] = h.sealed(1764072052);
  assert.ok(Math.abs(after.envelope.timestamp - 1764072052) <= 3, 'unmoved: ' + after.envelope.timestamp);
});

test('UTF-8 text through the Node codec arrives intact', () => {
  const h = authorized({ codec: utf8Codec });
  h.core.notify('log', { level: 'info', msg: 'héllo ✓' });
  const [o] = h.sealed();
  assert.is(Buffer.from(o.plaintext, 'latin1').toString('utf8'), '{"jsonrpc":"2.0","method":"log","params":{"level":"info","msg":"héllo ✓"}}');
  let got: any;
  h.core.handle('echo', (p, reply) => {
    got = p;
    reply(null, p.s);
  });
  h.send(Buffer.from(requestText(3, 'echo', { s: 'ünï ✓' }), 'utf8').toString('latin1'));
  assert.equal(got, { s: 'ünï ✓' });
  const [resp] = h.sealed();
  assert.is(Buffer.from(resp.plaintext, 'latin1').toString('utf8'), '{"jsonrpc":"2.0","id":3,"result":"ünï ✓"}');
});

test.run();
