// Gateway boot (bundled into dist/gateway.js), the shell around the sans-I/O
// core (core.ts): configuration, console lock-down, Wi-Fi and SNTP on the
// board, MQTT, the admin HTTP server on port 80, Storage, and one interval
// that drives the core's tick().
import { deviceCrypto } from '../crypto/espruino';
import { toHex } from '../protocol/bytes';
import { connectTopic, gatewayRxTopic, statusTopic } from '../protocol/constants';
import { createClient } from '../mqtt/client';
import type { MqttClient } from '../mqtt/client';
import { systemClock } from '../mqtt/clock';
import { espruinoTransport } from '../mqtt/espruino-transport';
import { createAdminCore, statusObject } from './admin/core';
import type { AdminEnv } from './admin/core';
import type { GatewayStatus } from './admin/wire';
import { createSessions, hashPassword, randomPassword } from './admin/sessions';
import { monoNow } from './clock';
import { configText, parseConfig } from './config';
import { createGateway } from './core';
import { startHttp } from './http/server';
import { readReplaced, replaceFile } from './store';

const CONFIG_FILE = 'gw.cfg';
const TICK_MS = 1000;

function boot(): void {
  const storage = require('Storage');
  const crypto = deviceCrypto();
  const loaded = parseConfig(readReplaced(storage, CONFIG_FILE));
  const cfg = loaded.cfg;
  for (let i = 0; i < loaded.errors.length; i++) console.log('gw.cfg: ' + loaded.errors[i] + ' (using the default)');

  // The telnet REPL gives full control of the gateway: off, or the console
  // locked with a password (without one, "locked" would lock nothing: off then).
  try {
    if (cfg.telnet === 'locked' && cfg.console_password) {
      E.setPassword(cfg.console_password);
      E.lockConsole();
    } else {
      if (cfg.telnet === 'locked') console.log('telnet: "locked" needs console_password in gw.cfg; switched off instead');
      require('TelnetServer').setOptions({ mode: 'off' });
    }
  } catch (e) {
    console.log('telnet: could not lock it down: ' + e);
  }

  function saveConfig(): boolean {
    return replaceFile(storage, CONFIG_FILE, configText(cfg));
  }

  if (!cfg.admin) {
    const pw = randomPassword(crypto);
    cfg.admin = hashPassword(crypto, pw);
    if (saveConfig()) console.log('admin password (shown once): ' + pw);
    else console.log('admin password (flash full: until restart): ' + pw);
  }

  let mqtt: MqttClient | undefined;
  const gw = createGateway({
    crypto: crypto,
    storage: storage,
    cfg: cfg,
    publish: function (topic, payload, qos) {
      return !!mqtt && mqtt.publish(topic, payload, qos, false);
    },
    clock: getTime,
    mono: monoNow,
  });
  gw.start();
  setInterval(function () {
    gw.tick();
  }, TICK_MS);
  // a soft reset or load() is a clean event: write the nonce state out
  E.on('kill', function () {
    gw.persist();
  });

  const admin: AdminEnv = {
    gw: gw,
    crypto: crypto,
    sessions: createSessions(crypto, function () {
      return cfg.admin;
    }),
    cfg: cfg,
    saveConfig: saveConfig,
    brokerChanged: function () {
      if (mqtt) {
        // the old connection's retained status would say "online" forever
        mqtt.publish(willTopic, 'offline', 0, true);
        mqtt.end();
      }
      connectMqtt();
    },
    mqttConnected: function () {
      return !!mqtt && mqtt.stats().connected;
    },
    memory: function () {
      return process.memory();
    },
  };

  function status(): void {
    const s = statusObject(admin) as GatewayStatus & { type: 'status' };
    s.type = 'status';
    gw.emit(s);
  }

  let willTopic = '';
  function connectMqtt(): void {
    willTopic = statusTopic(cfg.prefix);
    const client = createClient(
      {
        url: cfg.broker, // checked by the config reader
        clientId: 'gw-' + toHex(crypto.randomBytes(4)),
        keepalive: 30,
        username: cfg.username || undefined,
        password: cfg.password || undefined,
        will: { topic: willTopic, payload: 'offline', qos: 1, retain: true },
        maxPacket: cfg.limits.envelope + 256,
        backoffMin: 1000,
        backoffMax: 30000,
      },
      espruinoTransport,
      systemClock,
    );
    mqtt = client;
    client.subscribe(connectTopic(cfg.prefix), 1);
    client.subscribe(gatewayRxTopic(cfg.prefix), 1);
    client.on('connect', function () {
      client.publish(willTopic, 'online', 1, true);
      console.log('mqtt: connected to ' + cfg.broker);
      status();
    });
    client.on('close', function (reason) {
      console.log('mqtt: connection lost (' + reason + ')');
      status();
    });
    client.on('error', function (e) {
      console.log('mqtt: ' + ((e && e.message) || e));
    });
    client.on('message', function (topic, payload) {
      gw.onMessage(topic, payload);
    });
    client.connect();
  }

  startHttp(80, {
    core: createAdminCore(admin),
    limits: function () {
      return cfg.limits;
    },
    now: monoNow,
  });
  console.log('http: admin API on port 80');

  // On the board: join Wi-Fi when configured, then set the clock by SNTP.
  // (On the host build Wifi reports itself connected at once: board/host/Wifi.js.)
  try {
    const wifi = require('Wifi');
    const sntp = function () {
      wifi.setSNTP('pool.ntp.org', 'UTC0');
    };
    if (cfg.wifi.ssid) wifi.connect(cfg.wifi.ssid, { password: cfg.wifi.password }, sntp);
    else sntp();
  } catch (e) {
    console.log('wifi: ' + e);
  }
  connectMqtt();
}

boot();
