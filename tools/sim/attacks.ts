// The simulator's attack modes. Each one enrolls a victim sensor of its own
// (approved through the admin API when --admin is given, else by a person on
// the dashboard), performs one attack against the running gateway from a
// separate MQTT client, and reports what the gateway and the victim did with
// it, against what docs/protocol.md says must happen (see README.md here).
import { randomBytes } from 'node:crypto';
import { jsCrypto as c } from '../../src/crypto/node/js';
import { createNodeClient } from '../../src/mqtt/node/client';
import type { MqttClient } from '../../src/mqtt/client';
import { createNodeDevice } from '../../src/device/node/device';
import { memoryStore, readSavedState } from '../../src/device/state';
import {
  approvedNotificationText,
  connectApprovedText,
  deriveSessionKeys,
  fromBase64,
  fromHex,
  gatewayProof,
  newKeyPair,
  pskHash,
  pskProof,
  requestText,
  sealEnvelope,
  toBase64,
  toHex,
} from '../../src/protocol';
import type { SimOptions, Attack } from './args';
import { AdminClient, counterDelta } from './admin';
import { approvePending, createFleet, Fleet, SimSensor } from './fleet';

export interface AttackReport {
  attack: Attack;
  victim: string;
  expected: string;
  /** what was seen, one sentence each */
  observed: string[];
  /** the gateway's security counters that moved (with --admin) */
  counters?: Record<string, number>;
  /** reasons the victim device dropped messages */
  deviceDrops: Record<string, number>;
  ok: boolean;
  failures: string[];
}

export const EXPECTED: Record<Attack, string> = {
  replay:
    'every replayed envelope is dropped: the gateway counts each as "replay" and runs nothing twice; the device drops replayed gateway envelopes and runs a replayed call once',
  tamper:
    'every modified envelope is dropped unanswered: "bad ciphertext" for changed ciphertext, nonce, timestamp or echo, "bad hmac" for a changed MAC; the device drops a tampered gateway envelope',
  'spoof-key':
    'a connect request with another key for an enrolled device does not take its session over: with a PSK it is refused (-32001, "psk proof"); without one the gateway keeps the session and marks a key change for the admin; envelopes sealed with the attacker key are "bad ciphertext"; the device keeps working',
  'forge-approval':
    'a device holding a PSK ignores approvals whose gw_proof is missing or wrong, and approvals it did not ask for; it enrolls with the real gateway only',
  stale:
    'envelopes with a timestamp more than 300 s off the gateway clock are dropped as "stale" (when the gateway clock is set); the device keeps working',
  'wrong-psk':
    'a connect request with a wrong or missing PSK proof for a device enrolled with a PSK is refused with -32001 and counted as "psk proof"; the existing session is untouched',
  flood:
    'the gateway survives a flood: pending requests stay capped at 32, malformed and unknown-device envelopes are counted and dropped, a device over its rate is "rate limited", and the gateway still answers the device and the admin API',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await sleep(100);
  }
}

function randomHex(n: number): string {
  return randomBytes(n).toString('hex');
}

interface Seen {
  topic: string;
  payload: string;
}

/** The attacker's own MQTT client: records what it sees, publishes whatever it likes. */
class Spy {
  seen: Seen[] = [];
  client: MqttClient;
  private hooks: ((m: Seen) => void)[] = [];

  constructor(broker: string, prefix: string) {
    this.client = createNodeClient({ url: broker, clientId: 'attacker-' + randomHex(4), keepalive: 30 });
    for (const t of ['/gateway/rx', '/devices/+/rx', '/connect/request']) this.client.subscribe(prefix + t, 0);
    this.client.on('message', (topic, payload) => {
      const m = { topic, payload };
      this.seen.push(m);
      for (const h of this.hooks) h(m);
    });
  }
  async connect(): Promise<void> {
    let up = false;
    this.client.on('connect', () => (up = true));
    this.client.connect();
    await until(() => up, 10000, 'the attacker client to connect');
    await sleep(200); // the subscriptions reach the broker
  }
  on(fn: (m: Seen) => void): void {
    this.hooks.push(fn);
  }
  mark(): number {
    return this.seen.length;
  }
  since(mark: number, topic: string): string[] {
    return this.seen.slice(mark).filter((m) => m.topic === topic).map((m) => m.payload);
  }
  publish(topic: string, payload: string): void {
    this.client.publish(topic, payload, 0);
  }
  stop(): void {
    this.client.end();
  }
}

