// N simulated sensors on the Node device SDK: plausible changing readings
// reported every `rate` seconds once approved, the sensor image's methods
// (led.set, config.get, reboot), and counts for the status line.
import { join } from 'node:path';
import { createNodeDevice, NodeDevice } from '../../src/device/node/device';
import { memoryStore, StateStore } from '../../src/device/state';
import { fileStore } from '../../src/device/node/file-store';
import { randomWalk } from '../../src/device/sensor/walk';
import type { AdminClient } from './admin';

export interface SimSensor {
  id: string;
  name: string;
  psk?: string;
  dev: NodeDevice;
  /** where its keys and counters are kept */
  store: StateStore;
  reports: number;
  errors: number;
  lastError?: string;
  led: boolean;
}

export interface FleetOptions {
  broker: string;
  prefix: string;
  ids: string[];
  psk?: string;
  /** a different PSK per device id, overriding `psk` */
  pskOf?: (id: string) => string | undefined;
  /** display names; default "Simulated ID" */
  nameOf?: (id: string) => string;
  rate: number;
  stateDir?: string;
  /** one line per noteworthy event (status changes, errors) */
  log?: (line: string) => void;
}

export interface Fleet {
  sensors: SimSensor[];
  start(): void;
  stop(): void;
  counts(): Record<string, number>;
}

export function createFleet(o: FleetOptions): Fleet {
  const log = o.log ?? (() => {});
  const stores = new Map<string, StateStore>();
  const timers = new Set<NodeJS.Timeout>();
  let running = false;

  function storeOf(id: string): StateStore {
    let s = stores.get(id);
    if (!s) stores.set(id, (s = o.stateDir ? fileStore(join(o.stateDir, id + '.json')) : memoryStore()));
    return s;
  }

  function later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  }

  function makeDevice(s: SimSensor): NodeDevice {
    const dev = createNodeDevice({
      broker: o.broker,
      prefix: o.prefix,
      deviceId: s.id,
      name: s.name,
      psk: s.psk,
      store: s.store,
      clientId: 'sim-' + s.id + '-' + Math.random().toString(16).slice(2, 8),
    });
    dev.on((type, detail) => {
      if (type === 'status') log(`${s.id}: ${detail}`);
      else if (type === 'key') log(`${s.id}: key fingerprint ${detail.fingerprint}`);
      else if (type === 'refused') {
        s.errors++;
        s.lastError = 'refused: ' + detail;
        log(`${s.id}: refused by the gateway: ${detail}`);
      } else if (type === 'revoked') log(`${s.id}: revoked, enrolling again with a new key`);
    });
    dev.handle('led.set', (p, reply) => {
      if (typeof p !== 'object' || p === null || typeof p.on !== 'boolean') return reply({ code: -32602, message: 'params must be {"on":true|false}' });
      s.led = p.on;
      log(`${s.id}: led ${s.led ? 'on' : 'off'}`);
      reply(null, { on: s.led });
    });
    dev.handle('config.get', (_p, reply) =>
      reply(null, { device_id: s.id, name: s.name, broker: o.broker, prefix: o.prefix, rate: o.rate, psk: !!s.psk, led: s.led, firmware: 'sim' }),
    );
    dev.handle('reboot', (_p, reply) => {
      reply(null, true);
      later(() => {
        if (!running) return;
        log(`${s.id}: rebooting`);
        s.dev.stop();
        s.dev = makeDevice(s);
        s.dev.start();
      }, 500);
    });
    return dev;
  }

  const sensors: SimSensor[] = o.ids.map((id) => {
    const s = { id, name: o.nameOf ? o.nameOf(id) : 'Simulated ' + id, psk: o.pskOf ? o.pskOf(id) : o.psk, store: storeOf(id), reports: 0, errors: 0, led: false } as SimSensor;
    s.dev = makeDevice(s);
    return s;
  });

  function reportLoop(s: SimSensor): void {
    const temperature = randomWalk(21.5, 4, 0.3, Math.random);
    const humidity = randomWalk(45, 15, 1, Math.random);
    let battery = 100 - Math.random() * 20;
    const tick = () => {
      if (!running) return;
      later(tick, o.rate * 1000);
      const st = s.dev.status();
      if (st !== 'approved' && st !== 'authorized') return;
      battery = Math.max(0, battery - 0.01);
      s.dev.call('report', { temperature: temperature(), humidity: humidity(), battery: Math.round(battery * 10) / 10 }, (err) => {
        if (!err) return void s.reports++;
        s.errors++;
        s.lastError = err.message;
      });
    };
    // spread the first reports over one period
    later(tick, Math.random() * o.rate * 1000);
  }

  return {
    sensors,
    start() {
      if (running) return;
      running = true;
      for (const s of sensors) {
        s.dev.start();
        reportLoop(s);
      }
    },
    stop() {
      running = false;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sensors) s.dev.stop();
    },
    counts() {
      const c: Record<string, number> = { enrolling: 0, pending: 0, refused: 0, approved: 0, authorized: 0, offline: 0, reports: 0, errors: 0 };
      for (const s of sensors) {
        c[s.dev.status()]++;
        if (!s.dev.online()) c.offline++;
        c.reports += s.reports;
        c.errors += s.errors;
      }
      return c;
    },
  };
}

/**
 * Approves, through the admin API, every device of `sensors` the gateway
 * lists as pending with exactly the key that sensor holds (with its PSK).
 * Returns the ids approved in this round.
 */
export async function approvePending(admin: AdminClient, sensors: SimSensor[]): Promise<string[]> {
  const listed = await admin.devices();
  const done: string[] = [];
  for (const s of sensors) {
    const d = listed.find((x: any) => x.device_id === s.id);
    if (!d || d.status !== 'pending' || d.pubkey !== s.dev.core.pubkey()) continue;
    await admin.post(`/api/devices/${encodeURIComponent(s.id)}/approve`, s.psk ? { psk: s.psk } : {});
    done.push(s.id);
  }
  return done;
}

/** "3 devices | pending 1 | authorized 2 | errors 0 | reports 12" */
export function statusLine(c: Record<string, number>, total: number): string {
  const parts = [`${total} device${total === 1 ? '' : 's'}`];
  for (const k of ['enrolling', 'pending', 'refused', 'approved', 'authorized', 'offline']) if (c[k]) parts.push(`${k} ${c[k]}`);
  parts.push(`reports ${c.reports}`, `errors ${c.errors}`);
  return parts.join(' | ');
}
