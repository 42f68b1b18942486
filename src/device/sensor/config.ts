// The sensor image's configuration, read from the Storage file `sensor.cfg`
// (JSON), checked once at boot so a mistake gives one clear line instead of
// a device that misbehaves later.
import { isDeviceId } from '../../protocol';

export const CONFIG_FILE = 'sensor.cfg';

export interface SensorConfig {
  device_id: string;
  name?: string;
  psk?: string;
  /** mqtt://host[:port] */
  broker: string;
  username?: string;
  password?: string;
  prefix?: string;
  /** seconds between reports; default 10 */
  rate: number;
  wifi?: { ssid: string; password?: string };
  /** pin names as Espruino takes them ("D2"); LED default D2 (ESP32 DevKit) */
  led_pin: string;
  /** analog input to report as `analog` (0..1), when set */
  analog_pin?: string;
}

function optionalString(v: unknown): v is string | undefined {
  return v === undefined || typeof v === 'string';
}

/** The checked config, or a sentence saying what is wrong. */
export function readSensorConfig(read: unknown): SensorConfig | string {
  if (typeof read !== 'object' || read === null) return 'no ' + CONFIG_FILE + ': write it with require("Storage").writeJSON("' + CONFIG_FILE + '", {device_id, broker, ...})';
  const v = read as { [k: string]: unknown };
  if (!isDeviceId(v.device_id)) return 'device_id must be 1-64 of A-Z a-z 0-9 _ . -';
  if (typeof v.broker !== 'string' || v.broker.indexOf('mqtt://') !== 0) return 'broker must be mqtt://host[:port]';
  if (!optionalString(v.name) || !optionalString(v.psk) || !optionalString(v.prefix) || !optionalString(v.username) ||
      !optionalString(v.password) || !optionalString(v.led_pin) || !optionalString(v.analog_pin)) {
    return 'name, psk, prefix, username, password, led_pin and analog_pin must be strings';
  }
  if (v.psk === '') return 'psk must not be empty (leave it out for none)';
  if (v.rate !== undefined && !(typeof v.rate === 'number' && v.rate >= 1 && v.rate <= 3600)) return 'rate must be 1-3600 seconds';
  if (v.wifi !== undefined && (typeof v.wifi !== 'object' || v.wifi === null || typeof (v.wifi as { ssid?: unknown }).ssid !== 'string' || !optionalString((v.wifi as { password?: unknown }).password))) {
    return 'wifi must be {"ssid":"...","password":"..."}';
  }
  const c: SensorConfig = { device_id: v.device_id, broker: v.broker, rate: v.rate || 10, led_pin: v.led_pin || 'D2' };
  if (v.name !== undefined) c.name = v.name;
  if (v.psk !== undefined) c.psk = v.psk;
  if (v.username !== undefined) c.username = v.username;
  if (v.password !== undefined) c.password = v.password;
  if (v.prefix !== undefined) c.prefix = v.prefix;
  if (v.wifi !== undefined) c.wifi = v.wifi as { ssid: string; password?: string };
  if (v.analog_pin !== undefined) c.analog_pin = v.analog_pin;
  return c;
}