interface Ctx {
  o: SimOptions;
  admin?: AdminClient;
  log: (line: string) => void;
  spy: Spy;
  fleet: Fleet;
  victim: SimSensor;
  psk?: string;
  drops: Record<string, number>;
  observed: string[];
  failures: string[];
  topics: { gateway: string; connect: string; victim: string };
  cleanup: (() => Promise<void>)[];
}

function check(ctx: Ctx, ok: boolean, failure: string): void {
  if (!ok) ctx.failures.push(failure);
}

function see(ctx: Ctx, line: string): void {
  ctx.observed.push(line);
  ctx.log(line);
}

/** Starts the victim and waits until it is authorized (approving it through the admin API when possible). */
async function enrollVictim(ctx: Ctx): Promise<void> {
  const v = ctx.victim;
  ctx.fleet.start();
  await until(() => v.dev.status() === 'pending' || v.dev.status() === 'refused', 30000, `${v.id} to be pending`);
  if (ctx.admin) {
    const admin = ctx.admin;
    let lastError = '';
    try {
      await until(
        async () => {
          const s = v.dev.status();
          if (s === 'approved' || s === 'authorized') return true;
          await approvePending(admin, [v]).catch((e) => (lastError = e.message));
          return false;
        },
        30000,
        `${v.id} to be approved`,
      );
    } catch (e: any) {
      throw new Error(e.message + (lastError ? ` (last admin error: ${lastError})` : ''));
    }
  } else {
    ctx.log(`approve device ${v.id} (key fingerprint ${v.dev.fingerprint()})${ctx.psk ? ` with PSK "${ctx.psk}"` : ''} on the dashboard`);
  }
  await until(() => v.dev.status() === 'authorized', ctx.admin ? 30000 : 300000, `${v.id} to be authorized`);
  ctx.log(`victim ${v.id} is authorized`);
}

async function victimStillWorks(ctx: Ctx): Promise<void> {
  try {
    const r = await ctx.victim.dev.request('ping', undefined, 8000);
    see(ctx, `the victim still works: ping → ${JSON.stringify(r)}`);
    check(ctx, r === 'pong', 'the victim ping did not return "pong"');
  } catch (e: any) {
    see(ctx, `the victim no longer works: ping failed: ${e.message}`);
    ctx.failures.push('the victim device stopped working');
  }
}

async function gatewayDevice(ctx: Ctx): Promise<any | undefined> {
  return ctx.admin ? ctx.admin.device(ctx.victim.id) : undefined;
}

// ---- the attacks ----

async function replay(ctx: Ctx): Promise<void> {
  const v = ctx.victim;
  let mark = ctx.spy.mark();
  await v.dev.request('report', { temperature: 21.5, humidity: 40 });
  await sleep(300);
  const up = ctx.spy.since(mark, ctx.topics.gateway).filter((p) => p.includes(`"device_id":"${v.id}"`));
  const down = ctx.spy.since(mark, ctx.topics.victim).filter((p) => p.includes('"ciphertext"'));
  check(ctx, up.length > 0 && down.length > 0, 'no sealed traffic captured');
  for (let i = 0; i < 3; i++) ctx.spy.publish(ctx.topics.gateway, up[up.length - 1]);
  for (let i = 0; i < 2; i++) ctx.spy.publish(ctx.topics.victim, down[down.length - 1]);
  see(ctx, `captured the victim's sealed "report" call and the gateway's answer; published the call 3 times and the answer twice again`);
  await sleep(1500);
  check(ctx, (ctx.drops.replay || 0) >= 2, `the device dropped ${ctx.drops.replay || 0} replayed answers as "replay", expected 2`);

  if (ctx.admin) {
    let runs = 0;
    v.dev.handle('led.set', (p, reply) => {
      runs++;
      reply(null, { on: !!(p && p.on) });
    });
    mark = ctx.spy.mark();
    const r = await ctx.admin.post(`/api/devices/${v.id}/call`, { method: 'led.set', params: { on: true }, timeout_ms: 5000 });
    see(ctx, `admin call led.set → ${JSON.stringify(r)}`);
    const calls = ctx.spy.since(mark, ctx.topics.victim).filter((p) => p.includes('"ciphertext"'));
    for (const p of calls) {
      ctx.spy.publish(ctx.topics.victim, p);
      ctx.spy.publish(ctx.topics.victim, p);
    }
    await sleep(1000);
    see(ctx, `replayed the gateway's led.set call to the device twice: the handler ran ${runs} time(s) in all`);
    check(ctx, runs === 1, `the device ran led.set ${runs} times, expected once`);
  }
}

