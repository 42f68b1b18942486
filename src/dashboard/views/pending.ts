// A pending enrollment (or a key change on an approved device): the key
// fingerprint to compare with the device's console, an optional PSK, approve / reject.
import { h, fill } from '../dom';
import { fingerprint } from '../fingerprint';
import { call } from '../live';
import type { Device } from '../state';
import { act, field, nameOf } from '../ui';

export function pendingCard(first: Device): { el: HTMLElement; update(d: Device): void } {
  let d = first;
  let shown: string | undefined; // the key whose fingerprint the admin compares
  const title = h('h3');
  const info = h('div');
  const psk = h('input', { type: 'text', name: 'psk', autocomplete: 'off', spellcheck: false }) as HTMLInputElement;
  const approve = h('button', { type: 'submit' }, 'Approve');
  const reject = h('button', { type: 'button', className: 'quiet' }, 'Reject');
  const id = () => d.device_id;
  reject.onclick = () =>
    act(reject, async () => {
      await call('device.reject', { device_id: id() });
      return `Rejected the request of ${nameOf(d)}`;
    });
  const el = h(
    'form',
    {
      className: 'card pending',
      onsubmit: (e: Event) => {
        e.preventDefault();
        act(approve, async () => {
          // the key shown goes along: if the device sent another since, nothing is approved (409)
          const params: { device_id: string; psk?: string; pubkey?: string } = { device_id: id() };
          if (psk.value) params.psk = psk.value;
          if (shown) params.pubkey = shown;
          await call('device.approve', params);
          psk.value = '';
          return `Approved ${nameOf(d)}`;
        });
      },
    },
    title,
    info,
    field('Pre-shared key (optional)', psk, 'The device must hold the same key.'),
    h('div', { className: 'row' }, approve, reject),
  );
  function update(next: Device): void {
    d = next;
    const change = d.status !== 'pending';
    const key = change ? d.pending_pubkey : d.pubkey;
    shown = key;
    fill(title, change ? 'Key change: ' : '', nameOf(d));
    fill(
      info,
      h('p', null, 'ID ', h('code', null, d.device_id)),
      change && h('p', null, 'This approved device presents a new key. Its current session keeps working until you decide.'),
      h('p', null, change ? 'New key fingerprint ' : 'Key fingerprint ', key ? h('code', { className: 'fp' }, fingerprint(key)) : 'shown on the device', ' — compare it with the one the device prints.'),
    );
    approve.textContent = change ? 'Approve new key' : 'Approve';
    approve.setAttribute('aria-label', approve.textContent + ' for ' + nameOf(d));
    reject.setAttribute('aria-label', 'Reject ' + nameOf(d));
  }
  update(d);
  return { el, update };
}
