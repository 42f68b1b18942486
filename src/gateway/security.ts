// Security log: a counter per drop/refusal reason (the names of ADMIN-API.md
// /api/security) and a ring of the most recent events.

export const REASONS = [
  'malformed',
  'unknown device',
  'replay',
  'stale',
  'bad ciphertext',
  'bad hmac',
  'psk proof',
  'not allowed',
  'rate limited',
];

const RING = 50;

export class SecurityLog {
  counters: { [reason: string]: number } = {};
  // ring of [at, device_id, reason], oldest first once full
  private ring: any[] = [];
  private next = 0;

  constructor() {
    for (let i = 0; i < REASONS.length; i++) this.counters[REASONS[i]] = 0;
  }

  /** Counts one event; returns the live-update object for it. */
  add(reason: string, deviceId: string, at: number): any {
    this.counters[reason] = (this.counters[reason] || 0) + 1;
    const e = [at, deviceId, reason];
    if (this.ring.length < RING) this.ring.push(e);
    else this.ring[this.next] = e;
    this.next = (this.next + 1) % RING;
    return { type: 'security', device_id: deviceId, reason: reason, at: at };
  }

  /** The /api/security object: counters and the recent events, oldest first. */
  report(): any {
    const recent = [];
    const n = this.ring.length;
    const start = n < RING ? 0 : this.next;
    for (let i = 0; i < n; i++) {
      const e = this.ring[(start + i) % n];
      recent.push({ at: e[0], device_id: e[1], reason: e[2] });
    }
    return { counters: this.counters, recent: recent };
  }
}
