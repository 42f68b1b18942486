// The smaller built-in modules of the ESP32 firmware: crypto, Wifi,
// TelnetServer, GatewayCrypto (the project's native addon), and the ones the
// emulator does not model, which exist but say so when used.
import crypto from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bytesOfData } from './bytes.ts';
import { Realm } from './realm.ts';

const ADDON = fileURLToPath(new URL('../../native/build/Release/gateway_crypto.node', import.meta.url));

/** Bytes of a crypto argument: an 8-bit string, typed array, ArrayBuffer or array. */
function dataBytes(data: unknown): Buffer {
  return bytesOfData(data);
}

export function cryptoModule(realm: Realm): object {
  const m = realm.object();
  const hash = (alg: string) => (data: unknown) => realm.arrayBuffer(crypto.createHash(alg).update(dataBytes(data)).digest());
  m.SHA1 = hash('sha1');
  m.SHA224 = hash('sha224');
  m.SHA256 = hash('sha256');
  m.SHA384 = hash('sha384');
  m.SHA512 = hash('sha512');
  m.PBKDF2 = (passphrase: unknown, salt: unknown, options?: { keySize?: number; iterations?: number; hasher?: string }) => {
    const words = options?.keySize ?? 128 / 32;
    const iterations = options?.iterations ?? 1;
    const digest = String(options?.hasher ?? 'SHA1').toLowerCase();
    return realm.arrayBuffer(crypto.pbkdf2Sync(dataBytes(passphrase), dataBytes(salt), iterations, words * 4, digest));
  };
  const aes = (encrypt: boolean) => (data: unknown, key: unknown, options?: { iv?: unknown; mode?: string }) => {
    const k = dataBytes(key);
    if (![16, 24, 32].includes(k.length)) throw realm.error('Key length must be 16, 24 or 32 bytes');
    const mode = String(options?.mode ?? 'CBC').toLowerCase();
    const input = dataBytes(data);
    if ((mode === 'cbc' || mode === 'ecb') && input.length % 16) throw realm.error('Message length must be a multiple of 16 bytes');
    const iv = mode === 'ecb' ? null : options?.iv !== undefined ? dataBytes(options.iv) : Buffer.alloc(16);
    const algo = `aes-${k.length * 8}-${mode}`;
    const c = encrypt ? crypto.createCipheriv(algo, k, iv) : crypto.createDecipheriv(algo, k, iv);
    c.setAutoPadding(false);
    return realm.arrayBuffer(Buffer.concat([c.update(input), c.final()]));
  };
  m.AES = realm.object();
  m.AES.encrypt = aes(true);
  m.AES.decrypt = aes(false);
  return m;
}

export interface WifiHost {
  worldNow(): number;
  setClock(seconds: number): void;
  /** Persist the Wi-Fi settings the way Wifi.save() does: in clear, in Storage. */
  save(json: string): void;
  later(fn: () => void): void;
}

