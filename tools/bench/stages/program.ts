// The stage profiler's program, bundled from the real src modules and run on
// the real interpreter (tools/bench/sections/stages.ts) from Storage, as the
// gateway image runs (.bootcde, code read from flash). It times each stage
// of one sealed call through the gateway (a device's `ping` in, the sealed
// `pong` out) with getTime() over many repetitions, on the crypto this
// firmware has (GatewayCrypto, or the pure-JS module from Storage).
//
// The section prepends `var STAGES_RUN = {budget, counts}`:
//   counts null -> every stage repeats until it took `budget` seconds and
//                  prints "\x02STAGE <name>|<µs per op>|<reps>\x03";
//   counts {name: n} -> under callgrind: each named stage runs n times, then
//                  2n times, between calls of mark(), where callgrind dumps
//                  its counters; the section subtracts the two.
import { deviceCrypto } from '../../../src/crypto/espruino';
import { createClient } from '../../../src/mqtt/client';
import { systemClock } from '../../../src/mqtt/clock';
import { createParser, encodePublish } from '../../../src/mqtt/codec';
import {
  DEVICE_TO_GATEWAY,
  GATEWAY_TO_DEVICE,
  aadString,
  canonicalString,
  classify,
  fromHex,
  isDeviceId,
  isHex,
  isSafeUint,
  nextNonce,
  openEnvelope,
  parseJson,
  requestText,
  resultText,
  sealEnvelope,
} from '../../../src/protocol';
import { createGateway } from '../../../src/gateway/core';
import { defaultConfig } from '../../../src/gateway/config';
import { newHot, sessionKeys } from '../../../src/gateway/records';
import type { Cold } from '../../../src/gateway/records';
import { createRegistry } from '../../../src/gateway/registry';

declare const STAGES_RUN: { budget: number; counts: { [name: string]: number } | null };
declare function print(...a: any[]): void;
declare function quit(): void;

// docs/protocol.md §8 vectors: the session keys of device "sensor-01"
const HMAC_KEY = 'b3ad85800e942be59bc28804f0e77747237cdce01a772b3a10b04d1f21d924a3';
const ENC_KEY = 'a90297613f6cbd4660a1ef1f534cc60e2ceb2d51edd3748456d16327a124e98b';
const DEVICE = 'sensor-01';
const PREFIX = 'jrpc';
const NOW = 1764072000;
const RPC_ID = 7;

const crypto = deviceCrypto();
const keys = { encKey: fromHex(ENC_KEY) as Uint8Array, hmacKey: fromHex(HMAC_KEY) as Uint8Array };
const session = { keys: keys, highNonce: 0 };

// What the device sends: a sealed ping, as the broker delivers it (QoS 1).
// The gateway takes each nonce once: the gateway stages seal a new ping each
// time (stages 'device: sealed ping' and '… PUBLISH', which the section subtracts).
let deviceNonce = 5;
function sealedPing(echo?: string): string {
  deviceNonce++;
  return sealEnvelope(crypto, keys, { direction: DEVICE_TO_GATEWAY, deviceId: DEVICE, nonce: deviceNonce, timestamp: NOW, plaintext: pingText, echo: echo });
}
function pingPacket(echo?: string): string {
  return encodePublish(rxTopic, sealedPing(echo), 1, false, false, 1);
}
const pingText = requestText(RPC_ID, 'ping');
const envText = sealEnvelope(crypto, keys, { direction: DEVICE_TO_GATEWAY, deviceId: DEVICE, nonce: 5, timestamp: NOW, plaintext: pingText });
const env: any = parseJson(envText);
const rxTopic = PREFIX + '/gateway/rx';
const packet = encodePublish(rxTopic, envText, 1, false, false, 1);
const aad = aadString(DEVICE, env.nonce, env.timestamp);
const opened = crypto.envelopeOpen(keys.encKey, DEVICE_TO_GATEWAY, aad, env.ciphertext) as string;

// What the gateway sends back.
const pongText = resultText(RPC_ID, 'pong');
const replyAad = aadString(DEVICE, 1, NOW);
const replyRpc = { method: '', id: RPC_ID };
const replyText = sealEnvelope(crypto, keys, { direction: GATEWAY_TO_DEVICE, deviceId: DEVICE, nonce: 1, timestamp: NOW, plaintext: pongText });
const txTopic = PREFIX + '/devices/' + DEVICE + '/rx';

