// Flags of `npm run emulate` and the gateway files they put into the
// board's Storage before boot (gw.cfg, the image, the dashboard page).
import { existsSync, readFileSync } from 'node:fs';
import { jsCrypto } from '../../src/crypto/node/js.ts';
import { checkPassword, hashPassword } from '../../src/gateway/admin/password.ts';
import { nodeKdf } from '../../src/gateway/admin/node/kdf.ts';
import { applyConfig, configText, parseBrokerUrl, parseConfig, validPrefix } from '../../src/gateway/config.ts';
import { readReplaced } from '../../src/gateway/store.ts';
import { FALLBACK_MODULE } from '../../src/crypto/espruino.ts';
import { readStorage, writeStorage } from '../espruino/interpreter.ts';
import type { Variant } from '../espruino/build.ts';
import type { StorageLike } from '../../src/gateway/store.ts';
import { readFlags } from '../flags.ts';

export const USAGE =
  'usage: npm run emulate -- --broker mqtt://HOST:PORT --http-port N --storage DIR --admin-password PW [--variant stock|custom] [--prefix P] [--offline-timeout S]';

export interface EmulateOptions {
  broker: string;
  httpPort: number;
  storage: string;
  adminPassword: string;
  /** the firmware the interpreter stands for (emulate only; default custom) */
  variant?: Variant;
  prefix?: string;
  offlineTimeout?: number;
}

const FLAGS: Record<string, keyof EmulateOptions> = {
  '--broker': 'broker',
  '--http-port': 'httpPort',
  '--storage': 'storage',
  '--admin-password': 'adminPassword',
  '--variant': 'variant',
  '--prefix': 'prefix',
  '--offline-timeout': 'offlineTimeout',
};

/** The flags, or a one-line reason they are wrong. */
export function parseFlags(argv: string[]): EmulateOptions | string {
  const read = readFlags(argv, { valued: FLAGS });
  if (typeof read === 'string') return read;
  const o: any = read;
  for (const f of ['--broker', '--http-port', '--storage', '--admin-password']) if (o[FLAGS[f]] === undefined) return `${f} is required`;
  if (!parseBrokerUrl(o.broker)) return `--broker must look like mqtt://HOST:PORT or mqtts://HOST:PORT, got ${JSON.stringify(o.broker)}`;
  const port = Number(o.httpPort);
  if (!/^\d+$/.test(o.httpPort) || port < 1 || port > 65535) return `--http-port must be a port number 1-65535, got ${JSON.stringify(o.httpPort)}`;
  o.httpPort = port;
  if (!o.storage) return '--storage needs a directory';
  if (!o.adminPassword) return '--admin-password must not be empty';
  if (o.variant !== undefined && o.variant !== 'stock' && o.variant !== 'custom') return `--variant must be stock or custom, got ${JSON.stringify(o.variant)}`;
  if (o.prefix !== undefined && !validPrefix(o.prefix)) return '--prefix must be 1-64 characters of A-Z a-z 0-9 _ . - and inner /';
  if (o.offlineTimeout !== undefined) {
    const s = Number(o.offlineTimeout);
    if (!/^\d+$/.test(o.offlineTimeout) || s < 5 || s > 86400) return '--offline-timeout must be whole seconds from 5 to 86400';
    o.offlineTimeout = s;
  }
  return o as EmulateOptions;
}

/** Files `provision` copies into the flash (host paths; missing ones are skipped). */
export interface FlashFiles {
  /** the gateway image, stored as .bootcde: it runs from flash at every boot, as after `npm run flash` */
  image?: string;
  /** dist/dashboard.html.gz → dash.html.gz */
  dashboard?: string;
  /** dist/gwcrypto-js.js → the pure-JS crypto module stock firmware loads */
  cryptoModule?: string;
}

/**
 * Writes gw.cfg (merged over what the board's Storage already holds, so
 * settings changed through the admin API survive unless a flag overrides
 * them) and `files` into the Storage kept in `o.storage`, through the real
 * interpreter of `variant`. `settings`: more gw.cfg fields (as in the file,
 * e.g. {limits:{rate:5}}), applied before the flags.
 */
export async function provision(o: EmulateOptions, files: FlashFiles = {}, variant: Variant = 'custom', settings: any = {}): Promise<void> {
  const names = ['gw.cfg', 'gw.cfg.new'];
  const held = await readStorage(o.storage, names, variant);
  const files_: Record<string, string | undefined> = {};
  for (const n of names) files_[n] = held[n]?.toString('latin1');
  const writes: Record<string, Buffer | string | null> = {};
  const st: StorageLike = {
    read: (name) => files_[name],
    write: (name, data) => {
      files_[name] = data;
      writes[name] = data;
      return true;
    },
    erase: (name) => {
      files_[name] = undefined;
      writes[name] = null;
    },
  };
  const current = parseConfig(readReplaced(st, 'gw.cfg')).cfg;
  const changes: any = { ...settings, broker: o.broker };
  if (o.prefix !== undefined) changes.prefix = o.prefix;
  if (o.offlineTimeout !== undefined) changes.offline_timeout = o.offlineTimeout;
  const pw = utf8Bytes(o.adminPassword);
  if (!current.admin || checkPassword(nodeKdf, jsCrypto, pw, current.admin) !== 1) changes.admin = hashPassword(nodeKdf, jsCrypto, pw);
  const errors = applyConfig(current, changes);
  if (errors.length) throw new Error(errors.join('; '));
  const text = configText(current);
  if (st.read('gw.cfg') !== text) st.write('gw.cfg', text);
  const copies: [string, string | undefined][] = [
    ['.bootcde', files.image],
    ['dash.html.gz', files.dashboard],
    [FALLBACK_MODULE, files.cryptoModule],
  ];
  for (const [name, path] of copies) {
    if (path && existsSync(path)) writes[name] = readFileSync(path);
  }
  await writeStorage(o.storage, writes, variant);
}

/** UTF-8 text as the byte string the device sees (its strings are 8-bit). */
export function utf8Bytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}
