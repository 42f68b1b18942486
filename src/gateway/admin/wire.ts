// The objects of the admin API as they travel (docs/admin-api.md): what the
// gateway builds and the dashboard reads. Types and one list, nothing that
// needs the board, so the dashboard bundle can import from here.

/** The reasons the security log counts drops and refusals by, in display order. */
export const SECURITY_REASONS = [
  'malformed',
  'unknown device',
  'replay',
  'stale',
  'bad ciphertext',
  'bad hmac',
  'psk proof',
  'not allowed',
  'rate limited',
  'unopened',
  'evicted',
];

/** A device's status as the admin sees it. */
export type DeviceStatus = 'pending' | 'approved' | 'authorized' | 'offline' | 'revoked';

export interface DeviceView {
  device_id: string;
  name: string;
  status: DeviceStatus;
  /** the device's X25519 public key, 64 hex */
  pubkey: string;
  /** a session exists and a connect request with another key waits for the admin */
  key_change_pending: boolean;
  /** that other key (only while key_change_pending) */
  pending_pubkey?: string;
  /** the waiting connect request carries a PSK proof (only while a request waits) */
  psk_proof?: boolean;
  psk: boolean;
  /** the PSK given at approval is easy to guess */
  psk_weak: boolean;
  allow: string[];
  last_seen: number | null;
  approved_at: number | null;
  /** the last value of each key the device reported */
  telemetry: { [key: string]: { value: unknown; at: number } };
  counters: { rx: number; tx: number; dropped: number };
}

export type StatusCounts = { [status in DeviceStatus]: number };

/** GET /api/status, and the live `status` event (with `type`). */
export interface GatewayStatus {
  version: string;
  uptime_s: number;
  time_set: boolean;
  mqtt: { connected: boolean; broker: string };
  devices: StatusCounts;
  memory: { free: number; usage: number; total: number; blocksize?: number };
}

/** One entry of GET /api/security's `recent`. */
export interface SecurityEntry {
  at: number;
  device_id: string;
  reason: string;
}

export interface SecurityReport {
  counters: { [reason: string]: number };
  recent: SecurityEntry[];
  /** the devices whose PSK is easy to guess (psk_weak) */
  weak_psk?: string[];
}

/** What the gateway pushes on /ws, one JSON object per message. */
export type GatewayEvent =
  | { type: 'device'; device: DeviceView }
  | { type: 'removed'; device_id: string }
  | { type: 'telemetry'; device_id: string; values: { [key: string]: unknown }; at: number }
  | { type: 'log'; device_id: string; level: 'info' | 'warn' | 'error'; msg: string; at: number }
  | ({ type: 'security' } & SecurityEntry)
  | ({ type: 'status' } & GatewayStatus);
