// The gateway's protocol engine and admin core in Node, for the fuzz targets
// that need state: Storage in memory (flash timing is not under test), the
// native crypto addon (the same C as the custom firmware), a clock the rig
// moves, and one device that holds a real session so that forged, replayed,
// tampered and truncated envelopes can be told from genuine ones. The engine's
// answers are recorded, not delivered.
import { nativeCrypto } from '../../src/crypto/node/native.ts';
import * as P from '../../src/protocol/index.ts';
import { defaultConfig } from '../../src/gateway/config.ts';
import type { Gateway } from '../../src/gateway/api.ts';
import { createGateway } from '../../src/gateway/core.ts';
import { createAdminCore } from '../../src/gateway/admin/core.ts';
import type { AdminCore } from '../../src/gateway/admin/types.ts';
import { createSessions } from '../../src/gateway/admin/sessions.ts';
import { hashPassword } from '../../src/gateway/admin/password.ts';
import { nodeKdf } from '../../src/gateway/admin/node/kdf.ts';
import type { StorageLike } from '../../src/gateway/store.ts';

export const crypto = nativeCrypto;
export const DEVICE = 'fuzz-dev';
export const PASSWORD = 'fuzz-admin-pass';
export const T0 = 1764072000;

export function memoryStorage(): StorageLike {
  const files = new Map<string, string>();
  return {
    read: (n) => files.get(n),
    write: (n, d) => (files.set(n, d), true),
    erase: (n) => void files.delete(n),
  };
}

export interface Published {
  topic: string;
  payload: string;
}

export class Rig {
  gw: Gateway;
  admin: AdminCore;
  token: string;
  sent: Published[] = [];
  mono = 1000;
  wall = T0;
  keys!: P.SessionKeys;
  tx = 0; // the device's send counter
  echo = '';
  cfg = defaultConfig();

  constructor() {
    this.cfg.limits.rate = 1000;
    this.cfg.limits.burst = 2000;
    this.cfg.limits.connect_s = 0;
    this.cfg.admin = hashPassword(nodeKdf, crypto, PASSWORD);
    this.gw = createGateway({
      crypto,
      storage: memoryStorage(),
      cfg: this.cfg,
      // the broker takes nothing: a device call then fails at once, so every
      // admin answer is given before the fuzz target looks for it
      publish: (topic, payload) => {
        this.sent.push({ topic, payload });
        return false;
      },
      clock: () => this.wall,
      mono: () => this.mono,
    });
    const sessions = createSessions(crypto, nodeKdf, () => this.cfg.admin, () => true);
    this.admin = createAdminCore({
      gw: this.gw,
      crypto,
      kdf: nodeKdf,
      sessions,
      cfg: this.cfg,
      saveConfig: () => true,
      brokerChanged: () => undefined,
      mqttConnected: () => true,
      memory: () => ({ free: 1, usage: 1, total: 2 }),
    });
    const login: any = this.admin.login(PASSWORD, this.mono, '');
    this.token = login.token;
    this.enroll();
  }

  topic(rest: string): string {
    return this.cfg.prefix + '/' + rest;
  }

  /** DEVICE asks to connect, is approved, and takes the session keys from the approval. */
  enroll(): void {
    const kp = P.newKeyPair(crypto);
    const pub = P.toHex(kp.publicKey);
    this.gw.onMessage(this.topic('connect/request'), JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'connect', params: { device_id: DEVICE, pubkey: pub } }));
    this.sent = [];
    // native crypto makes the keys at once: the callback runs before approve returns
    let refused: { message: string } | undefined | 'no answer' = 'no answer';
    this.gw.approve(DEVICE, undefined, { pskWeak: false }, (err) => (refused = err));
    if (refused) throw new Error('rig: approve refused: ' + (refused === 'no answer' ? refused : refused.message));
    const approval = JSON.parse(this.sent[0].payload).params;
    this.keys = P.deriveSessionKeys(crypto, kp.privateKey, P.fromHex(approval.gateway_pubkey)!)!;
    this.tx = 0;
    this.sent = [];
  }

  /** A genuine envelope from DEVICE with the next nonce. */
  seal(plaintext: string, o: { timestamp?: number; echo?: string } = {}): string {
    const p: P.SealParams = { direction: 0, deviceId: DEVICE, nonce: ++this.tx, timestamp: o.timestamp ?? this.wall, plaintext };
    if (o.echo) p.echo = o.echo;
    return P.sealEnvelope(crypto, this.keys, p);
  }

  /** Security counters summed, and DEVICE's count of accepted envelopes. */
  counts(): { refused: number; accepted: number; byReason: Record<string, number> } {
    const byReason = { ...this.gw.sec.report().counters };
    let refused = 0;
    for (const k in byReason) refused += byReason[k];
    return { refused, accepted: this.gw.device(DEVICE).counters.rx, byReason };
  }

  /** Feeds one MQTT message to the engine, as the MQTT client would. */
  deliver(rest: string, payload: string): void {
    this.mono += 0.01;
    this.gw.onMessage(this.topic(rest), payload);
  }
}
