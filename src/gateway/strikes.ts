// Short-lived marks of devices that misbehave now: when each last got a
// −32003 reply (at most one a second, docs/protocol.md §7), and its budget of
// failed decryptions (§5.3: envelopes with fresh nonces that fail the AEAD or
// the HMAC cost a full check each). Only ids marked in the last seconds have
// an entry (prune() forgets the rest), so a device that behaves costs no
// JsVar here: per-device fields of the Hot record are kept for what every
// message needs (records.ts).

/** Failed AEAD/HMAC checks of one device within a second that start a block. */
export const FAIL_BUDGET = 8;
/** Seconds the envelopes of a device over its failure budget are dropped unopened. */
export const BLOCK_S = 5;

interface Mark {
  /** monotonic seconds of the last −32003 reply; -9 none */
  r: number;
  /** the whole second the failures are counted in */
  s: number;
  /** failed checks within second s */
  n: number;
  /** envelopes are dropped unopened until this monotonic time */
  u: number;
}

export interface Strikes {
  /** An over-rate request of `id`: true when it may get its −32003 (at most one a second). */
  mayRefuse(id: string, mono: number): boolean;
  /** An envelope of `id` with a fresh nonce failed the AEAD or the HMAC. */
  failed(id: string, mono: number): void;
  /** true while envelopes of `id` are dropped unopened */
  blocked(id: string, mono: number): boolean;
  /** Forgets the marks that no longer matter (the gateway's tick). */
  prune(mono: number): void;
}

export function createStrikes(): Strikes {
  const marks: { [key: string]: Mark } = {}; // '#' + device id

  function mark(id: string): Mark {
    return marks['#' + id] || (marks['#' + id] = { r: -9, s: -1, n: 0, u: 0 });
  }

  return {
    mayRefuse: function (id, mono) {
      const m = mark(id);
      if (mono - m.r < 1) return false;
      m.r = mono;
      return true;
    },
    failed: function (id, mono) {
      const m = mark(id);
      const s = Math.floor(mono);
      if (m.s !== s) {
        m.s = s;
        m.n = 0;
      }
      if (++m.n >= FAIL_BUDGET) m.u = mono + BLOCK_S;
    },
    blocked: function (id, mono) {
      const m = marks['#' + id];
      return !!m && mono < m.u;
    },
    prune: function (mono) {
      // the keys first: on Espruino a for-in loop ends at a property deleted under it
      const keys = Object.keys(marks);
      for (let i = 0; i < keys.length; i++) {
        const m = marks[keys[i]];
        if (mono - m.r >= 1 && mono >= m.u && Math.floor(mono) !== m.s) delete marks[keys[i]];
      }
    },
  };
}
