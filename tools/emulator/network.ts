// The `net` and `http` modules as Espruino 2v29 on ESP32 gives them to JS
// (libs/network/socketserver.c, network_esp32.c), over real host TCP.
//
//  - Received data reaches JS as 8-bit strings of at most 536 bytes, one
//    'data' event per piece; with no 'data' listener it is buffered for
//    read()/available() and handed over when a listener is added.
//  - write(x) sends String(x): a Uint8Array goes out as "1,2,3". Written
//    data waits in the socket's send buffer (a string, as socketserver.c
//    keeps it) and goes out on idle passes, at most 536 bytes per socket per
//    pass in one send(): what one callback writes leaves together. Like
//    network_esp32.c, sockets keep Nagle's algorithm (no TCP_NODELAY).
//  - A client socket's 'connect' fires on the next idle loop, before the TCP
//    handshake has finished (the ESP32 driver reports "no data yet" as
//    connected). A refused or broken connection then closes with 'end' and
//    'close'; only data left unsent makes it an 'error' ({code: -8,
//    message: "unsent data"}), because the ESP32 driver maps every socket
//    error to -1 ("connection closed"), which is not reported.
//  - http: req.method, req.url, req.headers (the client's case), the body as
//    req 'data'; everything after the headers, however long, is delivered
//    there (so an upgraded WebSocket keeps flowing). res.writeHead sends
//    "HTTP/1.1 <code> OK", "Server: Espruino 2v29" and an implicit
//    "Connection: close" that only an exact "Connection" key overrides.
//    The connection closes once res.end() was called, all is sent and the
//    announced Content-Length has arrived; req 'end' fires when the body is
//    complete (for a request without one, right away).
//  - Only `maxSockets` sockets exist (listening ones included); beyond that
//    net.connect throws and incoming connections wait unserved.
import net from 'node:net';
import { NET_CHUNK, bytesOf, chunks } from './bytes.ts';
import { Realm, listenerKey } from './realm.ts';
import { Scheduler } from './scheduler.ts';
import { stringVars } from './jsvars.ts';

export const ERR_UNSENT = { code: -8, message: 'unsent data' };
const BACKLOG = 10;
const VERSION = '2v29';

export interface NetHost {
  /** Where a device server on `port` listens on the host (0 = any free port). */
  bindPort(devicePort: number): number;
  /** A device server is now listening at `hostPort`. */
  listening(devicePort: number, hostPort: number): void;
  maxSockets(): number;
  keepAlive: boolean;
}

type Kind = 'client' | 'accepted' | 'http';

interface Conn {
  kind: Kind;
  sock: net.Socket;
  js: object; // Socket, or httpSRq for http
  res?: object; // httpSRs
  open: boolean; // not yet closed on the Espruino side
  closing: boolean; // end() called: close once everything is sent
  server?: Srv; // http: the server that accepted it
  inbox: Buffer[]; // received pieces (<= 536 bytes) not yet handed to JS: one per idle pass
  outbox: string; // written by JS, not yet sent: at most 536 bytes go per idle pass
  eof: boolean; // the host socket ended or failed: close once the inbox is empty
  finishing: boolean; // the host socket is being ended after end()
  connectPending: boolean; // client: 'connect' not yet reported
  lost: number; // bytes written that never reached the host socket
  // http
  rx: string; // bytes received before the headers were complete
  hadHeaders: boolean;
  toReceive: number; // body bytes still announced by Content-Length
  reqEnded: boolean;
  headersSent: boolean;
  chunked: boolean;
  implicitHeaders: Array<[string, string]>;
}

interface Srv {
  js: object;
  http: boolean;
  server?: net.Server;
  devicePort: number;
  waiting: net.Socket[]; // accepted by the host but beyond the socket limit
}