export function wifiModule(realm: Realm, host: WifiHost): object {
  const w = realm.object();
  let ssid = '';
  let password = '';
  let hostname = 'espruino';
  let connected = false;
  const ipInfo = () => {
    const o = realm.object();
    o.ip = connected ? '192.168.1.50' : '0.0.0.0';
    o.netmask = connected ? '255.255.255.0' : '0.0.0.0';
    o.gw = connected ? '192.168.1.1' : '0.0.0.0';
    o.mac = '24:0a:c4:00:00:01';
    return o;
  };
  const reply = (cb: unknown, ...args: unknown[]) => {
    if (typeof cb === 'function') host.later(() => cb(...args));
  };
  w.connect = (name: unknown, options: unknown, callback: unknown) => {
    ssid = String(name);
    if (options && typeof options === 'object' && 'password' in options) password = String((options as { password: unknown }).password);
    connected = true;
    const cb = typeof options === 'function' ? options : callback;
    host.later(() => realm.emit(w, 'connected', [ipInfo()]));
    reply(cb, null);
  };
  w.disconnect = (callback: unknown) => {
    connected = false;
    host.later(() => realm.emit(w, 'disconnected', [realm.object()]));
    reply(callback);
  };
  w.getStatus = (callback: unknown) => {
    const s = realm.object();
    s.mode = 'STA';
    s.station = connected ? 'connected' : 'off';
    s.ap = 'disconnected';
    s.phy = '11n';
    s.powersave = 'none';
    s.savedMode = 'off';
    reply(callback, s);
    return s;
  };
  w.getIP = (callback: unknown) => {
    const ip = ipInfo();
    reply(callback, null, ip);
    return ip;
  };
  w.getDetails = (callback: unknown) => {
    const d = realm.object();
    d.status = connected ? 'connected' : 'off';
    d.ssid = ssid;
    reply(callback, d);
    return d;
  };
  w.getAPIP = (callback: unknown) => {
    const ip = realm.object();
    ip.ip = '0.0.0.0';
    reply(callback, null, ip);
    return ip;
  };
  w.scan = (callback: unknown) => reply(callback, realm.array([]));
  w.startAP = (_ssid: unknown, _options: unknown, callback: unknown) => reply(callback, null);
  w.stopAP = (callback: unknown) => reply(callback);
  w.setHostname = (name: unknown, callback: unknown) => {
    hostname = String(name);
    reply(callback);
  };
  w.getHostname = (callback: unknown) => {
    reply(callback, hostname);
    return hostname;
  };
  w.setSNTP = (server: unknown, tz: unknown) => {
    if (typeof server !== 'string') throw realm.error('Wifi.setSNTP: server must be a String');
    if (typeof tz !== 'string') throw realm.error('Wifi.setSNTP: zone must be a String (POSIX TZ, e.g. "UTC0")');
    host.later(() => host.setClock(host.worldNow()));
  };
  w.save = () => host.save(JSON.stringify({ ssid, password, mode: 'sta', hostname })); // in clear, as the board does
  w.restore = () => undefined;
  w.setConfig = () => undefined;
  return w;
}

export function telnetModule(realm: Realm, setMode: (on: boolean) => void): object {
  const t = realm.object();
  t.setOptions = (options: { mode?: unknown } | undefined) => {
    const mode = options?.mode;
    if (mode !== undefined && mode !== 'on' && mode !== 'off') throw realm.error('Telnet mode must be "on" or "off"');
    if (mode !== undefined) setMode(mode === 'on');
  };
  return t;
}

/** The Node addon built from the same C as the firmware's GatewayCrypto library, or undefined. */
export function loadGatewayCrypto(): Record<string, Function> | undefined {
  if (!existsSync(ADDON)) return undefined;
  return createRequire(import.meta.url)(ADDON) as Record<string, Function>;
}

export function gatewayCryptoModule(realm: Realm, addon: Record<string, Function>): object {
  const m = realm.object();
  for (const name of Object.keys(addon)) {
    const fn = addon[name];
    if (typeof fn !== 'function') continue;
    m[name] = (...args: unknown[]) => {
      let r: unknown;
      try {
        r = fn(...args);
      } catch (e) {
        throw realm.error((e as Error).message, e instanceof TypeError ? 'TypeError' : 'Error');
      }
      return r instanceof Uint8Array ? realm.uint8(r) : r;
    };
  }
  return m;
}

/** A module the firmware has but the emulator does not model: using it says so. */
export function unmodelledModule(realm: Realm, name: string, functions: string[]): object {
  const m = realm.object();
  for (const fn of functions) {
    m[fn] = () => {
      throw realm.error(`${name}.${fn} is not emulated`);
    };
  }
  return m;
}

export const UNMODELLED: Record<string, string[]> = {
  Flash: ['getFree', 'getPage', 'erasePage', 'read', 'write'],
  fs: ['readFile', 'writeFile', 'appendFile', 'readdir', 'unlink', 'statSync'],
  dgram: ['createSocket'],
  tls: ['connect'],
  neopixel: ['write'],
  heatshrink: ['compress', 'decompress'],
};

/** process.env.MODULES of the stock ESP32 build (plus GatewayCrypto on the custom one). */
export function firmwareModules(native: boolean): string {
  const mods = ['Flash', 'Storage', 'heatshrink', 'fs', 'net', 'dgram', 'http', 'NetworkJS', 'Wifi', 'ESP32', 'neopixel',
    'TelnetServer', 'crypto', 'tls'];
  if (native) mods.push('GatewayCrypto');
  return mods.join(',');
}
