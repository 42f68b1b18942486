// The AdminCore (admin/types.ts): one dispatcher for the HTTP routes and the
// /ws JSON-RPC methods of docs/admin-api.md. It checks parameters, then asks
// the Gateway (core.ts).
import type { Crypto } from '../../crypto/types';
import { contains, isHex, isNum, isObject, isStr } from '../../protocol/bytes';
import { isDeviceId } from '../../protocol/device-id';
import { applyConfig, configText, credentialProblem, publicConfig } from '../config';
import type { Config } from '../config';
import type { Gateway } from '../api';
import { checkPassword, hashPassword } from './password';
import type { Kdf } from './password';
import { isWeakPsk } from './psk-strength';
import type { Sessions } from './sessions';
import { adminError, FLASH_FULL } from './types';
import type { AdminCore, AdminError, AdminReply } from './types';
import type { DeviceView, GatewayStatus, SecurityReport } from './wire';

export const VERSION = '1.0.0';

/** A method's params: a JSON object as received, each field checked where it is used. */
type Params = { [k: string]: unknown };

export interface AdminEnv {
  gw: Gateway;
  crypto: Crypto;
  /** the password hash (PBKDF2-HMAC-SHA256) */
  kdf: Kdf;
  sessions: Sessions;
  cfg: Config;
  /** Stores the configuration; false when flash refused it. */
  saveConfig(): boolean;
  /** Applies changed broker settings (reconnects MQTT). */
  brokerChanged(): void;
  mqttConnected(): boolean;
  memory(): GatewayStatus['memory'];
}

const SETTABLE = ',broker,broker_ca,allow_plain_credentials,username,password,prefix,offline_timeout,limits,';
const METHOD_NAME = '1-64 printable characters, no spaces or commas.';
const MAX_ALLOW = 32;

function unknownMethod(method: string): AdminError {
  return adminError(404, 'not_found', 'Unknown admin method ' + method + '.');
}

function bad(message: string): AdminError {
  return adminError(400, 'bad_request', message);
}

function isMethodName(m: unknown): m is string {
  if (!isStr(m) || !m.length || m.length > 64) return false;
  for (let i = 0; i < m.length; i++) {
    const c = m.charCodeAt(i);
    if (c <= 32 || c >= 127 || c === 44) return false; // printable, no comma
  }
  return true;
}

export function statusObject(a: AdminEnv): GatewayStatus {
  const m = a.memory();
  return {
    version: VERSION,
    uptime_s: a.gw.uptime(),
    time_set: a.gw.wall() !== undefined,
    mqtt: { connected: a.mqttConnected(), broker: a.cfg.broker },
    devices: a.gw.counts(),
    // process.memory(): JsVars (blocksize bytes each) in use, free and in the pool
    memory: { free: m.free, usage: m.usage, total: m.total, blocksize: m.blocksize },
  };
}

/** The key waiting for the admin's decision in a device object, lower-case hex; "" when none. */
export function pendingKey(d: DeviceView | undefined): string {
  if (!d) return '';
  const k = d.key_change_pending ? d.pending_pubkey : d.status === 'pending' ? d.pubkey : '';
  return isStr(k) ? k.toLowerCase() : '';
}

