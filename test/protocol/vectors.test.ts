// Every protocol vector of protocol-vectors.json, produced and verified, with
// each Crypto implementation (JS fallback and native addon).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { impls, hex, toHexStr } from '../crypto/impls.ts';
import * as P from '../../src/protocol/index.ts';
import { utf8ToBinary } from '../../src/protocol/node/text.ts';

const V = JSON.parse(readFileSync(new URL('../fixtures/protocol-vectors.json', import.meta.url), 'utf8')).protocol;
const ID = V.device_id;

for (const { name, crypto: c } of impls) {
  const deviceKeys = () => P.deriveSessionKeys(c, hex(V.device_private), hex(V.gateway_public))!;
  const gatewayKeys = () => P.deriveSessionKeys(c, hex(V.gateway_private), hex(V.device_public))!;

  test(`[${name}] PSK hash, psk_proof and gw_proof`, () => {
    const h = P.pskHash(c, utf8ToBinary(V.psk));
    assert.is(toHexStr(h), V.psk_hash);
    assert.is(P.pskProof(c, h, ID, V.device_public), V.connect_request.params.psk_proof);
    assert.is(P.gatewayProof(c, h, ID, V.device_public, V.gateway_public), V.approval_params.gw_proof);
  });

  test(`[${name}] the connect request parses and its proof verifies`, () => {
    const r = P.parseConnectRequest(JSON.stringify(V.connect_request));
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.equal(r.request, {
      id: 1, deviceId: ID, pubkey: V.device_public, pskProof: V.connect_request.params.psk_proof, name: 'Kitchen',
    });
    assert.ok(P.checkPskProof(c, hex(V.psk_hash), r.request));
    assert.not.ok(P.checkPskProof(c, P.pskHash(c, 'another psk'), r.request));
  });

  test(`[${name}] the approval verifies on the device, as reply and as notification`, () => {
    const a: P.Approval = {
      deviceId: ID, gatewayPubkey: V.gateway_public, time: V.approval_params.time, gwProof: V.approval_params.gw_proof,
    };
    const expect = { deviceId: ID, pubkey: V.device_public, pskHash: hex(V.psk_hash) };
    const note = P.approvedNotificationText(a);
    assert.equal(JSON.parse(note), { jsonrpc: '2.0', method: 'approved', params: V.approval_params });
    for (const text of [note, P.connectApprovedText(1, a), JSON.stringify({ jsonrpc: '2.0', method: 'approved', params: V.approval_params })]) {
      assert.equal(P.readConnectReply(c, text, expect), { kind: 'approved', gatewayPubkey: V.gateway_public, time: 1764072000 });
    }
  });

  test(`[${name}] key pairs, shared secret and derived keys on both sides`, () => {
    assert.is(toHexStr(c.x25519Base(hex(V.device_private))), V.device_public);
    assert.is(toHexStr(c.x25519Base(hex(V.gateway_private))), V.gateway_public);
    assert.is(toHexStr(c.x25519(hex(V.device_private), hex(V.gateway_public))), V.shared_secret);
    assert.is(toHexStr(c.x25519(hex(V.gateway_private), hex(V.device_public))), V.shared_secret);
    for (const k of [deviceKeys(), gatewayKeys()]) {
      assert.is(toHexStr(k.encKey), V.enc_key);
      assert.is(toHexStr(k.hmacKey), V.hmac_key);
    }
  });

  for (const [label, s] of Object.entries<any>(V.sealed)) {
    test(`[${name}] sealed ${label}: nonce, AAD, canonical string and envelope produced exactly`, () => {
      const e = s.envelope;
      assert.is(toHexStr(P.aeadNonce(s.direction, e.nonce)), s.aead_nonce);
      assert.is(P.aadString(ID, e.nonce, e.timestamp, e.echo), utf8ToBinary(s.aad));
      const msg = JSON.parse(s.plaintext);
      const method = 'method' in msg && !('result' in msg) ? msg.method : '';
      const id = 'id' in msg ? msg.id : null;
      assert.is(P.canonicalString(ID, method, id, e.nonce, e.timestamp), utf8ToBinary(s.canonical));
      const sealer = s.direction === P.DEVICE_TO_GATEWAY ? deviceKeys() : gatewayKeys();
      const text = P.sealEnvelope(c, sealer, {
        direction: s.direction, deviceId: ID, nonce: e.nonce, timestamp: e.timestamp, plaintext: utf8ToBinary(s.plaintext), echo: e.echo,
      });
      assert.is(text, JSON.stringify(e));
    });

    test(`[${name}] sealed ${label}: opened by the receiver in its direction`, () => {
      const e = s.envelope;
      const toGateway = s.direction === P.DEVICE_TO_GATEWAY;
      const session: P.PeerSession = { keys: toGateway ? gatewayKeys() : deviceKeys(), highNonce: 0 };
      // The gateway checks its clock (set, here 5 s off); the device does not.
      const r = P.openEnvelope(c, JSON.stringify(e), {
        direction: s.direction,
        findSession: (id) => (id === ID ? session : undefined),
        now: toGateway ? e.timestamp + 5 : undefined,
      });
      assert.ok(r.ok, JSON.stringify(r));
      if (!r.ok) return;
      assert.is(r.plaintext, utf8ToBinary(s.plaintext));
      assert.is(r.highNonce, e.nonce);
      assert.is(r.envelope.echo, e.echo);
      const msg = JSON.parse(s.plaintext);
      assert.is(r.id, 'id' in msg ? msg.id : null);
      assert.is(r.kind, 'result' in msg ? 'response' : 'id' in msg ? 'request' : 'notification');
      assert.equal(r.message, JSON.parse(utf8ToBinary(s.plaintext)));
      // The other side's keys are the same keys, so direction alone must matter.
      const wrongWay = P.openEnvelope(c, JSON.stringify(e), {
        direction: toGateway ? P.GATEWAY_TO_DEVICE : P.DEVICE_TO_GATEWAY,
        findSession: () => session,
      });
      assert.equal(wrongWay, { ok: false, step: P.STEP_BAD_CIPHERTEXT, reason: 'bad ciphertext', deviceId: e.device_id });
    });
  }

  test(`[${name}] any JSON serialisation of an envelope is accepted (key order, spacing)`, () => {
    const e = V.sealed.device_ping_with_echo.envelope;
    const reordered = `{ "echo" : "${e.echo}",\n "hmac":"${e.hmac}", "ciphertext":"${e.ciphertext.replace(/\//g, '\\/')}",` +
      ` "timestamp": ${e.timestamp}, "nonce":${e.nonce}, "device_id":"${ID}" }`;
    const session = { keys: gatewayKeys(), highNonce: 0 };
    const r = P.openEnvelope(c, reordered, { direction: 0, findSession: () => session });
    assert.ok(r.ok, JSON.stringify(r));
  });

  test(`[${name}] gateway_must_drop: each case dropped with the named reason`, () => {
    for (const d of V.gateway_must_drop) {
      const session: P.PeerSession = { keys: gatewayKeys(), highNonce: 0 };
      const open = (env: unknown) =>
        P.openEnvelope(c, JSON.stringify(env), {
          direction: P.DEVICE_TO_GATEWAY, findSession: (id) => (id === ID ? session : undefined), now: 1764072000,
        });
      if (d.after) {
        const first = open(d.envelope);
        assert.ok(first.ok, `${d.note}: first delivery accepted`);
        if (first.ok) session.highNonce = first.highNonce;
        for (const again of d.after) {
          const r = open(again);
          assert.is(r.ok, false, d.note);
          assert.is(r.ok ? '' : r.reason, d.reason, d.note);
        }
      } else {
        const r = open(d.envelope);
        assert.is(r.ok, false, d.note);
        assert.is(r.ok ? '' : r.reason, d.reason, d.note);
      }
    }
  });
}

test.run();
