// protocol-vectors.json inside the real interpreter, through the code the
// images carry: src/protocol and deviceCrypto() (test/fixtures/espruino/
// protocol-runner.ts, bundled like the images), on the custom firmware
// (GatewayCrypto, native) and on stock firmware (the pure-JS gwcrypto-js
// module from Storage). Pure-JS X25519 takes seconds per scalar
// multiplication on the interpreter: on stock only a couple of them run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FALLBACK_MODULE } from '../../src/crypto/espruino.ts';
import { utf8ToBinary } from '../../src/protocol/node/text.ts';
import type { Variant } from '../../tools/espruino/build.ts';
import { bundleProgram } from '../../tools/espruino/bundle.ts';
import { Interpreter, writeStorage } from '../../tools/espruino/interpreter.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUNNER = join(ROOT, 'test/fixtures/espruino/protocol-runner.ts');
const VECTORS = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/protocol-vectors.json'), 'utf8'));
const PRIM = VECTORS.primitives;
const V = VECTORS.protocol;
const ID = V.device_id;

/** A JS expression for a byte string (8-bit text) on the board. */
function bytes(binary: string): string {
  return `atob(${JSON.stringify(Buffer.from(binary, 'latin1').toString('base64'))})`;
}
/** A JS expression for a Uint8Array from hex. */
function h(hexText: string): string {
  return `hex(${JSON.stringify(hexText)})`;
}
/** UTF-8 text as a Uint8Array expression. */
function u8(text: string): string {
  return `E.toUint8Array(${bytes(utf8ToBinary(text))})`;
}
/** The session keys (the same on both sides) as a SessionKeys expression. */
const KEYS = `{ encKey: ${h(V.enc_key)}, hmacKey: ${h(V.hmac_key)} }`;

