// The MQTT client over the Espruino transport, on the real interpreter
// (test/fixtures/espruino/mqtt-client.ts, bundled like the images), against
// aedes: 8-bit payloads both ways through require("net"), and a reconnect
// after the broker drops the connection.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bundleProgram } from '../../tools/espruino/bundle.ts';
import { Interpreter, writeStorage } from '../../tools/espruino/interpreter.ts';
import { createAedes } from './brokers.ts';
import { oracleConnect } from './oracle-client.ts';
import { waitFor } from './helpers.ts';

const PROGRAM = fileURLToPath(new URL('../fixtures/espruino/mqtt-client.ts', import.meta.url));

/** The payloads of "MQTT MSG <topic> <base64>" lines printed so far. */
function messages(it: Interpreter, topic: string): Buffer[] {
  return [...it.output.matchAll(/MQTT MSG (\S+) (\S*)\r\n/g)].filter((m) => m[1] === topic).map((m) => Buffer.from(m[2], 'base64'));
}

test('publish and receive 8-bit payloads through require("net"); reconnect after the broker drops the connection', async () => {
  const b = await createAedes();
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-espruino-'));
  await writeStorage(dir, { '.bootcde': await bundleProgram(PROGRAM) });
  const it = await Interpreter.start({ storageDir: dir });
  const o = await oracleConnect(b.port, { clientId: 'oracle' });
  try {
    await it.waitForOutput(/\n>/, 20000);
    await o.subscribe('esp/out', 1);
    await it.eval(`start("127.0.0.1", ${b.port})`);
    await it.waitForOutput('MQTT UP 1\r\n', 15000);
    // every byte value, more than one 536-byte socket chunk
    const payload = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(3840)]);
    // to itself (also proves the subscription is active), QoS 1
    assert.is(await it.eval(`pub("esp/in", ${JSON.stringify(payload.toString('base64'))}, 1)`), true);
    await waitFor('own message back', () => messages(it, 'esp/in').length === 1);
    assert.ok(messages(it, 'esp/in')[0].equals(payload), 'the bytes came back unchanged');
    // to another client, QoS 0
    await it.eval(`pub("esp/out", ${JSON.stringify(payload.toString('base64'))}, 0)`);
    await waitFor('oracle got it', () => o.messages.length === 1);
    assert.ok(o.messages[0].payload.equals(payload));
    // the broker drops the connection: the transport reports the close and the client comes back
    (b.broker as any).clients['esp'].close();
    await it.waitForOutput('MQTT CLOSED', 15000);
    await it.waitForOutput('MQTT UP 2\r\n', 15000);
    await o.publish('esp/in', 'again', 1);
    await waitFor('message after the reconnect', () => messages(it, 'esp/in').some((p) => p.toString() === 'again'));
  } finally {
    await o.disconnect();
    await it.stop();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