async function tamper(ctx: Ctx): Promise<void> {
  const v = ctx.victim;
  const edits: [string, (e: any) => void][] = [
    ['one ciphertext bit flipped', (e) => {
      const b = fromBase64(e.ciphertext)!;
      b[Math.min(5, b.length - 1)] ^= 1;
      e.ciphertext = toBase64(b);
    }],
    ['nonce changed', (e) => (e.nonce += 1)],
    ['timestamp changed', (e) => (e.timestamp -= 1)],
    ['echo added', (e) => (e.echo = '00'.repeat(16))],
    ['hmac changed', (e) => (e.hmac = (e.hmac[0] === '0' ? '1' : '0') + e.hmac.slice(1))],
  ];
  // A man in the middle: the device's next envelopes are changed on their way to the broker.
  const mqtt = v.dev.mqtt;
  const publish = mqtt.publish;
  const queue = edits.slice();
  mqtt.publish = (topic, payload, qos, retain) => {
    if (topic === ctx.topics.gateway && queue.length) {
      const e = JSON.parse(payload);
      queue.shift()![1](e);
      payload = JSON.stringify(e);
    }
    return publish.call(mqtt, topic, payload, qos, retain);
  };
  const results = await Promise.all(
    edits.map((_, i) =>
      v.dev.request('report', { temperature: 90 + i }, 4000).then(
        (r) => 'answered ' + JSON.stringify(r),
        (e) => e.message,
      ),
    ),
  );
  mqtt.publish = publish;
  edits.forEach(([what], i) => see(ctx, `sent a "report" with ${what}: ${results[i]}`));
  check(ctx, results.every((r) => r === 'timed out'), 'the gateway answered a tampered envelope');

  // and one of the gateway's envelopes, changed on its way to the device
  const mark = ctx.spy.mark();
  await v.dev.request('ping');
  await sleep(300);
  const down = ctx.spy.since(mark, ctx.topics.victim).filter((p) => p.includes('"ciphertext"'));
  if (down.length) {
    const e = JSON.parse(down[down.length - 1]);
    e.nonce += 1000;
    const before = ctx.drops['bad ciphertext'] || 0;
    ctx.spy.publish(ctx.topics.victim, JSON.stringify(e));
    await sleep(800);
    const dropped = (ctx.drops['bad ciphertext'] || 0) - before;
    see(ctx, `sent the device a gateway envelope with its nonce changed: the device dropped it as "bad ciphertext" (${dropped})`);
    check(ctx, dropped === 1, 'the device did not drop the tampered gateway envelope');
  }
  if (ctx.admin) {
    const d = await gatewayDevice(ctx);
    const t = d?.telemetry?.temperature?.value;
    see(ctx, `victim telemetry at the gateway: temperature ${t}`);
    check(ctx, !(t >= 90), 'a tampered report reached the telemetry');
  }
}