export class Network {
  private readonly conns = new Set<Conn>();
  private readonly byJs = new WeakMap<object, Conn>();
  private readonly servers = new Set<Srv>();
  private readonly srvByJs = new WeakMap<object, Srv>();
  private readonly buffers = new WeakMap<object, string>(); // stream data waiting for a 'data' listener
  private readonly pendingListens = new Set<Promise<void>>();
  private dead = false;
  readonly protos: { Socket: object; Server: object; httpSrv: object; httpSRq: object; httpSRs: object };

  constructor(private readonly realm: Realm, private readonly scheduler: Scheduler, private readonly host: NetHost) {
    this.protos = {
      Socket: this.socketProto(),
      Server: this.serverProto(),
      httpSrv: this.serverProto(),
      httpSRq: this.requestProto(),
      httpSRs: this.responseProto(),
    };
  }

  // ---------------------------------------------------------------- modules

  netModule(): object {
    const m = this.realm.object();
    m.connect = (options: unknown, callback?: unknown) => this.connect(options, callback);
    m.createServer = (callback: unknown) => this.createServer(callback, false);
    return m;
  }

  httpModule(): object {
    const m = this.realm.object();
    m.createServer = (callback: unknown) => this.createServer(callback, true);
    return m;
  }

  // ---------------------------------------------------------------- state for the rest of the emulator

  /** Everything the program can reach through sockets (for the JsVar count). */
  roots(): object[] {
    const out: object[] = [];
    for (const c of this.conns) {
      out.push(c.js);
      if (c.res) out.push(c.res);
    }
    for (const s of this.servers) out.push(s.js);
    return out;
  }

  /** Vars Espruino would hold for internal socket fields and unsent/unread data. */
  extraVars(): number {
    let n = 0;
    for (const c of this.conns) {
      const unsent = c.outbox.length + c.sock.writableLength;
      n += 6 + (unsent ? stringVars(unsent) : 0);
      const buf = this.buffers.get(c.js);
      if (buf) n += stringVars(buf.length);
      if (c.rx) n += stringVars(c.rx.length);
    }
    return n + this.servers.size * 3;
  }

  get active(): boolean {
    return this.conns.size > 0 || this.servers.size > 0;
  }

  socketsInUse(): number {
    return this.conns.size + [...this.servers].filter((s) => s.server).length;
  }

  /** Resolves when every listen() so far is bound on the host. */
  async whenListening(): Promise<void> {
    while (this.pendingListens.size) await Promise.all([...this.pendingListens]);
  }

  /** A 'data' listener was added to `target`: hand over what was buffered. */
  dataListenerAdded(target: object): void {
    const buf = this.buffers.get(target);
    if (buf) {
      this.buffers.delete(target);
      this.realm.emit(target, 'data', [buf]);
    }
  }

  /** Wi-Fi loss: every connection closes as a broken socket would. Servers stay. */
  dropAll(): void {
    for (const c of [...this.conns]) this.closed(c);
  }

  /** Power cut or soft reset: everything stops, no events. */
  kill(): void {
    this.dead = true;
    for (const c of this.conns) c.sock.destroy();
    this.conns.clear();
    for (const s of this.servers) {
      s.server?.close();
      for (const w of s.waiting) w.destroy();
    }
    this.servers.clear();
  }

  // ---------------------------------------------------------------- prototypes

  private socketProto(): object {
    const p = this.realm.object();
    const self = this;
    p.write = function (this: object, data: unknown) {
      return self.write(self.connOf(this), data);
    };
    p.end = function (this: object, data: unknown) {
      const c = self.connOf(this);
      if (data !== undefined) self.write(c, data);
      self.requestClose(c);
    };
    this.addStreamMethods(p);
    return p;
  }

  private addStreamMethods(p: any): void {
    const self = this;
    p.available = function (this: object) {
      return (self.buffers.get(this) ?? '').length;
    };
    p.read = function (this: object, chars?: number) {
      const buf = self.buffers.get(this) ?? '';
      if (!buf.length) return undefined;
      const n = chars && chars > 0 ? Math.min(chars, buf.length) : buf.length;
      const rest = buf.slice(n);
      if (rest) self.buffers.set(this, rest);
      else self.buffers.delete(this);
      return buf.slice(0, n);
    };
  }

