// Connect requests as the gateway reads them, the replies it builds, and the
// device's reading of those replies (gw_proof required when it holds a PSK).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { impls } from '../crypto/impls.ts';
import * as P from '../../src/protocol/index.ts';
import { utf8ToBinary } from '../../src/protocol/node/text.ts';

const c = impls[0].crypto;
const PUB = 'e3712d851a0e5d79b831c5e34ab22b41a198171de209b8b8faca23a11c624859';
const GW = 'b5bea823d9c9ff576091c54b7c596c0ae296884f0e150290e88455d7fba6126f';
const base = () => ({ jsonrpc: '2.0', id: 1, method: 'connect', params: { device_id: 'sensor-01', pubkey: PUB } as any });

test('a minimal connect request (no psk_proof, no name) parses', () => {
  const r = P.parseConnectRequest(JSON.stringify(base()));
  assert.equal(r, { ok: true, request: { id: 1, deviceId: 'sensor-01', pubkey: PUB } });
});

test('string ids, 64-char ids and names of 64 multi-byte characters are accepted', () => {
  const m = base();
  m.id = 'c-1' as any;
  m.params.device_id = 'A'.repeat(64);
  m.params.name = 'é'.repeat(64);
  const r = P.parseConnectRequest(utf8ToBinary(JSON.stringify(m)));
  assert.ok(r.ok, JSON.stringify(r));
});

test('malformed connect requests give a reason, and the id/device when readable', () => {
  const cases: Array<[string, (m: any) => void]> = [
    ['jsonrpc 1.0', (m) => (m.jsonrpc = '1.0')],
    ['other method', (m) => (m.method = 'conect')],
    ['id missing', (m) => delete m.id],
    ['id null', (m) => (m.id = null)],
    ['id negative', (m) => (m.id = -1)],
    ['id float', (m) => (m.id = 1.5)],
    ['params missing', (m) => delete m.params],
    ['params array', (m) => (m.params = [])],
    ['device_id missing', (m) => delete m.params.device_id],
    ['device_id empty', (m) => (m.params.device_id = '')],
    ['device_id 65 chars', (m) => (m.params.device_id = 'a'.repeat(65))],
    ['device_id slash', (m) => (m.params.device_id = 'a/b')],
    ['device_id wildcard', (m) => (m.params.device_id = '+')],
    ['device_id number', (m) => (m.params.device_id = 5)],
    ['pubkey missing', (m) => delete m.params.pubkey],
    ['pubkey 63 hex', (m) => (m.params.pubkey = PUB.slice(1))],
    ['pubkey 65 hex', (m) => (m.params.pubkey = PUB + '0')],
    ['pubkey uppercase', (m) => (m.params.pubkey = PUB.toUpperCase())],
    ['pubkey not hex', (m) => (m.params.pubkey = 'z'.repeat(64))],
    ['pubkey number', (m) => (m.params.pubkey = 1)],
    ['psk_proof short', (m) => (m.params.psk_proof = 'ab')],
    ['psk_proof uppercase', (m) => (m.params.psk_proof = 'AB'.repeat(32))],
    ['psk_proof null', (m) => (m.params.psk_proof = null)],
    ['name 65 chars', (m) => (m.params.name = 'n'.repeat(65))],
    ['name number', (m) => (m.params.name = 3)],
  ];
  for (const [what, change] of cases) {
    const m = base();
    change(m);
    const r = P.parseConnectRequest(JSON.stringify(m));
    assert.is(r.ok, false, what);
    if (r.ok) continue;
    assert.type(r.reason, 'string');
    if (what.startsWith('pubkey') || what.startsWith('name') || what.startsWith('psk')) {
      assert.equal([r.id, r.deviceId], [1, 'sensor-01'], `${what}: id and device kept for the reply`);
    }
  }
  for (const payload of [undefined, 42, '', 'nope', '[]', 'null', '{"a":1}', '{'.repeat(5000)] as any[]) {
    const r = P.parseConnectRequest(payload);
    assert.is(r.ok, false, String(payload).slice(0, 20));
  }
  const big = base();
  big.params.name = 'x'.repeat(10);
  (big as any).pad = ' '.repeat(4096);
  assert.is(P.parseConnectRequest(JSON.stringify(big)).ok, false, 'over 4096 bytes');
});