async function spoofKey(ctx: Ctx): Promise<void> {
  const v = ctx.victim;
  const attacker = newKeyPair(c);
  const pub = toHex(attacker.publicKey);
  const replies: string[] = [];
  ctx.spy.on((m) => {
    if (m.topic === ctx.topics.victim && !m.payload.includes('"ciphertext"')) replies.push(m.payload);
  });
  const request = (params: any) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'connect', params });
  ctx.spy.publish(ctx.topics.connect, request({ device_id: v.id, pubkey: pub, name: 'attacker' }));
  await sleep(2500);
  see(ctx, `connect request for ${v.id} with the attacker's key and no PSK proof → ${replies[0] ?? 'no reply'}`);
  if (ctx.psk) {
    check(ctx, !!replies[0] && replies[0].includes('-32001'), 'a request without PSK proof was not refused with -32001');
    ctx.spy.publish(ctx.topics.connect, request({ device_id: v.id, pubkey: pub, psk_proof: pskProof(c, pskHash(c, 'guess'), v.id, pub) }));
    await sleep(2500);
    see(ctx, `... with a proof made from a guessed PSK → ${replies[1] ?? 'no reply'}`);
    check(ctx, !!replies[1] && replies[1].includes('-32001'), 'a request with a wrong PSK proof was not refused with -32001');
  } else {
    check(ctx, !!replies[0] && replies[0].includes('"pending"') && !replies[0].includes('approved'), 'the gateway did not answer "pending"');
  }
  check(ctx, !replies.some((r) => r.includes('approved')), 'the attacker key was approved');

  // Everything public (both public keys) is known; the shared secret is not.
  const gw = v.dev.core.gatewayPubkey();
  const wrong = deriveSessionKeys(c, attacker.privateKey, fromHex(gw)!)!;
  ctx.spy.publish(
    ctx.topics.gateway,
    sealEnvelope(c, wrong, {
      direction: 0,
      deviceId: v.id,
      nonce: 9e15,
      timestamp: Math.floor(Date.now() / 1000),
      plaintext: requestText(1, 'report', { temperature: -50 }),
    }),
  );
  see(ctx, 'sent a "report" as the victim sealed with keys from the attacker key and the gateway public key');
  await sleep(1000);
  await victimStillWorks(ctx);
  check(ctx, v.dev.status() === 'authorized', 'the victim lost its session');
  const d = await gatewayDevice(ctx);
  if (d) {
    see(ctx, `gateway device: status ${d.status}, key ${d.pubkey === v.dev.core.pubkey() ? "the victim's" : 'CHANGED'}, key_change_pending ${d.key_change_pending}`);
    check(ctx, d.pubkey === v.dev.core.pubkey(), "the gateway's key for the device changed");
    check(ctx, d.status === 'authorized', 'the device is no longer authorized at the gateway');
    if (!ctx.psk) check(ctx, d.key_change_pending === true, 'no key change marked pending for the admin');
  }
}

async function forgeApproval(ctx: Ctx): Promise<void> {
  const v = ctx.victim;
  const fake = newKeyPair(c);
  const fakeHex = toHex(fake.publicKey);
  let sent = 0;
  // Pose as the gateway as soon as the victim asks to connect.
  ctx.spy.on((m) => {
    if (m.topic !== ctx.topics.connect || sent || !m.payload.includes(`"${v.id}"`)) return;
    const req = JSON.parse(m.payload);
    const dev = req.params.pubkey;
    const fields = { deviceId: v.id, gatewayPubkey: fakeHex, time: Math.floor(Date.now() / 1000) };
    ctx.spy.publish(ctx.topics.victim, approvedNotificationText(fields));
    ctx.spy.publish(ctx.topics.victim, approvedNotificationText({ ...fields, gwProof: gatewayProof(c, pskHash(c, 'guess'), v.id, dev, fakeHex) }));
    ctx.spy.publish(ctx.topics.victim, connectApprovedText(req.id, { ...fields, gwProof: randomHex(32) }));
    sent = 3;
  });
  await enrollVictim(ctx);
  see(ctx, `answered the victim's connect request with ${sent} forged approvals (no gw_proof, a proof from a guessed PSK, a random proof)`);
  check(ctx, sent === 3, 'the victim connect request was not seen');
  const rejected = ctx.drops['gw_proof missing or wrong'] || 0;
  see(ctx, `the device dropped ${rejected} of them ("gw_proof missing or wrong") and enrolled with the real gateway`);
  check(ctx, rejected >= 3, 'the device did not drop the forged approvals');
  check(ctx, v.dev.core.gatewayPubkey() !== fakeHex, 'the device took the forged gateway key');

  // one more while it holds a session: not asked for, so ignored whatever it says
  const total = () => Object.values(ctx.drops).reduce((a, b) => a + b, 0);
  const before = total();
  ctx.spy.publish(ctx.topics.victim, approvedNotificationText({ deviceId: v.id, gatewayPubkey: fakeHex, time: null, gwProof: randomHex(32) }));
  await sleep(500);
  see(ctx, `sent another forged approval during the session: the device dropped ${total() - before}`);
  check(ctx, total() - before === 1, 'the device did not drop the forged approval sent during the session');
  check(ctx, v.dev.core.gatewayPubkey() !== fakeHex, 'an unsolicited approval replaced the gateway key');
  await victimStillWorks(ctx);
}

