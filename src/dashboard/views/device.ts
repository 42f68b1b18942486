// One device: facts, live telemetry with history charts, log lines, the
// allow-list editor, the call console, and revoke / remove.
import { chart } from '../chart';
import { h, fill } from '../dom';
import { fingerprint } from '../fingerprint';
import { ago, show, when } from '../format';
import { call } from '../live';
import { setDevice, state } from '../state';
import { act, badge, field, nameOf, say, type View } from '../ui';
import { waitsForAdmin } from './devices';
import type { DeviceView } from '../../gateway/admin/wire';

/** device.call's answer: the device's result or error (docs/admin-api.md). */
type CallAnswer = { result?: unknown; error?: { code: number; message: string } } | null;
import { pendingCard } from './pending';

const SESSION = ['approved', 'authorized', 'offline'];

export function deviceView(id: string): View {
  const title = h('h2');
  const facts = h('dl', { className: 'facts' });
  const pendingBox = h('div');
  let card: ReturnType<typeof pendingCard> | null = null;
  const tiles = h('div', { className: 'tiles' });
  const logs = h('ul', { className: 'log' });

  const allow = h('input', { type: 'text', name: 'allow', autocomplete: 'off', spellcheck: false }) as HTMLInputElement;
  let allowShown = '';
  const save = h('button', { type: 'submit' }, 'Save allow-list');
  const allowForm = h(
    'form',
    {
      onsubmit: (e: Event) => {
        e.preventDefault();
        const list = allow.value.split(/[\s,]+/).filter(Boolean);
        act(save, async () => {
          await call('device.setMethods', { device_id: id, allow: list });
          allowShown = allow.value = list.join(', ');
          return 'Allow-list saved';
        });
      },
    },
    field('Methods this device may call', allow, 'Comma-separated. Built-in: ping, time, report, log.'),
    save,
  );

  const method = h('input', { type: 'text', name: 'method', required: true, autocomplete: 'off', spellcheck: false }) as HTMLInputElement;
  const params = h('textarea', { name: 'params', rows: 3, spellcheck: false, value: '{}' }) as HTMLTextAreaElement;
  const out = h('pre', { className: 'out', 'aria-live': 'polite' });
  const run = h('button', { type: 'submit' }, 'Call');
  const callForm = h(
    'form',
    {
      onsubmit: (e: Event) => {
        e.preventDefault();
        let p: unknown;
        try {
          p = params.value.trim() ? JSON.parse(params.value) : undefined;
        } catch {
          fill(out, 'Params must be JSON, e.g. {"on":true} or [1,2]');
          out.className = 'out bad';
          return;
        }
        fill(out, 'Waiting for the device…');
        out.className = 'out';
        act(run, async () => {
          try {
            const r = await call<CallAnswer>('device.call', { device_id: id, method: method.value.trim(), params: p, timeout_ms: 5000 });
            const err = r && r.error;
            out.className = err ? 'out bad' : 'out';
            fill(out, err ? `Error ${err.code}: ${err.message}` : JSON.stringify(r && 'result' in r ? r.result : r, null, 2));
          } catch (x) {
            out.className = 'out bad';
            fill(out, (x as Error).message);
          }
        });
      },
    },
    field('Method', method),
    field('Params (JSON)', params),
    run,
    out,
  );

  const revoke = h('button', { type: 'button', className: 'danger' }, 'Revoke…');
  const remove = h('button', { type: 'button', className: 'danger' }, 'Remove…');
  revoke.onclick = () => {
    const d = state.devices[id];
    if (d && confirm(`Revoke ${nameOf(d)}? Its keys are wiped and it must enroll again.`))
      act(revoke, async () => {
        await call('device.revoke', { device_id: id });
        return `Revoked ${nameOf(d)}`;
      });
  };
  remove.onclick = () => {
    const d = state.devices[id];
    if (d && confirm(`Remove ${nameOf(d)}? Its record and keys are deleted.`))
      act(remove, async () => {
        await call('device.remove', { device_id: id });
        location.hash = '#/';
        return `Removed ${nameOf(d)}`;
      });
  };

  const body = h(
    'div',
    null,
    facts,
    pendingBox,
    h('section', null, h('h3', null, 'Telemetry'), tiles),
    h('section', null, h('h3', null, 'Log'), logs),
    h('section', null, h('h3', null, 'Allow-list'), allowForm),
    h('section', null, h('h3', null, 'Call a method on the device'), callForm),
    h('section', null, h('h3', null, 'Access'), h('div', { className: 'row' }, revoke, remove)),
  );
  const el = h('div', null, h('p', null, h('a', { href: '#/' }, '← All devices')), title, body);

  call<DeviceView>('device.get', { device_id: id })
    .then((d) => {
      setDevice(d);
      update();
    })
    .catch((e) => state.devices[id] || say(e.message, true));

  function update(): void {
    const d = state.devices[id];
    body.hidden = !d;
    if (!d) {
      fill(title, 'No device ', h('code', null, id));
      return;
    }
    fill(title, nameOf(d), ' ', badge(d.status));
    const c = d.counters || {};
    fill(
      facts,
      [
        ['ID', h('code', null, d.device_id)],
        ['Key fingerprint', h('code', { className: 'fp' }, fingerprint(d.pubkey) || '—')],
        ['PSK', d.psk ? 'yes' : 'no'],
        ['Approved', when(d.approved_at)],
        ['Last seen', ago(d.last_seen)],
        ['Envelopes', `${c.rx || 0} in, ${c.tx || 0} out, ${c.dropped || 0} dropped`],
      ].map(([k, v]) => [h('dt', null, k), h('dd', null, v)]),
    );
    if (waitsForAdmin(d)) {
      if (card) card.update(d);
      else pendingBox.appendChild((card = pendingCard(d)).el);
    } else if (card) {
      card.el.remove();
      card = null;
    }
    const t = d.telemetry || {};
    const keys = Object.keys(t).sort();
    const hist = state.history[id] || {};
    fill(
      tiles,
      keys.length
        ? keys.map((k) =>
            h(
              'div',
              { className: 'tile' },
              h('h4', null, k),
              h('p', { className: 'value' }, show(t[k].value)),
              h('small', null, ago(t[k].at)),
              hist[k] && chart(k, hist[k]),
            ),
          )
        : h('p', { className: 'muted' }, 'No readings yet.'),
    );
    const lines = state.logs[id] || [];
    fill(logs, lines.length ? lines.map((l) => h('li', { className: 'l-' + l.level }, h('time', null, when(l.at)), ' ', l.level, ': ', l.msg)) : h('li', { className: 'muted' }, 'Nothing logged since this page opened.'));
    const shown = (d.allow || []).join(', ');
    if (document.activeElement !== allow && allow.value === allowShown) allow.value = allowShown = shown;
    revoke.hidden = !SESSION.includes(d.status);
  }
  return { el, update };
}
