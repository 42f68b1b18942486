// The device registry. RAM holds only what every message needs (the "hot"
// record: keys, counters, status); the rest of a session (name, public keys,
// PSK hash, allow-list, approval time) stays in the flash copy of the
// registry and is read back by device id when a connect request or an admin
// query needs it. That keeps RAM per approved device small on the ESP32.
//
// Flash files (crash-safe slots, see store.ts):
//   gw.reg  one line per device: {"id","n","pk","g","k","p","a","t","s"}
//           written when an admin action (or a PSK re-key) changes it;
//   gw.st   nonce high-water marks, send-counter reserves and last-seen
//           times, written behind (at most every STATE_EVERY_S seconds) and
//           right away when a send reserve runs out.
import { fromHex } from '../protocol/bytes';
import { SlotFile } from './store';
import type { StorageLike } from './store';

const STATE_EVERY_S = 60;

/** The flash record of a session or revoked device. */
export interface Cold {
  id: string;
  n: string; // display name
  pk: string; // device public key, hex
  g: string; // gateway public key of this session, hex ("" when revoked)
  k: string; // hmac_key ‖ enc_key, hex ("" when revoked)
  p: string; // SHA256(psk), hex, "" = no PSK
  a: string[] | null; // allow-list, null = the default
  t: number | null; // approved_at
  s: string; // "approved" | "revoked"
}

/** What RAM keeps per registered device. */
export interface Hot {
  s: string; // approved | authorized | offline | revoked
  k: string; // hmac_key ‖ enc_key as a 64-byte string, "" when revoked
  g: string; // first 8 hex of the gateway public key: ties state entries to the session
  al: string; // ",m1,m2," custom allow-list, "" = the default
  r: number; // highest accepted nonce from the device
  t: number; // last nonce sent to the device
  R: number; // send reserve on flash
  m: number; // monotonic time of the last authentic envelope, -1 never
  w: number; // wall time of the last authentic envelope, 0 unknown
  f: boolean; // fresh: may run calls (§6)
  b: number; // rate bucket tokens, -1 = full
  bt: number; // rate bucket time
  cr: number; // envelopes received, sent, dropped
  ct: number;
  cd: number;
  cc: number; // monotonic time of the last connect request, -1 none
  tel?: any; // telemetry: key → [value, at]
}

/** A connect request waiting for the admin (also: a key change on a session). */
export interface Pending {
  pk: string; // hex
  n: string;
  pr: string; // psk_proof hex, "" when absent
  m: number; // monotonic time of the last request
  at: number; // wall time of the first request, 0 unknown
}

export const DEFAULT_ALLOW = ['ping', 'time', 'report', 'log'];

// What a new hot record starts with, shared through its prototype: a field
// costs the record JsVars only once written (many devices never touch cd,
// cc, al or f). Written fields shadow these; nothing ever writes to here.
const HOT_DEFAULTS = { al: '', r: 0, t: 0, R: 0, m: -1, w: 0, f: true, b: -1, cr: 0, ct: 0, cd: 0, cc: -1 };

export class Registry {
  // Both maps are keyed '#' + device id: a device id such as "constructor" or
  // "__proto__" (valid by its charset) must not meet an object's built-ins.
  hot: { [key: string]: Hot } = {};
  pending: { [key: string]: Pending } = {};
  pendingCount = 0;
  private reg: SlotFile;
  private st: SlotFile;
  private dirty = false;
  private stateAt = 0;

  constructor(storage: StorageLike) {
    this.reg = new SlotFile(storage, 'gw.reg');
    this.st = new SlotFile(storage, 'gw.st');
  }

