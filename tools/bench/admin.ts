// A minimal client of the gateway's admin API (ADMIN-API.md): log in, then
// JSON requests with the bearer token; an error status throws with the API's
// message.
export interface Admin {
  token: string;
  request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<any>;
}

async function call(base: string, method: string, path: string, body: unknown, token?: string): Promise<any> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    throw new Error(`${method} ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 80)}`);
  }
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${json?.error?.message ?? text.slice(0, 80)}`);
  return json;
}

export async function adminLogin(base: string, password: string): Promise<Admin> {
  const { token } = await call(base, 'POST', '/api/login', { password });
  return { token, request: (method, path, body) => call(base, method, path, body, token) };
}
