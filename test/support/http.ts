// Request helpers for the auth tests: JSON in, {status, body, headers} out, through app.request or the Lambda handler.
import type { Hono } from 'hono';
import type { AppEnv } from '../../src/app-env';

export type Reply = { status: number; body: any; headers: Headers; text: string };

/** `sourceIp`: requests arrive as the Function URL delivers them from that address (S9, S48). */
export function client(app: Hono<AppEnv>, { sourceIp }: { sourceIp?: string } = {}) {
  const env = sourceIp ? { event: { requestContext: { http: { sourceIp } } } } : undefined;
  async function send(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const res = await app.request(path, init, env);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, headers: res.headers, text };
  }
  return {
    send,
    post: (path: string, body?: unknown, headers?: Record<string, string>) =>
      send('POST', path, body, headers),
    get: (path: string, headers?: Record<string, string>) => send('GET', path, undefined, headers),
    delete: (path: string, headers?: Record<string, string>) => send('DELETE', path, undefined, headers),
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const withKey = (apiKey: string) => ({ 'x-api-key': apiKey });
