// The sensor image (dist/sensor.js) for an ESP32 running Espruino: reads its
// configuration from Storage (`sensor.cfg`, see config.ts), joins Wi-Fi when
// configured, enrolls with the gateway, reports readings every `rate`
// seconds, and answers the gateway's calls `led.set`, `config.get`, `reboot`.
import { deviceCrypto } from '../../crypto/espruino';
import { espruinoTransport } from '../../mqtt/espruino-transport';
import { systemClock } from '../../mqtt/clock';
import { DEFAULT_PREFIX, INVALID_PARAMS } from '../../protocol/constants';
import { createDevice, DeviceClient } from '../client';
import { storageStore } from '../espruino-store';
import { CONFIG_FILE, SensorConfig, readSensorConfig } from './config';
import { randomWalk } from './walk';

// On ESP32, E.getTemperature() reads the chip's internal sensor; where the
// firmware has none (absent, or NaN as on the PC build) a plausible room
// temperature stands in.
function temperatureSource(): () => number {
  if (typeof E.getTemperature === 'function' && isFinite(E.getTemperature())) {
    return function () {
      return Math.round(E.getTemperature!() * 10) / 10;
    };
  }
  return randomWalk(21.5, 4, 0.3, Math.random);
}

function readings(cfg: SensorConfig, temperature: () => number): { temperature: number; analog?: number } {
  const r: { temperature: number; analog?: number } = { temperature: temperature() };
  if (cfg.analog_pin) r.analog = Math.round(analogRead(cfg.analog_pin) * 1000) / 1000;
  return r;
}

function serveMethods(dev: DeviceClient, cfg: SensorConfig): void {
  let led = false;
  dev.handle('led.set', function (p, reply) {
    if (typeof p !== 'object' || p === null || typeof (p as { on?: unknown }).on !== 'boolean') return reply({ code: INVALID_PARAMS, message: 'params must be {"on":true|false}' });
    led = (p as { on: boolean }).on;
    digitalWrite(cfg.led_pin, led ? 1 : 0);
    reply(null, { on: led });
  });
  dev.handle('config.get', function (_p, reply) {
    // everything but secrets (PSK, MQTT and Wi-Fi passwords)
    reply(null, {
      device_id: cfg.device_id,
      name: cfg.name || null,
      broker: cfg.broker,
      prefix: cfg.prefix || DEFAULT_PREFIX,
      rate: cfg.rate,
      led_pin: cfg.led_pin,
      analog_pin: cfg.analog_pin || null,
      psk: !!cfg.psk,
      led: led,
      firmware: process.env.VERSION,
    });
  });
  dev.handle('reboot', function (_p, reply) {
    reply(null, true);
    // after the response has left
    setTimeout(function () {
      if (typeof E.reboot === 'function') E.reboot();
      else load();
    }, 1000);
  });
}

function startSensor(cfg: SensorConfig): void {
  let crypto;
  try {
    crypto = deviceCrypto();
  } catch (e) {
    console.log('sensor: ' + (e as Error).message);
    return;
  }
  const dev = createDevice(
    crypto,
    { deviceId: cfg.device_id, name: cfg.name, psk: cfg.psk, prefix: cfg.prefix, broker: cfg.broker, username: cfg.username, password: cfg.password },
    espruinoTransport,
    systemClock,
    storageStore('sensor.st'),
  );
  console.log('sensor ' + cfg.device_id + ' key fingerprint ' + dev.fingerprint());
  dev.on(function (type, detail) {
    if (type === 'status') console.log('sensor: ' + detail);
    else if (type === 'key') console.log('sensor: new key fingerprint ' + (detail as { fingerprint: string }).fingerprint);
    else if (type === 'refused') console.log('sensor: refused: ' + detail);
    else if (type === 'online' || type === 'offline') console.log('sensor: mqtt ' + type);
  });
  serveMethods(dev, cfg);
  const temperature = temperatureSource();
  setInterval(function () {
    const s = dev.status();
    if (s !== 'approved' && s !== 'authorized') return;
    dev.call('report', readings(cfg, temperature), function (err) {
      if (err) console.log('sensor: report failed: ' + err.message);
    });
  }, cfg.rate * 1000);
  dev.start();
}

function main(): void {
  const cfg = readSensorConfig(require('Storage').readJSON(CONFIG_FILE, true));
  if (typeof cfg === 'string') {
    console.log('sensor: ' + cfg);
    return;
  }
  if (!cfg.wifi) return startSensor(cfg);
  const wifi = require('Wifi');
  // Keys are made after the radio is up: the ESP32's RNG needs it for entropy.
  wifi.connect(cfg.wifi.ssid, { password: cfg.wifi.password || '' }, function (err: unknown) {
    if (err) {
      console.log('sensor: wifi: ' + err);
      return;
    }
    wifi.setSNTP('pool.ntp.org', 'UTC0');
    startSensor(cfg);
  });
}

main();