async function stale(ctx: Ctx): Promise<void> {
  const v = ctx.victim;
  if (ctx.admin) {
    const st = await ctx.admin.get('/api/status');
    if (!st.time_set) {
      see(ctx, 'the gateway clock is not set, so it checks no timestamps (docs/protocol.md §5.3 step 4): nothing to attack');
      return;
    }
  }
  // Envelopes the device "sent" long ago (or in the future), held back and
  // delivered now: sealed with the victim's own session keys, at nonces far
  // above its counter so the device never uses them itself.
  const s = readSavedState(v.store.load(), v.id)!;
  const keys = { encKey: fromHex(s.enc!)!, hmacKey: fromHex(s.mac!)! };
  const now = Math.floor(Date.now() / 1000);
  [-400, 400].forEach((skew, i) => {
    ctx.spy.publish(
      ctx.topics.gateway,
      sealEnvelope(c, keys, {
        direction: 0,
        deviceId: v.id,
        nonce: s.tx + 1000000 + i,
        timestamp: now + skew,
        plaintext: requestText(s.tx + 1000000 + i, 'report', { temperature: -99 }),
      }),
    );
  });
  see(ctx, 'sent two authentic "report" envelopes of the victim, timestamped 400 s in the past and 400 s in the future');
  await sleep(1500);
  await victimStillWorks(ctx);
  if (ctx.admin) {
    const d = await gatewayDevice(ctx);
    check(ctx, d?.telemetry?.temperature?.value !== -99, 'a stale report reached the telemetry');
  }
}

async function wrongPsk(ctx: Ctx): Promise<void> {
  const v = ctx.victim;
  const attempts: [string, string | undefined][] = [
    ['a wrong PSK', 'wrong-' + ctx.psk],
    ['no PSK at all', undefined],
  ];
  for (const [what, psk] of attempts) {
    const impostor = createNodeDevice({
      broker: ctx.o.broker,
      prefix: ctx.o.prefix,
      deviceId: v.id,
      psk,
      store: memoryStore(),
      clientId: 'impostor-' + randomHex(4),
    });
    let refused: string | undefined;
    let status = '';
    impostor.on((type, detail) => {
      if (type === 'refused') refused = detail;
      if (type === 'status') status = detail;
    });
    impostor.start();
    try {
      await until(() => refused !== undefined || status === 'approved' || status === 'pending', 10000, 'an answer');
    } catch {
      // reported below
    }
    impostor.stop();
    see(ctx, `a second device with the victim's id, a new key and ${what}: ${refused !== undefined ? `refused ("${refused}")` : status || 'no answer'}`);
    check(ctx, refused !== undefined && impostor.status() === 'refused', `the request with ${what} was not refused`);
    await sleep(2500); // connect requests for one id at most one per 2 s
  }
  await victimStillWorks(ctx);
  const d = await gatewayDevice(ctx);
  if (d) check(ctx, d.pubkey === v.dev.core.pubkey() && d.status === 'authorized', "the victim's session at the gateway changed");
}

async function flood(ctx: Ctx): Promise<void> {
  const v = ctx.victim;
  const ids: string[] = [];
  for (let i = 0; i < 300; i++) {
    const id = 'flood-' + randomHex(4);
    ids.push(id);
    ctx.spy.publish(ctx.topics.connect, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'connect', params: { device_id: id, pubkey: randomHex(32) } }));
  }
  const junk: string[] = ['{}', '[]', 'null', '"x"', '{"device_id":"x"}', 'x'.repeat(5000), '{"nonce":1e400}'];
  for (let i = 0; i < 40; i++) junk.push(randomBytes(1 + (i * 37) % 300).toString('latin1'));
  for (let i = 0; i < 40; i++) {
    junk.push(JSON.stringify({ device_id: 'ghost-' + i, nonce: 1, timestamp: Math.floor(Date.now() / 1000), ciphertext: toBase64(randomBytes(40)), hmac: randomHex(32) }));
  }
  for (const j of junk) ctx.spy.publish(ctx.topics.gateway, j);
  for (const j of junk.slice(0, 20)) ctx.spy.publish(ctx.topics.connect, j);
  see(ctx, `published 300 connect requests with random ids, ${junk.length} junk payloads to the gateway and 20 to the connect topic`);
  for (let i = 0; i < 80; i++) v.dev.notify('report', { temperature: 20 + (i % 5) });
  see(ctx, 'the victim sent 80 sealed "report" notifications at once (limit: 20 a second, burst 40)');
  await sleep(3000);
  await victimStillWorks(ctx);
  if (ctx.admin) {
    const st = await ctx.admin.get('/api/status');
    see(ctx, `the admin API answers: ${st.devices.pending} pending, memory ${JSON.stringify(st.memory)}`);
    check(ctx, st.devices.pending <= 32, `the pending table holds ${st.devices.pending} (> 32)`);
    const admin = ctx.admin;
    ctx.cleanup.push(async () => {
      for (const d of await admin.devices()) {
        if (ids.includes(d.device_id)) await admin.post(`/api/devices/${d.device_id}/reject`).catch(() => {});
      }
    });
  }
}

