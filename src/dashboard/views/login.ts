// The login form. A wrong password is said next to the field.
import { h } from '../dom';
import type { RpcError } from '../live';
import { rest } from '../rest';
import { field } from '../ui';

export function loginView(done: () => void, notice?: string): HTMLElement {
  const pass = h('input', { type: 'password', name: 'password', required: true, autocomplete: 'current-password' }) as HTMLInputElement;
  const error = h('p', { className: 'bad', role: 'alert' });
  const go = h('button', { type: 'submit' }, 'Log in') as HTMLButtonElement;
  const form = h(
    'form',
    {
      className: 'card login',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        go.disabled = true;
        error.textContent = '';
        try {
          await rest('POST', '/api/login', { password: pass.value });
          done();
        } catch (x) {
          error.textContent = (x as RpcError).status === 401 ? 'Wrong password.' : (x as Error).message;
          pass.select();
        } finally {
          go.disabled = false;
        }
      },
    },
    h('h2', null, 'Log in'),
    notice ? h('p', { role: 'status' }, notice) : null,
    field('Admin password', pass),
    error,
    go,
  );
  setTimeout(() => pass.focus());
  return form;
}
