// Bits every view shares: the message line, status badges, busy buttons.
import { h } from './dom';
import type { Device } from './state';

export interface View {
  el: HTMLElement;
  update(): void;
  leave?(): void;
}

export const msg = h('p', { className: 'msg', role: 'status' });
let msgTimer = 0;

export function say(text: string, bad = false): void {
  msg.textContent = text;
  msg.className = bad ? 'msg bad' : 'msg';
  clearTimeout(msgTimer);
  msgTimer = setTimeout(() => (msg.textContent = ''), 10000);
}

export const nameOf = (d: Device) => d.name || d.device_id;

export const badge = (status: string) => h('span', { className: 'badge s-' + status }, status);

/** Runs `job` with `btn` disabled; its message (or error) goes to the message line. */
export async function act(btn: HTMLElement, job: () => Promise<string | void>): Promise<void> {
  (btn as HTMLButtonElement).disabled = true;
  try {
    const m = await job();
    if (m) say(m);
  } catch (e) {
    say((e as Error).message, true);
  } finally {
    (btn as HTMLButtonElement).disabled = false;
  }
}

export function field(label: string, input: HTMLElement, hint?: string): HTMLElement {
  return h('label', null, h('span', null, label), input, hint && h('small', null, hint));
}