test('checkPskProof: right proof only, constant-time compare of hex', () => {
  const h = P.pskHash(c, 'my-device-secret');
  const proof = P.pskProof(c, h, 'sensor-01', PUB);
  const req: P.ConnectRequest = { id: 1, deviceId: 'sensor-01', pubkey: PUB, pskProof: proof };
  assert.ok(P.checkPskProof(c, h, req));
  assert.not.ok(P.checkPskProof(c, h, { ...req, pskProof: undefined }));
  assert.not.ok(P.checkPskProof(c, h, { ...req, pskProof: proof.replace(/^./, proof[0] === '0' ? '1' : '0') }));
  assert.not.ok(P.checkPskProof(c, h, { ...req, deviceId: 'sensor-02' }));
});

test('reply texts of docs/protocol.md §3.2', () => {
  assert.is(P.connectPendingText(1), '{"jsonrpc":"2.0","id":1,"result":{"status":"pending"}}');
  assert.equal(JSON.parse(P.connectErrorText('q', 'psk proof missing or wrong')), {
    jsonrpc: '2.0', id: 'q', error: { code: -32001, message: 'psk proof missing or wrong' },
  });
  const a: P.Approval = { deviceId: 'sensor-01', gatewayPubkey: GW, time: null };
  assert.equal(JSON.parse(P.connectApprovedText(7, a)), {
    jsonrpc: '2.0', id: 7, result: { device_id: 'sensor-01', gateway_pubkey: GW, time: null, status: 'approved' },
  });
  assert.equal(JSON.parse(P.approvedNotificationText({ ...a, time: 5, gwProof: 'ab'.repeat(32) })), {
    jsonrpc: '2.0', method: 'approved', params: { device_id: 'sensor-01', gateway_pubkey: GW, time: 5, gw_proof: 'ab'.repeat(32) },
  });
});

test('readConnectReply: pending, approved, refused, and forged or foreign approvals ignored', () => {
  const h = P.pskHash(c, 'pw');
  const proof = P.gatewayProof(c, h, 'sensor-01', PUB, GW);
  const withPsk = { deviceId: 'sensor-01', pubkey: PUB, pskHash: h };
  const noPsk = { deviceId: 'sensor-01', pubkey: PUB };
  const a: P.Approval = { deviceId: 'sensor-01', gatewayPubkey: GW, time: 1764072000, gwProof: proof };
  const read = (text: string, e: P.ConnectExpectation = withPsk) => P.readConnectReply(c, text, e);

  assert.equal(read(P.connectPendingText(1)), { kind: 'pending' });
  assert.equal(read(P.connectApprovedText(1, a)), { kind: 'approved', gatewayPubkey: GW, time: 1764072000 });
  assert.equal(read(P.approvedNotificationText({ ...a, time: null })), { kind: 'approved', gatewayPubkey: GW, time: null });
  assert.equal(read(P.connectErrorText(1, 'no')), { kind: 'refused', code: -32001, message: 'no' });
  // Without a PSK the device cannot check gw_proof and accepts the approval.
  assert.equal(read(P.approvedNotificationText({ ...a, gwProof: undefined }), noPsk).kind, 'approved');

  const ignored: Array<[string, string]> = [
    ['proof missing', P.approvedNotificationText({ ...a, gwProof: undefined })],
    ['proof wrong', P.approvedNotificationText({ ...a, gwProof: '00'.repeat(32) })],
    ['proof for another gateway key', P.approvedNotificationText({ ...a, gatewayPubkey: PUB })],
    ['other device', P.approvedNotificationText({ ...a, deviceId: 'sensor-02' })],
    ['bad gateway key', P.approvedNotificationText({ ...a, gatewayPubkey: GW.toUpperCase() })],
    ['bad time', JSON.stringify({ jsonrpc: '2.0', method: 'approved', params: { device_id: 'sensor-01', gateway_pubkey: GW, time: 'x', gw_proof: proof } })],
    ['other result', '{"jsonrpc":"2.0","id":1,"result":{"status":"weird"}}'],
    ['bad error', '{"jsonrpc":"2.0","id":1,"error":"no"}'],
    ['not JSON', 'xx'],
    ['an envelope', '{"device_id":"sensor-01","nonce":1,"timestamp":1,"ciphertext":"AA==","hmac":"00"}'],
  ];
  for (const [what, text] of ignored) assert.is(read(text).kind, 'ignored', what);
});

test.run();
