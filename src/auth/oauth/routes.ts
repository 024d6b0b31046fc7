// Sign-in with Google and GitHub (/auth/oauth/*) and the user's linked provider accounts (/user/identities). A
// feature of its own so the provider code loads only when these routes are asked for, never on a password sign-in.
import * as z from 'zod';
import { audit } from '../../core/audit';
import { listIdentities, type Provider, unlinkIdentity } from '../../core/db/identities';
import { ConflictError, NotFoundError } from '../../core/errors';
import { defineRoute } from '../../docs';
import { authenticate, requireUser } from '../../middleware/authenticate';
import type { FeatureRouter } from '../../middleware/feature';
import { jsonOnly } from '../../middleware/json-body';
import { noStore } from '../../middleware/no-store';
import { requestMeta } from '../../middleware/request-meta';
import { requireTenant, siteOfKey } from '../../middleware/tenant';
import { parseBody, parseQuery } from '../../middleware/validate';
import { assertRecentSignIn } from '../recent-sign-in';
import { opaqueToken, passwordField, redirectUriField } from '../schemas';
import { PROVIDER_LABELS, PROVIDER_NAMES } from '../sign-in-methods';
import { signInStepAnswer } from '../signed-in';
import { completeCallback, completeLink, exchangeOAuthCode, startOAuth } from './flow';

