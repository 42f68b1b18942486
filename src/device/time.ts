// The device's idea of Unix time: its own clock plus an offset learned from
// the gateway, and whether the timestamps it sends can pass the gateway's
// check (docs/protocol.md §5.3 step 4).
import { isSafeUint } from '../protocol/bytes';
import { clockIsSet } from '../protocol/constants';

/** Offsets this small are left alone: the two clocks agree well enough. */
const TOLERANCE_S = 30;

export interface DeviceTime {
  /** Unix seconds as the device believes them. */
  unix(): number;
  /** Whether timestamps may be sent: the time is set, or the gateway checks none. */
  ok(): boolean;
  /** The gateway's time (or null: its clock is not set, it checks no timestamps). */
  learn(unix: any): void;
}

/** `nowMs`: the device's own clock in ms. */
export function createDeviceTime(nowMs: () => number): DeviceTime {
  let offset = 0; // seconds added to the local clock to get gateway time
  let gatewayUnset = false;

  function unix(): number {
    return Math.floor(nowMs() / 1000) + offset;
  }

  return {
    unix: unix,
    ok: function () {
      return gatewayUnset || clockIsSet(unix());
    },
    learn: function (t) {
      if (t === null) gatewayUnset = true;
      if (!isSafeUint(t) || !clockIsSet(t)) return;
      gatewayUnset = false;
      if (Math.abs(t - unix()) > TOLERANCE_S) offset = t - Math.floor(nowMs() / 1000);
    },
  };
}
