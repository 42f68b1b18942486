// Methods a device may call on the gateway (docs/protocol.md §7); together
// they are the default allow-list. Adding one is one function here: it gets the params and a context, returns the result,
// or throws rpcError(code, message) for a JSON-RPC error.
import { isNum, isObject, isStr } from '../protocol/bytes';
import { INVALID_PARAMS } from '../protocol/constants';
import type { GatewayEvent } from './admin/wire';
import type { Telemetry } from './records';

export interface MethodContext {
  deviceId: string;
  /** gateway Unix time, or the raw clock when not set */
  at: number;
  /** time_set: whether `at` is real Unix time */
  timeSet: boolean;
  /** the device's telemetry map (key → putReading's text), created on first use */
  telemetry(): Telemetry;
  emit(ev: GatewayEvent): void;
}

export type DeviceMethod = (params: unknown, ctx: MethodContext) => unknown;

export function rpcError(code: number, message: string): { code: number; message: string } {
  return { code: code, message: message };
}

const MAX_KEYS = 16; // telemetry keys kept per device
const MAX_KEY = 32;
const MAX_TEXT = 64;
const MAX_LOG = 256;

// A reading is kept as the JSON text of [value, Unix seconds]: on Espruino one
// short string costs two or three JsVars, an array of two numbers five.
function putReading(tel: Telemetry, key: string, value: unknown, at: number): void {
  tel[key] = JSON.stringify([value, at]);
}

/** A reading kept by report: [value, Unix seconds]. */
export function reading(text: string): [unknown, number] {
  return JSON.parse(text) as [unknown, number];
}

function report(params: unknown, ctx: MethodContext): unknown {
  if (!isObject(params)) throw rpcError(INVALID_PARAMS, 'report takes an object of readings');
  const tel = ctx.telemetry();
  let n = Object.keys(tel).length;
  const values: { [key: string]: unknown } = {};
  for (const k in params) {
    const v = params[k];
    const ok = isNum(v) || typeof v === 'boolean' || v === null || (isStr(v) && v.length <= MAX_TEXT);
    // names that an object already has (__proto__, constructor…) cannot be stored safely
    if (!ok || k.length > MAX_KEY || k in {}) throw rpcError(INVALID_PARAMS, 'readings: numbers, booleans or short strings');
    values[k] = v;
  }
  for (const k in values) {
    if (!tel[k]) {
      if (n >= MAX_KEYS) continue;
      n++;
    }
    putReading(tel, k, values[k], ctx.at);
  }
  ctx.emit({ type: 'telemetry', device_id: ctx.deviceId, values: values, at: ctx.at });
  return true;
}

function log(params: unknown, ctx: MethodContext): unknown {
  const level = isObject(params) ? params.level : undefined;
  if ((level !== 'info' && level !== 'warn' && level !== 'error') || !isStr((params as { msg?: unknown }).msg))
    throw rpcError(INVALID_PARAMS, 'log takes {"level":"info"|"warn"|"error","msg":"…"}');
  ctx.emit({ type: 'log', device_id: ctx.deviceId, level: level, msg: (params as { msg: string }).msg.substr(0, MAX_LOG), at: ctx.at });
  return true;
}

export const METHODS: { [name: string]: DeviceMethod } = {
  ping: function () {
    return 'pong';
  },
  time: function (params, ctx) {
    return { unix: ctx.timeSet ? ctx.at : null };
  },
  report: report,
  log: log,
};

/** The allow-list of a device the admin has not given one: every built-in method. */
export const DEFAULT_ALLOW = Object.keys(METHODS);
