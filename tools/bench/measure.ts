// Timing helpers. CPU work is measured as the median of several timed batches
// after a warm-up (the median shrugs off one batch hit by GC or the other
// core's noise); latencies are reported as percentiles of every sample.

export interface Effort {
  /** Time spent calling the function before measuring (JIT, caches). */
  warmupMs: number;
  /** Each batch runs as many calls as fit in about this long. */
  batchMs: number;
  batches: number;
}

export const FULL_EFFORT: Effort = { warmupMs: 300, batchMs: 100, batches: 9 };
export const QUICK_EFFORT: Effort = { warmupMs: 5, batchMs: 5, batches: 3 };

export interface Throughput {
  /** Median over batches of calls per second. */
  opsPerSec: number;
  /** Lowest and highest batch, to show how stable the median is. */
  minOpsPerSec: number;
  maxOpsPerSec: number;
  callsPerBatch: number;
  batches: number;
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Keeps results alive so the JIT cannot drop the work as dead code. */
const sink = { byte: 0 };
export function consume(bytes: Uint8Array | Buffer | undefined): void {
  if (bytes && bytes.length > 0) sink.byte ^= bytes[0];
}

export function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function throughput(fn: () => void, effort: Effort): Throughput {
  let calls = 0;
  const warmEnd = nowMs() + effort.warmupMs;
  const warmStart = nowMs();
  do {
    fn();
    calls++;
  } while (nowMs() < warmEnd);
  const perCallMs = (nowMs() - warmStart) / calls;
  const callsPerBatch = Math.max(1, Math.round(effort.batchMs / perCallMs));
  const rates: number[] = [];
  for (let b = 0; b < effort.batches; b++) {
    const t0 = nowMs();
    for (let i = 0; i < callsPerBatch; i++) fn();
    const ms = nowMs() - t0;
    rates.push((callsPerBatch * 1000) / Math.max(ms, 1e-6));
  }
  rates.sort((a, b) => a - b);
  return {
    opsPerSec: median(rates),
    minOpsPerSec: rates[0],
    maxOpsPerSec: rates[rates.length - 1],
    callsPerBatch,
    batches: effort.batches,
  };
}

export function median(sorted: number[]): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** Nearest-rank percentile (p in 0..100) of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}
