// The packets a client sent and awaits an acknowledgement for — QoS 1
// PUBLISHes (PUBACK) and SUBSCRIBEs (SUBACK) — and the packet ids they hold.
import type { Subscription } from './codec';

/** A QoS 1 PUBLISH until its PUBACK; `sent` once it went out (a resend sets DUP). */
export interface Outgoing {
  id: number;
  topic: string;
  payload: string;
  retain: boolean;
  sent: boolean;
}

/** A SUBSCRIBE until its SUBACK. */
export interface PendingSubscribe {
  id: number;
  topics: Subscription[];
}

/** The packet id after `last` (1..65535, wrapping) that no awaited packet holds. */
export function freeId(last: number, publishes: Outgoing[], subscribes: PendingSubscribe[]): number {
  for (;;) {
    last = (last % 65535) + 1;
    let used = false;
    for (let i = 0; i < publishes.length; i++) if (publishes[i].id === last) used = true;
    for (let i = 0; i < subscribes.length; i++) if (subscribes[i].id === last) used = true;
    if (!used) return last;
  }
}

/** Removes and returns the awaited packet with id `id`, if any. */
export function takeById<T extends { id: number }>(list: T[], id: number | undefined): T | undefined {
  for (let i = 0; i < list.length; i++)
    if (list[i].id === id) {
      const found = list[i];
      list.splice(i, 1);
      return found;
    }
  return undefined;
}
