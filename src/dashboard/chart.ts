// A small inline-SVG line chart of one telemetry key's recent values.
const NS = 'http://www.w3.org/2000/svg';

function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(NS, tag);
  for (const k in attrs) el.setAttribute(k, '' + attrs[k]);
  return el;
}

/** `pts`: [unix time, value] pairs, oldest first. */
export function chart(label: string, pts: number[][]): SVGElement {
  const vs = pts.map((p) => p[1]);
  const lo = Math.min(...vs);
  const hi = Math.max(...vs);
  // evenly spaced: readings, not a time axis (the first one may be old)
  const xy = pts.map((p, i) => [
    pts.length > 1 ? (i / (pts.length - 1)) * 200 : 200,
    hi === lo ? 16 : 28 - ((p[1] - lo) / (hi - lo)) * 24,
  ]);
  const root = svg('svg', { viewBox: '0 0 200 32', preserveAspectRatio: 'none', role: 'img', class: 'chart' });
  root.setAttribute('aria-label', `${label}: ${pts.length} readings from ${lo} to ${hi}`);
  root.appendChild(svg('polyline', { points: xy.map((p) => p.map((n) => n.toFixed(1)).join(',')).join(' ') }));
  const last = xy[xy.length - 1];
  root.appendChild(svg('circle', { cx: last[0], cy: last[1], r: 2 }));
  return root;
}
