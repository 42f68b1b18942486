// Shared by the MQTT tests: a seeded PRNG, byte-string helpers, a virtual
// clock, and waiting for a condition with a generous deadline.
import type { Clock } from '../../src/mqtt/transport';

/** mulberry32; the seed comes from MQTT_TEST_SEED or the time, and is printed. */
export function seededRandom(label: string): () => number {
  let seed = Number(process.env.MQTT_TEST_SEED) || Date.now() % 1e9;
  console.log(`${label}: MQTT_TEST_SEED=${seed}`);
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const toBytes = (b: Uint8Array | string): string =>
  typeof b === 'string' ? Buffer.from(b, 'utf8').toString('latin1') : Buffer.from(b).toString('latin1');
export const fromBytes = (s: string): Buffer => Buffer.from(s, 'latin1');

export function randomBytes(rnd: () => number, n: number): string {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (rnd() * 256) | 0;
  return b.toString('latin1');
}

const TOPIC_CHARS = ['a', 'Z', '0', '/', '-', '_', ' ', 'é', 'ß', '€', '中', '😀', '$'];

/** A valid publish topic as UTF-8 text (no wildcards, no NUL), 1..max chars. */
export function randomTopic(rnd: () => number, max = 20): string {
  const n = 1 + Math.floor(rnd() * max);
  let s = '';
  for (let i = 0; i < n; i++) s += TOPIC_CHARS[Math.floor(rnd() * TOPIC_CHARS.length)];
  return s;
}

/** A clock whose time moves only through advance(); timers fire in order. */
export function virtualClock() {
  let time = 1_000_000;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: Clock & { advance(ms: number): void; pending(): number; t(): number } = {
    now: () => time,
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: time + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    advance(ms) {
      const until = time + ms;
      for (;;) {
        let next: [number, { at: number; fn: () => void }] | undefined;
        for (const e of timers) if (e[1].at <= until && (!next || e[1].at < next[1].at)) next = e;
        if (!next) break;
        timers.delete(next[0]);
        time = next[1].at;
        next[1].fn();
      }
      time = until;
    },
    pending: () => timers.size,
    t: () => time,
  };
  return clock;
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
