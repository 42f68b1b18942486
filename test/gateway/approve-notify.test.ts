// approve() sends the `approved` notification (docs/protocol.md §3.4) at QoS 1; when
// the client refuses that publish (a full in-flight window), the gateway sends
// it once more at QoS 0 instead of leaving the device waiting. Runs the
// gateway core directly in Node, its Storage a Map.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsCrypto } from '../../src/crypto/node/js.ts';
import { toHex } from '../../src/protocol/bytes.ts';
import { newKeyPair } from '../../src/protocol/keys.ts';
import { defaultConfig } from '../../src/gateway/config.ts';
import { createGateway } from '../../src/gateway/core.ts';
import { memoryStorage } from './sessions.ts';

interface Sent {
  topic: string;
  payload: string;
  qos: number;
}

const ID = 'sensor-1';
const RX = 'jrpc/devices/' + ID + '/rx';

/** A gateway whose MQTT client accepts a publish only when `accepts(qos)`. */
function gatewayWhere(accepts: (qos: number) => boolean) {
  const sent: Sent[] = [];
  let mono = 1000;
  const gw = createGateway({
    crypto: jsCrypto,
    storage: memoryStorage(),
    cfg: defaultConfig(),
    publish: (topic, payload, qos) => {
      sent.push({ topic, payload, qos });
      return accepts(qos);
    },
    clock: () => 1700000000,
    mono: () => mono++,
  });
  return { gw, sent };
}

/** Has device ID ask to connect (no PSK); returns the publishes that approve() made. */
async function connectAndApprove(accepts: (qos: number) => boolean): Promise<Sent[]> {
  const { gw, sent } = gatewayWhere(accepts);
  const pubkey = toHex(newKeyPair(jsCrypto).publicKey);
  gw.onMessage('jrpc/connect/request', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'connect', params: { device_id: ID, pubkey } }));
  assert.is(gw.device(ID).status, 'pending');
  sent.length = 0; // the connect reply ("pending") is not under test
  // the pure-JS X25519 calls back on a later turn of the event loop
  assert.is(await new Promise((done) => gw.approve(ID, undefined, { pskWeak: false }, done)), undefined);
  assert.is(gw.device(ID).status, 'approved');
  return sent;
}

function assertApprovedNotification(s: Sent): void {
  assert.is(s.topic, RX);
  const m = JSON.parse(s.payload);
  assert.is(m.jsonrpc, '2.0');
  assert.is(m.method, 'approved');
  assert.is(m.id, undefined);
  assert.is(m.params.device_id, ID);
  assert.match(m.params.gateway_pubkey, /^[0-9a-f]{64}$/);
  assert.is(m.params.time, 1700000000);
}

test('approve: QoS 1 accepted → exactly one publish, at QoS 1', async () => {
  const sent = await connectAndApprove(() => true);
  assert.is(sent.length, 1);
  assert.is(sent[0].qos, 1);
  assertApprovedNotification(sent[0]);
});

test('approve: QoS 1 refused → the same notification once more at QoS 0', async () => {
  const sent = await connectAndApprove((qos) => qos !== 1);
  assert.equal(
    sent.map((s) => s.qos),
    [1, 0],
  );
  assertApprovedNotification(sent[0]);
  assert.is(sent[1].topic, sent[0].topic);
  assert.is(sent[1].payload, sent[0].payload);
});

test('approve: both refused → no further retries, the approval still stands', async () => {
  const sent = await connectAndApprove(() => false);
  assert.equal(
    sent.map((s) => s.qos),
    [1, 0],
  );
});

test.run();
