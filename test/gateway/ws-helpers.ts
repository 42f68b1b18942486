// Clients for the WebSocket tests: a raw TCP one (exact bytes, bad frames,
// a reader that stalls) and small helpers around the `ws` package.
import net from 'node:net';
import WebSocket from 'ws';

export const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Polls `cond` until true; the time limit only stops a hang. */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface ServerFrame {
  op: number;
  fin: boolean;
  masked: boolean;
  data: Buffer;
}

/** A masked client frame (or unmasked / odd ones for the refusal tests). */
export function clientFrame(op: number, payload: Buffer | string, o: { fin?: boolean; rsv?: number; masked?: boolean } = {}): Buffer {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const masked = o.masked !== false;
  const head = [(o.fin === false ? 0 : 128) | (o.rsv || 0) | op];
  const m = masked ? 128 : 0;
  if (data.length < 126) head.push(m | data.length);
  else if (data.length < 65536) head.push(m | 126, data.length >> 8, data.length & 255);
  else head.push(m | 127, 0, 0, 0, 0, (data.length >>> 24) & 255, (data.length >> 16) & 255, (data.length >> 8) & 255, data.length & 255);
  if (!masked) return Buffer.concat([Buffer.from(head), data]);
  const key = Buffer.from([0x12, 0x9a, 0xe0, 0x4c]);
  const body = Buffer.from(data.map((b, i) => b ^ key[i & 3]));
  return Buffer.concat([Buffer.from(head), key, body]);
}

/** A TCP client that speaks the upgrade by hand and reads server frames. */
export class RawClient {
  buf = Buffer.alloc(0);
  ended = false;
  received = 0;
  status = 0;
  headers: Record<string, string> = {};
  body = '';
  private constructor(readonly sock: net.Socket) {
    sock.on('data', (d) => {
      this.received += d.length;
      this.buf = Buffer.concat([this.buf, d]);
    });
    sock.on('end', () => (this.ended = true));
    sock.on('close', () => (this.ended = true));
    sock.on('error', () => (this.ended = true));
  }

  static async open(port: number, headers: Record<string, string>, path = '/ws'): Promise<RawClient> {
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((ok, fail) => sock.once('connect', ok).once('error', fail));
    const c = new RawClient(sock);
    let req = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`;
    for (const k in headers) req += `${k}: ${headers[k]}\r\n`;
    sock.write(req + '\r\n');
    await waitFor('response head', () => c.buf.indexOf('\r\n\r\n') >= 0 || c.ended);
    const end = c.buf.indexOf('\r\n\r\n');
    if (end < 0) throw new Error('connection closed before a response');
    const lines = c.buf.subarray(0, end).toString('latin1').split('\r\n');
    c.status = Number(lines[0].split(' ')[1]);
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      c.headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
    }
    c.buf = c.buf.subarray(end + 4);
    if (c.status !== 101) {
      await waitFor('response body', () => c.ended);
      c.body = c.buf.toString('utf8');
    }
    return c;
  }

  static handshake(key = 'dGhlIHNhbXBsZSBub25jZQ==', extra: Record<string, string> = {}): Record<string, string> {
    return { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13', ...extra };
  }

  send(b: Buffer | string): void {
    this.sock.write(b);
  }

  /** Takes the next whole server frame off the buffer, or undefined. */
  take(): ServerFrame | undefined {
    const b = this.buf;
    if (b.length < 2) return undefined;
    let len = b[1] & 127;
    let off = 2;
    if (len === 126) {
      if (b.length < 4) return undefined;
      len = b.readUInt16BE(2);
      off = 4;
    } else if (len === 127) {
      if (b.length < 10) return undefined;
      len = Number(b.readBigUInt64BE(2));
      off = 10;
    }
    if (b.length < off + len) return undefined;
    this.buf = b.subarray(off + len);
    return { op: b[0] & 15, fin: !!(b[0] & 128), masked: !!(b[1] & 128), data: Buffer.from(b.subarray(off, off + len)) };
  }

  async frame(): Promise<ServerFrame> {
    let f: ServerFrame | undefined;
    await waitFor('a frame', () => !!(f = this.take()) || this.ended);
    if (!f) f = this.take();
    if (!f) throw new Error('connection ended without a frame');
    return f;
  }

  /** The close code of the next frame, which must be a close. */
  async closeCode(): Promise<number> {
    const f = await this.frame();
    if (f.op !== 8) throw new Error('expected a close frame, got opcode ' + f.op + ': ' + f.data.toString());
    return f.data.readUInt16BE(0);
  }

  destroy(): void {
    this.sock.destroy();
  }
}

/**
 * A `ws` client with a JSON-RPC helper and the events it has received.
 * `token` goes in an Authorization: Bearer header, or in the session cookie
 * the way a browser sends it when `cookie` is set.
 */
export async function wsClient(port: number, token: string | null, origin?: string, cookie = false) {
  const headers: Record<string, string> = !token ? {} : cookie ? { Cookie: 'session=' + token } : { Authorization: 'Bearer ' + token };
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers, origin });
  const events: any[] = [];
  const replies = new Map<number, any>();
  let closeCode = 0;
  ws.on('message', (m) => {
    const d = JSON.parse(String(m));
    if (d.jsonrpc) replies.set(d.id, d);
    else events.push(d);
  });
  ws.on('close', (code) => (closeCode = code));
  await new Promise<void>((ok, fail) => {
    ws.once('open', ok);
    ws.once('error', fail);
    ws.once('unexpected-response', (_req, res) => fail(new Error('HTTP ' + res.statusCode)));
  });
  let seq = 0;
  return {
    ws,
    events,
    closed: () => closeCode,
    async rpc(method: string, params?: unknown): Promise<any> {
      const id = ++seq;
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      await waitFor('reply to ' + method, () => replies.has(id) || !!closeCode);
      return replies.get(id);
    },
  };
}

/** The HTTP status a refused upgrade gets, with its body. */
export function refusedUpgrade(port: number, token: string | null, origin?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { ...(token ? { Authorization: 'Bearer ' + token } : {}), ...headers }, origin });
  return new Promise((ok, fail) => {
    ws.once('open', () => fail(new Error('the upgrade was accepted')));
    ws.once('error', () => {});
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => ok({ status: res.statusCode || 0, body }));
    });
  });
}