const RUN: Record<Attack, (ctx: Ctx) => Promise<void>> = {
  replay,
  tamper,
  'spoof-key': spoofKey,
  'forge-approval': forgeApproval,
  stale,
  'wrong-psk': wrongPsk,
  flood,
};

// What each attack must add to the gateway's counters (at least), given whether the victim holds a PSK.
function expectedCounters(attack: Attack, psk: boolean): Record<string, number> {
  switch (attack) {
    case 'replay':
      return { replay: 3 };
    case 'tamper':
      return { 'bad ciphertext': 4, 'bad hmac': 1 };
    case 'spoof-key':
      return psk ? { 'psk proof': 2, 'bad ciphertext': 1 } : { 'bad ciphertext': 1 };
    case 'stale':
      return { stale: 2 };
    case 'wrong-psk':
      return { 'psk proof': 2 };
    case 'flood':
      return { malformed: 1, 'unknown device': 1, 'rate limited': 1, evicted: 1 };
    default:
      return {};
  }
}

/** Runs one attack; the report says whether the outcome was the expected one. */
export async function runAttack(o: SimOptions, admin: AdminClient | undefined, log: (line: string) => void): Promise<AttackReport> {
  const attack = o.attack!;
  // These attacks are about a device that holds a PSK: make one up if none was given.
  const needsPsk = attack === 'forge-approval' || attack === 'wrong-psk';
  const psk = o.psk ?? (needsPsk ? randomHex(8) : undefined);
  if (psk && !o.psk) log(`the victim uses the generated PSK "${psk}"`);
  const victimId = `${o.idPrefix}-victim-${randomHex(3)}`;
  const fleet = createFleet({ broker: o.broker, prefix: o.prefix, ids: [victimId], psk, rate: 3600, log });
  const ctx: Ctx = {
    o,
    admin,
    log,
    spy: new Spy(o.broker, o.prefix),
    fleet,
    victim: fleet.sensors[0],
    psk,
    drops: {},
    observed: [],
    failures: [],
    topics: { gateway: o.prefix + '/gateway/rx', connect: o.prefix + '/connect/request', victim: `${o.prefix}/devices/${victimId}/rx` },
    cleanup: [],
  };
  ctx.victim.dev.on((type, detail) => {
    if (type === 'drop') ctx.drops[detail] = (ctx.drops[detail] || 0) + 1;
  });
  let counters: Record<string, number> | undefined;
  let before: Record<string, number> | undefined;
  try {
    await ctx.spy.connect();
    if (attack !== 'forge-approval') await enrollVictim(ctx);
    before = admin ? await admin.security() : undefined;
    await RUN[attack](ctx);
  } catch (e: any) {
    ctx.failures.push(e.message);
  }
  try {
    if (admin && before) {
      await sleep(500);
      counters = counterDelta(before, await admin.security());
      const want = expectedCounters(attack, !!psk);
      for (const k of Object.keys(want)) {
        check(ctx, (counters[k] || 0) >= want[k], `the gateway counted ${counters[k] || 0} "${k}", expected at least ${want[k]}`);
      }
      // these attacks make exactly the drops listed, and nothing else may move
      if (attack === 'replay' || attack === 'tamper' || attack === 'stale') {
        for (const k of Object.keys(counters)) check(ctx, counters[k] === want[k], `the gateway counted ${counters[k]} "${k}", expected ${want[k] ?? 0}`);
      }
    }
  } catch (e: any) {
    ctx.failures.push('reading the security counters: ' + e.message);
  } finally {
    ctx.fleet.stop();
    ctx.spy.stop();
    if (admin) {
      for (const f of ctx.cleanup) await f().catch(() => {});
      await admin.del('/api/devices/' + victimId).catch(() => {});
    }
  }
  return {
    attack,
    victim: victimId,
    expected: EXPECTED[attack],
    observed: ctx.observed,
    counters,
    deviceDrops: ctx.drops,
    ok: ctx.failures.length === 0,
    failures: ctx.failures,
  };
}
