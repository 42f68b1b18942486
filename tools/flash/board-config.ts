// The device configuration `npm run flash -- --config FILE.json` uploads,
// checked on the host with the readers the firmware itself runs at boot
// (applyConfig for the gateway's gw.cfg, readSensorConfig for sensor.cfg), so
// a mistake is one line here instead of a board that boots with defaults.
import { applyConfig, defaultConfig } from '../../src/gateway/config.ts';
import { CONFIG_FILE as SENSOR_CONFIG_FILE, readSensorConfig } from '../../src/device/sensor/config.ts';

export type BoardKind = 'gateway' | 'sensor';

/** The Storage file src/gateway/main.ts reads its configuration from (private there). */
export const GATEWAY_CONFIG_FILE = 'gw.cfg';

export function configFileName(kind: BoardKind): string {
  return kind === 'gateway' ? GATEWAY_CONFIG_FILE : SENSOR_CONFIG_FILE;
}

/** Worth knowing about a good configuration: what the board will do for what it lacks. */
export type Notes = string[];

/** Notes on the configuration in `bytes` (read from `path`), or one line saying what is wrong with it. */
export function checkConfig(kind: BoardKind, path: string, bytes: Buffer): Notes | string {
  // The board's strings are 8-bit: it parses the bytes as Latin-1 characters, so this check does too.
  const text = bytes.toString('latin1');
  if (text.startsWith('\xef\xbb\xbf')) return `${path} starts with a UTF-8 byte-order mark, which the board's JSON.parse refuses: save it without one`;
  let src: any;
  try {
    src = JSON.parse(text);
  } catch (e) {
    return `${path} is not valid JSON (${(e as Error).message.replace(/\s+/g, ' ')})`;
  }
  if (!src || typeof src !== 'object' || Array.isArray(src)) return `${path} must hold a JSON object`;
  return kind === 'gateway' ? checkGateway(path, src) : checkSensor(path, src);
}

function unknownFields(path: string, file: string, names: string[], hint: string): string {
  const list = names.map((n) => JSON.stringify(n)).join(', ');
  return `${path}: ${list} ${names.length > 1 ? 'are not fields' : 'is not a field'} of ${file} (${hint})`;
}

function checkGateway(path: string, src: any): Notes | string {
  const cfg = defaultConfig();
  // applyConfig ignores unknown fields (a newer file on an older gateway); here the
  // firmware is the one being flashed, so an unknown field is a typo.
  const unknown = Object.keys(src).filter((k) => !Object.prototype.hasOwnProperty.call(cfg, k));
  if (unknown.length) return unknownFields(path, GATEWAY_CONFIG_FILE, unknown, `the gateway reads ${Object.keys(cfg).join(', ')}`);
  const errors = applyConfig(cfg, src);
  if (errors.length) return `${path}: ${errors.join('; ')}`;
  const notes: Notes = [];
  if (src.broker === undefined) notes.push(`no broker: the gateway connects to ${cfg.broker}`);
  if (!cfg.wifi.ssid) notes.push('no wifi.ssid: the board must join Wi-Fi by itself (a network saved with Wifi.save())');
  if (!cfg.admin) notes.push('no admin: the gateway makes an admin password at boot and prints it once on its console');
  return notes;
}

function checkSensor(path: string, src: any): Notes | string {
  const cfg = readSensorConfig(src);
  if (typeof cfg === 'string') return `${path}: ${cfg}`;
  // readSensorConfig keeps exactly the fields it knows
  const unknown = Object.keys(src).filter((k) => !Object.prototype.hasOwnProperty.call(cfg, k));
  if (unknown.length) return unknownFields(path, SENSOR_CONFIG_FILE, unknown, 'see SensorConfig in src/device/sensor/config.ts');
  return cfg.wifi ? [] : ['no wifi: the board must join Wi-Fi by itself (a network saved with Wifi.save())'];
}