  private serverProto(): object {
    const p = this.realm.object();
    const self = this;
    p.listen = function (this: object, port: unknown) {
      self.listen(this, Number(port) | 0);
      return this;
    };
    p.close = function (this: object) {
      const s = self.srvByJs.get(this);
      if (!s) return;
      s.server?.close();
      s.server = undefined;
      for (const w of s.waiting) w.destroy();
      s.waiting = [];
      self.servers.delete(s);
      self.admitWaiting();
    };
    return p;
  }

  private requestProto(): object {
    const p = this.realm.object();
    this.addStreamMethods(p);
    return p;
  }

  private responseProto(): object {
    const p = this.realm.object();
    const self = this;
    p.writeHead = function (this: object, status: unknown, headers: unknown) {
      self.writeHead(self.connOfRes(this), Number(status) | 0, headers);
    };
    p.setHeader = function (this: object, name: unknown, value: unknown) {
      const c = self.connOfRes(this);
      const n = String(name);
      const i = c.implicitHeaders.findIndex(([k]) => k === n);
      if (i >= 0) c.implicitHeaders[i] = [n, String(value)];
      else c.implicitHeaders.push([n, String(value)]);
    };
    p.write = function (this: object, data: unknown) {
      self.resWrite(self.connOfRes(this), data);
      return false;
    };
    p.end = function (this: object, data: unknown) {
      const c = self.connOfRes(this);
      if (data !== undefined) self.resWrite(c, data);
      self.resWrite(c, c.chunked ? '' : undefined);
      self.requestClose(c);
    };
    return p;
  }

  private connOf(js: object): Conn {
    const c = this.byJs.get(js);
    if (!c) throw this.realm.error('Not a socket', 'TypeError');
    return c;
  }

  private connOfRes(res: object): Conn {
    return this.connOf(res);
  }

  // ---------------------------------------------------------------- clients

  private connect(options: unknown, callback: unknown): object {
    let host = '127.0.0.1';
    let port = 0;
    if (typeof options === 'string') {
      const m = /^(?:[a-z]+:\/\/)?([^:/]*)(?::(\d+))?/.exec(options);
      host = m?.[1] || host;
      port = Number(m?.[2] ?? 0);
    } else if (options && typeof options === 'object') {
      const o = options as { host?: unknown; port?: unknown };
      if (o.host !== undefined) host = String(o.host);
      port = Number(o.port) | 0;
    } else {
      throw this.realm.error(`Expecting Options to be an Object but it was ${typeof options}`);
    }
    if (callback !== undefined && typeof callback !== 'function') {
      throw this.realm.error(`Expecting Callback Function but got ${typeof callback}`);
    }
    if (this.socketsInUse() >= this.host.maxSockets()) {
      this.realm.printError('Socket creation failed');
      throw this.realm.error('Unable to create socket', 'InternalError');
    }
    const js = this.realm.object(this.protos.Socket);
    if (callback) Object.defineProperty(js, listenerKey('connect'), { value: callback, writable: true, configurable: true });
    const sock = net.connect({ host: host === 'localhost' ? '127.0.0.1' : host, port });
    this.track('client', sock, js); // 'connect' comes from the next idle pass (poll)
    this.scheduler.schedulePump();
    return js;
  }

  // ---------------------------------------------------------------- servers

  private createServer(callback: unknown, isHttp: boolean): object {
    if (typeof callback !== 'function') throw this.realm.error(`Expecting Callback Function but got ${typeof callback}`);
    const js = this.realm.object(isHttp ? this.protos.httpSrv : this.protos.Server);
    Object.defineProperty(js, listenerKey('connect'), { value: callback, writable: true, configurable: true });
    const s: Srv = { js, http: isHttp, devicePort: 0, waiting: [] };
    this.srvByJs.set(js, s);
    return js;
  }

