// The login slow-down of docs/admin-api.md, kept per client address so that one
// guessing client does not lock the admin out: after FREE_FAILS failures
// within WINDOW_S from one address, that address gets one password check per
// SPACING_S. Attempts beyond that wait their turn (up to MAX_WAIT_S ahead,
// holding their connection) or get 429. A correct password clears the record.
// Firmware that cannot tell addresses apart (stock 2v29) gives every client
// the address "": all share one record, and a waiting turn rather than an
// instant 429 is what lets the admin in between a stranger's guesses.
// Sans I/O: times in, decisions out.

const WINDOW_S = 60;
const FREE_FAILS = 5;
const SPACING_S = 1;
const MAX_WAIT_S = 4;
const MAX_CLIENTS = 16; // addresses remembered; the stalest goes first

interface ClientRecord {
  fails: number[]; // times of recent failures
  next: number; // earliest time of the next check (once slowed down)
  seen: number; // last activity, for eviction
}

export class LoginGuard {
  private byClient: { [key: string]: ClientRecord } = {};
  private count = 0;

  private record(client: string, now: number): ClientRecord {
    const key = '#' + client; // "__proto__" and friends stay plain keys
    let r = this.byClient[key];
    if (!r) {
      if (this.count >= MAX_CLIENTS) this.evict();
      r = this.byClient[key] = { fails: [], next: 0, seen: now };
      this.count++;
    }
    r.seen = now;
    return r;
  }

  private evict(): void {
    let oldest = '';
    for (const k in this.byClient) if (!oldest || this.byClient[k].seen < this.byClient[oldest].seen) oldest = k;
    delete this.byClient[oldest];
    this.count--;
  }

  /**
   * When `client` may have its password checked: 0 now, n > 0 in n seconds
   * (the turn is reserved), or -n: refused, try again in n seconds.
   */
  turn(client: string, now: number): number {
    const r = this.record(client, now);
    const recent: number[] = [];
    for (let i = 0; i < r.fails.length; i++) if (r.fails[i] > now - WINDOW_S) recent.push(r.fails[i]);
    r.fails = recent;
    if (recent.length < FREE_FAILS) return 0;
    const at = Math.max(now, r.next);
    if (at - now > MAX_WAIT_S) return -Math.ceil(at - now - MAX_WAIT_S);
    r.next = at + SPACING_S;
    return at - now;
  }

  /** The outcome of a check that turn() allowed. */
  result(client: string, ok: boolean, now: number): void {
    const r = this.record(client, now);
    if (ok) {
      r.fails = [];
      r.next = 0;
    } else if (r.fails.length < FREE_FAILS * 4) r.fails.push(now);
  }
}