// The whole gateway: its MQTT client over a socket stand-in that hands the
// broker's bytes in and keeps what the gateway writes, its protocol engine
// with one session (on this board's Storage before boot, made fresh by the
// echo round of §6 below).
const cfg = defaultConfig();
cfg.limits.rate = 100000;
cfg.limits.burst = 100000;
const storage = require('Storage');
// the program runs twice on one Storage (timed, then counted): no nonce marks of the first run
storage.list(/^gw\./).forEach(function (f: string) {
  storage.erase(f);
});
const cold: Cold = { id: DEVICE, n: '', pk: '00'.repeat(32), g: '11'.repeat(32), k: HMAC_KEY + ENC_KEY, p: '', a: null, t: NOW, s: 'approved' };
createRegistry(storage).putCold(DEVICE, cold);
const hot = newHot(cold, getTime());
let written = '';
let feed: (chunk: string) => void = function () {};
const client = createClient(
  { host: 'broker', port: 1883, clientId: 'gw-stages', keepalive: 0 },
  {
    connect: function (host, port, handlers) {
      feed = handlers.data;
      setTimeout(function () {
        handlers.connect();
      }, 0);
      return {
        write: function (bytes) {
          written += bytes; // the PUBACK and the reply
        },
        end: function () {},
      };
    },
  },
  systemClock,
);
const gw = createGateway({
  crypto: crypto,
  storage: storage,
  cfg: cfg,
  publish: function (topic, payload, qos) {
    return client.publish(topic, payload, qos, false);
  },
  clock: function () {
    return NOW;
  },
  mono: function () {
    return getTime();
  },
});
gw.start();
client.on('message', function (t, payload) {
  gw.onMessage(t, payload);
});

const parser = createParser(8192);

// A second client whose messages go nowhere: the MQTT side of a call alone.
let feedIdle: (chunk: string) => void = function () {};
const idleClient = createClient(
  { host: 'broker', port: 1883, clientId: 'idle', keepalive: 0 },
  {
    connect: function (host, port, handlers) {
      feedIdle = handlers.data;
      setTimeout(function () {
        handlers.connect();
      }, 0);
      return { write: function () {}, end: function () {} };
    },
  },
  {
    now: function () {
      return 0;
    },
    setTimeout: function (fn, ms) {
      return setTimeout(fn, ms);
    },
    clearTimeout: function (h) {
      clearTimeout(h as number);
    },
  },
);
idleClient.on('message', function () {});

let spin = 0;

function findSession(): any {
  return session;
}

// One sealed call, each stage as the code does it, in order.
const STAGES: [string, () => any][] = [
  ['empty', function () {}],
  ['mqtt: parse PUBLISH', function () {
    return parser.feed(packet);
  }],
  ['envelope: JSON.parse', function () {
    return parseJson(envText);
  }],
  ['envelope: field checks', function () {
    return isDeviceId(env.device_id) && isSafeUint(env.nonce) && isSafeUint(env.timestamp) && isHex(env.hmac, 64);
  }],
  ['envelope: AAD text', function () {
    return aadString(DEVICE, env.nonce, env.timestamp, env.echo);
  }],
  ['crypto: envelopeOpen (base64, AEAD)', function () {
    return crypto.envelopeOpen(keys.encKey, DEVICE_TO_GATEWAY, aad, env.ciphertext);
  }],
  ['plaintext: JSON.parse, classify', function () {
    return classify(parseJson(opened));
  }],
  ['crypto: hmacVerify (canonical text, HMAC, hex compare)', function () {
    return crypto.hmacVerify(keys.hmacKey, canonicalString(DEVICE, 'ping', RPC_ID, env.nonce, env.timestamp), env.hmac);
  }],
  ['open envelope (all of the above but MQTT)', function () {
    return openEnvelope(crypto, envText, { direction: DEVICE_TO_GATEWAY, findSession: findSession, now: NOW });
  }],
  ['session keys from the hot record', function () {
    return sessionKeys(hot);
  }],
  ['reply: JSON-RPC result text', function () {
    return resultText(RPC_ID, 'pong');
  }],
  ['seal: send nonce counter', function () {
    return nextNonce({ last: 5, reserved: 1000 }, 1000);
  }],
  ['crypto: envelopeSeal (AEAD, base64)', function () {
    return crypto.envelopeSeal(keys.encKey, GATEWAY_TO_DEVICE, replyAad, pongText);
  }],
  ['crypto: hmacHex (canonical text, HMAC, hex)', function () {
    return crypto.hmacHex(keys.hmacKey, canonicalString(DEVICE, '', RPC_ID, 1, NOW));
  }],
  ['seal envelope (all of the above)', function () {
    return sealEnvelope(crypto, keys, { direction: GATEWAY_TO_DEVICE, deviceId: DEVICE, nonce: 1, timestamp: NOW, plaintext: pongText, rpc: replyRpc });
  }],
  ['mqtt: PUBLISH packet', function () {
    return encodePublish(txTopic, replyText, 0, false, false, 0);
  }],
  ['mqtt client: PUBLISH in, listener, PUBACK out', function () {
    feedIdle(packet);
  }],
  ['mqtt client: publish QoS 0', function () {
    written = '';
    return client.publish(txTopic, replyText, 0, false);
  }],
  ['device: sealed ping', function () {
    return sealedPing();
  }],
  ['gateway: onMessage with the device\'s sealed ping', function () {
    written = '';
    gw.onMessage(rxTopic, sealedPing());
  }],
  ['scale: 10,000 empty loop iterations', function () {
    for (spin = 0; spin < 10000; spin++); // an outer counter, so no minifier drops the loop
  }],
  ['device: sealed ping PUBLISH', function () {
    return pingPacket();
  }],
  ['whole call with the device\'s sealed ping', function () {
    written = '';
    feed(pingPacket());
    if (written.indexOf(txTopic) < 0) throw new Error('the gateway wrote no reply');
  }],
];