  private listen(js: object, devicePort: number): void {
    const s = this.srvByJs.get(js);
    if (!s || this.dead) return;
    if (s.server) return;
    if (this.socketsInUse() >= this.host.maxSockets()) {
      this.realm.printError('Socket creation failed');
      throw this.realm.error('Unable to create socket', 'InternalError');
    }
    s.devicePort = devicePort;
    const server = net.createServer({ pauseOnConnect: true }, (sock) => this.accepted(s, sock));
    s.server = server;
    this.servers.add(s);
    const bound = new Promise<void>((resolve) => {
      server.once('listening', () => {
        const addr = server.address() as net.AddressInfo;
        this.host.listening(devicePort, addr.port);
        resolve();
      });
      server.once('error', (err: NodeJS.ErrnoException) => {
        this.realm.printError(`Socket bind failed (port ${devicePort}: ${err.code ?? err.message})`);
        this.servers.delete(s);
        s.server = undefined;
        resolve();
      });
    });
    this.pendingListens.add(bound);
    bound.then(() => this.pendingListens.delete(bound));
    server.listen({ host: '127.0.0.1', port: this.host.bindPort(devicePort) });
    if (!this.host.keepAlive) server.unref();
  }

  private accepted(s: Srv, sock: net.Socket): void {
    if (this.dead || !this.servers.has(s)) {
      sock.destroy();
      return;
    }
    if (this.socketsInUse() >= this.host.maxSockets()) {
      if (s.waiting.length >= BACKLOG) sock.destroy();
      else s.waiting.push(sock);
      return;
    }
    this.serve(s, sock);
  }

  private admitWaiting(): void {
    for (const s of this.servers) {
      while (s.waiting.length && this.socketsInUse() < this.host.maxSockets()) {
        const sock = s.waiting.shift()!;
        if (!sock.destroyed) this.serve(s, sock);
      }
    }
  }

  private serve(s: Srv, sock: net.Socket): void {
    if (s.http) {
      const req = this.realm.object(this.protos.httpSRq);
      const res = this.realm.object(this.protos.httpSRs);
      const c = this.track('http', sock, req, res);
      c.implicitHeaders = [['Connection', 'close']];
      c.server = s;
    } else {
      const js = this.realm.object(this.protos.Socket);
      this.track('accepted', sock, js);
      this.realm.emit(s.js, 'connect', [js]);
    }
    sock.resume();
  }

  // ---------------------------------------------------------------- connection life

  private track(kind: Kind, sock: net.Socket, js: object, res?: object): Conn {
    const c: Conn = {
      kind, sock, js, res, open: true, closing: false, inbox: [], outbox: '', eof: false, finishing: false, connectPending: kind === 'client', lost: 0,
      rx: '', hadHeaders: false, toReceive: 0, reqEnded: false, headersSent: false, chunked: false, implicitHeaders: [],
    };
    this.conns.add(c);
    this.byJs.set(js, c);
    if (res) this.byJs.set(res, c);
    if (!this.host.keepAlive) sock.unref();
    sock.on('data', (data: Buffer) => {
      if (!c.open || this.dead) return;
      for (const piece of chunks(data)) c.inbox.push(piece);
      this.scheduler.schedulePump();
    });
    const ended = () => {
      c.eof = true;
      this.scheduler.schedulePump();
    };
    sock.on('end', ended);
    sock.on('error', ended);
    sock.on('close', ended);
    return c;
  }

