// JSON-RPC 2.0 over the admin WebSocket: one text message in, the admin core
// runs it, one response text out (none for notifications). Sans I/O.
import type { AdminCore } from '../admin/types';
import { errorText, parseJson } from '../../protocol/jsonrpc';
import { isNum, isStr } from '../../protocol/bytes';
import { offeredOverWs } from '../http/routes';
import { INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR } from '../../protocol/constants';

/** JSON-RPC's server-error code for an admin API error; `data` says which. */
const ADMIN_ERROR = -32000;

/**
 * Runs the JSON-RPC message `text` on `core`. `respond` is called exactly once,
 * with the response JSON, or with "" for a notification (nothing to send).
 * `busy`: the client has too many requests running; answer 429 instead.
 * Core errors map to -32602 (HTTP 400) or -32000 (any other status), with
 * `data: {status, code}` carrying the HTTP status and the admin API error word.
 */
export function runRequest(core: AdminCore, text: string, busy: boolean, respond: (json: string) => void): void {
  var m: any = parseJson(text);
  if (m === undefined) {
    respond(errorText(null, PARSE_ERROR, 'Parse error: send one JSON-RPC 2.0 object per message'));
    return;
  }
  var id = m && typeof m == 'object' ? m.id : null;
  var notification = id === undefined;
  if (
    !m || typeof m != 'object' || m.jsonrpc !== '2.0' || !isStr(m.method) ||
    (!notification && id !== null && !isNum(id) && !isStr(id))
  ) {
    respond(errorText(null, INVALID_REQUEST, 'Invalid request: send {"jsonrpc":"2.0","id":1,"method":"status"}'));
    return;
  }
  // the methods of the routes marked "ws"; password and config changes stay on
  // the REST routes: anything else is -32601 without reaching the core
  if (!offeredOverWs(m.method)) {
    respond(notification ? '' : errorText(id, METHOD_NOT_FOUND, 'Unknown method ' + m.method));
    return;
  }
  if (busy) {
    respond(notification ? '' : errorText(id, ADMIN_ERROR, 'Too many requests at once: wait for the answers', { status: 429, code: 'rate_limited' }));
    return;
  }
  try {
    core.call(m.method, m.params === undefined ? {} : m.params, function (err, result) {
      if (notification) respond('');
      else if (err) respond(errorText(id, err.status == 400 ? INVALID_PARAMS : ADMIN_ERROR, err.message, { status: err.status, code: err.code }));
      else respond(JSON.stringify({ jsonrpc: '2.0', id: id, result: result === undefined ? null : result }));
    });
  } catch (e) {
    respond(notification ? '' : errorText(id, INTERNAL_ERROR, 'Internal error'));
  }
}
