// A monotonic seconds clock on top of getTime(), which jumps when SNTP or
// setTime() sets the wall clock: a step backwards or of more than an hour
// between two reads counts as no time passing. The gateway reads it at least
// once a second (its tick()), so real elapsed time is never lost.
const MAX_STEP_S = 3600;

let last = getTime();
let mono = 0;

export function monoNow(): number {
  const t = getTime();
  const d = t - last;
  if (d > 0 && d <= MAX_STEP_S) mono += d;
  last = t;
  return mono;
}
