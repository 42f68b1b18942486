// A tiny element builder: h("button", {onclick: f, className: "x"}, "Label").
// Props that exist on the element are set as properties (value, disabled,
// htmlFor, …), "on…" props become listeners, the rest attributes (aria-*, …).
export type Kid = Node | string | number | null | undefined | false | Kid[];

export function h(tag: string, props?: Record<string, unknown> | null, ...kids: Kid[]): HTMLElement {
  const el = document.createElement(tag);
  for (const k in props) {
    const v = props[k];
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v as EventListener);
    else if (k in el) (el as unknown as Record<string, unknown>)[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  add(el, kids);
  return el;
}

function add(el: Node, kids: Kid[]): void {
  for (const k of kids) {
    if (Array.isArray(k)) add(el, k);
    else if (k !== null && k !== undefined && k !== false) el.appendChild(typeof k === 'object' ? k : document.createTextNode('' + k));
  }
}

/** Replaces the children of `el`; a focused link inside keeps the focus (by href). */
export function fill(el: Element, ...kids: Kid[]): void {
  const a = document.activeElement;
  const href = a && el.contains(a) && a.getAttribute('href');
  el.textContent = '';
  add(el, kids);
  if (href) el.querySelectorAll('a').forEach((l) => l.getAttribute('href') === href && l.focus());
}
