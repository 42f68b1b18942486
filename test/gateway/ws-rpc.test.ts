// JSON-RPC 2.0 over /ws mapped onto AdminCore.call: responses, error mapping,
// notifications, refusals, and exactly one respond() per message.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AdminCore, AdminReply } from '../../src/gateway/admin/types';
import { runRequest } from '../../src/gateway/ws/rpc';

// A core that records calls and answers from a table (the mapping is under test, not the core).
function core(answers: Record<string, (p: any, reply: AdminReply) => void>) {
  const calls: [string, any][] = [];
  const c = {
    calls,
    call(method: string, params: any, reply: AdminReply) {
      calls.push([method, params]);
      answers[method](params, reply);
    },
  } as unknown as AdminCore & { calls: [string, any][] };
  return c;
}

function run(c: AdminCore, text: string, busy = false): any[] {
  const out: any[] = [];
  runRequest(c, text, busy, (json) => out.push(json === '' ? '' : JSON.parse(json)));
  return out;
}

const table = {
  status: (_p: any, r: AdminReply) => r(null, { uptime_s: 5 }),
  'device.approve': (_p: any, r: AdminReply) => r(null),
  'device.get': (_p: any, r: AdminReply) => r({ status: 404, code: 'not_found', message: 'No device x' }),
  'device.setMethods': (_p: any, r: AdminReply) => r({ status: 400, code: 'bad_request', message: 'allow must be a list' }),
  'devices.list': () => {
    throw new Error('boom');
  },
};

test('a request gets its result with the same id', () => {
  const c = core(table);
  assert.equal(run(c, '{"jsonrpc":"2.0","id":"a1","method":"status"}'), [{ jsonrpc: '2.0', id: 'a1', result: { uptime_s: 5 } }]);
  assert.equal(c.calls, [['status', {}]], 'params default to {}');
  assert.equal(run(c, '{"jsonrpc":"2.0","id":7,"method":"device.approve","params":{"device_id":"d","psk":"s"}}'), [{ jsonrpc: '2.0', id: 7, result: null }]);
  assert.equal(c.calls[1], ['device.approve', { device_id: 'd', psk: 's' }]);
});

test('core errors: 400 → -32602, others → -32000, with the HTTP status and error word', () => {
  const c = core(table);
  assert.equal(run(c, '{"jsonrpc":"2.0","id":1,"method":"device.setMethods","params":{}}')[0].error, {
    code: -32602,
    message: 'allow must be a list',
    data: { status: 400, code: 'bad_request' },
  });
  assert.equal(run(c, '{"jsonrpc":"2.0","id":2,"method":"device.get","params":{"device_id":"x"}}')[0].error, {
    code: -32000,
    message: 'No device x',
    data: { status: 404, code: 'not_found' },
  });
  assert.is(run(c, '{"jsonrpc":"2.0","id":3,"method":"devices.list"}')[0].error.code, -32603, 'a throwing core');
});

test('malformed messages: parse error and invalid request, with id null', () => {
  const c = core(table);
  for (const [text, code] of [
    ['{nope', -32700],
    ['', -32700],
    ['[]', -32600],
    ['5', -32600],
    ['null', -32600],
    ['{"jsonrpc":"1.0","id":1,"method":"status"}', -32600],
    ['{"jsonrpc":"2.0","id":1}', -32600],
    ['{"jsonrpc":"2.0","id":{},"method":"status"}', -32600],
    ['{"jsonrpc":"2.0","id":1,"method":5}', -32600],
    // an object that cannot become a string (found by npm run fuzz): no throw
    ['{"jsonrpc":{"toString":null},"id":1,"method":"status"}', -32600],
    ['{"jsonrpc":["2.0"],"id":1,"method":"status"}', -32600],
  ] as [string, number][]) {
    const r = run(c, text);
    assert.is(r.length, 1, text);
    assert.is(r[0].error.code, code, text);
    assert.is(r[0].id, null, text);
  }
  assert.equal(c.calls, []);
});

test('methods outside the /ws list never reach the core', () => {
  const c = core(table);
  for (const m of ['password.change', 'config.set', 'config.get', 'login', 'status|security', '__proto__', 'constructor']) {
    const r = run(c, JSON.stringify({ jsonrpc: '2.0', id: 1, method: m }));
    assert.is(r[0].error.code, -32601, m);
  }
  assert.equal(c.calls, []);
});

test('notifications run but answer nothing; respond is still called once', () => {
  const c = core(table);
  assert.equal(run(c, '{"jsonrpc":"2.0","method":"device.approve","params":{"device_id":"d"}}'), ['']);
  assert.equal(c.calls, [['device.approve', { device_id: 'd' }]]);
  assert.equal(run(c, '{"jsonrpc":"2.0","method":"nope"}'), ['']);
});

test('a busy client gets 429 rate_limited without reaching the core', () => {
  const c = core(table);
  const r = run(c, '{"jsonrpc":"2.0","id":9,"method":"status"}', true);
  assert.equal(r[0], { jsonrpc: '2.0', id: 9, error: { code: -32000, message: 'Too many requests at once: wait for the answers', data: { status: 429, code: 'rate_limited' } } });
  assert.equal(c.calls, []);
});

test('an asynchronous reply (a device call) is delivered when it comes', async () => {
  let later: AdminReply | null = null;
  const c = core({ 'device.call': (_p, r) => (later = r) });
  const out: string[] = [];
  runRequest(c, '{"jsonrpc":"2.0","id":4,"method":"device.call","params":{"device_id":"d","method":"led.set","params":{"on":true},"timeout_ms":5000}}', false, (j) => out.push(j));
  assert.equal(out, []);
  later!(null, { result: { on: true } });
  assert.equal(JSON.parse(out[0]), { jsonrpc: '2.0', id: 4, result: { result: { on: true } } });
});

test.run();
