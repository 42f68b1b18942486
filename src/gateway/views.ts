// Read models of the registry for the admin API: the device object, the
// list of device ids and the count per status (docs/admin-api.md). Nothing
// here changes state.
import type { DeviceView, StatusCounts } from './admin/wire';
import { DEFAULT_ALLOW, reading } from './methods';
import { counters, hasSession, lastSeen, readings, statusOf } from './records';
import type { Cold, Pending } from './records';
import type { Registry } from './registry';

/** The device object of the admin API, or undefined for an unknown id. */
export function deviceView(reg: Registry, id: string): DeviceView | undefined {
  const h = reg.record(id);
  const p = reg.request(id);
  if (!h && !p) return undefined;
  const c = h ? reg.cold(id) : undefined;
  const tel: DeviceView['telemetry'] = {};
  const r = h && readings(h);
  if (r)
    for (const k in r) {
      const v = reading(r[k]);
      tel[k] = { value: v[0], at: v[1] };
    }
  const session = !!h && hasSession(h);
  const own = session || !p; // the record speaks, not a pending request
  const d: DeviceView = {
    device_id: id,
    name: own ? (c as Cold).n : (p as Pending).n,
    status: h && session ? statusOf(h) : p ? 'pending' : 'revoked',
    pubkey: own ? (c as Cold).pk : (p as Pending).pk,
    key_change_pending: session && !!p,
    psk: !!(c && c.p),
    psk_weak: !!(c && c.p && c.w),
    allow: c && c.a ? c.a : DEFAULT_ALLOW,
    last_seen: (h && lastSeen(h)) || null,
    approved_at: (c && c.t) || null,
    telemetry: tel,
    counters: h ? counters(h) : { rx: 0, tx: 0, dropped: 0 },
  };
  if (d.key_change_pending) d.pending_pubkey = (p as Pending).pk;
  if (p) d.psk_proof = !!p.pr;
  return d;
}

/** Registered devices first, then those only waiting for the admin. */
export function deviceIds(reg: Registry): string[] {
  const ids: string[] = [];
  reg.eachRecord(function (id) {
    ids.push(id);
  });
  reg.eachRequest(function (id) {
    if (!reg.record(id)) ids.push(id);
  });
  return ids;
}

export function statusCounts(reg: Registry): StatusCounts {
  const n: StatusCounts = { pending: 0, approved: 0, authorized: 0, offline: 0, revoked: 0 };
  const ids = deviceIds(reg);
  for (let i = 0; i < ids.length; i++) {
    const h = reg.record(ids[i]);
    n[h && hasSession(h) ? statusOf(h) : reg.request(ids[i]) ? 'pending' : 'revoked']++;
  }
  return n;
}
