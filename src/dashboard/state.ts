// What the page knows about the gateway, kept current by the live events of
// the admin API (docs/admin-api.md; their types are the gateway's, admin/wire.ts). Telemetry history lives only here (the gateway keeps the last
// value per key), gathered while the page is open.
import type { DeviceView, GatewayEvent, GatewayStatus, SecurityEntry } from '../gateway/admin/wire';
import { noteGatewayTime } from './format';

export type Device = DeviceView;
export type SecurityEvent = SecurityEntry;

export interface LogLine {
  level: string;
  msg: string;
  at: number;
}

const HISTORY = 60; // points per telemetry key
const LOGS = 20; // lines per device
const RECENT = 50; // security events

export const state = {
  devices: {} as Record<string, Device>,
  /** device → key → [at, value] pairs, oldest first. */
  history: {} as Record<string, Record<string, number[][]>>,
  logs: {} as Record<string, LogLine[]>,
  status: null as (Partial<GatewayStatus> & { type?: string }) | null,
  /** Date.now() when `status` arrived, to age uptime between updates. */
  statusAt: 0,
  security: { counters: {} as Record<string, number>, recent: [] as SecurityEvent[] },
};

export function reset(): void {
  state.devices = {};
  state.history = {};
  state.logs = {};
  state.status = null;
  state.security = { counters: {}, recent: [] };
}

function record(id: string, values: Record<string, unknown>, at: number): void {
  const hist = (state.history[id] = state.history[id] || {});
  for (const key in values) {
    const v = values[key];
    if (typeof v !== 'number') continue;
    const pts = (hist[key] = hist[key] || []);
    const last = pts[pts.length - 1];
    if (last && last[0] === at && last[1] === v) continue;
    pts.push([at, v]);
    if (pts.length > HISTORY) pts.shift();
  }
}

export function setDevice(d: Device): void {
  state.devices[d.device_id] = d;
  const t = d.telemetry || {};
  for (const key in t) if (!(state.history[d.device_id] || {})[key]) record(d.device_id, { [key]: t[key].value }, t[key].at);
}

/** A fresh device list from the gateway (after a (re)connect); history stays. */
export function setDevices(list: Device[]): void {
  state.devices = {};
  list.forEach(setDevice);
}

export function setStatus(s: Partial<GatewayStatus>): void {
  state.status = Object.assign({}, state.status, s);
  delete state.status.type;
  state.statusAt = Date.now();
}

export function setSecurity(s: { counters?: Record<string, number>; recent?: SecurityEvent[] }): void {
  state.security = { counters: s.counters || {}, recent: (s.recent || []).slice(-RECENT) };
}

/** Applies one live event (as received: unknown types and broken events are ignored). */
export function apply(ev: GatewayEvent): void {
  if (!ev || typeof ev !== 'object') return;
  if (ev.type === 'device') {
    if (ev.device) setDevice(ev.device);
  } else if (ev.type === 'removed') {
    delete state.devices[ev.device_id];
    delete state.history[ev.device_id];
    delete state.logs[ev.device_id];
  } else if (ev.type === 'telemetry') {
    if (!ev.values) return;
    const id = ev.device_id;
    noteGatewayTime(ev.at);
    record(id, ev.values, ev.at);
    const d = state.devices[id];
    if (d) {
      d.telemetry = d.telemetry || {};
      for (const k in ev.values) d.telemetry[k] = { value: ev.values[k], at: ev.at };
      d.last_seen = ev.at;
    }
  } else if (ev.type === 'log') {
    noteGatewayTime(ev.at);
    const logs = (state.logs[ev.device_id] = state.logs[ev.device_id] || []);
    logs.unshift({ level: ev.level, msg: ev.msg, at: ev.at });
    if (logs.length > LOGS) logs.pop();
  } else if (ev.type === 'security') {
    noteGatewayTime(ev.at);
    const sec = state.security;
    sec.counters[ev.reason] = (sec.counters[ev.reason] || 0) + 1;
    sec.recent.push({ at: ev.at, device_id: ev.device_id, reason: ev.reason });
    if (sec.recent.length > RECENT) sec.recent.shift();
  } else if (ev.type === 'status') setStatus(ev);
}
