// The device's idea of Unix time: its own clock plus an offset learned from
// the gateway, and whether the timestamps it sends can pass the gateway's
// check (docs/protocol.md §5.3 step 4).
//
// Where the time may come from (§3.2): an approval's `time` is not covered by
// gw_proof, so anyone on the broker can replay an old one. It may set a clock
// that nothing else set since boot, provisionally; once a sealed `time`
// response has set the clock, only sealed ones move it.
import { isSafeUint } from '../protocol/bytes';
import { clockIsSet } from '../protocol/constants';

/** Offsets this small are left alone: the two clocks agree well enough. */
const TOLERANCE_S = 30;
/** ... and for a sealed `time` response, which is fresh. */
const SEALED_TOLERANCE_S = 2;
/** A heartbeat asks for the time instead of a ping this often, to follow drift. */
const TIME_EVERY_MS = 3600000;

// How the clock was last set.
const FROM_NOTHING = 0; // its own clock (SNTP, an RTC) or not at all
const FROM_APPROVAL = 1;
const FROM_SEALED = 2;

export interface DeviceTime {
  /** Unix seconds as the device believes them. */
  unix(): number;
  /** Whether timestamps may be sent: the time is set, or the gateway checks none. */
  ok(): boolean;
  /**
   * The gateway's time (or null: its clock is not set, it checks no
   * timestamps). `sealed`: from a sealed `time` response; else from an
   * approval, which counts only while no sealed response has set the clock
   * and the clock has no time of its own or only an approval's.
   */
  learn(unix: unknown, sealed: boolean): void;
  /** Whether the next heartbeat should be a `time` call rather than a ping. */
  wantsTime(): boolean;
}

/** `nowMs`: the device's own clock in ms. */
export function createDeviceTime(nowMs: () => number): DeviceTime {
  let offset = 0; // seconds added to the local clock to get gateway time
  let gatewayUnset = false;
  let from = FROM_NOTHING;
  let sealedAt = -TIME_EVERY_MS; // when a sealed time response last set the clock

  function unix(): number {
    return Math.floor(nowMs() / 1000) + offset;
  }

  return {
    unix: unix,
    ok: function () {
      return gatewayUnset || clockIsSet(unix());
    },
    learn: function (t, sealed) {
      if (!sealed && (from === FROM_SEALED || (from === FROM_NOTHING && clockIsSet(unix())))) return;
      if (t === null) gatewayUnset = true;
      if (!isSafeUint(t) || !clockIsSet(t)) return;
      gatewayUnset = false;
      if (Math.abs(t - unix()) > (sealed ? SEALED_TOLERANCE_S : TOLERANCE_S)) offset = t - Math.floor(nowMs() / 1000);
      from = sealed ? FROM_SEALED : FROM_APPROVAL;
      if (sealed) sealedAt = nowMs();
    },
    wantsTime: function () {
      return from !== FROM_SEALED || nowMs() - sealedAt >= TIME_EVERY_MS;
    },
  };
}
