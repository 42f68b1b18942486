// The device registry. RAM holds only what every message needs (the "hot"
// record: keys, counters, status); the rest of a session (name, public keys,
// PSK hash, allow-list, approval time) stays in the flash copy of the
// registry and is read back by device id when a connect request or an admin
// query needs it. That keeps RAM per approved device small on the ESP32.
// The records themselves are defined in records.ts.
//
// Flash files (crash-safe slots, see store.ts):
//   gw.reg  one line per device: {"id","n","pk","g","k","p","a","t","s"}
//           written when an admin action (or a PSK re-key) changes it;
//   gw.st   nonce high-water marks, send-counter reserves and last-seen
//           times, written behind (at most every limits.nonce_flush_s
//           seconds) and right away when a send reserve runs out.
import { freeHot, hasSession, highNonceFromDevice, lastSeen, markUnfresh, newHot, restoreState, sendCounter, sessionTag } from './records';
import type { Cold, Hot, Pending } from './records';
import { SlotFile, splitLines } from './store';
import type { StorageLike } from './store';

export interface Registry {
  /** Boot: rebuilds RAM from flash. Restored sessions are not fresh (docs/protocol.md §6). */
  load(mono: number): void;
  /** The RAM record of a registered (approved or revoked) device. */
  record(id: string): Hot | undefined;
  setRecord(id: string, h: Hot): void;
  dropRecord(id: string): void;
  eachRecord(fn: (id: string, h: Hot) => void): void;
  /** The connect request of `id` waiting for the admin. */
  request(id: string): Pending | undefined;
  addPending(id: string, p: Pending): void;
  dropPending(id: string): void;
  eachRequest(fn: (id: string, p: Pending) => void): void;
  pendingCount(): number;
  /** The flash record of `id`, read back from the newest registry slot. */
  cold(id: string): Cold | undefined;
  /**
   * Replaces (or with `c` undefined, deletes) the flash record of `id` and
   * writes the registry. false when Storage refused the write.
   */
  putCold(id: string, c: Cold | undefined): boolean;
  /** Marks the state (nonces, last seen) as changed: written by the next maybeSaveState. */
  touch(): void;
  /** Writes the state file now (when a send reserve runs out, on clean events). */
  saveState(mono: number): boolean;
  /** Write-behind: called from the gateway's tick(). */
  maybeSaveState(mono: number, everyS: number): void;
}

export function createRegistry(storage: StorageLike): Registry {
  // Both maps are keyed '#' + device id: a device id such as "constructor" or
  // "__proto__" (valid by its charset) must not meet an object's built-ins.
  const hot: { [key: string]: Hot } = {};
  const pending: { [key: string]: Pending } = {};
  let pendingCount = 0;
  const regFile = new SlotFile(storage, 'gw.reg');
  const stateFile = new SlotFile(storage, 'gw.st');
  let dirty = false;
  let stateAt = 0;

  function load(mono: number): void {
    const body = regFile.read();
    let state: { [id: string]: [number, number, number, string] } = {}; // id → [r, R, w, g]
    const sbody = stateFile.read();
    if (sbody)
      try {
        state = JSON.parse(sbody);
      } catch (e) {
        // a valid slot always holds JSON; nothing to restore otherwise
      }
    if (!body) return;
    const lines = splitLines(body);
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i]) continue;
      let c: Cold;
      try {
        c = JSON.parse(lines[i]);
      } catch (e) {
        continue;
      }
      const h = newHot(c, mono);
      markUnfresh(h);
      const e = state.hasOwnProperty(c.id) ? state[c.id] : undefined; // [r, R, w, g]
      if (e && hasSession(h) && e[3] === sessionTag(h)) restoreState(h, e[0], e[1], e[2]);
      hot['#' + c.id] = h;
    }
  }

  function cold(id: string): Cold | undefined {
    const text = regFile.raw();
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

  // Every flash record, in registry order.
  function colds(): Cold[] {
    const out: Cold[] = [];
    const text = regFile.raw();
    if (!text) return out;
    const lines = splitLines(text);
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

  function putCold(id: string, c: Cold | undefined): boolean {
    const list = colds();
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
    return regFile.write(body);
  }

  function saveState(mono: number): boolean {
    let s = '{';
    for (const k in hot) {
      const h = hot[k];
      if (!hasSession(h)) continue;
      if (s.length > 1) s += ',';
      s += JSON.stringify(k.substr(1)) + ':[' + highNonceFromDevice(h) + ',' + sendCounter(h).reserved + ',' + lastSeen(h) + ',"' + sessionTag(h) + '"]';
    }
    const ok = stateFile.write(s + '}');
    if (ok) {
      dirty = false;
      stateAt = mono;
    }
    return ok;
  }

  return {
    load: load,
    record: function (id) {
      return hot['#' + id];
    },
    setRecord: function (id, h) {
      const old = hot['#' + id];
      if (old && old !== h) freeHot(old);
      hot['#' + id] = h;
    },
    dropRecord: function (id) {
      const old = hot['#' + id];
      if (old) freeHot(old);
      delete hot['#' + id];
    },
    eachRecord: function (fn) {
      for (const k in hot) fn(k.substr(1), hot[k]);
    },
    request: function (id) {
      return pending['#' + id];
    },
    addPending: function (id, p) {
      if (!pending['#' + id]) pendingCount++;
      pending['#' + id] = p;
    },
    dropPending: function (id) {
      if (pending['#' + id]) {
        pendingCount--;
        delete pending['#' + id];
      }
    },
    eachRequest: function (fn) {
      for (const k in pending) fn(k.substr(1), pending[k]);
    },
    pendingCount: function () {
      return pendingCount;
    },
    cold: cold,
    putCold: putCold,
    touch: function () {
      dirty = true;
    },
    saveState: saveState,
    maybeSaveState: function (mono, everyS) {
      if (dirty && mono - stateAt >= everyS) saveState(mono);
    },
  };
}
