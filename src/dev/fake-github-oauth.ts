// GitHub's OAuth app flow and the two user endpoints sign-in reads, for make dev and the tests only (S50). The real
// authorize page asks who you are on github.com; this one lets you type the account (and whether its primary email
// is verified). Codes are single use and bound to the client, redirect URI and PKCE challenge, as GitHub's are;
// a wrong client secret or verifier is refused with GitHub's 200-with-error answer.
import { createHash, randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { escapeHtml } from '../core/html';

type Account = { id: number; login: string; name: string; email: string; verified: boolean };
type PendingCode = {
  clientId: string;
  redirectUri: string;
  challenge?: string;
  account: Account;
  expiresAt: number;
};

export function createFakeGitHubOAuth() {
  const clients = new Map<string, { secret: string; callback: string }>();
  const codes = new Map<string, PendingCode>();
  const tokens = new Map<string, Account>();
  const accounts = new Map<string, Account>();
  let nextId = 1000;

  const accountFor = (login: string, email: string, verified: boolean) => {
    const known = accounts.get(login);
    const account = { id: known?.id ?? nextId++, login, name: login, email, verified };
    accounts.set(login, account);
    return account;
  };

  const app = new Hono();
  const csp = "default-src 'none'; style-src 'unsafe-inline'; form-action *; frame-ancestors 'none'";

  app.get('/dev/github/login/oauth/authorize', (c) => {
    const q = c.req.query();
    const client = clients.get(q.client_id ?? '');
    if (!client) return c.html('<h1>Fake GitHub: unknown client_id</h1>', 404);
    if (!q.redirect_uri?.startsWith(client.callback))
      return c.html('<h1>Fake GitHub: redirect_uri mismatch</h1>', 400);
    c.header('content-security-policy', csp);
    const hidden = ['client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method']
      .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(q[name] ?? '')}">`)
      .join('');
    return c.html(`<!doctype html><html lang="en"><meta charset="utf-8"><title>Authorize - Fake GitHub</title>
<style>body{font:16px system-ui;max-width:26rem;margin:4rem auto;padding:0 1rem}label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=email]{width:100%;padding:.4rem}button{margin-top:1rem;padding:.5rem 1rem}</style>
<h1>Fake GitHub</h1><p>The stand-in for github.com in make dev: authorize the app as the account you type.</p>
<form method="post" action="/dev/github/login/oauth/authorize">${hidden}
<label for="login">Username</label><input id="login" name="login" type="text" required value="octo-demo">
<label for="email">Primary email</label><input id="email" name="email" type="email" required value="demo-user@example.com">
<label><input name="unverified" type="checkbox"> This email is not verified</label>
<button type="submit">Authorize</button></form></html>`);
  });

  app.post('/dev/github/login/oauth/authorize', async (c) => {
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
    const client = clients.get(field('client_id'));
    if (!client || !field('redirect_uri').startsWith(client.callback)) return c.text('bad request', 400);
    const code = randomBytes(10).toString('hex');
    codes.set(code, {
      clientId: field('client_id'),
      redirectUri: field('redirect_uri'),
      challenge: field('code_challenge') || undefined,
      account: accountFor(
        field('login') || 'octo-demo',
        field('email').toLowerCase(),
        form.unverified !== 'on',
      ),
      expiresAt: Date.now() + 600_000,
    });
    const back = new URL(field('redirect_uri'));
    back.searchParams.set('code', code);
    back.searchParams.set('state', field('state'));
    return c.redirect(back.toString(), 302);
  });

  app.post('/dev/github/login/oauth/access_token', async (c) => {
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
    const pending = codes.get(field('code'));
    codes.delete(field('code'));
    const client = clients.get(field('client_id'));
    const verifierOk =
      !pending?.challenge ||
      createHash('sha256').update(field('code_verifier')).digest('base64url') === pending.challenge;
    if (!client || client.secret !== field('client_secret'))
      return c.json({ error: 'incorrect_client_credentials' });
    if (
      !pending ||
      pending.expiresAt < Date.now() ||
      pending.clientId !== field('client_id') ||
      !verifierOk
    ) {
      return c.json({ error: 'bad_verification_code' });
    }
    if (field('redirect_uri') && field('redirect_uri') !== pending.redirectUri)
      return c.json({ error: 'redirect_uri_mismatch' });
    const token = `gho_${randomBytes(18).toString('hex')}`;
    tokens.set(token, pending.account);
    return c.json({ access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
  });

  const userOf = (authorization: string | undefined) =>
    tokens.get((authorization ?? '').replace(/^(token|bearer)\s+/i, ''));
  app.get('/dev/github/api/user', (c) => {
    const account = userOf(c.req.header('authorization'));
    if (!account) return c.json({ message: 'Bad credentials' }, 401);
    return c.json({ id: account.id, login: account.login, name: account.name, email: null });
  });
  app.get('/dev/github/api/user/emails', (c) => {
    const account = userOf(c.req.header('authorization'));
    if (!account) return c.json({ message: 'Bad credentials' }, 401);
    return c.json([
      { email: account.email, primary: true, verified: account.verified, visibility: 'private' },
      {
        email: `${account.id}+${account.login}@users.noreply.github.com`,
        primary: false,
        verified: true,
        visibility: null,
      },
    ]);
  });

  return {
    app,
    /** Registers an OAuth app: its secret and the callback URL its redirect_uri must start with. */
    addClient: (clientId: string, secret: string, callback: string) =>
      clients.set(clientId, { secret, callback }),
  };
}
