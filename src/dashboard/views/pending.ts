// A pending enrollment (or a key change on an approved device): the key
// fingerprint to compare with the device's console, the PSK, approve / reject.
// The PSK field starts with a fresh random one (128 bits, for the admin to put
// into the device's config); a PSK the admin types is checked as they type by
// the gateway's own rule (psk-strength.ts), a weak one is warned about before
// approval. Approving without a PSK is a choice of its own.
import { generatePsk, isWeakPsk } from '../../gateway/admin/psk-strength';
import { h, fill } from '../dom';
import { fingerprint } from '../fingerprint';
import { call } from '../live';
import type { Device } from '../state';
import { act, field, nameOf } from '../ui';

let seq = 0; // radio groups need a name unique to the page

export function pendingCard(first: Device): { el: HTMLElement; update(d: Device): void } {
  let d = first;
  let shown: string | undefined; // the key whose fingerprint the admin compares
  const group = 'psk-mode-' + ++seq;
  const title = h('h3');
  const info = h('div');
  const psk = h('input', { type: 'text', name: 'psk', autocomplete: 'off', spellcheck: false }) as HTMLInputElement;
  psk.value = generatePsk(crypto.getRandomValues(new Uint8Array(16)));
  const withPsk = h('input', { type: 'radio', name: group, checked: true }) as HTMLInputElement;
  const noPsk = h('input', { type: 'radio', name: group }) as HTMLInputElement;
  const warning = h('p', { className: 'warn', role: 'alert' });
  const proofNote = h('p', { className: 'warn' });
  const approve = h('button', { type: 'submit' }, 'Approve');
  const reject = h('button', { type: 'button', className: 'quiet' }, 'Reject');
  const id = () => d.device_id;
  const fresh = h('button', { type: 'button', className: 'quiet' }, 'New random PSK');
  fresh.onclick = () => {
    psk.value = generatePsk(crypto.getRandomValues(new Uint8Array(16)));
    check();
  };
  psk.oninput = check;
  withPsk.onchange = noPsk.onchange = check;
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
          if (withPsk.checked) {
            if (!psk.value) throw new Error('Type a PSK, or choose "No PSK".');
            params.psk = psk.value;
          }
          if (shown) params.pubkey = shown;
          await call('device.approve', params);
          return `Approved ${nameOf(d)}`;
        });
      },
    },
    title,
    info,
    h('label', { className: 'check' }, withPsk, ' Use a PSK (recommended)'),
    field('Pre-shared key', psk, 'The device must hold the same key: put this one into its config, or type the one it has.'),
    warning,
    fresh,
    h('label', { className: 'check' }, noPsk, ' No PSK: the fingerprint above is the only check'),
    proofNote,
    h('div', { className: 'row' }, approve, reject),
  );

  // The warnings, and the approve button's label, for what is chosen now.
  function check(): void {
    const using = withPsk.checked;
    psk.disabled = !using;
    const weak = using && !!psk.value && isWeakPsk(psk.value);
    fill(warning, weak ? 'This PSK is easy to guess: anyone who saw one connect request on the broker can find it offline. Prefer the random one.' : '');
    fill(
      proofNote,
      d.psk_proof === false && using
        ? 'This device sent no PSK proof: put the PSK into its config and restart it (its next request carries the proof), or choose "No PSK".'
        : d.psk_proof && !using
          ? 'This device sent a PSK proof: approve it with its PSK.'
          : '',
    );
    const change = d.status !== 'pending';
    approve.textContent = (change ? 'Approve new key' : 'Approve') + (weak ? ' with a weak PSK' : !using ? ' without PSK' : '');
    approve.setAttribute('aria-label', approve.textContent + ' for ' + nameOf(d));
  }

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
    check();
    reject.setAttribute('aria-label', 'Reject ' + nameOf(d));
  }
  update(d);
  return { el, update };
}
