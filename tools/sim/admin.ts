// A small client of the gateway's admin API (docs/admin-api.md): log in once,
// then JSON requests with the bearer token. Errors carry the API's message and
// HTTP status. Used by the simulator, the bench and the device tests.
export interface AdminClient {
  /** The session's bearer token (also for GET /ws). */
  token: string;
  get(path: string): Promise<any>;
  post(path: string, body?: unknown): Promise<any>;
  put(path: string, body: unknown): Promise<any>;
  del(path: string): Promise<any>;
  devices(): Promise<any[]>;
  device(id: string): Promise<any | undefined>;
  security(): Promise<Record<string, number>>;
}

/**
 * Logs in at `base` (e.g. "http://127.0.0.1:8080"). A request answered 408 or
 * 503 is sent again, up to `attempts` times in all: the gateway has few
 * sockets and sheds load. The bench passes 1, so what it counts and times is
 * the gateway's first answer. A request gives up after `timeoutMs` (a gateway
 * on stock firmware approves in pure-JS X25519: seconds).
 */
export async function adminLogin(base: string, password: string, attempts = 4, timeoutMs = 15000): Promise<AdminClient> {
  async function request(method: string, path: string, body?: unknown, token?: string): Promise<any> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(method, path, body, token);
      } catch (e: any) {
        if (attempt >= attempts || (e.status !== 408 && e.status !== 503)) throw e;
        await new Promise((r) => setTimeout(r, 300 * attempt));
      }
    }
  }
  async function once(method: string, path: string, body?: unknown, token?: string): Promise<any> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = 'Bearer ' + token;
    const res = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new Error(`${method} ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 80)}`);
    }
    if (!res.ok) {
      const err: any = new Error(`${method} ${path}: HTTP ${res.status} ${json?.error?.message ?? text.slice(0, 80)}`);
      err.status = res.status;
      err.body = json;
      throw err;
    }
    return json;
  }
  const login = await request('POST', '/api/login', { password });
  const token: string = login.token;
  const client: AdminClient = {
    token,
    get: (path) => request('GET', path, undefined, token),
    post: (path, body) => request('POST', path, body ?? {}, token),
    put: (path, body) => request('PUT', path, body, token),
    del: (path) => request('DELETE', path, undefined, token),
    devices: () => client.get('/api/devices'),
    async device(id) {
      try {
        return await client.get('/api/devices/' + encodeURIComponent(id));
      } catch (e: any) {
        if (e.status === 404) return undefined;
        throw e;
      }
    },
    async security() {
      return (await client.get('/api/security')).counters;
    },
  };
  return client;
}

/** Each counter's increase from `before` to `after` (only the ones that moved). */
export function counterDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const d: Record<string, number> = {};
  for (const k of Object.keys(after)) {
    const n = (after[k] || 0) - (before[k] || 0);
    if (n) d[k] = n;
  }
  return d;
}
