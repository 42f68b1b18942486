// Flags of `npm run sim`, checked up front: a mistake gives one line and the usage.
import { readFlags } from '../flags';
import { DEFAULT_PREFIX } from '../../src/protocol/constants';

export const ATTACKS = ['replay', 'tamper', 'spoof-key', 'forge-approval', 'stale', 'wrong-psk', 'flood'] as const;
export type Attack = (typeof ATTACKS)[number];

export const USAGE = `usage: npm run sim -- --broker mqtt://HOST:PORT [--devices N] [--psk SECRET] [--rate S]
                    [--prefix P] [--state DIR] [--id-prefix ID] [--admin URL --admin-password PW]
                    [--attack ${ATTACKS.join('|')}] [--duration S] [--json]`;

export interface SimOptions {
  broker: string;
  devices: number;
  psk?: string;
  rate: number;
  prefix: string;
  state?: string;
  idPrefix: string;
  admin?: string;
  adminPassword?: string;
  attack?: Attack;
  /** stop after this many seconds (normal mode); 0 = until Ctrl-C */
  duration: number;
  /** attack modes: print the report as one JSON line */
  json: boolean;
}

const VALUED: Record<string, keyof SimOptions> = {
  '--broker': 'broker',
  '--devices': 'devices',
  '--psk': 'psk',
  '--rate': 'rate',
  '--prefix': 'prefix',
  '--state': 'state',
  '--id-prefix': 'idPrefix',
  '--admin': 'admin',
  '--admin-password': 'adminPassword',
  '--attack': 'attack',
  '--duration': 'duration',
};

function wholeNumber(s: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n >= min && n <= max ? n : undefined;
}

const ID_CHARS = /^[A-Za-z0-9_.-]{1,40}$/;
const PREFIX = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/** The options, 'help', or a one-line reason the flags are wrong. */
export function parseArgs(argv: string[]): SimOptions | 'help' | string {
  const raw = readFlags(argv, { valued: VALUED, switches: { '--json': 'json' }, help: true });
  if (typeof raw === 'string') return raw;
  if (raw.broker === undefined) return '--broker is required';
  if (!/^mqtt:\/\/[^/:@]+(:\d{1,5})?\/?$/.test(raw.broker)) return `--broker must look like mqtt://HOST:PORT, got ${JSON.stringify(raw.broker)}`;
  const devices = raw.devices === undefined ? 3 : wholeNumber(raw.devices, 1, 1000);
  if (devices === undefined) return `--devices must be a whole number from 1 to 1000, got ${JSON.stringify(raw.devices)}`;
  const rate = raw.rate === undefined ? 5 : Number(raw.rate);
  if (!(rate >= 0.2 && rate <= 3600) || !/^\d+(\.\d+)?$/.test(raw.rate ?? '5')) return `--rate must be seconds between reports (0.2-3600), got ${JSON.stringify(raw.rate)}`;
  if (raw.psk !== undefined && raw.psk === '') return '--psk must not be empty';
  const prefix = raw.prefix ?? DEFAULT_PREFIX;
  if (prefix.length > 64 || !PREFIX.test(prefix)) return `--prefix must be 1-64 of A-Z a-z 0-9 _ . - and inner /, got ${JSON.stringify(prefix)}`;
  const idPrefix = raw.idPrefix ?? 'sim';
  if (!ID_CHARS.test(idPrefix)) return `--id-prefix must be 1-40 of A-Z a-z 0-9 _ . -, got ${JSON.stringify(idPrefix)}`;
  if ((raw.admin === undefined) !== (raw.adminPassword === undefined)) return '--admin and --admin-password go together';
  if (raw.admin !== undefined && !/^https?:\/\/[^/]+\/?$/.test(raw.admin)) return `--admin must look like http://HOST:PORT, got ${JSON.stringify(raw.admin)}`;
  if (raw.attack !== undefined && !(ATTACKS as readonly string[]).includes(raw.attack)) {
    return `--attack must be one of ${ATTACKS.join(', ')}, got ${JSON.stringify(raw.attack)}`;
  }
  const duration = raw.duration === undefined ? 0 : wholeNumber(raw.duration, 1, 86400 * 365);
  if (duration === undefined) return `--duration must be whole seconds >= 1, got ${JSON.stringify(raw.duration)}`;
  return {
    broker: raw.broker,
    devices,
    psk: raw.psk,
    rate,
    prefix,
    state: raw.state,
    idPrefix,
    admin: raw.admin?.replace(/\/$/, ''),
    adminPassword: raw.adminPassword,
    attack: raw.attack as Attack | undefined,
    duration,
    json: raw.json === 'true',
  };
}
