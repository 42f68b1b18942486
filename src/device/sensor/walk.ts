// A plausible, slowly changing reading: a bounded random walk that drifts back
// toward its centre. Used where a sensor has no hardware value to read (and by
// the simulator). Not for anything secret: `random` may be Math.random.
export function randomWalk(centre: number, spread: number, step: number, random: () => number): () => number {
  let v = centre + (random() - 0.5) * spread;
  return function () {
    v += (random() - 0.5) * 2 * step + (centre - v) * 0.05;
    if (v > centre + spread) v = centre + spread;
    if (v < centre - spread) v = centre - spread;
    return Math.round(v * 10) / 10;
  };
}
