// Drives the admin console like a browser would: keeps cookies, reads the CSRF field, posts forms; signs in
// with an authenticator code (see console-mfa.ts).
import type { Hono } from 'hono';
import type { AppEnv } from '../../src/app-env';
import { consoleCodeFor } from './console-mfa';

export function consoleBrowser(
  app: Hono<AppEnv>,
  { headers = {} as Record<string, string>, sourceIp = undefined as string | undefined } = {},
) {
  // As the Function URL reports the caller's address (S48), when a test sets one.
  const env = sourceIp ? { event: { requestContext: { http: { sourceIp } } } } : undefined;
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value] = (pair as string).split('=') as [string, string];
      if (/Max-Age=0/.test(line) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  };
  async function get(path: string) {
    const res = await app.request(path, { headers: { ...headers, cookie: cookieHeader() } }, env);
    remember(res);
    return { res, html: await res.text() };
  }
  async function post(path: string, fields: Record<string, string>, extra: Record<string, string> = {}) {
    const res = await app.request(
      path,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/x-www-form-urlencoded',
          cookie: cookieHeader(),
          ...extra,
        },
        body: new URLSearchParams(fields).toString(),
      },
      env,
    );
    remember(res);
    return { res, html: await res.text() };
  }
  const csrfFrom = (html: string) => /name="csrf_token" value="([^"]+)"/.exec(html)?.[1] ?? '';
  let signedInAs = '';
  async function signIn(email: string, password: string, next = '') {
    signedInAs = email;
    const page = await get(`/admin/login${next}`);
    const code = await consoleCodeFor(email);
    return post(`/admin/login${next}`, { csrf_token: csrfFrom(page.html), email, password, code });
  }
  /** Confirms a fresh code (the console's step-up): sensitive actions then pass for five minutes. */
  async function stepUp() {
    const page = await get('/admin/step-up');
    return post('/admin/step-up', {
      csrf_token: csrfFrom(page.html),
      code: await consoleCodeFor(signedInAs),
    });
  }
  return { get, post, signIn, stepUp, csrfFrom, jar };
}
