// A real OpenID Connect provider standing in for Google, for make dev and the tests only (S50): panva's
// oidc-provider (certified OIDC), with a one-form sign-in where you type the Google account you want to be. Sites'
// sign-in code talks to it exactly as to Google: discovery, authorization code + PKCE, token endpoint with a client
// secret, RS256 ID tokens with the nonce, keys from its JWKS. Mounted under a path of the dev server (/dev/google).

import { createHash, generateKeyPairSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml } from '../core/html';

export type LocalOidcClient = { clientId: string; clientSecret: string; redirectUris: string[] };

/** Who the local provider says signed in: the sub is stable per address, like a Google account id. */
const subjectOf = (email: string) =>
  BigInt(`0x${createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 15)}`).toString();

/**
 * The provider at `issuer` (an http(s) URL whose path is `mountPath`), serving `clients`. `signingKey` lets a test
 * mint tokens with the provider's own key (tampered, wrong audience): it is the key the JWKS publishes.
 */
export async function createLocalOidc({
  issuer,
  mountPath,
  clients,
  signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
}: {
  issuer: string;
  mountPath: string;
  clients: LocalOidcClient[];
  signingKey?: Record<string, unknown>;
}) {
  const { default: Provider } = await import('oidc-provider');
  const accounts = new Map<string, { email: string; name: string; verified: boolean }>();
  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    })),
    jwks: { keys: [{ ...signingKey, kid: 'local-google', use: 'sig', alg: 'RS256' }] },
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Google puts email and name in the ID token itself.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    cookies: { keys: ['local-oidc-only-not-a-secret'] },
    interactions: { url: (_ctx, interaction) => `${mountPath}/interaction/${interaction.uid}` },
    // First-party style: no consent screen, the sign-in form is the whole interaction.
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(oidc.client?.clientId ?? '');
      if (grantId) return oidc.provider.Grant.find(grantId);
      if (!oidc.session?.accountId || !oidc.client) return undefined;
      const grant = new oidc.provider.Grant({
        clientId: oidc.client.clientId,
        accountId: oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          email: account.email,
          email_verified: account.verified,
          name: account.name,
        }),
      };
    },
    ttl: {
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AuthorizationCode: 60,
      AccessToken: 600,
      IdToken: 600,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Local Google</title><h1>Local Google: ${escapeHtml(String(out.error))}</h1><p>${escapeHtml(String(out.error_description ?? ''))}</p>`;
    },
  });
  provider.on('server_error', (_ctx, error) => console.error('[local-google]', error));
  const callback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (req.method === 'POST') {
      const form = new URLSearchParams(await bodyOf(req));
      const email = (form.get('email') ?? '').trim().toLowerCase();
      if (!/^[^@\s]+@[^@\s]+$/.test(email)) return page(res, uid, 'Enter an email address');
      const sub = subjectOf(email);
      accounts.set(sub, {
        email,
        name: form.get('name')?.trim() || email.split('@')[0] || email,
        verified: form.get('unverified') !== 'on',
      });
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: sub } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    return page(res, uid);
  }

  function page(res: ServerResponse, uid: string, error?: string) {
    res.writeHead(error ? 422 : 200, {
      'content-type': 'text/html; charset=utf-8',
      // form-action reaches the redirects after the post too: back to whichever app asked, like Google's page.
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action *; frame-ancestors 'none'",
    });
    res.end(`<!doctype html><html lang="en"><meta charset="utf-8"><title>Sign in - Local Google</title>
<style>body{font:16px system-ui;max-width:26rem;margin:4rem auto;padding:0 1rem}label{display:block;margin:.8rem 0 .2rem}input[type=email],input[type=text]{width:100%;padding:.4rem}button{margin-top:1rem;padding:.5rem 1rem}</style>
<h1>Local Google</h1><p>The stand-in for Google in make dev: type the Google account you want to sign in as.</p>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(`${mountPath}/interaction/${uid}`)}">
<label for="email">Email</label><input id="email" name="email" type="email" required autofocus value="demo-user@example.com">
<label for="name">Name</label><input id="name" name="name" type="text" value="Demo User">
<label><input name="unverified" type="checkbox"> Google has not verified this address</label>
<button type="submit">Continue</button></form></html>`);
  }

  /** Node's request listener for paths under mountPath (others are not its business: false). */
  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    if (url !== mountPath && !url.startsWith(`${mountPath}/`)) return false;
    const rest = url.slice(mountPath.length) || '/';
    const uid = /^\/interaction\/([\w-]+)(?:\?.*)?$/.exec(rest)?.[1];
    if (uid) {
      interaction(req, res, uid).catch((error: Error) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`Local Google: ${error.message}`);
      });
      return true;
    }
    req.url = rest;
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
    callback(req, res);
    return true;
  }

  return { provider, handle, signingKey, subjectOf };
}

function bodyOf(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 10_000) req.destroy();
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}
