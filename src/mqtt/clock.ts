// The platform's own timers and millisecond clock (Espruino, Node, or the
// emulator's virtual time, which replaces these globals).
import type { Clock } from './transport';

export const systemClock: Clock = {
  now: function () {
    return Date.now();
  },
  setTimeout: function (fn, ms) {
    return setTimeout(fn, ms);
  },
  clearTimeout: function (handle) {
    clearTimeout(handle);
  },
};
