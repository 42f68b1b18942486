// Gateway boot (bundled into dist/gateway.js), the shell around the sans-I/O
// core (core.ts): console lock-down first, then configuration, Wi-Fi and SNTP
// on the board, and only with the radio on (the ESP32's random numbers are
// random only then) the secrets, the core with one interval that drives its
// tick(), MQTT, and the admin HTTP server on port 80.
import { lockConsole } from './console-lock'; // first: its import switches telnet off
import { deviceCrypto } from '../crypto/espruino';
import { toHex } from '../protocol/bytes';
import { connectTopic, gatewayRxTopic, statusTopic } from '../protocol/constants';
import { createClient } from '../mqtt/client';
import type { MqttClient } from '../mqtt/client';
import { systemClock } from '../mqtt/clock';
import { espruinoTlsTransport, espruinoTransport } from '../mqtt/espruino-transport';
import { createAdminCore, statusObject } from './admin/core';
import type { AdminEnv } from './admin/core';
import { firmwareKdf, hashPassword, randomPassword } from './admin/password';
import { createSessions } from './admin/sessions';
import type { GatewayStatus } from './admin/wire';
import { monoNow } from './clock';
import { configText, credentialProblem, parseBrokerUrl, parseConfig } from './config';
import type { Broker, Config } from './config';
import { createGateway } from './core';
import { startHttp } from './http/server';
import { readReplaced, replaceFile } from './store';

const CONFIG_FILE = 'gw.cfg';
const TICK_MS = 1000;
const WIFI_WAIT_MS = 20000; // Wi-Fi that neither connects nor fails by then: go on (the radio is on)

/**
 * Runs `next` once the radio is on: the ESP32's RNG register (what stock
 * firmware reads) and esp_random() (the custom firmware's GatewayCrypto) are
 * random only while Wi-Fi (or Bluetooth) runs, and a board starts Wi-Fi only
 * when asked: by Wifi.connect here, or by the firmware restoring saved Wi-Fi
 * settings right after the boot code has run (hence the timer).
 */
function whenRadioOn(cfg: Config, next: () => void): void {
  let started = false;
  const go = function (): void {
    if (started) return;
    started = true;
    next();
  };
  try {
    const wifi = require('Wifi');
    const sntp = function () {
      wifi.setSNTP('pool.ntp.org', 'UTC0');
    };
    if (cfg.wifi.ssid) {
      setTimeout(go, WIFI_WAIT_MS);
      wifi.connect(cfg.wifi.ssid, { password: cfg.wifi.password }, function (err: unknown) {
        if (err) console.log('wifi: ' + err);
        else sntp();
        go();
      });
      return;
    }
    sntp();
  } catch (e) {
    console.log('wifi: ' + e);
  }
  setTimeout(go, 0);
}

function boot(): void {
  const storage = require('Storage');
  const loaded = parseConfig(readReplaced(storage, CONFIG_FILE));
  const cfg = loaded.cfg;
  for (let i = 0; i < loaded.errors.length; i++) console.log('gw.cfg: ' + loaded.errors[i] + ' (using the default)');
  lockConsole(cfg.telnet, cfg.console_password);
  whenRadioOn(cfg, function () {
    start(storage, cfg);
  });
}

function start(storage: EspruinoStorage, cfg: Config): void {
  const crypto = deviceCrypto();
  const kdf = firmwareKdf();

  function saveConfig(): boolean {
    return replaceFile(storage, CONFIG_FILE, configText(cfg));
  }

  if (!cfg.admin) {
    const pw = randomPassword(crypto);
    cfg.admin = hashPassword(kdf, crypto, pw);
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
    kdf: kdf,
    sessions: createSessions(
      crypto,
      kdf,
      function () {
        return cfg.admin;
      },
      function (hash) {
        cfg.admin = hash;
        return saveConfig();
      },
    ),
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
    const b = parseBrokerUrl(cfg.broker) as Broker; // checked by the config reader
    willTopic = statusTopic(cfg.prefix);
    const refused = credentialProblem(cfg);
    if (refused) {
      mqtt = undefined;
      console.log('mqtt: not connecting: ' + refused);
      return;
    }
    const client = createClient(
      {
        host: b.host,
        port: b.port,
        clientId: 'gw-' + toHex(crypto.randomBytes(4)),
        keepalive: 30,
        username: cfg.username || undefined,
        password: cfg.password || undefined,
        will: { topic: willTopic, payload: 'offline', qos: 1, retain: true },
        maxPacket: cfg.limits.envelope + 256,
        backoffMin: 1000,
        backoffMax: 30000,
      },
      b.tls ? espruinoTlsTransport(cfg.broker_ca) : espruinoTransport,
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
    client.on('fail', function (reason) {
      console.log('mqtt: cannot connect to ' + cfg.broker + ' (' + reason + '), retrying');
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
  connectMqtt();
}

boot();
