// A minimal device for the gateway tests, written straight on the protocol
// core and the MQTT client (not the device SDK), so it can also misbehave:
// forge proofs, replay, tamper, send whatever bytes a test wants.
import { createNodeClient } from '../../src/mqtt/node/client.ts';
import type { MqttClient } from '../../src/mqtt/client.ts';
import { jsCrypto } from '../../src/crypto/node/js.ts';
import * as P from '../../src/protocol/index.ts';

export const crypto = jsCrypto;

export function hex(b: Uint8Array): string {
  return P.toHex(b);
}

export interface DeviceOptions {
  psk?: string;
  name?: string;
  prefix?: string;
  /** Unix seconds for envelope timestamps; default the host clock. */
  clock?: () => number;
}

interface Waiter {
  pred: (payload: string) => boolean;
  resolve: (payload: string) => void;
}

export class TestDevice {
  id: string;
  prefix: string;
  psk?: string;
  name?: string;
  priv: Uint8Array;
  pub: string;
  client!: MqttClient;
  inbox: string[] = [];
  keys?: P.SessionKeys;
  gatewayPub?: string;
  tx = 0;
  rxHigh = 0;
  clock: () => number;
  private waiters: Waiter[] = [];

  constructor(
    private port: number,
    id: string,
    o: DeviceOptions = {},
  ) {
    this.id = id;
    this.prefix = o.prefix || 'jrpc';
    this.psk = o.psk;
    this.name = o.name;
    this.clock = o.clock || (() => Math.floor(Date.now() / 1000));
    const kp = P.newKeyPair(crypto);
    this.priv = kp.privateKey;
    this.pub = hex(kp.publicKey);
  }

  /** A new key pair (a re-installed device, or a spoofer). */
  rekey(): void {
    const kp = P.newKeyPair(crypto);
    this.priv = kp.privateKey;
    this.pub = hex(kp.publicKey);
    this.keys = undefined;
  }

  start(): Promise<void> {
    this.client = createNodeClient({ host: '127.0.0.1', port: this.port, clientId: 'dev-' + this.id + '-' + Math.random().toString(16).slice(2, 8), keepalive: 30, maxInflight: 1000, backoffMin: 100, backoffMax: 500 });
    this.client.subscribe(this.topic('devices/' + this.id + '/rx'), 1);
    this.client.on('message', (_t, payload) => {
      for (let i = 0; i < this.waiters.length; i++)
        if (this.waiters[i].pred(payload)) {
          const w = this.waiters.splice(i, 1)[0];
          w.resolve(payload);
          return;
        }
      this.inbox.push(payload);
    });
    return new Promise((resolve) => {
      this.client.on('connect', () => setTimeout(resolve, 50)); // let the SUBACK land
      this.client.connect();
    });
  }

  end(): void {
    this.client?.end();
  }

  topic(rest: string): string {
    return this.prefix + '/' + rest;
  }

