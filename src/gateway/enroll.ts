// Enrollment at the gateway (docs/protocol.md §3): connect requests decided
// by the table of §3.4, the pending table the admin works through, and new
// sessions (a fresh gateway key pair per approval, made by key-maker.ts
// without holding the event loop, on flash before use).
import { fromHex, toHex } from '../protocol/bytes';
import {
  checkPskProof,
  connectApprovedText,
  connectErrorText,
  connectPendingText,
  gatewayProof,
  parseConnectRequest,
} from '../protocol/enrollment';
import type { Approval } from '../protocol/enrollment';
import type { SessionKeys } from '../protocol/keys';
import { adminError } from './admin/types';
import type { AdminError } from './admin/types';
import type { Context } from './context';
import { createKeyMaker } from './key-maker';
import { carryOver, hasSession, lastConnectAt, newHot, noteConnect } from './records';
import type { Cold } from './records';

export interface Enrollment {
  /** A payload from P/connect/request. */
  received(payload: string): void;
  /** Boot: starts making the first approval's key pair. */
  start(): void;
  /** true while the keys of a new session for `id` are being made. */
  making(id: string): boolean;
  /**
   * A new session for `id` with the device key `pk`: a fresh gateway key pair
   * (only its public half and the derived keys are kept), on flash first.
   * `done` gets it once the keys are made (at once on native crypto, seconds
   * later on stock firmware), or the error: 409 when `still()` says the
   * request changed meanwhile (a newer key, a reject, a revoke), 400 for a
   * low-order key or when flash refused the write. `pskWeak`: the PSK (hash
   * `psk`) is easy to guess.
   */
  newSession(
    id: string, pk: string, name: string, psk: string, pskWeak: boolean, allow: string[] | null,
    still: () => boolean, done: (err: AdminError | undefined, c?: Cold) => void,
  ): void;
  /** The approval fields of §3.2 for the session `c` of `id`. */
  approval(id: string, c: Cold): Approval;
}

export function createEnrollment(cx: Context): Enrollment {
  const { env, reg, wall, security, changed } = cx;
  const crypto = env.crypto;
  const keyMaker = createKeyMaker(crypto);
  const making: { [key: string]: boolean } = {}; // '#' + id: a session's keys are being made

  function approval(id: string, c: Cold): Approval {
    const a: Approval = { deviceId: id, gatewayPubkey: c.g, time: wall() || null };
    if (c.p) a.gwProof = gatewayProof(crypto, fromHex(c.p) as Uint8Array, id, c.pk, c.g);
    return a;
  }

  function received(payload: string): void {
    const lim = env.cfg.limits;
    const parsed = parseConnectRequest(payload, lim.envelope);
    if (!parsed.ok) return security('malformed', parsed.deviceId || '');
    const q = parsed.request;
    const id = q.deviceId;
    const mono = env.mono();
    const h = reg.record(id);
    const p = reg.request(id);
    const c = h && hasSession(h) ? (reg.cold(id) as Cold) : undefined;
    const reply = function (text: string): void {
      cx.sendPlain(id, text, 0);
    };
    // A PSK session: the proof first, and only a valid one is charged to the
    // id's connect rate, so forged requests cannot keep the device out.
    // Without a PSK nothing tells the device from anyone else: every request
    // is charged (the rate is then the only brake on the work they cause).
    if (c && c.p && !checkPskProof(crypto, fromHex(c.p) as Uint8Array, q)) {
      security('psk proof', id);
      return reply(connectErrorText(q.id, 'psk proof missing or wrong'));
    }
    const last = h ? lastConnectAt(h) : p ? p.m : -1;
    if (last >= 0 && mono - last < lim.connect_s) return security('rate limited', id);
    if (h) noteConnect(h, mono);

    if (c) {
      if (c.p) {
        if (q.pubkey === c.pk) return reply(connectApprovedText(q.id, approval(id, c)));
        // a PSK holder with a new key: a new session, no admin needed (the
        // reply follows when its keys are made; meanwhile requests get none)
        if (making['#' + id]) return;
        // the same session still: a record number is reused once dropped, so
        // the session's gateway key tells this one from a newer one
        return newSession(id, q.pubkey, q.name || c.n, c.p, !!c.w, c.a, function () {
          const now = reg.record(id);
          return !!now && now === h && hasSession(now) && (reg.cold(id) as Cold).g === c.g;
        }, function (err, n) {
          reply(n ? connectApprovedText(q.id, approval(id, n)) : connectErrorText(q.id, 'request refused'));
          if (n) changed(id);
        });
      }
      if (q.pubkey === c.pk) {
        if (p) {
          reg.dropPending(id); // the key change was not real
          changed(id);
        }
        return reply(connectApprovedText(q.id, approval(id, c)));
      }
      // no PSK and a new key: the admin decides; the old session keeps working
    }
    if (!p) makeRoom();
    reg.addPending(id, {
      pk: q.pubkey,
      n: q.name !== undefined ? q.name : p ? p.n : '',
      pr: q.pskProof || '',
      m: mono,
      at: p ? p.at : wall() || 0,
    });
    reply(connectPendingText(q.id));
    if (!p || p.pk !== q.pubkey) changed(id);
  }

  // A full pending table gives up its oldest entries (first come, first to
  // go; counted), so ids that keep refreshing cannot hold it: a new request
  // always gets in, and stays until `pending` newer ones came. The table
  // lists its entries in the order they came (property order, which a
  // refresh keeps, in V8 and Espruino alike).
  function makeRoom(): void {
    while (reg.pendingCount() >= env.cfg.limits.pending) {
      let oldest = '';
      reg.eachRequest(function (id) {
        if (!oldest) oldest = id;
      });
      reg.dropPending(oldest);
      security('evicted', oldest);
      if (reg.record(oldest)) changed(oldest);
      else cx.removed(oldest);
    }
  }

  function newSession(
    id: string, pk: string, name: string, psk: string, pskWeak: boolean, allow: string[] | null,
    still: () => boolean, done: (err: AdminError | undefined, c?: Cold) => void,
  ): void {
    making['#' + id] = true;
    keyMaker.make(fromHex(pk) as Uint8Array, function (made) {
      delete making['#' + id];
      if (!still()) return done(adminError(409, 'conflict', 'Device ' + id + ' changed meanwhile: try again.'));
      const c = made && storeSession(id, pk, name, psk, pskWeak, allow, toHex(made.gatewayPublic), made.keys);
      done(c ? undefined : adminError(400, 'bad_key', 'Bad device key, or flash full.'), c);
    });
  }

  function storeSession(id: string, pk: string, name: string, psk: string, pskWeak: boolean, allow: string[] | null, g: string, keys: SessionKeys): Cold | undefined {
    const c: Cold = {
      id: id,
      n: name,
      pk: pk,
      g: g,
      k: toHex(keys.hmacKey) + toHex(keys.encKey),
      p: psk,
      a: allow,
      t: wall() || null,
      s: 'approved',
    };
    if (psk && pskWeak) c.w = 1;
    if (!reg.putCold(id, c)) return undefined;
    const old = reg.record(id);
    const h = newHot(c, env.mono());
    if (old) carryOver(old, h);
    reg.setRecord(id, h);
    reg.dropPending(id);
    cx.calls.endFor(id);
    return c;
  }

  return {
    received: received,
    start: keyMaker.prepare,
    making: function (id) {
      return !!making['#' + id];
    },
    newSession: newSession,
    approval: approval,
  };
}
