// A device on a network: the sans-I/O core (core.ts) wired to the MQTT client,
// a once-a-second tick and a state store. Platform pieces are passed in, so
// this file runs unchanged on Espruino (espruinoTransport, systemClock,
// storageStore, deviceCrypto) and on Node (see node/device.ts).
import { Crypto } from '../crypto/types';
import { Clock, MqttClient, Transport, createClient } from '../mqtt';
import type { CallCallback, DeviceCore, DeviceOptions, DeviceStatus, Handler } from './api';
import { createDeviceCore } from './core';
import { StateStore, readSavedState } from './state';

export interface DeviceClientOptions extends DeviceOptions {
  /** mqtt://host[:port] */
  broker: string;
  username?: string;
  password?: string;
  /** MQTT client id; default "dev-" + device id. */
  clientId?: string;
}

export type DeviceListener = (type: string, detail?: unknown) => void;

export interface DeviceClient {
  /** Connects and keeps connecting; enrolls, then keeps the session alive. */
  start(): void;
  /** Disconnects and stops every timer. */
  stop(): void;
  call(method: string, params: unknown, cb: CallCallback, timeoutMs?: number): void;
  notify(method: string, params?: unknown): boolean;
  handle(method: string, fn: Handler): void;
  /** Events of the core (see DeviceIO.event) plus 'online' and 'offline'. */
  on(fn: DeviceListener): void;
  status(): DeviceStatus;
  online(): boolean;
  fingerprint(): string;
  core: DeviceCore;
  mqtt: MqttClient;
}

export function createDevice(c: Crypto, o: DeviceClientOptions, transport: Transport, clock: Clock, store: StateStore): DeviceClient {
  const listeners: DeviceListener[] = [];
  let timer: unknown;
  let running = false;
  let isOnline = false;

  function emit(type: string, detail?: unknown): void {
    for (let i = 0; i < listeners.length; i++) listeners[i](type, detail);
  }

  const mqtt = createClient(
    { url: o.broker, clientId: o.clientId || 'dev-' + o.deviceId, username: o.username, password: o.password, keepalive: 30 },
    transport,
    clock,
  );
  // QoS 0 throughout: a QoS 1 resend after a reconnect would reach the
  // gateway as a replay; lost messages are covered by timeouts and retries.
  const core = createDeviceCore(
    c,
    o,
    {
      now: clock.now,
      publish: function (topic, payload) {
        mqtt.publish(topic, payload, 0);
      },
      save: store.save,
      event: emit,
    },
    readSavedState(store.load(), o.deviceId),
  );

  mqtt.subscribe(core.rxTopic, 0);
  mqtt.on('connect', function () {
    isOnline = true;
    emit('online');
    core.connected();
  });
  mqtt.on('close', function (reason) {
    isOnline = false;
    emit('offline', reason);
    core.disconnected();
  });
  mqtt.on('message', core.message);
  mqtt.on('error', function (e) {
    emit('error', e && e.message);
  });

  function tick(): void {
    timer = clock.setTimeout(tick, 1000);
    core.tick();
  }

  return {
    start: function () {
      if (running) return;
      running = true;
      mqtt.connect();
      timer = clock.setTimeout(tick, 1000);
    },
    stop: function () {
      if (!running) return;
      running = false;
      clock.clearTimeout(timer);
      mqtt.end();
    },
    call: core.call,
    notify: core.notify,
    handle: core.handle,
    on: function (fn) {
      listeners.push(fn);
    },
    status: core.status,
    online: function () {
      return isOnline;
    },
    fingerprint: core.fingerprint,
    core: core,
    mqtt: mqtt,
  };
}
