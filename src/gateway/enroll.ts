// Enrollment at the gateway (docs/protocol.md §3): connect requests decided
// by the table of §3.4, the pending table the admin works through, and new
// sessions (a fresh gateway key pair per approval, on flash before use).
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
import { deriveSessionKeys, newKeyPair } from '../protocol/keys';
import type { Context } from './context';
import { carryOver, hasSession, lastConnectAt, newHot, noteConnect } from './records';
import type { Cold } from './records';

/** A full pending table gives up entries idle this long (seconds). */
const PENDING_STALE_S = 60;
/** Unknown ids refused lately, remembered for the connect rate limit. */
const REFUSED_RING = 16;

export interface Enrollment {
  /** A payload from P/connect/request. */
  received(payload: string): void;
  /**
   * A new session for `id` with the device key `pk`: a fresh gateway key pair
   * (only its public half and the derived keys are kept), on flash first.
   * Undefined for a low-order key or when flash refused the write.
   */
  /** `pskWeak`: the PSK (hash `psk`) is easy to guess. */
  newSession(id: string, pk: string, name: string, psk: string, pskWeak: boolean, allow: string[] | null): Cold | undefined;
  /** The approval fields of §3.2 for the session `c` of `id`. */
  approval(id: string, c: Cold): Approval;
}

export function createEnrollment(cx: Context): Enrollment {
  const { env, reg, wall, security, changed } = cx;
  const crypto = env.crypto;
  const refused: [string, number][] = []; // [id, mono] of unknown ids refused lately

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
    const last = h ? lastConnectAt(h) : p ? p.m : refusedAt(id);
    if (last >= 0 && mono - last < lim.connect_s) return security('rate limited', id);
    if (h) noteConnect(h, mono);
    const reply = function (text: string): void {
      cx.sendPlain(id, text, 0);
    };

    if (h && hasSession(h)) {
      const c = reg.cold(id) as Cold;
      if (c.p) {
        if (!checkPskProof(crypto, fromHex(c.p) as Uint8Array, q)) {
          security('psk proof', id);
          return reply(connectErrorText(q.id, 'psk proof missing or wrong'));
        }
        if (q.pubkey === c.pk) return reply(connectApprovedText(q.id, approval(id, c)));
        // a PSK holder with a new key: a new session, no admin needed
        const n = newSession(id, q.pubkey, q.name || c.n, c.p, !!c.w, c.a);
        reply(n ? connectApprovedText(q.id, approval(id, n)) : connectErrorText(q.id, 'request refused'));
        return changed(id);
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
    if (!p && !roomForPending(mono)) {
      security('rate limited', id);
      rememberRefused(id, mono);
      return reply(connectErrorText(q.id, 'request refused: too many pending requests'));
    }
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

  // A full table makes room by giving up its oldest entry idle for PENDING_STALE_S.
  function roomForPending(mono: number): boolean {
    if (reg.pendingCount() < env.cfg.limits.pending) return true;
    let oldest = '';
    let oldestAt = 0;
    reg.eachRequest(function (id, e) {
      if (mono - e.m > PENDING_STALE_S && (!oldest || e.m < oldestAt)) {
        oldest = id;
        oldestAt = e.m;
      }
    });
    if (!oldest) return false;
    reg.dropPending(oldest);
    if (reg.record(oldest)) changed(oldest);
    else cx.removed(oldest);
    return true;
  }

  function refusedAt(id: string): number {
    for (let i = 0; i < refused.length; i++) if (refused[i][0] === id) return refused[i][1];
    return -1;
  }

  function rememberRefused(id: string, mono: number): void {
    for (let i = 0; i < refused.length; i++)
      if (refused[i][0] === id) {
        refused[i][1] = mono;
        return;
      }
    if (refused.length >= REFUSED_RING) refused.shift();
    refused.push([id, mono]);
  }

  function newSession(id: string, pk: string, name: string, psk: string, pskWeak: boolean, allow: string[] | null): Cold | undefined {
    const kp = newKeyPair(crypto);
    const keys = deriveSessionKeys(crypto, kp.privateKey, fromHex(pk) as Uint8Array);
    if (!keys) return undefined; // a low-order public key
    const c: Cold = {
      id: id,
      n: name,
      pk: pk,
      g: toHex(kp.publicKey),
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

  return { received: received, newSession: newSession, approval: approval };
}
