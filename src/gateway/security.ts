// Security log: a counter per drop/refusal reason (SECURITY_REASONS, the
// names of GET /api/security) and a ring of the most recent events.
import { SECURITY_REASONS } from './admin/wire';
import type { GatewayEvent, SecurityReport } from './admin/wire';

const RING = 50;

export interface SecurityLog {
  /** Counts one event; returns the live event for it. */
  add(reason: string, deviceId: string, at: number): GatewayEvent;
  /** The /api/security object: counters and the recent events, oldest first. */
  report(): SecurityReport;
}

export function createSecurityLog(): SecurityLog {
  const counters: { [reason: string]: number } = {};
  const ring: [number, string, string][] = []; // [at, device_id, reason], oldest first once full
  let next = 0;
  for (let i = 0; i < SECURITY_REASONS.length; i++) counters[SECURITY_REASONS[i]] = 0;

  return {
    add: function (reason, deviceId, at) {
      counters[reason] = (counters[reason] || 0) + 1;
      const e: [number, string, string] = [at, deviceId, reason];
      if (ring.length < RING) ring.push(e);
      else ring[next] = e;
      next = (next + 1) % RING;
      return { type: 'security', device_id: deviceId, reason: reason, at: at };
    },
    report: function () {
      const recent = [];
      const n = ring.length;
      const start = n < RING ? 0 : next;
      for (let i = 0; i < n; i++) {
        const e = ring[(start + i) % n];
        recent.push({ at: e[0], device_id: e[1], reason: e[2] });
      }
      return { counters: counters, recent: recent };
    },
  };
}
