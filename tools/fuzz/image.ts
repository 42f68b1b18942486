// Hostile traffic through the BUILT gateway image on the real interpreter
// (issue #12): MQTT payloads on every topic the gateway reads (and some it
// does not) through Mosquitto, and HTTP requests to its admin port on raw
// sockets. After every batch a genuine device's sealed ping must be answered
// (the gateway keeps serving); memory is read before and after (it must come
// back to its baseline). `npm run fuzz` drives 10^4 of each; the flood test
// (test/gateway/flood.test.ts) a bounded share in npm test.
import { connect } from 'node:net';
import { createMosquitto } from '../../test/mqtt/brokers.ts';
import type { Mosquitto } from '../../test/mqtt/brokers.ts';
import { GatewayUnderTest } from '../../test/gateway/harness.ts';
import { TestDevice } from '../../test/gateway/device.ts';
import { createNodeClient } from '../../src/mqtt/node/client.ts';
import type { MqttClient } from '../../src/mqtt/client.ts';

/** A small seeded PRNG (mulberry32): a failing run can be replayed with its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** JsVars the image may hold above its baseline after the traffic (free-list and string fragments; a leak per message would be thousands). */
export const IMAGE_SLACK = 150;

type Rnd = () => number;
const pick = <T>(r: Rnd, list: T[]): T => list[Math.floor(r() * list.length)];
const hex = (r: Rnd, bytes: number) => Array.from({ length: bytes * 2 }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
const junk = (r: Rnd, n: number) => String.fromCharCode(...Array.from({ length: n }, () => Math.floor(r() * 256)));

/** Payloads for the MQTT side, each a [topic suffix, payload]. `target` holds a session; `steady` a PSK session. */
function mqttPayload(r: Rnd, n: number, sealed: any): [string, string] {
  const now = Math.floor(Date.now() / 1000);
  const connect = (p: any) => JSON.stringify({ jsonrpc: '2.0', id: n, method: 'connect', params: p });
  switch (n % 12) {
    case 0: // new random ids: the pending table is full, each evicts the oldest
    case 1:
      return ['connect/request', connect({ device_id: 'h' + hex(r, 5), pubkey: hex(r, 32), name: junk(r, 8) })];
    case 2: // a forged proof for the PSK session: refused, not charged to its connect rate
      return ['connect/request', connect({ device_id: 'steady', pubkey: hex(r, 32), psk_proof: hex(r, 32) })];
    case 3: // fresh nonces that fail the AEAD for a known id: the failure budget, then unopened
      return ['gateway/rx', JSON.stringify({ ...sealed, nonce: 1e6 + n, timestamp: now })];
    case 4:
      return ['gateway/rx', JSON.stringify({ ...sealed, hmac: hex(r, 32), nonce: 1e6 + n, timestamp: now })];
    case 5: // unknown ids, replays, stale
      return ['gateway/rx', JSON.stringify({ ...sealed, device_id: pick(r, ['ghost', '__proto__', 'constructor', 'x' + hex(r, 3)]) })];
    case 6:
      return ['gateway/rx', JSON.stringify({ ...sealed, nonce: pick(r, [1, 0, -1, 1.5, 2 ** 53, '7', null]), timestamp: pick(r, [now - 4000, now + 4000, 'x', 1e300]) })];
    case 7: // random bytes, on the topics the gateway reads and on others
      return [pick(r, ['connect/request', 'gateway/rx', 'gateway/status', 'devices/steady/rx', 'other']), junk(r, 1 + Math.floor(r() * 400))];
    case 8: // JSON of the wrong shape
      return [pick(r, ['connect/request', 'gateway/rx']), pick(r, ['', '{', 'null', '[]', '"s"', '123', '{"jsonrpc":"2.0"}', '{"__proto__":{"x":1},"device_id":"target"}', '{"a":' + '['.repeat(300) + ']'.repeat(300) + '}'])];
    case 9: // over the size limit
      return [pick(r, ['connect/request', 'gateway/rx']), '{"device_id":"target","pad":"' + 'x'.repeat(4100 + Math.floor(r() * 2000)) + '"}'];
    case 10: // connect requests with broken fields
      return ['connect/request', connect(pick(r, [{ device_id: 'x'.repeat(65), pubkey: hex(r, 32) }, { device_id: 'a b', pubkey: hex(r, 32) }, { device_id: 'ok', pubkey: 'zz' }, { device_id: 'ok', pubkey: hex(r, 32), psk_proof: 5 }, { device_id: 'ok', pubkey: hex(r, 32), name: 'n'.repeat(200) }]))];
    default: // a byte of a real envelope changed
      return ['gateway/rx', flip(r, JSON.stringify({ ...sealed, nonce: 2e6 + n, timestamp: now }))];
  }
}

function flip(r: Rnd, s: string): string {
  const i = Math.floor(r() * s.length);
  return s.slice(0, i) + String.fromCharCode(32 + Math.floor(r() * 95)) + s.slice(i + 1);
}

/** Requests after which the client hangs up itself (junk, cut off): a server waiting for the rest would wait for its idle timeout. */
const HANG_UP = [0, 6];

/** One hostile HTTP request as raw bytes. `token`: a valid admin session, for bad bodies behind the login. */
function httpRequest(r: Rnd, n: number, token: string): string {
  const auth = 'Authorization: Bearer ' + token + '\r\n';
  const body = (method: string, path: string, type: string, b: string, extra = '') =>
    `${method} ${path} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n${extra}Content-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(b, 'latin1')}\r\n\r\n${b}`;
  switch (n % 12) {
    case 0:
      return junk(r, 1 + Math.floor(r() * 300));
    case 1: // unauthenticated API
      return `GET ${pick(r, ['/api/devices', '/api/status', '/api/security', '/api/config', '/ws'])} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n`;
    case 2: // paths that are not there
      return `GET ${pick(r, ['/../../gw.cfg', '/%00', '/api/devices/' + 'x'.repeat(300), '/' + junk(r, 20).replace(/[\s]/g, '')])} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n`;
    case 3: // a header over the cap
      return `GET / HTTP/1.1\r\nHost: gw\r\nX-Pad: ${'a'.repeat(2100 + Math.floor(r() * 3000))}\r\n\r\n`;
    case 4: // a body over the cap, announced
      return `POST /api/login HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: ${5000 + Math.floor(r() * 1e6)}\r\n\r\n{"password":"`;
    case 5: // methods and versions it does not serve
      return `${pick(r, ['BREW', 'TRACE', 'CONNECT', 'G E T', ''])} / ${pick(r, ['HTTP/1.1', 'HTTP/9', 'junk'])}\r\nHost: gw\r\n\r\n`;
    case 6: // cut off mid-header
      return `GET /api/status HTTP/1.1\r\nHo`;
    case 7: // state changes that are not JSON, or from another origin (behind a valid login)
      return body('POST', '/api/devices/target/revoke', pick(r, ['text/plain', 'application/x-www-form-urlencoded']), '{}', auth);
    case 8:
      return body('PUT', '/api/config', 'application/json', pick(r, ['{', '[]', 'null', '{"limits":{"rate":-1}}', '{"broker":"' + 'x'.repeat(300) + '"}', junk(r, 50)]), auth);
    case 9:
      return body('POST', '/api/devices/' + pick(r, ['nobody', 'target', '__proto__']) + '/' + pick(r, ['approve', 'call', 'reject']), 'application/json', pick(r, ['{"method":5}', '{"psk":1}', '{"pubkey":"zz"}', '{"method":"x","timeout_ms":-1}']), auth + 'Origin: http://evil.example\r\n');
    case 10: // broken headers
      return `GET / HTTP/1.1\r\n${pick(r, ['no colon here', ': empty name', 'Content-Length: -5', 'Content-Length: 1e9', 'Transfer-Encoding: chunked'])}\r\n\r\n`;
    default:
      // now and then a wrong password (each costs a PBKDF2, then the client is slowed down)
      if (n % 1200 === 11) return body('POST', '/api/login', 'application/json', JSON.stringify({ password: 'guess-' + n }));
      // WebSocket upgrades without a session, or broken
      return `GET /ws HTTP/1.1\r\nHost: gw\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: ${pick(r, ['13', '8', 'x'])}\r\nSec-WebSocket-Key: ${pick(r, ['dGhlIHNhbXBsZSBub25jZQ==', '', junk(r, 10).replace(/[\r\n]/g, '')])}\r\n${pick(r, ['', 'Cookie: gw=' + hex(r, 16) + '\r\n'])}\r\n`;
  }
}

/** Sends `bytes` on a fresh connection; the status code answered, or 'closed' when none came. */
function rawRequest(port: number, bytes: string, hangUp: boolean, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      resolve(m ? m[1] : 'closed');
    };
    const timer = setTimeout(done, ms);
    sock.on('data', (d) => {
      got += d.toString('latin1');
      // one answer is enough: the head and a short body
      if (got.includes('\r\n\r\n') && got.length > 12) setTimeout(done, 5);
    });
    sock.on('close', done);
    sock.on('error', done);
    sock.on('connect', () => {
      sock.write(Buffer.from(bytes, 'latin1'));
      if (hangUp) sock.end();
    });
  });
}

