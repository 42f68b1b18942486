// The gateway configuration (Storage file "gw.cfg", JSON). Parsing never
// throws: every bad field is reported in `errors` and replaced by its safe
// default, so a broken file gives a clear console message, not a dead gateway.
import { parseMqttUrl } from '../mqtt/checks';
import { isNum, isObject, isStr } from '../protocol/bytes';
import { CONNECT_GAP_S, DEFAULT_PREFIX, MAX_ENVELOPE_BYTES, MAX_PENDING, OFFLINE_AFTER_S, RATE_BURST, RATE_PER_S } from '../protocol/constants';
import { isPasswordHash } from './admin/password';

export interface Limits {
  envelope: number; // max envelope bytes on P/gateway/rx
  pending: number; // pending table size
  rate: number; // envelopes per second per device
  burst: number; // bucket size
  connect_s: number; // min seconds between connect requests of one device id
  http_conns: number; // concurrent HTTP connections
  http_body: number; // max request body bytes
  http_timeout_s: number; // idle/slow client limit
  nonce_flush_s: number; // least seconds between write-behinds of the nonce marks (flash wear vs. work after a power cut)
}

export interface Config {
  broker: string; // mqtt://host[:port] or mqtts://host[:port]
  /** mqtts: the broker's CA (or its own self-signed) certificate, base64 of the DER form */
  broker_ca: string;
  /** send username/password over plain mqtt:// anyway (anyone on the path reads them) */
  allow_plain_credentials: boolean;
  username: string;
  password: string;
  prefix: string;
  admin: string; // "<iterations>:<salt hex>:<hash hex>" of the admin password (admin/password.ts), "" = none yet
  offline_timeout: number;
  telnet: string; // "off" | "locked"
  console_password: string; // for telnet "locked": the password that unlocks the console
  wifi: { ssid: string; password: string }; // on the board only
  limits: Limits;
}

export function defaultConfig(): Config {
  return {
    broker: 'mqtt://127.0.0.1:1883',
    broker_ca: '',
    allow_plain_credentials: false,
    username: '',
    password: '',
    prefix: DEFAULT_PREFIX,
    admin: '',
    offline_timeout: OFFLINE_AFTER_S,
    telnet: 'off',
    console_password: '',
    wifi: { ssid: '', password: '' },
    limits: {
      envelope: MAX_ENVELOPE_BYTES,
      pending: MAX_PENDING,
      rate: RATE_PER_S,
      burst: RATE_BURST,
      connect_s: CONNECT_GAP_S,
      http_conns: 4,
      http_body: 4096,
      http_timeout_s: 5,
      nonce_flush_s: 60,
    },
  };
}

// [min, max] of each numeric setting
const LIMIT_RANGES: { [k: string]: number[] } = {
  envelope: [256, 16384],
  pending: [1, 256],
  rate: [1, 1000],
  burst: [1, 2000],
  connect_s: [0, 3600],
  http_conns: [1, 6], // the ESP32 has about ten sockets; MQTT, SNTP and three admin browsers need theirs
  http_body: [256, 65536],
  http_timeout_s: [1, 120],
  nonce_flush_s: [1, 3600],
};

export interface Broker {
  host: string;
  port: number;
  /** mqtts:// */
  tls: boolean;
}

/** "mqtt://host[:port]" or "mqtts://host[:port]" → {host, port, tls}; undefined when not of that form. */
export function parseBrokerUrl(url: unknown): Broker | undefined {
  if (!isStr(url)) return undefined;
  const tls = url.indexOf('mqtts://') === 0;
  if (!tls && url.indexOf('mqtt://') !== 0) return undefined;
  try {
    // the MQTT client's URL form; mqtts differs only in its default port
    const rest = url.substr(tls ? 8 : 7);
    const u = parseMqttUrl('mqtt://' + rest);
    return { host: u.host, port: tls && rest.indexOf(':') < 0 ? 8883 : u.port, tls: tls };
  } catch (e) {
    return undefined;
  }
}

/**
 * Why the gateway must not connect with this configuration, or undefined:
 * broker credentials go over plain mqtt:// only when the config says so.
 */
export function credentialProblem(cfg: Config): string | undefined {
  const b = parseBrokerUrl(cfg.broker);
  if (!b || b.tls || cfg.allow_plain_credentials || (cfg.username === '' && cfg.password === '')) return undefined;
  return 'the broker username/password would travel in clear over mqtt://: use mqtts:// (with broker_ca), or set allow_plain_credentials to true';
}

/** A topic prefix: 1–64 of A-Z a-z 0-9 _ . - and inner '/' (no MQTT wildcards). */
export function validPrefix(p: unknown): p is string {
  if (!isStr(p) || !p.length || p.length > 64) return false;
  if (p.charAt(0) === '/' || p.charAt(p.length - 1) === '/') return false;
  for (let i = 0; i < p.length; i++) {
    const c = p.charAt(i);
    if (!(isIdChar(c) || c === '/')) return false;
  }
  return true;
}