  /**
   * One pass of the network idle loop: each connection takes at most one
   * received piece (as Espruino's recv of net->chunkSize bytes), then
   * pending closes and http 'end' checks. Returns whether it did anything.
   */
  poll(): boolean {
    let worked = false;
    for (const c of [...this.conns]) {
      if (!c.open) continue;
      if (c.connectPending) {
        // The ESP32 driver reports a client as connected on its first idle
        // pass, whatever the TCP handshake is doing.
        c.connectPending = false;
        this.realm.emit(c.js, 'connect', [c.js]);
        this.realm.emit(c.js, 'drain', [c.js]);
        worked = true;
        continue;
      }
      if (c.outbox.length && this.flush(c)) worked = true;
      const piece = c.inbox.shift();
      if (piece) {
        worked = true;
        const text = piece.toString('latin1');
        if (c.kind === 'http') this.httpReceived(c, text);
        else this.deliver(c.js, text);
      } else if (c.eof && (!c.outbox.length || !c.sock.writable)) {
        worked = true; // a half-closed peer still gets what is left to send
        this.closed(c);
      } else if (c.kind === 'http') {
        worked = this.checkHttpDone(c) || worked;
      }
    }
    return worked;
  }

  /** Hand data to the 'data' listeners, or keep it for read()/a later listener. */
  private deliver(target: object, text: string): void {
    if (!text.length) return;
    if (this.realm.hasListener(target, 'data')) this.realm.emit(target, 'data', [text]);
    else this.buffers.set(target, (this.buffers.get(target) ?? '') + text);
  }

  private write(c: Conn, data: unknown): boolean {
    if (!c.open || c.closing) throw this.realm.error('This socket is closed.');
    if (data === undefined) return false;
    this.send(c, String(data));
    return false;
  }

  /** Into the send buffer; the idle loop sends it (flush). */
  private send(c: Conn, text: string): void {
    if (!text.length) return;
    c.outbox += text;
    this.scheduler.schedulePump();
  }

  /** One send() of at most 536 bytes of the send buffer, as socketSendData does on an idle pass. */
  private flush(c: Conn): boolean {
    const text = c.outbox.slice(0, NET_CHUNK);
    c.outbox = c.outbox.slice(text.length);
    if (c.sock.destroyed) {
      c.lost += text.length;
      return true;
    }
    c.sock.write(bytesOf(text), (err) => {
      if (err) {
        c.lost += text.length;
        return;
      }
      if (c.open && !c.closing && !c.outbox.length && c.sock.writableLength === 0) {
        this.realm.emit(c.kind === 'http' ? c.res! : c.js, 'drain', []);
      }
      this.scheduler.schedulePump();
    });
    if (!c.outbox.length && c.closing && c.kind !== 'http') this.maybeFinish(c);
    return true;
  }

  /** end(): close once everything queued is sent (and, for http, the body has arrived). */
  private requestClose(c: Conn): void {
    if (!c.open) return;
    c.closing = true;
    if (c.kind === 'http') this.scheduler.schedulePump(); // closed on an idle pass, after req 'end'
    else this.maybeFinish(c);
  }

  private maybeFinish(c: Conn): void {
    if (!c.open || !c.closing || c.finishing || c.outbox.length) return;
    if (c.kind === 'http' && c.toReceive > 0) return;
    if (c.sock.destroyed) {
      this.closed(c);
      return;
    }
    c.finishing = true;
    c.sock.end(() => {
      c.sock.destroy();
      this.closed(c);
    });
  }

  /** The Espruino side of a connection closes: the events socketserver.c queues. */
  private closed(c: Conn): void {
    if (!c.open) return;
    c.open = false;
    this.conns.delete(c);
    if (this.dead) return;
    const unsent = c.kind === 'client' && (c.outbox.length > 0 || c.sock.writableLength > 0 || c.lost > 0);
    if (!c.sock.destroyed) c.sock.destroy();
    if (c.kind === 'http') {
      this.realm.emit(c.res!, 'end', []);
      this.realm.emit(c.js, 'close', [false]);
      this.realm.emit(c.res!, 'close', [false]);
    } else {
      if (unsent) this.realm.emit(c.js, 'error', [this.errorObject(ERR_UNSENT)]);
      this.realm.emit(c.js, 'end', []);
      this.realm.emit(c.js, 'close', [unsent]);
    }
    this.admitWaiting();
  }

