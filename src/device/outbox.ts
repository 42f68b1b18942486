// What the device sent and may still have to settle or send again: calls
// awaiting their response, each with a deadline and at most one repeat with
// the gateway's echo, and the notifications of the last few seconds, resent
// with the echo when a restarted gateway asks for it (docs/protocol.md §6).
import type { CallCallback } from './api';

export interface PendingCall {
  /** the JSON-RPC id: the nonce the call first went out with */
  id: number;
  method: string;
  /** the request as sent, for the repeat with the echo */
  text: string;
  cb: CallCallback;
  /** ms (the core's clock) after which the call has timed out */
  due: number;
  /** repeated with the echo already: a second −32010 is final */
  echoed: boolean;
}

/** Notifications kept this long, and this many at most, for a resend with the echo. */
const ECHO_WINDOW_MS = 10000;
const ECHO_KEEP = 4;

export interface Outbox {
  /** calls awaiting their response */
  size(): number;
  add(call: PendingCall): void;
  find(id: unknown): PendingCall | undefined;
  remove(call: PendingCall): void;
  /** Removes and returns the calls past their deadline. */
  late(now: number): PendingCall[];
  /** Removes and returns every call (the session ended). */
  clear(): PendingCall[];
  /** A notification just sent. */
  sent(text: string, now: number): void;
  /** Removes and returns the notifications kept, oldest first. */
  takeRecent(): string[];
  /** Forgets notifications older than the echo window. */
  age(now: number): void;
}

export function createOutbox(): Outbox {
  let calls: PendingCall[] = [];
  let recent: { at: number; text: string }[] = [];

  return {
    size: function () {
      return calls.length;
    },
    add: function (call) {
      calls.push(call);
    },
    find: function (id) {
      for (let i = 0; i < calls.length; i++) if (calls[i].id === id) return calls[i];
      return undefined;
    },
    remove: function (call) {
      calls.splice(calls.indexOf(call), 1);
    },
    late: function (now) {
      const late: PendingCall[] = [];
      for (let i = 0; i < calls.length; i++) if (calls[i].due <= now) late.push(calls.splice(i--, 1)[0]);
      return late;
    },
    clear: function () {
      const all = calls;
      calls = [];
      recent = [];
      return all;
    },
    sent: function (text, now) {
      recent.push({ at: now, text: text });
      if (recent.length > ECHO_KEEP) recent.shift();
    },
    takeRecent: function () {
      const texts: string[] = [];
      for (let i = 0; i < recent.length; i++) texts.push(recent[i].text);
      recent = [];
      return texts;
    },
    age: function (now) {
      while (recent.length && recent[0].at + ECHO_WINDOW_MS < now) recent.shift();
    },
  };
}
