// The AdminCore (admin/types.ts): one dispatcher for the HTTP routes and the
// /ws JSON-RPC methods of docs/admin-api.md. It checks parameters, then asks
// the Gateway (core.ts).
import type { Crypto } from '../../crypto/types';
import { contains, isNum, isObject, isStr } from '../../protocol/bytes';
import { isDeviceId } from '../../protocol/device-id';
import { applyConfig, configText, publicConfig } from '../config';
import type { Config } from '../config';
import type { Gateway } from '../api';
import { checkPassword, hashPassword, Sessions } from './sessions';
import { adminError, FLASH_FULL } from './types';
import type { AdminCore, AdminError, AdminReply } from './types';
import type { GatewayStatus } from './wire';

export const VERSION = '1.0.0';

export interface AdminEnv {
  gw: Gateway;
  crypto: Crypto;
  sessions: Sessions;
  cfg: Config;
  /** Stores the configuration; false when flash refused it. */
  saveConfig(): boolean;
  /** Applies changed broker settings (reconnects MQTT). */
  brokerChanged(): void;
  mqttConnected(): boolean;
  memory(): any;
}

const SETTABLE = ',broker,username,password,prefix,offline_timeout,limits,';
const METHOD_NAME = '1-64 printable characters, no spaces or commas.';
const MAX_ALLOW = 32;

function unknownMethod(method: string): AdminError {
  return adminError(404, 'not_found', 'Unknown admin method ' + method + '.');
}

function bad(message: string): AdminError {
  return adminError(400, 'bad_request', message);
}

function isMethodName(m: any): boolean {
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

export function createAdminCore(a: AdminEnv): AdminCore {
  const gw = a.gw;

  function done(reply: AdminReply, r: AdminError | undefined, result: any): void {
    if (r) reply(r);
    else reply(null, result);
  }

  function password(p: any, reply: AdminReply): void {
    if (!isStr(p.old) || !isStr(p.new)) return reply(bad('Send {"old":"…","new":"…"}.'));
    if (p.new.length < 8 || p.new.length > 128) return reply(bad('Password: 8-128 characters.'));
    if (!checkPassword(a.crypto, p.old, a.cfg.admin)) return reply(adminError(403, 'forbidden', 'The old password is wrong.'));
    const before = a.cfg.admin;
    a.cfg.admin = hashPassword(a.crypto, p.new);
    if (!a.saveConfig()) {
      a.cfg.admin = before;
      return reply(FLASH_FULL);
    }
    reply(null, { ok: true });
  }

  function setConfig(p: any, reply: AdminReply): void {
    for (const k in p) if (!contains(SETTABLE, ',' + k + ',')) return reply(bad(k + ' cannot be set here; these can:' + SETTABLE.split(',').join(' ')));
    const before = configText(a.cfg);
    const errors = applyConfig(JSON.parse(before), p); // a dry run on a copy
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

  function deviceCall(id: string, p: any, reply: AdminReply): void {
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

  function deviceList(): any[] {
    const ids = gw.deviceIds();
    const list = [];
    for (let i = 0; i < ids.length; i++) list.push(gw.device(ids[i]));
    return list;
  }

  function call(method: string, params: any, reply: AdminReply): void {
    const p = isObject(params) ? params : {};
    switch (method) {
      case 'devices.list':
        return reply(null, deviceList());
      case 'status':
        return reply(null, statusObject(a));
      case 'security':
        return reply(null, gw.sec.report());
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
        if (p.psk !== undefined && p.psk !== null && (!isStr(p.psk) || p.psk.length > 256)) return reply(bad('psk: at most 256 characters.'));
        return gw.approve(id, p.psk || undefined, function (r) {
          done(reply, r, gw.device(id));
        });
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
    login: function (pw, now) {
      return a.sessions.login(pw, now);
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
