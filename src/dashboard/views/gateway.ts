// Gateway status (MQTT, clock, uptime, memory, device counts) and the password change.
import { h, fill } from '../dom';
import { duration } from '../format';
import { call, disconnect, hooks } from '../live';
import { rest } from '../rest';
import { setStatus, state } from '../state';
import { act, field, say, type View } from '../ui';
import type { DeviceStatus, GatewayStatus, StatusCounts } from '../../gateway/admin/wire';

/** Espruino's process.memory(): the interpreter's variables (JsVars), not bytes. */
function jsVars(mem: GatewayStatus['memory']): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const size = mem.blocksize ? ` (a JsVar is ${mem.blocksize} bytes)` : '';
  return `${n(mem.usage)} of ${n(mem.total)} JsVars used (${Math.round((100 * mem.usage) / mem.total)} %), ${n(mem.free)} free${size}`;
}

export function gatewayView(): View {
  const facts = h('dl', { className: 'facts' });
  const pw = (name: string, auto: string) => h('input', { type: 'password', name, required: true, autocomplete: auto }) as HTMLInputElement;
  const old = pw('old', 'current-password');
  const next = pw('new', 'new-password');
  const again = pw('again', 'new-password');
  const save = h('button', { type: 'submit' }, 'Change password');
  const form = h(
    'form',
    {
      onsubmit: (e: Event) => {
        e.preventDefault();
        if (next.value !== again.value) return say('The new passwords differ', true);
        act(save, async () => {
          await rest('POST', '/api/password', { old: old.value, new: next.value });
          old.value = next.value = again.value = '';
          // the gateway ends every session on a password change, this one too
          disconnect();
          hooks.unauthorized('Password changed: every session has ended. Log in with the new password.');
          return 'Password changed';
        });
      },
    },
    field('Current password', old),
    field('New password', next),
    field('New password again', again),
    save,
  );
  const el = h('div', null, h('h2', null, 'Gateway'), facts, h('section', null, h('h3', null, 'Admin password'), form));
  const poll = () => call<GatewayStatus>('status').then(setStatus).then(update, () => {});
  const timer = setInterval(poll, 10000);
  poll();

  function update(): void {
    const s = state.status;
    if (!s) return fill(facts, h('dd', null, 'Loading…'));
    const mq: Partial<GatewayStatus['mqtt']> = s.mqtt || {};
    const mem: Partial<GatewayStatus['memory']> = s.memory || {};
    const dev: Partial<StatusCounts> = s.devices || {};
    const yes = (b: unknown, t: string, f: string) => h('span', { className: b ? 'ok' : 'warn' }, b ? t : f);
    fill(
      facts,
      [
        ['MQTT', yes(mq.connected, 'connected', 'not connected'), mq.broker ? ' — ' + mq.broker : ''],
        ['Clock', yes(s.time_set, 'set', 'not set')],
        ['Uptime', duration((s.uptime_s || 0) + (Date.now() - state.statusAt) / 1000)],
        ['Memory', mem.total ? jsVars(mem as GatewayStatus['memory']) : '—'],
        ['Devices', Object.keys(dev).map((k) => `${dev[k as DeviceStatus]} ${k}`).join(', ') || '—'],
        ['Version', s.version || '—'],
      ].map(([k, ...v]) => [h('dt', null, k), h('dd', null, v)]),
    );
  }
  return { el, update, leave: () => clearInterval(timer) };
}
