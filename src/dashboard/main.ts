// The admin's page: a shell (header, navigation, message line), hash routes
// for the views, and the live connection that feeds them.
import { h, fill } from './dom';
import { call, connect, connected, disconnect, hooks } from './live';
import { rest } from './rest';
import { apply, reset, setDevices, setSecurity, setStatus } from './state';
import { msg, type View } from './ui';
import type { DeviceView, GatewayStatus, SecurityReport } from '../gateway/admin/wire';
import { deviceView } from './views/device';
import { devicesView } from './views/devices';
import { gatewayView } from './views/gateway';
import { loginView } from './views/login';
import { securityView } from './views/security';

const conn = h('span', { className: 'conn', role: 'status' });
const links = [
  ['#/', 'Devices'],
  ['#/security', 'Security'],
  ['#/gateway', 'Gateway'],
].map(([href, text]) => h('a', { href }, text));
const main = h('main');
document.body.append(
  h(
    'header',
    null,
    h('h1', null, 'MQTT Gateway'),
    conn,
    h('nav', { 'aria-label': 'Main' }, links),
    h('button', { type: 'button', className: 'quiet out-btn', onclick: logout }, 'Log out'),
  ),
  msg,
  main,
);

let authed = false;
let view: View | null = null;
let queued = false;

function route(): View {
  const r = location.hash;
  if (r.startsWith('#/device/')) return deviceView(decodeURIComponent(r.slice(9)));
  if (r === '#/security') return securityView();
  if (r === '#/gateway') return gatewayView();
  return devicesView();
}

function showRoute(): void {
  if (!authed) return;
  if (view && view.leave) view.leave();
  view = route();
  fill(main, view.el);
  view.update();
  const here = location.hash.startsWith('#/device/') ? '#/' : location.hash || '#/';
  links.forEach((l) => (l.getAttribute('href') === here ? l.setAttribute('aria-current', 'page') : l.removeAttribute('aria-current')));
}

function render(): void {
  if (queued) return;
  queued = true;
  requestAnimationFrame(() => {
    queued = false;
    if (view) view.update();
  });
}

function loggedOut(notice?: string): void {
  authed = false;
  if (view && view.leave) view.leave();
  view = null;
  reset();
  conn.textContent = '';
  document.body.classList.remove('in');
  fill(
    main,
    loginView(() => {
      fill(main, h('p', { className: 'muted' }, 'Connecting…'));
      connect();
    }, notice),
  );
}

async function logout(): Promise<void> {
  await rest('POST', '/api/logout').catch(() => {});
  disconnect();
  loggedOut();
}

hooks.up = async () => {
  try {
    const [status, list, security] = await Promise.all([
      call<GatewayStatus>('status'),
      call<DeviceView[] | { devices?: DeviceView[] }>('devices.list'),
      call<SecurityReport>('security'),
    ]);
    setStatus(status);
    setDevices(Array.isArray(list) ? list : list.devices || []);
    setSecurity(security);
  } catch {
    return; // the connection dropped; the close handler decides what next
  }
  connected();
  failures = 0;
  conn.textContent = '● live';
  conn.className = 'conn ok';
  if (authed) return render();
  authed = true;
  document.body.classList.add('in');
  showRoute();
};
let failures = 0;
hooks.down = () => {
  if (authed) {
    conn.textContent = '○ reconnecting…';
    conn.className = 'conn warn';
  } else if (++failures === 3)
    fill(main, h('p', { className: 'muted' }, 'The gateway does not answer on its live connection (at most 3 dashboards can be open at once). Retrying…'));
};
hooks.unauthorized = loggedOut;
hooks.event = (ev) => {
  apply(ev);
  render();
};
addEventListener('hashchange', showRoute);
setInterval(render, 5000); // "… ago" texts and uptime move on
fill(main, h('p', { className: 'muted' }, 'Connecting to the gateway…'));
connect();