export interface HostileReport {
  mqtt: number;
  http: number;
  /** HTTP outcomes: status code, or 'closed' without an answer */
  answers: Record<string, number>;
  /** JsVars in use (process.memory after a GC): at the baseline, and after the traffic */
  memory: { baseline: number; after: number };
  /** the gateway's security counters that moved */
  counted: Record<string, number>;
}

/** The gateway image, a broker, a device that keeps talking to it, and a client that floods. */
export class HostileImage {
  broker!: Mosquitto;
  gw!: GatewayUnderTest;
  steady!: TestDevice;
  flooder!: MqttClient;
  private sealed: any;
  private port = 0;

  async start(): Promise<void> {
    this.broker = await createMosquitto();
    this.gw = new GatewayUnderTest({ brokerPort: this.broker.port });
    await this.gw.start();
    this.port = Number(new URL(this.gw.admin.base).port);
    this.steady = await this.enroll('steady', 'k');
    const target = await this.enroll('target');
    this.sealed = JSON.parse(target.seal('{"jsonrpc":"2.0","id":1,"method":"ping"}'));
    target.end();
    this.flooder = createNodeClient({ host: '127.0.0.1', port: this.broker.port, clientId: 'flooder', keepalive: 60, maxInflight: 1000 });
    await new Promise<void>((r) => {
      this.flooder.on('connect', () => r());
      this.flooder.connect();
    });
  }