  /** The next rx payload matching `pred` (searching what already arrived first). */
  next(pred: (payload: string) => boolean = () => true, ms = 5000): Promise<string> {
    for (let i = 0; i < this.inbox.length; i++)
      if (pred(this.inbox[i])) return Promise.resolve(this.inbox.splice(i, 1)[0]);
    const err = new Error(`${this.id}: nothing matching on rx within ${ms} ms`); // the caller's stack
    return new Promise((resolve, reject) => {
      const w: Waiter = { pred, resolve: (p) => (clearTimeout(t), resolve(p)) };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        err.message += `; inbox: ${this.inbox.join(' | ').slice(0, 500)}`;
        reject(err);
      }, ms);
      this.waiters.push(w);
    });
  }

  /** Resolves true when nothing matching arrives within `ms`. */
  async silent(pred: (payload: string) => boolean = () => true, ms = 400): Promise<boolean> {
    try {
      await this.next(pred, ms);
      return false;
    } catch {
      return true;
    }
  }

  connectRequest(over: { pubkey?: string; proof?: string | null; id?: any; name?: string } = {}): string {
    const pubkey = over.pubkey || this.pub;
    const params: any = { device_id: this.id, pubkey };
    if (over.proof !== undefined) {
      if (over.proof !== null) params.psk_proof = over.proof;
    } else if (this.psk) params.psk_proof = P.pskProof(crypto, P.pskHash(crypto, this.psk), this.id, pubkey);
    if (over.name ?? this.name) params.name = over.name ?? this.name;
    return JSON.stringify({ jsonrpc: '2.0', id: over.id ?? 1, method: 'connect', params });
  }

  publish(rest: string, payload: string, qos = 1): void {
    this.client.publish(this.topic(rest), payload, qos, false);
  }

  sendConnect(over: Parameters<TestDevice['connectRequest']>[0] = {}): void {
    this.publish('connect/request', this.connectRequest(over));
  }

  /** Sends a connect request and reads the gateway's reply as the device would. */
  async connect(over: Parameters<TestDevice['connectRequest']>[0] = {}): Promise<P.ConnectReply> {
    this.sendConnect(over);
    const payload = await this.next((p) => p.includes('"id":' + JSON.stringify(over.id ?? 1)) && !p.includes('"ciphertext"'));
    return this.readReply(payload);
  }

  readReply(payload: string): P.ConnectReply {
    const e: P.ConnectExpectation = { deviceId: this.id, pubkey: this.pub };
    if (this.psk) e.pskHash = P.pskHash(crypto, this.psk);
    return P.readConnectReply(crypto, payload, e);
  }

  /** Waits for the `approved` notification and derives the session keys from it. */
  async approved(ms = 5000): Promise<P.ConnectReply> {
    const payload = await this.next((p) => p.includes('"method":"approved"'), ms);
    const r = this.readReply(payload);
    if (r.kind === 'approved') this.adopt(r.gatewayPubkey);
    return r;
  }

  adopt(gatewayPub: string): void {
    const keys = P.deriveSessionKeys(crypto, this.priv, P.fromHex(gatewayPub)!);
    if (!keys) throw new Error('low-order gateway key');
    this.keys = keys;
    this.gatewayPub = gatewayPub;
    this.tx = 0;
    this.rxHigh = 0;
  }

  seal(plaintext: string, o: { nonce?: number; timestamp?: number; echo?: string; keys?: P.SessionKeys; direction?: P.Direction } = {}): string {
    const nonce = o.nonce ?? ++this.tx;
    if (nonce > this.tx) this.tx = nonce;
    const p: P.SealParams = { direction: o.direction ?? 0, deviceId: this.id, nonce, timestamp: o.timestamp ?? this.clock(), plaintext };
    if (o.echo) p.echo = o.echo;
    return P.sealEnvelope(crypto, o.keys || this.keys!, p);
  }

  send(envelope: string): void {
    this.publish('gateway/rx', envelope);
  }

  /** Opens a sealed payload from the gateway (direction 1), keeping its own replay mark. */
  open(payload: string): P.Opened | P.Refused {
    const r = P.openEnvelope(crypto, payload, {
      direction: 1,
      findSession: (id) => (id === this.id && this.keys ? { keys: this.keys, highNonce: this.rxHigh } : undefined),
    });
    if (r.ok) this.rxHigh = r.highNonce;
    return r;
  }

  /** The next sealed message from the gateway, opened (throws when it does not open). */
  async nextSealed(pred: (m: P.Opened) => boolean = () => true, ms = 5000): Promise<P.Opened> {
    const deadline = Date.now() + ms;
    for (;;) {
      const payload = await this.next((p) => p.includes('"ciphertext"'), Math.max(1, deadline - Date.now()));
      const r = this.open(payload);
      // garbage others post on this topic is ignored, as a device would; a
      // well-formed envelope for this device that fails to open is a finding
      if (!r.ok && (r.reason === 'malformed' || r.reason === 'unknown device')) continue;
      if (!r.ok) throw new Error(`${this.id}: sealed message from the gateway did not open: ${r.reason}`);
      if (pred(r)) return r;
    }
  }

  private rpcId = 100;

  /** A sealed request; returns the gateway's decrypted response (doing the echo retry unless told not to). */
  async call(method: string, params?: any, o: { echo?: boolean; ms?: number } = {}): Promise<any> {
    const id = ++this.rpcId;
    const text = P.requestText(id, method, params);
    this.send(this.seal(text));
    let r = await this.nextSealed((m) => m.id === id, o.ms);
    if (o.echo !== false && r.message.error && r.message.error.code === P.ECHO_REQUIRED) {
      this.send(this.seal(text, { echo: r.message.error.data.echo }));
      r = await this.nextSealed((m) => m.id === id, o.ms);
    }
    return r.message;
  }

  notify(method: string, params?: any, o: { echo?: string } = {}): void {
    this.send(this.seal(P.notificationText(method, params), { echo: o.echo }));
  }
}

/** The admin API over HTTP. */
export class Admin {
  token = '';
  constructor(public base: string) {}

  async login(password: string): Promise<void> {
    const r = await this.req('POST', '/api/login', { password }, { auth: false });
    if (r.status !== 200) throw new Error('login failed: ' + r.status + ' ' + JSON.stringify(r.body));
    this.token = r.body.token;
  }

  async req(method: string, path: string, body?: any, o: { auth?: boolean; raw?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any; headers: Headers }> {
    const headers: Record<string, string> = { ...(o.headers || {}) };
    if (o.auth !== false && this.token) headers.authorization = 'Bearer ' + this.token;
    let payload: string | undefined = o.raw;
    if (body !== undefined) payload = JSON.stringify(body);
    // state changes must say they send JSON (the gateway's cross-site defence)
    if (method !== 'GET' && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    const res = await fetch(this.base + path, { method, headers, body: payload });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: the test sees the text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  async ok(method: string, path: string, body?: any): Promise<any> {
    const r = await this.req(method, path, body);
    if (r.status !== 200) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `fn` until it returns a truthy value (or throws after `ms`). */
export async function until<T>(fn: () => Promise<T> | T, ms = 5000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await sleep(50);
  }
}
