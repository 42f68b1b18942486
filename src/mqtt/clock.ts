// The platform's own timers and millisecond clock (Espruino and Node alike;
// tests inject a virtual one instead).
import type { Clock } from './transport';

export const systemClock: Clock = {
  now: function () {
    return Date.now();
  },
  setTimeout: function (fn, ms) {
    return setTimeout(fn, ms);
  },
  clearTimeout: function (handle) {
    clearTimeout(handle as number);
  },
};
