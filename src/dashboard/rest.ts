// The REST routes the page uses: login, logout and password (docs/admin-api.md).
import { RpcError } from './live';

export async function rest(method: string, path: string, body?: unknown): Promise<unknown> {
  let r: Response;
  try {
    r = await fetch(path, {
      method,
      // every state change says it sends JSON: the gateway refuses others (cross-site forms)
      headers: method === 'GET' ? {} : { 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new RpcError('The gateway cannot be reached');
  }
  const j = await r.json().catch(() => null);
  if (!r.ok) throw new RpcError((j && j.error && j.error.message) || 'HTTP ' + r.status, r.status);
  return j;
}
