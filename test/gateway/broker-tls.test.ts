// mqtts:// with broker_ca on the real interpreter, against Mosquitto with a
// TLS listener and certificates made by openssl for this run: the custom
// firmware (board/tls_verify.c) connects only to a broker whose certificate
// the given CA signed, and keeps retrying with a clear console line otherwise;
// without broker_ca it connects unverified; stock Espruino 2v29 loads the CA
// but never checks it (the documented limitation), so a wrong CA connects.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interpreter } from '../../tools/espruino/interpreter.ts';
import type { Variant } from '../../tools/espruino/build.ts';
import { provision } from '../../tools/emulate/config.ts';
import { startMosquitto } from '../../tools/broker/mosquitto.ts';
import type { Mosquitto } from '../../tools/broker/mosquitto.ts';
import { CRYPTO_MODULE, IMAGE, PASSWORD } from './harness.ts';

const dirs: string[] = [];
const emus: Interpreter[] = [];
let pki: string;
let broker: Mosquitto;
/** broker_ca values: base64 of the DER certificate */
let rightCa: string;
let otherCa: string;

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: pki, stdio: 'pipe' });
}

/** A self-signed RSA CA (Espruino's mbedTLS has RSA and DHE-RSA key exchange, no ECDHE). */
function makeCa(name: string): string {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', `${name}.key`, '-out', `${name}.pem`]);
  openssl(['x509', '-in', `${name}.pem`, '-outform', 'der', '-out', `${name}.der`]);
  return readFileSync(join(pki, `${name}.der`)).toString('base64');
}

test.before(async () => {
  pki = mkdtempSync(join(tmpdir(), 'gw-pki-'));
  rightCa = makeCa('broker-ca');
  otherCa = makeCa('other-ca');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=broker', '-keyout', 'broker.key', '-out', 'broker.csr']);
  writeFileSync(join(pki, 'broker.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  openssl(['x509', '-req', '-in', 'broker.csr', '-CA', 'broker-ca.pem', '-CAkey', 'broker-ca.key', '-CAcreateserial',
    '-days', '2', '-extfile', 'broker.ext', '-out', 'broker.pem']);
  broker = await startMosquitto({ tls: { certfile: join(pki, 'broker.pem'), keyfile: join(pki, 'broker.key') } });
});

test.after(async () => {
  for (const e of emus) await e.stop();
  await broker?.dispose();
  for (const d of [pki, ...dirs]) if (d) rmSync(d, { recursive: true, force: true });
});

/** Boots the gateway image on `variant` with broker mqtts://127.0.0.1:PORT and this broker_ca. */
async function boot(variant: Variant, brokerCa: string): Promise<Interpreter> {
  const storage = mkdtempSync(join(tmpdir(), 'gw-tls-'));
  dirs.push(storage);
  await provision(
    { broker: broker.url, httpPort: 1, storage, adminPassword: PASSWORD },
    { image: IMAGE, cryptoModule: variant === 'stock' ? CRYPTO_MODULE : undefined },
    variant,
    { broker_ca: brokerCa },
  );
  const emu = await Interpreter.start({
    variant,
    storageDir: storage,
    ports: { 80: 0 },
    onOutput: (s: string) => {
      if (process.env.GW_TEST_VERBOSE) process.stdout.write(s);
    },
  });
  emus.push(emu);
  return emu;
}

test('custom firmware, broker_ca = the CA that signed the broker: connects over TLS', async () => {
  const emu = await boot('custom', rightCa);
  await emu.waitForOutput('mqtt: connected to ' + broker.url, 30000);
  await emu.stop();
});

test('custom firmware, broker_ca = an unrelated CA: refuses the broker, says why, keeps retrying', async () => {
  const emu = await boot('custom', otherCa);
  // mbedTLS's own word (-0x2700: MBEDTLS_ERR_X509_CERT_VERIFY_FAILED), then the gateway's
  // (the transport reports after the interpreter printed the native error, never "Uncaught undefined")
  const failed = `mqtt: cannot connect to ${broker.url} (no TLS session: is the broker certificate signed by broker_ca?`;
  await emu.waitForOutput('mbedtls_ssl_handshake returned -0x2700', 30000);
  await emu.waitForOutput(failed, 10000);
  // back-off starts at 1 s: the next attempt fails the same way (waits read the console in order)
  await emu.waitForOutput('mbedtls_ssl_handshake returned -0x2700', 15000);
  await emu.waitForOutput(failed, 10000);
  assert.not.ok(emu.output.includes('mqtt: connected'), 'never connected');
  assert.not.ok(emu.output.includes('Uncaught undefined'), 'the native error is printed whole');
  assert.is(await emu.eval<number>('1+1'), 2, 'the interpreter keeps running');
  await emu.stop();
});

test('custom firmware without broker_ca: encrypted but unverified, as before', async () => {
  const emu = await boot('custom', '');
  await emu.waitForOutput('mqtt: connected to ' + broker.url, 30000);
  await emu.stop();
});

test('stock firmware checks nothing: an unrelated CA still connects (documented limitation)', async () => {
  const emu = await boot('stock', otherCa);
  await emu.waitForOutput('mqtt: connected to ' + broker.url, 30000);
  assert.not.ok(emu.output.includes('-0x2700'), 'no verification ran');
  await emu.stop();
});

test.run();
