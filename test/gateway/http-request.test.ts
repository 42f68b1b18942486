// The admin server's request reader (src/gateway/http/request.ts): whole
// requests in any chunking, and every way a client can ask for too much or
// send something that is not HTTP refused as early as the bytes allow.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isRefusal, readRequest, MAX_URL } from '../../src/gateway/http/request.ts';

const LIM = { head: 2048, body: 4096 };

function read(text: string) {
  return readRequest(text, LIM);
}

test('a request with a body, read whole and byte by byte', () => {
  const text = 'PUT /api/config?x=1 HTTP/1.1\r\nHost: gw.lan\r\nContent-Type: application/json\r\nX-Other: dropped\r\nContent-Length: 2\r\n\r\n{}';
  const r: any = read(text);
  assert.is(r.method, 'PUT');
  assert.is(r.path, '/api/config');
  assert.is(r.body, '{}');
  assert.equal(r.headers, { host: 'gw.lan', 'content-type': 'application/json', 'content-length': '2' });
  for (let i = 0; i < text.length; i++) assert.is(read(text.slice(0, i)), null, 'not before the last byte: ' + i);
});

test("the bytes after a request are handed on (a WebSocket client's first frame)", () => {
  const r: any = read('GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n\x81\x80abcd');
  assert.is(r.rest, '\x81\x80abcd');
  assert.is(r.headers.upgrade, 'websocket');
});

test('header names in any case, repeated fields joined, values trimmed', () => {
  const r: any = read('GET / HTTP/1.0\r\nCOOKIE:  a=1 \r\ncookie: b=2\r\n\r\n');
  assert.is(r.headers.cookie, 'a=1, b=2');
});

test('too large: head, URL, body, many fields — refused before the rest arrives', () => {
  const big: any = read('GET / HTTP/1.1\r\nX: ' + 'a'.repeat(3000));
  assert.is(big.status, 413);
  const url: any = read('GET /' + 'a'.repeat(MAX_URL) + ' HTTP/1.1\r\n\r\n');
  assert.is(url.status, 413);
  const body: any = read('POST /api/login HTTP/1.1\r\nContent-Length: 4097\r\n\r\n');
  assert.is(body.status, 413);
  const many: any = read('GET / HTTP/1.1\r\n' + 'a: b\r\n'.repeat(41) + '\r\n');
  assert.is(many.status, 413);
  assert.is(read('GET / HTTP/1.1\r\n' + 'a: b\r\n'.repeat(40) + '\r\n') && 'ok', 'ok');
});

test('not HTTP, or not the HTTP we take: 400 at once', () => {
  for (const junk of ['\x16\x03\x01\x02\x00', 'get / HTTP/1.1\r\n', ' GET', 'GETTINGLONG', 'G\x00T /']) {
    const r: any = read(junk);
    assert.ok(r && r.status === 400, JSON.stringify(junk));
  }
  for (const bad of [
    'GET / HTTP/2.0\r\n\r\n',
    'GET  / HTTP/1.1\r\n\r\n',
    'GET x HTTP/1.1\r\n\r\n',
    'GET / HTTP/1.1\r\nno colon\r\n\r\n',
    'GET / HTTP/1.1\r\n: empty name\r\n\r\n',
    'GET / HTTP/1.1\r\nName : space\r\n\r\n',
    'GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n',
    'GET / HTTP/1.1\r\nA: b\nC: d\r\n\r\n',
    'POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n',
    'POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n',
    'POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n',
    'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  ]) {
    const r = read(bad);
    assert.ok(r && isRefusal(r) && r.status === 400, JSON.stringify(bad) + ' → ' + JSON.stringify(r));
  }
});

test('names of the built-in object prototype are plain header names', () => {
  const r: any = read('GET / HTTP/1.1\r\n__proto__: x\r\nconstructor: y\r\nhasOwnProperty: z\r\nHost: h\r\n\r\n');
  assert.is(r.headers.host, 'h');
  assert.is(Object.getPrototypeOf(r.headers), Object.prototype);
});

test.run();
