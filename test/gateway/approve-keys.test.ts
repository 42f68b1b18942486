// An approval's X25519 work on stock firmware, where it is pure JS and takes
// seconds: it runs in slices (Crypto.x25519Async), so the gateway keeps
// answering other devices meanwhile, and the admin API answers the approve
// when the keys are made, with the approved device (docs/admin-api.md). What
// happens to the request in the meantime is decided when the keys are done:
// a second approve is refused at once, a reject wins.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAedes } from '../mqtt/brokers.ts';
import type { AedesBroker } from '../mqtt/brokers.ts';
import { GatewayUnderTest } from './harness.ts';
import type { TestDevice } from './device.ts';

let broker: AedesBroker;
let gw: GatewayUnderTest;
const devices: TestDevice[] = [];

test.before(async () => {
  broker = await createAedes();
  gw = new GatewayUnderTest({ brokerPort: broker.port, variant: 'stock' });
  await gw.start();
});

test.after(async () => {
  for (const d of devices) d.end();
  await gw?.stop();
  await broker?.close();
});

async function pending(id: string): Promise<TestDevice> {
  const d = gw.device(id);
  devices.push(d);
  await d.start();
  assert.equal(await d.connect(), { kind: 'pending' });
  return d;
}

test('other devices keep getting answers while an approval makes its keys; the approve answers with the approved device', async () => {
  const pinger = await pending('keys-pinger');
  const ap = pinger.approved(120_000);
  assert.is((await gw.admin.ok('POST', '/api/devices/keys-pinger/approve', {})).status, 'approved');
  await ap;
  assert.is((await pinger.call('ping', undefined, { ms: 60_000 })).result, 'pong');

  const d = await pending('keys-new');
  let approving = true;
  let answered = 0;
  const pinging = (async () => {
    while (approving) {
      if ((await pinger.call('ping', undefined, { ms: 60_000 })).result === 'pong' && approving) answered++;
    }
  })();
  const approved = d.approved(120_000);
  const res = await gw.admin.req('POST', '/api/devices/keys-new/approve', {});
  approving = false;
  await pinging;
  assert.is(res.status, 200, JSON.stringify(res.body));
  assert.is(res.body.status, 'approved');
  assert.is((await approved).kind, 'approved');
  assert.ok(answered > 0, 'the other device was answered while the keys were made');
  assert.is((await d.call('ping', undefined, { ms: 60_000 })).result, 'pong');
  assert.not.match(gw.out, /Uncaught/);
});

test('a second approve while the keys are made is refused at once (409); the first approves', async () => {
  const d = await pending('keys-twice');
  const approved = d.approved(120_000);
  const first = gw.admin.req('POST', '/api/devices/keys-twice/approve', {});
  await new Promise((r) => setTimeout(r, 300)); // the first request is in
  const second = await gw.admin.req('POST', '/api/devices/keys-twice/approve', {});
  assert.is(second.status, 409, JSON.stringify(second.body));
  assert.is(second.body.error.code, 'conflict');
  assert.is((await first).status, 200);
  assert.is((await approved).kind, 'approved');
});

test('a reject while the keys are made wins: the approve answers 409 and nothing is approved', async () => {
  const d = await pending('keys-rejected');
  const first = gw.admin.req('POST', '/api/devices/keys-rejected/approve', {});
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await gw.admin.req('POST', '/api/devices/keys-rejected/reject', {})).body, { ok: true });
  const res = await first;
  assert.is(res.status, 409, JSON.stringify(res.body));
  assert.match(res.body.error.message, /changed meanwhile/);
  assert.is((await gw.admin.req('GET', '/api/devices/keys-rejected')).status, 404);
  assert.ok(await d.silent((p) => p.includes('"approved"'), 1000), 'no approval was sent');
});

test.run();
