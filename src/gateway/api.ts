// The gateway core's contract: the I/O it is given (GatewayEnv) and what it
// offers its shell and the admin API (Gateway): each admin operation returns
// undefined when done, or the AdminError that refused it (approve hands it to
// a callback: its keys can take seconds). See core.ts.
import type { Crypto } from '../crypto/types';
import type { AdminError, ApproveOptions } from './admin/types';
import type { DeviceView, GatewayEvent, StatusCounts } from './admin/wire';
import type { CallDone } from './calls';
import type { Config } from './config';
import type { SecurityLog } from './security';
import type { StorageLike } from './store';

export interface GatewayEnv {
  crypto: Crypto;
  storage: StorageLike;
  cfg: Config;
  /** Publishes on MQTT; false when the client refused (offline, QoS 1 window full). */
  publish(topic: string, payload: string, qos: number): boolean;
  /** The raw clock, Unix seconds once set (getTime()). */
  clock(): number;
  /** Monotonic seconds: never jumps when the clock is set. */
  mono(): number;
}

export interface Gateway {
  sec: SecurityLog;
  /** Boot: the registry from flash. */
  start(): void;
  /** About once a second: call deadlines, offline timeouts, the state write-behind. */
  tick(): void;
  /** Writes the nonce state now (a clean event: soft reset, load()). */
  persist(): void;
  /** Unix seconds when the clock is set, else undefined. */
  wall(): number | undefined;
  uptime(): number;
  onEvent(fn: (ev: GatewayEvent) => void): () => void;
  emit(ev: GatewayEvent): void;
  /** A message on one of the gateway's topics (connect requests, envelopes). */
  onMessage(topic: string, payload: string): void;
  call(id: string, method: string, params: unknown, timeoutMs: number, done: CallDone): AdminError | undefined;
  /** `done` gets the refusal, or undefined once approved (at once on native crypto; stock firmware's keys take seconds). */
  approve(id: string, psk: string | undefined, o: ApproveOptions, done: (err: AdminError | undefined) => void): void;
  reject(id: string): AdminError | undefined;
  revoke(id: string): AdminError | undefined;
  remove(id: string): AdminError | undefined;
  setMethods(id: string, allow: string[]): AdminError | undefined;
  /** true when `id` is registered or pending */
  known(id: string): boolean;
  /** The device object of the admin API, or undefined for an unknown id. */
  device(id: string): DeviceView | undefined;
  deviceIds(): string[];
  counts(): StatusCounts;
}
