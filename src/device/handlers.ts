// The device's methods the gateway may call (DeviceCore.handle) and running
// one: exactly one response per request, and none once the session the
// request came in has ended (it would go out under another session's keys).
import { INTERNAL_ERROR, METHOD_NOT_FOUND } from '../protocol/constants';
import { errorText, resultText } from '../protocol/jsonrpc';
import type { RpcId } from '../protocol/jsonrpc';
import type { CallCallback, Handler } from './api';

export interface Handlers {
  add(method: string, fn: Handler): void;
  /** Runs `method`; `respond` gets the JSON-RPC response text, once. */
  run(id: RpcId, method: string, params: unknown, respond: (text: string) => void): void;
  /** The session ended: responses still to come are dropped. */
  endSession(): void;
}

export function createHandlers(): Handlers {
  const table: { [method: string]: Handler } = {};
  let generation = 0;

  return {
    add: function (method, fn) {
      table[method] = fn;
    },
    run: function (id, method, params, respond) {
      let done = false;
      const gen = generation;
      const reply: CallCallback = function (err, result) {
        if (done || gen !== generation) return;
        done = true;
        respond(err ? errorText(id, typeof err.code === 'number' ? err.code : INTERNAL_ERROR, String(err.message), err.data) : resultText(id, result));
      };
      if (!Object.prototype.hasOwnProperty.call(table, method)) return reply({ code: METHOD_NOT_FOUND, message: 'method not found' });
      try {
        table[method](params, reply);
      } catch (e) {
        reply({ code: INTERNAL_ERROR, message: 'handler failed: ' + e });
      }
    },
    endSession: function () {
      generation++;
    },
  };
}