/** Sign-in with Google and GitHub, and the user's linked accounts, on the sign-in methods feature's router. */
export function defineOAuthRoutes(oauth: FeatureRouter): void {
  for (const path of ['/auth/oauth/*', '/user/identities', '/user/identities/*'])
    oauth.use(path, noStore(), jsonOnly());

  /** A PKCE S256 challenge (43 base64url characters). */
  const codeChallenge = z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url SHA-256 (43 characters)')
    .describe(
      'Optional, recommended: BASE64URL(SHA-256(verifier)) of a random verifier the page keeps; the exchange must then present the verifier, so a code that reaches another browser is useless.',
    );
  const startBody = z.object({ redirect_uri: redirectUriField, code_challenge: codeChallenge.optional() });
  const exchangeBody = z.object({ code: opaqueToken, code_verifier: z.string().min(43).max(128).optional() });
  const linkBody = z.object({ link_token: opaqueToken, password: passwordField.optional() });
  const callbackQuery = z.object({
    state: z.string().max(512).optional(),
    code: z.string().max(2048).optional(),
    error: z.string().max(200).optional(),
  });
  const urlResponse = z.object({ url: z.string() });
  for (const provider of PROVIDER_NAMES) {
    const label = PROVIDER_LABELS[provider];
    defineRoute(
      oauth,
      {
        method: 'post',
        path: `/auth/oauth/${provider}/start`,
        operationId: `startOAuth${label}`,
        fetch: `const { url } = await fetch(\`\${API}/auth/oauth/${provider}/start\`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': SITE_KEY },
  body: JSON.stringify({ redirect_uri: 'https://app.example.com/signed-in', code_challenge }),
}).then((r) => r.json());
location.assign(url); // back at redirect_uri#oauth_code=...`,
        tag: 'oauth',
        summary: `Start a sign-in with ${label}`,
        description: `Where the site offers ${label}: answers the provider's URL; send the browser there. The provider returns it to redirect_uri (a page on the site's allowed origins) with #oauth_code=... (or #oauth_error=...) in the fragment; exchange the code with POST /auth/oauth/exchange. State, PKCE and nonce are kept here, single use, for 10 minutes.`,
        security: ['apiKey'],
        body: startBody,
        responses: {
          200: { description: "The provider's authorization URL", schema: urlResponse },
          403: { description: `The site does not offer ${label}` },
          422: { description: "redirect_uri is not a page on the site's allowed origins" },
          503: { description: 'The provider is unreachable' },
        },
      },
      requireTenant({ scope: 'auth' }),
      async (c) => {
        const body = await parseBody(c, startBody);
        return c.json(
          await startOAuth(c.var.tenantKey.tenant, provider, {
            redirectUri: body.redirect_uri,
            codeChallenge: body.code_challenge,
          }),
        );
      },
    );

    defineRoute(
      oauth,
      {
        method: 'get',
        path: `/auth/oauth/${provider}/callback`,
        operationId: `oauthCallback${label}`,
        tag: 'oauth',
        summary: `Where ${label} returns the browser (register this URL with ${label})`,
        description:
          "Spends the state, checks what the provider returned, and redirects (302) to the site's page with #oauth_code=... or #oauth_error=.... An unknown, used or expired state is a 400: there is nowhere safe to send it.",
        responses: {
          302: { description: "To the site's page" },
          400: { description: 'Unknown, used or expired state' },
        },
      },
      async (c) => {
        const query = parseQuery(c, callbackQuery);
        const location = await completeCallback(provider, query, requestMeta(c));
        c.header('referrer-policy', 'no-referrer');
        return c.redirect(location, 302);
      },
    );

    defineRoute(
      oauth,
      {
        method: 'post',
        path: `/user/identities/${provider}`,
        operationId: `linkIdentity${label}`,
        fetch: `const { url } = await fetch(\`\${API}/user/identities/${provider}\`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: \`Bearer \${token}\` },
  body: JSON.stringify({ redirect_uri: 'https://app.example.com/account' }),
}).then((r) => r.json());
location.assign(url); // exchanging the returned code answers {linked: true}`,
        tag: 'oauth',
        summary: `Link a ${label} account to the signed-in account`,
        description: `Needs a sign-in within the last 10 minutes (S27). Answers the provider's URL like /auth/oauth/${provider}/start; the exchange of the returned code answers {linked: true}.`,
        security: ['bearer', 'cookie'],
        body: startBody,
        responses: {
          200: { description: "The provider's authorization URL", schema: urlResponse },
          403: { description: 'Not signed in recently, or the site does not offer the provider' },
        },
      },
      requireUser(),
      async (c) => {
        const body = await parseBody(c, startBody);
        const auth = c.var.auth;
        assertRecentSignIn(auth, `link a ${label} account`);
        return c.json(
          await startOAuth(auth.tenant, provider, {
            redirectUri: body.redirect_uri,
            codeChallenge: body.code_challenge,
            linkUserId: auth.userId,
          }),
        );
      },
    );
  }

  defineRoute(
    oauth,
    {
      method: 'post',
      path: '/auth/oauth/exchange',
      operationId: 'exchangeOAuthCode',
      fetch: `const code = new URLSearchParams(location.hash.slice(1)).get('oauth_code');
history.replaceState(null, '', location.pathname);
const answer = await fetch(\`\${API}/auth/oauth/exchange\`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': SITE_KEY },
  body: JSON.stringify({ code, code_verifier: sessionStorage.getItem('oauth_verifier') }),
}).then((r) => r.json()); // session | {mfa_required} | {link_required, link_token} | {linked}`,
      tag: 'oauth',
      summary: 'Trade the one-time code from the fragment for the sign-in',
      description:
        "Once, within 2 minutes, with this site's key (and code_verifier when the start sent code_challenge). Answers as /auth/login does (the session, or {mfa_required, ...}); {linked: true, provider} after linking; or {link_required: true, link_token, email, provider} when the provider account's email is an existing account's: the user proves that account with POST /auth/oauth/link.",
      security: ['apiKey'],
      body: exchangeBody,
      responses: {
        200: { description: 'Signed in, a second step, linked, or a link to confirm' },
        400: { description: 'Invalid, used or expired code' },
        403: { description: 'The provider did not confirm an email address, or the account is disabled' },
        409: { description: 'The provider account is linked to another account' },
      },
    },
    requireTenant({ scope: 'auth' }),
    async (c) => {
      const { code, code_verifier } = await parseBody(c, exchangeBody);
      const tenant = c.var.tenantKey.tenant;
      const answer = await exchangeOAuthCode(tenant, code, code_verifier, requestMeta(c));
      if ('step' in answer) return signInStepAnswer(c, tenant, answer.step);
      return c.json(answer);
    },
  );

  defineRoute(
    oauth,
    {
      method: 'post',
      path: '/auth/oauth/link',
      operationId: 'linkOAuthIdentity',
      fetch: `await fetch(\`\${API}/auth/oauth/link\`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': SITE_KEY },
  body: JSON.stringify({ link_token, password }), // then signed in, as /auth/login answers
});`,
      tag: 'oauth',
      summary: 'Link a provider account to the existing account it named, proving that account',
      description:
        "With the account's password (counted like a sign-in attempt): links, then answers as /auth/login does (MFA applies). Or signed in as that account (Bearer or cookie), without a password: answers {linked: true}.",
      security: ['apiKey', 'bearer'],
      body: linkBody,
      responses: {
        200: { description: 'Linked (and signed in, or a second step)' },
        400: { description: 'Invalid or expired link token' },
        401: { description: 'Wrong password' },
      },
    },
    async (c) => {
      const { link_token, password } = await parseBody(c, linkBody);
      const meta = requestMeta(c);
      if (password === undefined) {
        const auth = await authenticate(c);
        return c.json(await completeLink(auth.tenant, link_token, { signedInUserId: auth.userId }, meta));
      }
      const { tenant } = await siteOfKey(c, 'auth');
      const step = await completeLink(tenant, link_token, { password }, meta);
      return 'linked' in step ? c.json(step) : signInStepAnswer(c, tenant, step);
    },
  );

  defineRoute(
    oauth,
    {
      method: 'get',
      path: '/user/identities',
      operationId: 'listIdentities',
      fetch: `const { identities, has_password } = await fetch(\`\${API}/user/identities\`, {
  headers: { authorization: \`Bearer \${token}\` },
}).then((r) => r.json());`,
      tag: 'oauth',
      summary: 'The provider accounts linked to the signed-in account',
      security: ['bearer', 'cookie'],
      responses: {
        200: {
          description: 'Linked accounts, oldest first',
          schema: z.object({
            identities: z.array(
              z.object({
                id: z.string(),
                provider: z.string(),
                email: z.string().optional(),
                linked_at: z.string(),
                last_used_at: z.string().optional(),
              }),
            ),
            has_password: z.boolean(),
          }),
        },
      },
    },
    requireUser(),
    async (c) => {
      const { user } = c.var.auth;
      const linked = (await listIdentities(user.userId)).filter((i) => i.provider !== 'passkey');
      return c.json({
        identities: linked.map((i) => ({
          id: `${i.provider}:${i.subject}`,
          provider: i.provider,
          email: i.email,
          linked_at: i.linkedAt,
          last_used_at: i.lastUsedAt,
        })),
        has_password: user.passwordHash !== '',
      });
    },
  );

  defineRoute(
    oauth,
    {
      method: 'delete',
      path: '/user/identities/:id',
      operationId: 'unlinkIdentity',
      fetch: `await fetch(\`\${API}/user/identities/\${encodeURIComponent(id)}\`, { method: 'DELETE', headers: { authorization: \`Bearer \${token}\` } });`,
      tag: 'oauth',
      summary: 'Unlink a provider account (id as listed, e.g. google:1234)',
      description:
        'Refused with 409 when it is the last way to sign in: an account without a password keeps at least one linked account or passkey.',
      security: ['bearer', 'cookie'],
      responses: {
        200: { description: 'Unlinked', schema: z.object({ message: z.string() }) },
        404: { description: 'No such linked account of yours' },
        409: { description: 'The last way to sign in' },
      },
    },
    requireUser(),
    async (c) => {
      const { user, tenant } = c.var.auth;
      const [provider, ...rest] = (c.req.param('id') ?? '').split(':');
      const subject = rest.join(':');
      const notFound = () => new NotFoundError('No such linked account', 'identity_not_found');
      if (!PROVIDER_NAMES.includes(provider as Provider) || !subject) throw notFound();
      const result = await unlinkIdentity(user.userId, tenant.id, provider as Provider, subject);
      if (result === 'not_found') throw notFound();
      if (result === 'last_way') {
        throw new ConflictError(
          'Set a password or link another account before removing the last way to sign in',
          'last_sign_in_method',
        );
      }
      await audit(requestMeta(c), {
        tenantId: tenant.id,
        event: 'authn_identity_unlinked',
        outcome: 'success',
        userId: user.userId,
        detail: { provider },
      });
      return c.json({ message: 'Unlinked' });
    },
  );
}
