// JSON-RPC 2.0 over the admin WebSocket: one text message in, the admin core
// runs it, one response text out (none for notifications). Sans I/O.
import type { AdminCore } from '../admin/types';
import { errorText, parseJson } from '../../protocol/jsonrpc';
import { contains, isNum, isStr } from '../../protocol/bytes';

// The methods ADMIN-API.md names for /ws, plus device.get. Anything else (password
// and config changes stay on the REST routes) is -32601 without reaching the core.
var METHODS = '|devices.list|device.get|device.approve|device.reject|device.revoke|device.remove|device.setMethods|device.call|status|security|';

/**
 * Runs the JSON-RPC message `text` on `core`. `respond` is called exactly once,
 * with the response JSON, or with "" for a notification (nothing to send).
 * `busy`: the client has too many requests running; answer 429 instead.
 * Core errors map to -32602 (HTTP 400) or -32000 (any other status), with
 * `data: {status, code}` carrying the HTTP status and ADMIN-API error word.
 */
export function runRequest(core: AdminCore, text: string, busy: boolean, respond: (json: string) => void): void {
  var m: any = parseJson(text);
  if (m === undefined) {
    respond(errorText(null, -32700, 'Parse error: send one JSON-RPC 2.0 object per message'));
    return;
  }
  var id = m && typeof m == 'object' ? m.id : null;
  var notification = id === undefined;
  if (
    !m || typeof m != 'object' || m.jsonrpc != '2.0' || !isStr(m.method) ||
    (!notification && id !== null && !isNum(id) && !isStr(id))
  ) {
    respond(errorText(null, -32600, 'Invalid request: send {"jsonrpc":"2.0","id":1,"method":"status"}'));
    return;
  }
  if (m.method.indexOf('|') >= 0 || !contains(METHODS, '|' + m.method + '|')) {
    respond(notification ? '' : errorText(id, -32601, 'Unknown method ' + m.method));
    return;
  }
  if (busy) {
    respond(notification ? '' : errorText(id, -32000, 'Too many requests at once: wait for the answers', { status: 429, code: 'rate_limited' }));
    return;
  }
  try {
    core.call(m.method, m.params === undefined ? {} : m.params, function (err, result) {
      if (notification) respond('');
      else if (err) respond(errorText(id, err.status == 400 ? -32602 : -32000, err.message, { status: err.status, code: err.code }));
      else respond(JSON.stringify({ jsonrpc: '2.0', id: id, result: result === undefined ? null : result }));
    });
  } catch (e) {
    respond(notification ? '' : errorText(id, -32603, 'Internal error'));
  }
}
