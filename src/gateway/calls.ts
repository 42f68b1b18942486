// Gateway → device calls in flight (the admin's call console): each waits
// for the device's sealed response until its deadline, which tick() checks;
// a session that ends fails its calls at once. Sending is the core's job.
import type { RpcId, RpcMessage } from '../protocol/jsonrpc';

/** What a device answered to a gateway → device call. */
export interface CallResult {
  result?: unknown;
  error?: RpcMessage['error'];
}

/** Called exactly once: with timedOut true (no answer, or the session ended), or with the answer. */
export type CallDone = (timedOut: boolean, reply?: CallResult) => void;

interface InFlight {
  /** device id */
  dev: string;
  /** monotonic seconds after which the call has timed out */
  due: number;
  done: CallDone;
}

export interface Calls {
  /** false when MAX_CALLS are in flight already */
  room(): boolean;
  /** A call id unique to this boot, so a replayed old response matches nothing. */
  nextId(): number;
  add(rpcId: number, dev: string, due: number, done: CallDone): void;
  /** A response from device `dev`: settles the call it answers, if that device's. */
  answered(dev: string, rpcId: RpcId, message: RpcMessage): void;
  /** The session of `dev` ended: its calls fail now. */
  endFor(dev: string): void;
  /** Fails the calls whose deadline has passed. */
  expire(mono: number): void;
}

const MAX_CALLS = 8;

/** `firstId`: a random start for call ids (three random bytes × 1000). */
export function createCalls(firstId: number): Calls {
  const list: { [rpcId: string]: InFlight } = {};
  let count = 0;
  let seq = firstId;

  function settle(rpcId: string, reply?: CallResult): void {
    const c = list[rpcId];
    delete list[rpcId];
    count--;
    c.done(!reply, reply);
  }

  // Times out the calls `pick` selects. The ids are listed first: on Espruino
  // a for-in loop ends at a property deleted under it (docs/espruino.md).
  function timeOut(pick: (c: InFlight) => boolean): void {
    const ids = Object.keys(list);
    for (let i = 0; i < ids.length; i++) if (list[ids[i]] && pick(list[ids[i]])) settle(ids[i]);
  }

  return {
    room: function () {
      return count < MAX_CALLS;
    },
    nextId: function () {
      return ++seq;
    },
    add: function (rpcId, dev, due, done) {
      list[rpcId] = { dev: dev, due: due, done: done };
      count++;
    },
    answered: function (dev, rpcId, m) {
      const c = list.hasOwnProperty(rpcId) ? list[rpcId] : undefined;
      if (c && c.dev === dev) settle('' + rpcId, m.error !== undefined ? { error: m.error } : { result: m.result });
    },
    endFor: function (dev) {
      timeOut(function (c) {
        return c.dev === dev;
      });
    },
    expire: function (mono) {
      timeOut(function (c) {
        return c.due <= mono;
      });
    },
  };
}