  private async enroll(id: string, psk?: string): Promise<TestDevice> {
    const d = this.gw.device(id, { psk });
    await d.start();
    await d.connect();
    const ap = d.approved();
    await this.gw.admin.ok('POST', '/api/devices/' + id + '/approve', psk ? { psk } : {});
    await ap;
    if ((await d.call('ping')).result !== 'pong') throw new Error(id + ': no pong after approval');
    return d;
  }

  /** The gateway still serves: a sealed ping answered (so it has read all before it), the admin API answers. */
  async alive(): Promise<void> {
    const r = await this.steady.call('ping', undefined, { ms: 120000 });
    if (r.result !== 'pong') throw new Error('the genuine device got no pong: ' + JSON.stringify(r));
    const s = await this.gw.admin.ok('GET', '/api/status');
    if (!s.mqtt.connected) throw new Error('MQTT not connected');
  }

  /** JsVars in use after a garbage collection. */
  async usage(): Promise<number> {
    return (await this.gw.emu.memory()).usage;
  }

  /** `n` hostile MQTT payloads, in batches each read by the gateway before the next (the broker sheds nothing). */
  async mqtt(n: number, r: Rnd, batch = 250): Promise<void> {
    for (let i = 0; i < n; i++) {
      const [topic, payload] = mqttPayload(r, i, this.sealed);
      this.flooder.publish('jrpc/' + topic, payload, 0);
      if (i % batch === batch - 1 || i === n - 1) await this.alive();
    }
  }

  /** `n` hostile HTTP requests, `parallel` at a time (within the gateway's connection cap). */
  async http(n: number, r: Rnd, answers: Record<string, number>, parallel = 3): Promise<void> {
    const token = this.gw.admin.token;
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const i = next++;
        const out = await rawRequest(this.port, httpRequest(r, i, token), HANG_UP.includes(i % 12), 5000);
        answers[out] = (answers[out] || 0) + 1;
        if (i % 500 === 499) await this.alive();
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    await this.alive();
  }

  /** Both floods after a warm-up (the pending table, the security ring and the HTTP server's buffers filled once), memory before and after. */
  async run(mqttN: number, httpN: number, seed: number): Promise<HostileReport> {
    const r = prng(seed);
    const answers: Record<string, number> = {};
    await this.mqtt(600, r);
    await this.http(120, r, {});
    const sec0 = await this.gw.security();
    const baseline = await this.usage();
    await this.mqtt(mqttN, r);
    await this.http(httpN, r, answers);
    const after = await this.usage();
    const sec1 = await this.gw.security();
    const counted: Record<string, number> = {};
    for (const k in sec1) if (sec1[k] !== sec0[k]) counted[k] = sec1[k] - sec0[k];
    return { mqtt: mqttN, http: httpN, answers, memory: { baseline, after }, counted };
  }

  async stop(): Promise<void> {
    this.steady?.end();
    this.flooder?.end();
    await this.gw?.stop();
    await this.broker?.dispose();
  }
}
