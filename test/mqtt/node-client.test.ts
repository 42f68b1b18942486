// createNodeClient refuses strings that are not byte strings, which the
// latin1 conversion on the wire would otherwise cut silently.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createNodeClient } from '../../src/mqtt/node/client';
import { createAedes } from './brokers';
import { waitFor } from './helpers';

test('non-byte strings are refused with a clear error; byte strings go through', async () => {
  assert.throws(() => createNodeClient({ host: '127.0.0.1', clientId: 'gw-€' }), /clientId is not a byte string/);
  assert.throws(
    () => createNodeClient({ host: '127.0.0.1', clientId: 'gw', will: { topic: 's', payload: 'off€' } }),
    /will payload/,
  );
  const b = await createAedes();
  const c = createNodeClient({ host: '127.0.0.1', port: b.port, clientId: 'gw' });
  const got: string[] = [];
  c.on('message', (_t, p) => got.push(p));
  try {
    c.connect();
    await waitFor('connected', () => c.stats().connected);
    assert.throws(() => c.publish('t', 'caf\u00e9 \u20ac'), /payload is not a byte string/);
    assert.throws(() => c.publish('t/\u20ac', 'x'), /topic is not a byte string/);
    assert.throws(() => c.subscribe('\u20ac/#'), /topic filter is not a byte string/);
    const utf8 = Buffer.from('caf\u00e9 \u20ac', 'utf8').toString('latin1');
    c.subscribe('t', 1);
    assert.ok(c.publish('t', utf8, 1));
    await waitFor('own message back', () => got.length === 1);
    assert.is(Buffer.from(got[0], 'latin1').toString('utf8'), 'caf\u00e9 \u20ac');
  } finally {
    c.end();
    await b.close();
  }
});

test.run();