function isIdChar(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' || c === '.' || c === '-';
}

function isWholeIn(v: unknown, range: number[]): v is number {
  return isNum(v) && v === Math.floor(v) && v >= range[0] && v <= range[1];
}

function shortString(v: unknown, max: number): v is string {
  return isStr(v) && v.length <= max;
}

function credential(v: unknown): boolean {
  return shortString(v, 128);
}

// The plain fields: name → [check, what a good value is].
type FieldRule = [(v: unknown) => boolean, string];
const CREDENTIAL: FieldRule = [credential, 'a string of at most 128 characters']; // read-only, shared by three fields
const FIELDS: { [k: string]: FieldRule } = {
  broker: [
    function (v: unknown) {
      return !!parseBrokerUrl(v);
    },
    'mqtt://host:port or mqtts://host:port',
  ],
  broker_ca: [
    function (v: unknown) {
      return v === '' || (shortString(v, 6000) && /^[A-Za-z0-9+\/]+=*$/.test(v) && v.length % 4 === 0);
    },
    'the base64 of a DER certificate (openssl x509 -in ca.pem -outform der | base64 -w0), or ""',
  ],
  allow_plain_credentials: [
    function (v: unknown) {
      return v === true || v === false;
    },
    'true or false',
  ],
  username: CREDENTIAL,
  password: CREDENTIAL,
  console_password: CREDENTIAL,
  prefix: [validPrefix, '1-64 characters of A-Z a-z 0-9 _ . - and inner /'],
  admin: [
    function (v: unknown) {
      return v === '' || isPasswordHash(v);
    },
    '"<iterations>:<salt hex>:<hash hex>"',
  ],
  offline_timeout: [
    function (v: unknown) {
      return isWholeIn(v, [5, 86400]);
    },
    'whole seconds from 5 to 86400',
  ],
  telnet: [
    function (v: unknown) {
      return v === 'off' || v === 'locked';
    },
    '"off" or "locked"',
  ],
};

/**
 * Applies the settings of `src` (a parsed JSON object) onto `cfg`, field by
 * field. Returns the list of problems; a bad field leaves `cfg`'s value.
 * Unknown top-level fields are ignored (a newer file on an older gateway).
 */
export function applyConfig(cfg: Config, src: unknown): string[] {
  const errors: string[] = [];
  if (!isObject(src)) return ['the configuration is not a JSON object'];
  for (const k in src) {
    const v = src[k];
    const f = FIELDS.hasOwnProperty(k) ? FIELDS[k] : undefined;
    if (f) {
      if (f[0](v)) (cfg as unknown as { [k: string]: unknown })[k] = v;
      else errors.push(k + ' must be ' + f[1]);
    } else if (k === 'wifi') {
      if (isObject(v) && shortString(v.ssid, 32) && shortString(v.password || '', 64)) cfg.wifi = { ssid: v.ssid, password: (v.password as string) || '' };
      else errors.push('wifi must be {"ssid":"…","password":"…"}');
    } else if (k === 'limits') {
      if (!isObject(v)) errors.push('limits must be an object');
      else
        for (const n in v) {
          const range = LIMIT_RANGES.hasOwnProperty(n) ? LIMIT_RANGES[n] : undefined;
          if (!range) errors.push('limits.' + n + ' is not a known limit');
          else if (isWholeIn(v[n], range)) (cfg.limits as unknown as { [k: string]: unknown })[n] = v[n];
          else errors.push('limits.' + n + ' must be a whole number from ' + range[0] + ' to ' + range[1]);
        }
    }
  }
  return errors;
}

/** Text of gw.cfg → configuration plus the problems found (never throws). */
export function parseConfig(text: string | undefined): { cfg: Config; errors: string[] } {
  const cfg = defaultConfig();
  if (text === undefined || text === '') return { cfg: cfg, errors: [] };
  let src: unknown;
  try {
    src = JSON.parse(text);
  } catch (e) {
    return { cfg: cfg, errors: ['not valid JSON'] };
  }
  return { cfg: cfg, errors: applyConfig(cfg, src) };
}

/** The file form of a configuration (what parseConfig reads back). */
export function configText(cfg: Config): string {
  return JSON.stringify(cfg);
}

/** What the admin API shows: credentials are write-only. */
export function publicConfig(cfg: Config) {
  return {
    broker: cfg.broker,
    broker_ca_set: cfg.broker_ca !== '',
    allow_plain_credentials: cfg.allow_plain_credentials,
    username_set: cfg.username !== '',
    password_set: cfg.password !== '',
    prefix: cfg.prefix,
    offline_timeout: cfg.offline_timeout,
    telnet: cfg.telnet,
    limits: cfg.limits,
  };
}