  private errorObject(e: { code: number; message: string }): object {
    const o = this.realm.object();
    o.code = e.code;
    o.message = e.message;
    return o;
  }

  // ---------------------------------------------------------------- http server

  private httpReceived(c: Conn, text: string): void {
    if (!c.hadHeaders) {
      c.rx += text;
      const end = c.rx.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = c.rx.slice(0, end + 2);
      const body = c.rx.slice(end + 4);
      c.rx = '';
      c.hadHeaders = true;
      this.parseRequestHead(c, head);
      this.realm.emit(c.server!.js, 'connect', [c.js, c.res]);
      if (body) this.httpBody(c, body);
      return;
    }
    this.httpBody(c, text);
  }

  private httpBody(c: Conn, text: string): void {
    c.toReceive -= text.length;
    this.deliver(c.js, text);
  }

  /**
   * On an idle pass with nothing received: req 'end' once the body is
   * complete and nothing is being sent; close if end() was called.
   */
  private checkHttpDone(c: Conn): boolean {
    if (c.kind !== 'http' || !c.open || !c.hadHeaders || c.inbox.length) return false;
    let worked = false;
    if (c.toReceive <= 0 && !c.reqEnded && !c.outbox.length && c.sock.writableLength === 0) {
      c.reqEnded = true;
      this.realm.emit(c.js, 'end', []);
      worked = true;
    }
    if (c.closing && c.toReceive <= 0 && !c.finishing) {
      this.maybeFinish(c);
      worked = true;
    }
    return worked;
  }

  private parseRequestHead(c: Conn, head: string): void {
    const req = c.js as any;
    const lines = head.split('\r\n');
    const first = lines[0];
    const sp1 = first.indexOf(' ');
    const sp2 = sp1 < 0 ? -1 : first.indexOf(' ', sp1 + 1);
    req.method = sp1 < 0 ? first : first.slice(0, sp1);
    req.url = sp1 < 0 ? '' : first.slice(sp1 + 1, sp2 < 0 ? undefined : sp2);
    const headers = this.realm.object();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon);
      const value = line.slice(colon + 1).replace(/^\s+/, '');
      if (!value.length) continue;
      if (!Object.prototype.hasOwnProperty.call(headers, name)) headers[name] = value;
    }
    req.headers = headers;
    const lenKey = Object.keys(headers).find((k) => k.toLowerCase() === 'content-length');
    c.toReceive = lenKey ? parseInt(headers[lenKey], 10) || 0 : 0;
  }

  private writeHead(c: Conn, status: number, headers: unknown): void {
    if (headers !== undefined && (headers === null || typeof headers !== 'object')) {
      this.realm.printError('Headers sent to writeHead should be an object');
      return;
    }
    if (c.headersSent) {
      this.realm.printError('Headers have already been sent');
      return;
    }
    if (!c.open) throw this.realm.error('This socket is closed.');
    c.headersSent = true;
    const all = [...c.implicitHeaders];
    if (headers) {
      for (const k of Object.keys(headers)) {
        const v = String((headers as Record<string, unknown>)[k]);
        const i = all.findIndex(([n]) => n === k);
        if (i >= 0) all[i] = [k, v];
        else all.push([k, v]);
      }
    }
    c.chunked = all.some(([k, v]) => k.toLowerCase() === 'transfer-encoding' && v.toLowerCase() === 'chunked');
    let text = `HTTP/1.1 ${status} OK\r\nServer: Espruino ${VERSION}\r\n`;
    for (const [k, v] of all) text += `${k}: ${v}\r\n`;
    this.send(c, text + '\r\n');
  }

  private resWrite(c: Conn, data: unknown): void {
    if (!c.open || c.closing) throw this.realm.error('This socket is closed.');
    if (!c.headersSent) this.writeHead(c, 200, undefined);
    if (data === undefined) return;
    const s = String(data);
    if (c.chunked) this.send(c, `${s.length.toString(16)}\r\n${s}\r\n`);
    else this.send(c, s);
  }
}