function vectorSuite(variant: Variant): void {
  const native = variant === 'custom';
  const test = suite<{ it: Interpreter; dir: string }>(`protocol vectors on the interpreter, ${variant} firmware`, {} as { it: Interpreter; dir: string });
  test.before(async (ctx) => {
    try {
      ctx.dir = mkdtempSync(join(tmpdir(), `vectors-${variant}-`));
      const files: Record<string, Buffer | string> = { '.bootcde': await bundleProgram(RUNNER) };
      if (!native) files[FALLBACK_MODULE] = readFileSync(join(ROOT, 'dist/gwcrypto-js.js'));
      await writeStorage(ctx.dir, files, variant);
      ctx.it = await Interpreter.start({ variant, storageDir: ctx.dir });
      assert.is(await ctx.it.waitForOutput(/PROTOCOL READY \S+\r\n/, 30000), `PROTOCOL READY ${native ? 'GatewayCrypto' : 'gwcrypto-js'}\r\n`);
    } catch (e) {
      console.error(`the ${variant} board did not start the runner:`, e); // (uvu does not show a hook's error)
      throw e;
    }
  });
  test.after(async (ctx) => {
    await ctx.it?.stop();
    rmSync(ctx.dir, { recursive: true, force: true });
  });

  const run = <T = string>(it: Interpreter, code: string, ms = 60000) => it.eval<T>(code, ms);

  test('SHA-256, HMAC-SHA256 (RFC 4231), ChaCha20-Poly1305 (RFC 8439 §2.8.2)', async ({ it }) => {
    for (const v of PRIM.sha256) {
      if (v.data_utf8 === 'a x 1000000') continue; // 1 MB does not fit the board's RAM
      assert.is(await run(it, `toHex(c.sha256(${u8(v.data_utf8)}))`), v.sha256, v.data_utf8);
    }
    for (const v of PRIM.hmac_sha256_rfc4231) assert.is(await run(it, `toHex(c.hmacSha256(${h(v.key)}, ${u8(v.data_utf8)}))`), v.hmac_sha256);
    const a = PRIM.chacha20poly1305_rfc8439_2_8_2;
    assert.is(await run(it, `toHex(c.aeadSeal(${h(a.key)}, ${h(a.nonce)}, ${h(a.aad)}, ${u8(a.plaintext_utf8)}))`), a.ciphertext + a.tag);
    assert.is(await run(it, `E.toString(c.aeadOpen(${h(a.key)}, ${h(a.nonce)}, ${h(a.aad)}, ${h(a.ciphertext + a.tag)}))`), utf8ToBinary(a.plaintext_utf8));
    const flipped = a.ciphertext.slice(0, -1) + (a.ciphertext.slice(-1) === '0' ? '1' : '0');
    assert.is(await run(it, `typeof c.aeadOpen(${h(a.key)}, ${h(a.nonce)}, ${h(a.aad)}, ${h(flipped + a.tag)})`), 'undefined');
  });

  test(`X25519 RFC 7748 ${native ? '§5.2, iterated once, §6.1' : '§5.2 (one case)'}`, async ({ it }) => {
    const cases = native ? PRIM.x25519_rfc7748_5_2 : PRIM.x25519_rfc7748_5_2.slice(0, 1);
    for (const v of cases) assert.is(await run(it, `toHex(c.x25519(${h(v.scalar)}, ${h(v.u)}))`, 120000), v.out);
    if (!native) return;
    const nine = '09' + '00'.repeat(31);
    assert.is(await run(it, `toHex(c.x25519(${h(nine)}, ${h(nine)}))`), PRIM.x25519_rfc7748_5_2_iterated.after_1);
    const v = PRIM.x25519_rfc7748_6_1;
    assert.is(await run(it, `toHex(c.x25519Base(${h(v.alice_private)}))`), v.alice_public);
    assert.is(await run(it, `toHex(c.x25519(${h(v.bob_private)}, ${h(v.alice_public)}))`), v.shared);
  });

  test('randomBytes: the asked length, different each time', async ({ it }) => {
    assert.equal(await run(it, '[0, 1, 16, 32, 33].map(function (n) { return c.randomBytes(n).length; })'), [0, 1, 16, 32, 33]);
    assert.is(await run(it, 'toHex(c.randomBytes(32)) !== toHex(c.randomBytes(32))'), true);
  });

  test('PSK hash, psk_proof and gw_proof', async ({ it }) => {
    assert.is(await run(it, `global.pskH = P.pskHash(c, ${bytes(utf8ToBinary(V.psk))}); toHex(pskH)`), V.psk_hash);
    assert.is(await run(it, `P.pskProof(c, pskH, ${JSON.stringify(ID)}, ${JSON.stringify(V.device_public)})`), V.connect_request.params.psk_proof);
    assert.is(await run(it, `P.gatewayProof(c, pskH, ${JSON.stringify(ID)}, ${JSON.stringify(V.device_public)}, ${JSON.stringify(V.gateway_public)})`), V.approval_params.gw_proof);
  });

  test('the connect request parses and its proof verifies; the approval verifies as reply and as notification', async ({ it }) => {
    const r = await run<any>(it, `global.req = P.parseConnectRequest(${JSON.stringify(JSON.stringify(V.connect_request))}); req`);
    assert.equal(r, { ok: true, request: { id: 1, deviceId: ID, pubkey: V.device_public, pskProof: V.connect_request.params.psk_proof, name: 'Kitchen' } });
    assert.is(await run(it, `P.checkPskProof(c, ${h(V.psk_hash)}, req.request)`), true);
    assert.is(await run(it, `P.checkPskProof(c, P.pskHash(c, "another psk"), req.request)`), false);
    const approval = `{ deviceId: ${JSON.stringify(ID)}, gatewayPubkey: ${JSON.stringify(V.gateway_public)}, time: ${V.approval_params.time}, gwProof: ${JSON.stringify(V.approval_params.gw_proof)} }`;
    const note = await run(it, `P.approvedNotificationText(${approval})`);
    assert.equal(JSON.parse(note), { jsonrpc: '2.0', method: 'approved', params: V.approval_params });
    const expect = `{ deviceId: ${JSON.stringify(ID)}, pubkey: ${JSON.stringify(V.device_public)}, pskHash: ${h(V.psk_hash)} }`;
    for (const text of [note, await run(it, `P.connectApprovedText(1, ${approval})`)]) {
      assert.equal(await run(it, `P.readConnectReply(c, ${JSON.stringify(text)}, ${expect})`), { kind: 'approved', gatewayPubkey: V.gateway_public, time: 1764072000 });
    }
  });

  test(`key pairs and session keys (${native ? 'both sides' : 'the device side: two scalar multiplications'})`, async ({ it }) => {
    assert.is(await run(it, `toHex(c.x25519Base(${h(V.device_private)}))`, 120000), V.device_public);
    const derived = async (priv: string, pub: string) =>
      run<[string, string]>(it, `var k = P.deriveSessionKeys(c, ${h(priv)}, ${h(pub)}); [toHex(k.encKey), toHex(k.hmacKey)]`, 120000);
    assert.equal(await derived(V.device_private, V.gateway_public), [V.enc_key, V.hmac_key]);
    if (!native) return;
    assert.is(await run(it, `toHex(c.x25519Base(${h(V.gateway_private)}))`), V.gateway_public);
    assert.is(await run(it, `toHex(c.x25519(${h(V.gateway_private)}, ${h(V.device_public)}))`), V.shared_secret);
    assert.equal(await derived(V.gateway_private, V.device_public), [V.enc_key, V.hmac_key]);
  });

  for (const [label, s] of Object.entries<any>(V.sealed)) {
    test(`sealed ${label}: nonce, AAD, canonical string and envelope produced exactly; opened in its direction only`, async ({ it }) => {
      const e = s.envelope;
      const msg = JSON.parse(s.plaintext);
      const method = 'method' in msg && !('result' in msg) ? msg.method : '';
      const id = 'id' in msg ? msg.id : null;
      assert.is(await run(it, `toHex(P.aeadNonce(${s.direction}, ${e.nonce}))`), s.aead_nonce);
      const echo = e.echo === undefined ? 'undefined' : JSON.stringify(e.echo);
      assert.is(await run(it, `P.aadString(${JSON.stringify(ID)}, ${e.nonce}, ${e.timestamp}, ${echo})`), utf8ToBinary(s.aad));
      assert.is(await run(it, `P.canonicalString(${JSON.stringify(ID)}, ${JSON.stringify(method)}, ${JSON.stringify(id)}, ${e.nonce}, ${e.timestamp})`), utf8ToBinary(s.canonical));
      const sealed = await run(it, `P.sealEnvelope(c, ${KEYS}, { direction: ${s.direction}, deviceId: ${JSON.stringify(ID)}, nonce: ${e.nonce}, ` +
        `timestamp: ${e.timestamp}, plaintext: ${bytes(utf8ToBinary(s.plaintext))}, echo: ${echo} })`);
      assert.is(sealed, JSON.stringify(e));
      const toGateway = s.direction === 0;
      const open = (direction: number) =>
        run<any>(it, `var r = P.openEnvelope(c, ${JSON.stringify(JSON.stringify(e))}, { direction: ${direction}, ` +
          `findSession: function (id) { return id === ${JSON.stringify(ID)} ? { keys: ${KEYS}, highNonce: 0 } : undefined; }, ` +
          `now: ${toGateway && direction === s.direction ? e.timestamp + 5 : 'undefined'} }); ` +
          'r.ok ? { ok: true, plaintext: r.plaintext, highNonce: r.highNonce, echo: r.envelope.echo, id: r.id, kind: r.kind, message: r.message } : r');
      const r = await open(s.direction);
      const want = {
        ok: true,
        plaintext: utf8ToBinary(s.plaintext),
        highNonce: e.nonce,
        echo: e.echo,
        id,
        kind: 'result' in msg ? 'response' : 'id' in msg ? 'request' : 'notification',
        message: JSON.parse(utf8ToBinary(s.plaintext)),
      };
      assert.equal(r, JSON.parse(JSON.stringify(want))); // (through JSON, as the answer came: no undefined echo)
      assert.equal(await open(1 - s.direction), { ok: false, step: 5, reason: 'bad ciphertext', deviceId: ID });
    });
  }

  test('any JSON serialisation of an envelope is accepted; gateway_must_drop: each case dropped with its reason', async ({ it }) => {
    const e = V.sealed.device_ping_with_echo.envelope;
    const reordered = `{ "echo" : "${e.echo}",\n "hmac":"${e.hmac}", "ciphertext":"${e.ciphertext.replace(/\//g, '\\/')}",` +
      ` "timestamp": ${e.timestamp}, "nonce":${e.nonce}, "device_id":"${ID}" }`;
    await run(it, `global.session = { keys: ${KEYS}, highNonce: 0 }; global.openAt = function (text) {
      return P.openEnvelope(c, text, { direction: 0, findSession: function (id) { return id === ${JSON.stringify(ID)} ? session : undefined; }, now: 1764072000 }); }`);
    assert.is(await run(it, `openAt(${JSON.stringify(reordered)}).ok`), true);
    for (const d of V.gateway_must_drop) {
      await run(it, 'session.highNonce = 0');
      if (d.after) {
        assert.is(await run(it, `var f = openAt(${JSON.stringify(JSON.stringify(d.envelope))}); if (f.ok) session.highNonce = f.highNonce; f.ok`), true, `${d.note}: first delivery`);
        for (const again of d.after) {
          assert.equal(await run(it, `var r = openAt(${JSON.stringify(JSON.stringify(again))}); [r.ok, r.reason]`), [false, d.reason], d.note);
        }
      } else {
        assert.equal(await run(it, `var r = openAt(${JSON.stringify(JSON.stringify(d.envelope))}); [r.ok, r.reason]`), [false, d.reason], d.note);
      }
    }
  });

  test.run();
}

vectorSuite('custom');
vectorSuite('stock');
