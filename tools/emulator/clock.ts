// Time as the emulated board sees it. A monotonic clock drives timers (the
// wall clock, or a virtual one moved only by advance()); the board's RTC,
// read by getTime(), is that plus an offset that setTime/SNTP/clock jumps move.

export class Clock {
  private virtualMs = 0;
  private readonly realStart = performance.now();
  /** Unix seconds of the outside world when the emulator started. */
  private readonly worldStart = Date.now() / 1000;
  private rtcOffset = 0;
  /** True once setTime() or SNTP has set the RTC since power-on. */
  clockSet = false;

  constructor(readonly virtual: boolean, private readonly startTime: number) {
    this.powerOn();
  }

  /** Monotonic milliseconds (never jumps). */
  monoMs(): number {
    return this.virtual ? this.virtualMs : performance.now() - this.realStart;
  }

  /** Move virtual time forward (virtual mode only). */
  advanceTo(ms: number): void {
    if (this.virtual && ms > this.virtualMs) this.virtualMs = ms;
  }

  /** The RTC restarts from startTime at every power-on (the ESP32 keeps no time without power). */
  powerOn(): void {
    this.rtcOffset = this.startTime - this.monoMs() / 1000;
    this.clockSet = false;
  }

  /** getTime(): Unix seconds as a float. */
  now(): number {
    return this.rtcOffset + this.monoMs() / 1000;
  }

  /** setTime(): set by the program. */
  set(seconds: number): void {
    this.rtcOffset = seconds - this.monoMs() / 1000;
    this.clockSet = true;
  }

  /** A clock jump injected by a test: the RTC moves, timers do not. */
  jump(seconds: number): void {
    this.rtcOffset = seconds - this.monoMs() / 1000;
  }

  /** What an SNTP server would answer now. */
  worldNow(): number {
    return this.worldStart + this.monoMs() / 1000;
  }
}
