// Response text for the admin server and the WebSocket upgrade: every
// response closes its connection (no keep-alive: one socket, one request).
import { stringifyJson } from '../../protocol/jsonrpc';

const REASONS: { [status: string]: string } = {
  200: 'OK',
  101: 'Switching Protocols',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  426: 'Upgrade Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Status line and header fields of a response (ends with the blank line). */
export function responseHead(status: number, headers: { [h: string]: string }): string {
  let s = 'HTTP/1.1 ' + status + ' ' + (REASONS[status] || 'Status') + '\r\n';
  for (const k in headers) s += k + ': ' + headers[k] + '\r\n';
  return s + '\r\n';
}

/** The whole text of a JSON answer that closes the connection. */
export function jsonResponse(status: number, obj: unknown, extra?: { [h: string]: string }): string {
  const body = stringifyJson(obj); // UTF-8 text stays raw bytes
  const h = extra || {};
  h['Content-Type'] = 'application/json';
  h['Cache-Control'] = 'no-store';
  h['Content-Length'] = String(body.length);
  h['Connection'] = 'close';
  return responseHead(status, h) + body;
}

