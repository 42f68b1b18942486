// What the parts of the gateway core share: built once by createGateway
// (core.ts) and handed to enroll.ts and envelopes.ts, which copy what they
// use into locals (so the minifier can shorten every internal name).
import type { GatewayEvent } from './admin/wire';
import type { GatewayEnv } from './api';
import type { Calls } from './calls';
import type { Registry } from './registry';

export interface Context {
  env: GatewayEnv;
  reg: Registry;
  calls: Calls;
  /** Unix seconds when the clock is set, else undefined. */
  wall(): number | undefined;
  /** A live event for the admin's listeners. */
  emit(ev: GatewayEvent): void;
  /** The device's view changed: a live `device` event. */
  changed(id: string): void;
  /** The device is gone: a live `removed` event. */
  removed(id: string): void;
  /** Counts a drop or refusal (security log, the device's counter, a live event). */
  security(reason: string, id: string): void;
  /** Publishes plain text on the device's rx topic. */
  sendPlain(id: string, text: string, qos: number): boolean;
}
