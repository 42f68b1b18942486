// Text for times, durations and values as the page shows them.

/** Seconds the browser clock is ahead of the gateway's, from the latest live event. */
export let skew = 0;
export function noteGatewayTime(at: number): void {
  if (typeof at === 'number' && at > 0) skew = Date.now() / 1000 - at;
}

export function duration(s: number): string {
  s = Math.max(0, Math.floor(s));
  const d = Math.floor(s / 86400);
  const hr = Math.floor(s / 3600) % 24;
  const m = Math.floor(s / 60) % 60;
  if (d) return `${d} d ${hr} h`;
  if (hr) return `${hr} h ${m} min`;
  return m ? `${m} min ${s % 60} s` : `${s} s`;
}

/** "12 s ago" against the gateway's clock; "never" for null. */
export function ago(at: number | null | undefined): string {
  if (!at) return 'never';
  const s = Date.now() / 1000 - skew - at;
  return s < 2 ? 'just now' : duration(s) + ' ago';
}

export function when(at: number | null | undefined): string {
  return at ? new Date(at * 1000).toLocaleString() : '—';
}

export function show(v: unknown): string {
  return typeof v === 'number' ? '' + Math.round(v * 1000) / 1000 : typeof v === 'string' ? v : JSON.stringify(v);
}
