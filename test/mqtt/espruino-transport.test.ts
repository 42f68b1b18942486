// The Espruino transport over a stand-in for Espruino's require("net") with
// its documented behaviour (data as 8-bit strings in chunks of at most 536
// bytes, write() converting its argument to a string), on a real socket to
// aedes. Until the emulator can host the client, this checks the adapter's
// wiring; the byte-level client behaviour is covered by the other tests.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import { connect as netConnect } from 'node:net';
import { createClient } from '../../src/mqtt/client';
import { espruinoTransport } from '../../src/mqtt/espruino-transport';
import { systemClock } from '../../src/mqtt/clock';
import { createAedes } from './brokers';
import { oracleConnect } from './oracle-client';
import { fromBytes, waitFor } from './helpers';

const chunkSizes: number[] = [];
const espruinoNet = {
  connect(opts: { host: string; port: number }, onConnect: () => void) {
    const events = new EventEmitter();
    const s = netConnect(opts.port, opts.host);
    s.on('connect', onConnect);
    s.on('data', (b: Buffer) => {
      const str = b.toString('latin1');
      for (let i = 0; i < str.length; i += 536) {
        chunkSizes.push(Math.min(536, str.length - i));
        events.emit('data', str.substring(i, i + 536));
      }
    });
    s.on('error', (e) => events.emit('error', { code: -1, message: e.message }));
    s.on('close', () => events.emit('close'));
    return {
      on: (ev: string, fn: (...a: any[]) => void) => events.on(ev, fn),
      write: (x: unknown) => s.write(Buffer.from(String(x), 'latin1')),
      end: () => s.end(),
      destroy: () => s.destroy(),
    };
  },
};
(globalThis as any).require = (name: string) => {
  if (name === 'net') return espruinoNet;
  throw new Error('no module ' + name);
};

test('publish and receive through the Espruino socket API; reconnect after loss', async () => {
  const b = await createAedes();
  const client = createClient({ host: '127.0.0.1', port: b.port, clientId: 'esp', backoffMin: 50, backoffMax: 100 }, espruinoTransport, systemClock);
  const got: string[] = [];
  let connects = 0;
  client.on('connect', () => connects++);
  client.on('message', (_t, p) => got.push(p));
  const o = await oracleConnect(b.port, { clientId: 'oracle' });
  try {
    await o.subscribe('esp/out', 1);
    client.subscribe('esp/in', 1);
    client.connect();
    await waitFor('connected', () => connects === 1);
    const payload = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) & 255)).toString('latin1');
    client.publish('esp/in', payload, 1); // comes back: also proves the subscription is active
    await waitFor('own message back', () => got.length === 1);
    assert.is(got[0], payload);
    assert.ok(Math.max(...chunkSizes) <= 536 && chunkSizes.length > 8, 'arrived in Espruino-sized chunks');
    client.publish('esp/out', payload, 0);
    await waitFor('oracle got it', () => o.messages.length === 1);
    assert.ok(o.messages[0].payload.equals(fromBytes(payload)));
    // the broker drops the connection: the transport reports the close and the client comes back
    (b.broker as any).clients['esp'].close();
    await waitFor('reconnected', () => connects === 2);
    await o.publish('esp/in', 'again', 1);
    await waitFor('message after reconnect', () => got.includes('again'));
  } finally {
    client.end();
    await o.disconnect();
    await b.close();
  }
});

test.run();
