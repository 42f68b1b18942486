// The security feed: drops and refusals counted per reason, and the latest events.
import { h, fill } from '../dom';
import { ago } from '../format';
import { state } from '../state';
import type { View } from '../ui';
import { SECURITY_REASONS as REASONS } from '../../gateway/admin/wire';

export function securityView(): View {
  const counters = h('tbody');
  const recent = h('ol', { className: 'log' });
  const el = h(
    'div',
    null,
    h('h2', null, 'Security'),
    h('section', null, h('h3', null, 'Counters'), h('table', null, h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Reason'), h('th', { scope: 'col' }, 'Count'))), counters)),
    h('section', null, h('h3', null, 'Recent events'), recent),
  );
  function update(): void {
    const c = state.security.counters;
    const reasons = REASONS.concat(Object.keys(c).filter((r) => !REASONS.includes(r)));
    fill(counters, reasons.map((r) => h('tr', { className: c[r] ? 'hot' : '' }, h('th', { scope: 'row' }, r), h('td', null, c[r] || 0))));
    const ev = state.security.recent.slice().sort((a, b) => b.at - a.at);
    fill(
      recent,
      ev.length
        ? ev.map((e) => h('li', null, h('time', null, ago(e.at)), ' ', h('strong', null, e.reason), e.device_id && [' — ', h('code', null, e.device_id)]))
        : h('li', { className: 'muted' }, 'No security events.'),
    );
  }
  return { el, update };
}
