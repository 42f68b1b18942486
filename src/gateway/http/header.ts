// Request header lookup, shared by the HTTP routes and the WebSocket upgrade.

/**
 * The value of header `name` (given in lower case): Espruino keeps the
 * client's case, so the match ignores it. undefined when absent.
 */
export function header(headers: any, name: string): string | undefined {
  for (const k in headers) if (k.toLowerCase() === name) return String(headers[k]);
  return undefined;
}
