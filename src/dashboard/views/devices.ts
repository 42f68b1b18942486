// The home view: pending requests, then every device with its live status.
import { h, fill } from '../dom';
import { ago } from '../format';
import { state, type Device } from '../state';
import { badge, nameOf, type View } from '../ui';
import { pendingCard } from './pending';

export const waitsForAdmin = (d: Device) => d.status === 'pending' || !!d.key_change_pending;

export function devicesView(): View {
  const cards = new Map<string, ReturnType<typeof pendingCard>>();
  const pendingBox = h('div', { className: 'cards' });
  const none = h('p', { className: 'muted' }, 'No pending requests.');
  const tbody = h('tbody');
  const el = h(
    'div',
    null,
    h('section', null, h('h2', null, 'Pending requests'), none, pendingBox),
    h(
      'section',
      null,
      h('h2', null, 'Devices'),
      h('table', { className: 'devices' }, h('thead', null, h('tr', null, ['Name', 'ID', 'Status', 'Last seen', 'PSK'].map((t) => h('th', { scope: 'col' }, t)))), tbody),
    ),
  );
  function update(): void {
    const list = Object.values(state.devices).sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
    const waiting = list.filter(waitsForAdmin);
    cards.forEach((c, id) => {
      if (!waiting.some((d) => d.device_id === id)) {
        c.el.remove();
        cards.delete(id);
      }
    });
    for (const d of waiting) {
      const c = cards.get(d.device_id);
      if (c) c.update(d);
      else {
        const n = pendingCard(d);
        cards.set(d.device_id, n);
        pendingBox.appendChild(n.el);
      }
    }
    none.hidden = waiting.length > 0;
    fill(
      tbody,
      list.length
        ? list.map((d) =>
            h(
              'tr',
              null,
              h('td', { 'data-l': 'Name' }, h('a', { href: '#/device/' + encodeURIComponent(d.device_id) }, nameOf(d))),
              h('td', { 'data-l': 'ID' }, h('code', null, d.device_id)),
              h('td', { 'data-l': 'Status' }, badge(d.status), d.key_change_pending && h('span', { className: 'badge s-pending' }, 'key change')),
              h('td', { 'data-l': 'Last seen' }, ago(d.last_seen)),
              h('td', { 'data-l': 'PSK' }, d.psk ? 'yes' : 'no'),
            ),
          )
        : h('tr', null, h('td', { colSpan: 5, className: 'muted' }, 'No devices yet: they appear here when they send a connect request.')),
    );
  }
  return { el, update };
}