export function createAdminCore(a: AdminEnv): AdminCore {
  const gw = a.gw;

  function done(reply: AdminReply, r: AdminError | undefined, result: unknown): void {
    if (r) reply(r);
    else reply(null, result);
  }

  function password(p: Params, reply: AdminReply): void {
    if (!isStr(p.old) || !isStr(p.new)) return reply(bad('Send {"old":"…","new":"…"}.'));
    if (p.new.length < 8 || p.new.length > 128) return reply(bad('Password: 8-128 characters.'));
    if (!checkPassword(a.kdf, a.crypto, p.old, a.cfg.admin)) return reply(adminError(403, 'forbidden', 'The old password is wrong.'));
    const before = a.cfg.admin;
    a.cfg.admin = hashPassword(a.kdf, a.crypto, p.new);
    if (!a.saveConfig()) {
      a.cfg.admin = before;
      return reply(FLASH_FULL);
    }
    // whoever held a session got it with the old password: log in again
    a.sessions.endAll();
    reply(null, { ok: true });
  }

  function setConfig(p: Params, reply: AdminReply): void {
    for (const k in p) if (!contains(SETTABLE, ',' + k + ',')) return reply(bad(k + ' cannot be set here; these can:' + SETTABLE.split(',').join(' ')));
    const before = configText(a.cfg);
    const dry = JSON.parse(before); // a dry run on a copy
    const errors = applyConfig(dry, p);
    const plain = credentialProblem(dry);
    if (plain) errors.push(plain);
    if (errors.length) return reply(bad(errors.join('; ') + '.'));
    const cfg = a.cfg;
    const mqttKey = function (): string {
      return JSON.stringify([cfg.broker, cfg.username, cfg.password, cfg.prefix]);
    };
    const broker = mqttKey();
    applyConfig(cfg, p);
    if (!a.saveConfig()) {
      applyConfig(cfg, JSON.parse(before));
      return reply(FLASH_FULL);
    }
    if (broker !== mqttKey()) a.brokerChanged();
    reply(null, publicConfig(cfg));
  }

  function deviceCall(id: string, p: Params, reply: AdminReply): void {
    if (!isMethodName(p.method)) return reply(bad('method: ' + METHOD_NAME));
    if (p.params !== undefined && (typeof p.params !== 'object' || p.params === null)) return reply(bad('params: an object or array.'));
    const t = p.timeout_ms === undefined ? 5000 : p.timeout_ms;
    if (!isNum(t) || !(t >= 1 && t <= 60000)) return reply(bad('timeout_ms: 1 to 60000.'));
    const r = gw.call(id, p.method, p.params, Math.floor(t), function (timedOut, answer) {
      if (timedOut) reply(adminError(504, 'timeout', 'The device did not answer within ' + t + ' ms.'));
      else reply(null, answer);
    });
    if (r) reply(r);
  }

  function deviceList(): (DeviceView | undefined)[] {
    const ids = gw.deviceIds();
    const list = [];
    for (let i = 0; i < ids.length; i++) list.push(gw.device(ids[i]));
    return list;
  }

  /**
   * Approves the key the admin compared: `pubkey` (when given) must still be
   * the pending one, or nothing happens (409 key_changed). A PSK that is easy
   * to guess is accepted but marked (psk_weak).
   */
  function approve(id: string, p: Params, reply: AdminReply): void {
    if (p.psk !== undefined && p.psk !== null && (!isStr(p.psk) || p.psk.length > 256)) return reply(bad('psk: at most 256 characters.'));
    if (p.pubkey !== undefined && !isHex(p.pubkey, 64)) return reply(bad('pubkey: the 64 hex digits of the key you compared.'));
    const waiting = pendingKey(gw.device(id));
    if (waiting && p.pubkey !== undefined && p.pubkey.toLowerCase() !== waiting)
      return reply(adminError(409, 'key_changed', 'The device sent another key since you looked: compare the new fingerprint, then approve again.'));
    const psk = (p.psk as string | null | undefined) || undefined;
    gw.approve(id, psk, { pskWeak: !!psk && isWeakPsk(psk) }, function (err) {
      done(reply, err, gw.device(id));
    });
  }

  /** The security log, and the devices whose PSK is easy to guess. */
  function securityReport(): SecurityReport {
    const report = gw.sec.report();
    const ids = gw.deviceIds();
    const weak: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const d = gw.device(ids[i]);
      if (d && d.psk && d.psk_weak) weak.push(ids[i]);
    }
    report.weak_psk = weak;
    return report;
  }

  function call(method: string, params: unknown, reply: AdminReply): void {
    const p: Params = isObject(params) ? params : {};
    switch (method) {
      case 'devices.list':
        return reply(null, deviceList());
      case 'status':
        return reply(null, statusObject(a));
      case 'security':
        return reply(null, securityReport());
      case 'config.get':
        return reply(null, publicConfig(a.cfg));
      case 'config.set':
        return setConfig(p, reply);
      case 'password.change':
        return password(p, reply);
    }
    if (method.indexOf('device.') !== 0) return reply(unknownMethod(method));
    const id = p.device_id;
    if (!isDeviceId(id) || !gw.known(id)) return reply(adminError(404, 'not_found', 'No device ' + (isStr(id) ? id.substr(0, 64) : '') + '.'));
    switch (method) {
      case 'device.get':
        return reply(null, gw.device(id));
      case 'device.approve':
        return approve(id, p, reply);
      case 'device.reject':
        return done(reply, gw.reject(id), { ok: true });
      case 'device.revoke':
        return done(reply, gw.revoke(id), gw.device(id));
      case 'device.remove':
        return done(reply, gw.remove(id), { ok: true });
      case 'device.setMethods': {
        const allow = p.allow;
        if (!Array.isArray(allow) || allow.length > MAX_ALLOW) return reply(bad('allow must be an array of at most ' + MAX_ALLOW + ' names.'));
        for (let i = 0; i < allow.length; i++) if (!isMethodName(allow[i])) return reply(bad('allow: ' + METHOD_NAME));
        return done(reply, gw.setMethods(id, allow.slice()), gw.device(id));
      }
      case 'device.call':
        return deviceCall(id, p, reply);
    }
    reply(unknownMethod(method));
  }

  return {
    call: function (method, params, reply) {
      try {
        call(isStr(method) ? method : '', params, reply);
      } catch (e) {
        reply(adminError(500, 'internal', 'Failed: ' + e));
      }
    },
    loginTurn: function (client, now) {
      return a.sessions.turn(client, now);
    },
    login: function (pw, now, client) {
      return a.sessions.login(pw, now, client);
    },
    logout: function (token) {
      a.sessions.logout(token);
    },
    checkSession: function (token, now) {
      return a.sessions.check(token, now);
    },
    onEvent: function (fn) {
      return gw.onEvent(fn);
    },
  };
}