  /** Boot: rebuilds RAM from flash. Restored sessions are not fresh (§6). */
  load(mono: number): void {
    const body = this.reg.read();
    let state: any = {};
    const sbody = this.st.read();
    if (sbody)
      try {
        state = JSON.parse(sbody);
      } catch (e) {
        // a valid slot always holds JSON; nothing to restore otherwise
      }
    if (!body) return;
    const lines = body.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i]) continue;
      let c: Cold;
      try {
        c = JSON.parse(lines[i]);
      } catch (e) {
        continue;
      }
      const h = this.newHot(c, mono);
      h.f = false;
      const e = state.hasOwnProperty(c.id) ? state[c.id] : undefined; // [r, R, w, g]
      if (e && e[3] === h.g && h.k) {
        h.r = e[0];
        h.t = h.R = e[1];
        h.w = e[2];
        if (h.r > 0) h.s = 'offline';
      }
      this.hot['#' + c.id] = h;
    }
  }

  newHot(c: Cold, mono: number): Hot {
    const h: Hot = Object.create(HOT_DEFAULTS);
    h.s = c.s;
    // an ordinary string: E.toString would make a flat one, and the two
    // substr calls per message (hotKeys) are slow on those in Espruino
    h.k = c.k ? String.fromCharCode.apply(null, fromHex(c.k) as any) : '';
    h.g = c.g.substr(0, 8);
    if (c.a) h.al = ',' + c.a.join(',') + ',';
    h.bt = mono;
    return h;
  }

  /** The flash record of `id`, read back from the newest registry slot. */
  cold(id: string): Cold | undefined {
    const text = this.reg.raw();
    if (!text) return undefined;
    const at = text.indexOf('\n{"id":' + JSON.stringify(id) + ',');
    if (at < 0) return undefined;
    let end = text.indexOf('\n', at + 1);
    if (end < 0) end = text.length;
    try {
      return JSON.parse(text.substring(at + 1, end));
    } catch (e) {
      return undefined;
    }
  }

  /** Every flash record, in registry order. */
  colds(): Cold[] {
    const out: Cold[] = [];
    const text = this.reg.raw();
    if (!text) return out;
    const lines = text.split('\n');
    lines[0] = ''; // the slot header
    for (let i = 0; i < lines.length; i++)
      if (lines[i])
        try {
          out.push(JSON.parse(lines[i]));
        } catch (e) {
          // skipped: cannot happen in a slot whose check passed
        }
    return out;
  }

  /**
   * Replaces (or with `c` undefined, deletes) the flash record of `id` and
   * writes the registry. false when Storage refused the write.
   */
  putCold(id: string, c: Cold | undefined): boolean {
    const list = this.colds();
    let body = '';
    let found = false;
    for (let i = 0; i < list.length; i++) {
      let r: Cold | undefined = list[i];
      if (r.id === id) {
        found = true;
        r = c;
      }
      if (r) body += '\n' + JSON.stringify(r);
    }
    if (!found && c) body += '\n' + JSON.stringify(c);
    return this.reg.write(body);
  }

  addPending(id: string, p: Pending): void {
    if (!this.pending['#' + id]) this.pendingCount++;
    this.pending['#' + id] = p;
  }

  dropPending(id: string): void {
    if (this.pending['#' + id]) {
      this.pendingCount--;
      delete this.pending['#' + id];
    }
  }

  /** Marks the state (nonces, last seen) as changed: written within STATE_EVERY_S. */
  touch(): void {
    this.dirty = true;
  }

  /** Writes the state file now (when a reserve runs out, on clean events). */
  saveState(mono: number): boolean {
    let s = '{';
    for (const k in this.hot) {
      const h = this.hot[k];
      if (!h.k) continue;
      if (s.length > 1) s += ',';
      s += JSON.stringify(k.substr(1)) + ':[' + h.r + ',' + h.R + ',' + h.w + ',"' + h.g + '"]';
    }
    const ok = this.st.write(s + '}');
    if (ok) {
      this.dirty = false;
      this.stateAt = mono;
    }
    return ok;
  }

  /** Write-behind: called from the gateway's periodic sweep. */
  maybeSaveState(mono: number): void {
    if (this.dirty && mono - this.stateAt >= STATE_EVERY_S) this.saveState(mono);
  }
}

/** The session keys held in a hot record, as byte strings (the envelope calls take them as they are). */
export function hotKeys(h: Hot): { hmacKey: string; encKey: string } {
  return { hmacKey: h.k.substr(0, 32), encKey: h.k.substr(32) };
}
