// Espruino's main loop: an event queue filled by I/O (socket data, emitted
// events) and a timer list, both run from the idle loop one callback at a
// time. Host I/O only ever enqueues; the pump runs the device code.
import { Clock } from './clock.ts';

export type Callback = unknown; // a device function, an array of them, or a string of code

export interface QueuedEvent {
  fn: Callback;
  thisArg: unknown;
  args: unknown[];
}

export interface Timer {
  id: number;
  due: number; // monotonic ms
  interval?: number;
  fn: Callback;
  args: unknown[];
}

/** The shortest period for setInterval here (ms); a setTimeout may be due at once. */
const MIN_INTERVAL = 1;
/** Callbacks run per pump before yielding to host I/O, and the time a pump may take. */
const MAX_EVENTS_PER_PUMP = 1000;
const PUMP_BUDGET_MS = 20;

export class Scheduler {
  private queue: QueuedEvent[] = [];
  readonly timers = new Map<number, Timer>();
  private pumpScheduled = false;
  private hostTimer: NodeJS.Timeout | undefined;
  private dead = false;

  /** The network's idle pass (one received piece per connection); true when it did something. */
  poll: () => boolean = () => false;

  constructor(
    private readonly clock: Clock,
    /** Run one callback as device code (exceptions are the caller's to report). */
    private readonly invoke: (fn: Callback, thisArg: unknown, args: unknown[]) => void,
    /** After each pump: prompt return, memory checks. */
    private readonly onIdle: () => void,
    private readonly keepAlive: boolean,
  ) {}

  enqueue(fn: Callback, thisArg: unknown, args: unknown[]): void {
    if (this.dead || fn === undefined || fn === null) return;
    this.queue.push({ fn, thisArg, args });
    this.schedulePump();
  }

  get pendingEvents(): readonly QueuedEvent[] {
    return this.queue;
  }

  /** setTimeout/setInterval: returns Espruino's id (one above the highest live id). */
  addTimer(fn: Callback, ms: number, args: unknown[], repeat: boolean): number {
    let id = 1;
    for (const k of this.timers.keys()) if (k >= id) id = k + 1;
    const min = repeat ? MIN_INTERVAL : 0;
    const period = Number.isFinite(ms) && ms > min ? ms : min;
    this.timers.set(id, {
      id,
      due: this.clock.monoMs() + period,
      interval: repeat ? period : undefined,
      fn,
      args,
    });
    this.schedulePump();
    return id;
  }

  changeInterval(id: number, ms: number): boolean {
    const t = this.timers.get(id);
    if (!t) return false;
    const period = Number.isFinite(ms) && ms > MIN_INTERVAL ? ms : MIN_INTERVAL;
    t.interval = period;
    t.due = this.clock.monoMs() + period;
    this.schedulePump();
    return true;
  }

  removeTimer(id: number): boolean {
    const had = this.timers.delete(id);
    if (had) this.schedulePump();
    return had;
  }

  clearAllTimers(): void {
    this.timers.clear();
  }

  /** Is anything left that will run by itself (timers or queued events)? */
  get busy(): boolean {
    return this.timers.size > 0 || this.queue.length > 0;
  }

  schedulePump(): void {
    if (this.pumpScheduled || this.dead) return;
    this.pumpScheduled = true;
    // Not unref'd: Node does not wake up for unref'd immediates, and a pump
    // is one-shot, so it never holds the process open for long.
    setImmediate(() => this.pump());
  }

  /** One pass of the idle loop: queued events, then due timers. */
  pump(): void {
    this.pumpScheduled = false;
    if (this.dead) return;
    let ran = 0;
    let io = false;
    const deadline = performance.now() + PUMP_BUDGET_MS;
    do {
      io = this.poll();
      while (this.queue.length && ran < MAX_EVENTS_PER_PUMP && performance.now() < deadline && !this.dead) {
        const ev = this.queue.shift()!;
        this.invoke(ev.fn, ev.thisArg, ev.args);
        ran++;
      }
      ran += this.runDueTimers();
      if (io) ran++;
    } while ((this.queue.length || io) && ran < MAX_EVENTS_PER_PUMP && performance.now() < deadline && !this.dead);
    if (this.dead) return;
    if (this.queue.length || io) this.schedulePump();
    this.armHostTimer();
    this.onIdle();
  }

  private runDueTimers(): number {
    const now = this.clock.monoMs();
    const due = [...this.timers.values()].filter((t) => t.due <= now).sort((a, b) => a.due - b.due || a.id - b.id);
    let ran = 0;
    for (const t of due) {
      if (this.dead) break;
      if (this.timers.get(t.id) !== t) continue; // cleared by an earlier callback
      if (t.interval === undefined) this.timers.delete(t.id);
      else t.due += t.interval;
      this.invoke(t.fn, undefined, t.args);
      ran++;
    }
    return ran;
  }

  private nextDue(): number | undefined {
    let next: number | undefined;
    for (const t of this.timers.values()) if (next === undefined || t.due < next) next = t.due;
    return next;
  }

  private armHostTimer(): void {
    if (this.hostTimer) clearTimeout(this.hostTimer);
    this.hostTimer = undefined;
    if (this.clock.virtual || this.dead) return;
    const next = this.nextDue();
    if (next === undefined) return;
    const delay = Math.max(0, Math.min(next - this.clock.monoMs(), 2 ** 31 - 1));
    this.hostTimer = setTimeout(() => this.pump(), delay);
    if (!this.keepAlive) this.hostTimer.unref();
  }

  /** Virtual time: run every timer due up to `target` (monotonic ms), letting host I/O settle between steps. */
  async advanceUntil(target: number): Promise<void> {
    await settle();
    for (;;) {
      if (this.dead) return;
      const next = this.nextDue();
      if (next === undefined || next > target) break;
      this.clock.advanceTo(next);
      this.pump();
      await settle();
    }
    if (this.dead) return;
    this.clock.advanceTo(target);
    this.pump();
    await settle();
  }

  get stopped(): boolean {
    return this.dead;
  }

  kill(): void {
    this.dead = true;
    this.queue = [];
    this.timers.clear();
    if (this.hostTimer) clearTimeout(this.hostTimer);
    this.hostTimer = undefined;
  }
}

/** Let pending host I/O callbacks (loopback sockets) and the pumps they trigger run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}