function timeStage(fn: () => any, reps: number): number {
  const t0 = getTime();
  for (let i = 0; i < reps; i++) fn();
  return getTime() - t0;
}

// A call callgrind is told to dump its counters before (--dump-before):
// nothing else in the program calls it.
function mark(): void {
  E.getErrorFlags();
}

function run(): void {
  const counts = STAGES_RUN.counts;
  for (let s = 0; s < STAGES.length; s++) {
    const name = STAGES[s][0];
    const fn = STAGES[s][1];
    fn(); // parses the function, fills caches
    if (counts) {
      const n = counts[name];
      if (!n) continue;
      print('\x02COUNTED ' + name + '|' + n + '\x03');
      mark();
      timeStage(fn, n);
      mark();
      timeStage(fn, 2 * n);
      mark();
      continue;
    }
    // as many repetitions as fit the budget, doubling
    let reps = 1;
    let took = timeStage(fn, 1);
    while (took < STAGES_RUN.budget) {
      reps *= 4;
      took = timeStage(fn, reps);
    }
    print('\x02STAGE ' + name + '|' + (took / reps) * 1e6 + '|' + reps + '\x03');
  }
  if (!counts) print('\x02MEMORY ' + JSON.stringify(process.memory()) + '\x03');
}

// §6: a session restored from flash runs calls once the device has
// repeated the gateway's echo: ask, read it from the sealed answer, repeat.
const replies = createParser(8192);
function sealedReply(): any {
  const packets = replies.feed(written).filter(function (p) {
    return p.topic === txTopic;
  });
  const opened = packets.length === 1 && openEnvelope(crypto, packets[0].payload as string, {
    direction: GATEWAY_TO_DEVICE,
    findSession: function () {
      return { keys: keys, highNonce: 0 };
    },
  });
  if (!opened || !opened.ok) throw new Error('the gateway wrote no sealed reply: ' + JSON.stringify(written));
  return opened.message;
}

function freshen(): void {
  written = '';
  feed(pingPacket());
  const ask = sealedReply();
  if (!ask.error || !ask.error.data) throw new Error('no echo request from the gateway: ' + JSON.stringify(ask));
  written = '';
  feed(pingPacket(ask.error.data.echo));
  if (sealedReply().result !== 'pong') throw new Error('the echo did not make the session fresh');
}

client.on('connect', function () {
  try {
    freshen();
    run();
  } catch (e) {
    print('\x02ERROR ' + e + '\x03');
  }
  client.end();
  print('\x02DONE\x03');
  quit();
});
client.connect();
idleClient.connect();
setTimeout(function () {
  feedIdle('\x20\x02\x00\x00'); // CONNACK, the idle client's first: the other's starts the run
  feed('\x20\x02\x00\x00');
}, 10);
