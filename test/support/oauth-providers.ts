// The two providers sign-in talks to, on loopback: the local OIDC server in Google's role (panva's oidc-provider)
// and the fake GitHub OAuth app, plus a browser-less user agent that walks their sign-in forms with cookies.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { createFakeGitHubOAuth } from '../../src/dev/fake-github-oauth';
import { createLocalOidc } from '../../src/dev/local-oidc';

export const GOOGLE_CLIENT = { id: 'google-client-test', secret: 'google-secret-test' };
export const GITHUB_CLIENT = { id: 'github-client-test', secret: 'github-secret-test' };

/** Starts both on one loopback port and points the app's provider settings at them. */
export async function startProviders(publicBaseUrl: string) {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const google = await createLocalOidc({
    issuer: `${base}/dev/google`,
    mountPath: '/dev/google',
    clients: [
      {
        clientId: GOOGLE_CLIENT.id,
        clientSecret: GOOGLE_CLIENT.secret,
        redirectUris: [`${publicBaseUrl}/auth/oauth/google/callback`],
      },
    ],
  });
  const github = createFakeGitHubOAuth();
  github.addClient(GITHUB_CLIENT.id, GITHUB_CLIENT.secret, `${publicBaseUrl}/auth/oauth/github/callback`);
  const githubListener = getRequestListener(github.app.fetch);
  server.on('request', (req, res) => {
    if (!google.handle(req, res)) void githubListener(req, res);
  });
  server.unref();
  process.env.OAUTH_GOOGLE_ISSUER = `${base}/dev/google`;
  process.env.OAUTH_GITHUB_URL = `${base}/dev/github`;
  process.env.OAUTH_GITHUB_API_URL = `${base}/dev/github/api`;
  return { base, google, github, close: () => server.close() };
}

export type Who = { email: string; name?: string; unverified?: boolean; login?: string };

/**
 * Follows a provider's authorization URL as a browser would (cookies, redirects, the sign-in form) and returns the
 * URL the provider finally sends the browser to: the app's callback with code and state.
 */
export async function signInAtProvider(authorizeUrl: string, who: Who): Promise<URL> {
  const jar = new Map<string, string>();
  const send = async (url: string, init: RequestInit = {}) => {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers ?? {}), cookie },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = (pair ?? '').split('=');
      if (name) jar.set(name.trim(), value.join('='));
    }
    return res;
  };
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  let url = authorizeUrl;
  for (let hop = 0; hop < 10; hop++) {
    const res = await send(url);
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location') as string, url);
      if (next.searchParams.has('state') && next.pathname.includes('/callback')) return next;
      url = next.toString();
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`provider answered ${res.status}: ${html.slice(0, 300)}`);
    const fields: Record<string, string> = {
      email: who.email,
      name: who.name ?? 'Test User',
      login: who.login ?? 'octo-test',
    };
    for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      fields[name as string] = (value as string).replaceAll('&amp;', '&');
    }
    if (who.unverified) fields.unverified = 'on';
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
    if (!action) throw new Error(`no sign-in form at ${url}`);
    const posted = await send(new URL(action, url).toString(), form(fields));
    const next = new URL(posted.headers.get('location') as string, url);
    if (next.searchParams.has('state') && next.pathname.includes('/callback')) return next;
    url = next.toString();
  }
  throw new Error('too many redirects at the provider');
}
