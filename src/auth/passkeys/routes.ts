// Passkeys: registering one (signed in, recently: S27), signing in with one (the site's key; discoverable
// credentials, so no email is typed), and listing or removing them. A feature of its own: the WebAuthn library loads
// only for these routes (and for a passkey answering the two-factor step).
import * as z from 'zod';
import { audit } from '../../core/audit';
import { type Identity, unlinkIdentity } from '../../core/db/identities';
import { endUserSessions, getUser } from '../../core/db/users';
import { ConflictError, NotFoundError } from '../../core/errors';
import { defineRoute } from '../../docs';
import { requireUser } from '../../middleware/authenticate';
import type { FeatureRouter } from '../../middleware/feature';
import { jsonOnly } from '../../middleware/json-body';
import { noStore } from '../../middleware/no-store';
import { requestMeta } from '../../middleware/request-meta';
import { requireTenant } from '../../middleware/tenant';
import { parseBody } from '../../middleware/validate';
import { invalidCredentials } from '../login';
import { assertRecentSignIn } from '../recent-sign-in';
import { loginResponse, nameField } from '../schemas';
import { signIn } from '../session-tokens';
import { signInStepAnswer } from '../signed-in';
import {
  loginOptions,
  passkeysOf,
  registerPasskey,
  registrationOptions,
  verifyAssertion,
} from './ceremonies';
import { assertionResponse, registrationResponse } from './schemas';

/** Passkey registration, sign-in and management, on the sign-in methods feature's router. */
export function definePasskeyRoutes(passkeys: FeatureRouter): void {
  for (const path of ['/auth/passkeys/*', '/user/passkeys', '/user/passkeys/*'])
    passkeys.use(path, noStore(), jsonOnly());

  const options = z
    .object({})
    .passthrough()
    .describe('PublicKeyCredential options for @simplewebauthn/browser');
  const registerBody = z.object({
    response: registrationResponse,
    name: nameField.default('').describe('A label for the user, e.g. "MacBook"'),
  });
  const loginBody = z.object({ response: assertionResponse });
  /** A passkey as the user sees it: never its public key or counter. */
  const viewOf = (p: Identity) => ({
    id: p.subject,
    name: p.passkey?.name ?? '',
    created_at: p.linkedAt,
    last_used_at: p.lastUsedAt,
    backed_up: p.passkey?.backedUp ?? false,
  });
  const passkeyView = z.object({
    id: z.string(),
    name: z.string(),
    created_at: z.string(),
    last_used_at: z.string().optional(),
    backed_up: z.boolean(),
  });

  defineRoute(
    passkeys,
    {
      method: 'post',
      path: '/auth/passkeys/register/options',
      operationId: 'passkeyRegistrationOptions',
      fetch: `import { startRegistration } from '@simplewebauthn/browser';
const optionsJSON = await fetch(\`\${API}/auth/passkeys/register/options\`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: \`Bearer \${token}\` } })
  .then((r) => r.json());
const response = await startRegistration({ optionsJSON });`,
      tag: 'passkeys',
      summary: 'Start registering a passkey for the signed-in user',
      description:
        'Needs a sign-in within the last 10 minutes (S27). Pass the answer to startRegistration() of @simplewebauthn/browser, then POST its result to /auth/passkeys/register/verify within 5 minutes.',
      security: ['bearer', 'cookie'],
      responses: {
        200: { description: 'Creation options', schema: options },
        403: { description: 'Not signed in recently, or the site has passkeys off' },
      },
    },
    requireUser(),
    async (c) => {
      const { user, tenant } = c.var.auth;
      assertRecentSignIn(c.var.auth, 'add a passkey');
      return c.json(await registrationOptions(tenant, user));
    },
  );

  defineRoute(
    passkeys,
    {
      method: 'post',
      path: '/auth/passkeys/register/verify',
      operationId: 'passkeyRegistrationVerify',
      fetch: `await fetch(\`\${API}/auth/passkeys/register/verify\`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: \`Bearer \${token}\` },
  body: JSON.stringify({ response, name: 'Laptop' }),
});`,
      tag: 'passkeys',
      summary: 'Finish registering a passkey',
      description:
        "The challenge is spent (once). Where the site lets passkeys answer the two-factor step, the passkey is now one of the user's factors: the user's other sessions end (S16).",
      security: ['bearer', 'cookie'],
      body: registerBody,
      responses: {
        201: { description: 'Registered', schema: z.object({ passkey: passkeyView }) },
        400: { description: 'Not verified, or already registered' },
        401: { description: 'Challenge unknown, used or expired' },
      },
    },
    requireUser(),
    async (c) => {
      const { response, name } = await parseBody(c, registerBody);
      const { user, tenant, session } = c.var.auth;
      assertRecentSignIn(c.var.auth, 'add a passkey');
      const passkey = await registerPasskey(tenant, user, response as never, name);
      await endUserSessions(user.userId, { kind: 'user', sessionId: session.sessionId });
      await audit(requestMeta(c), {
        tenantId: tenant.id,
        event: 'mfa_passkey_added',
        outcome: 'success',
        userId: user.userId,
      });
      return c.json({ passkey: viewOf(passkey) }, 201);
    },
  );

  defineRoute(
    passkeys,
    {
      method: 'post',
      path: '/auth/passkeys/login/options',
      operationId: 'passkeyLoginOptions',
      fetch: `import { startAuthentication } from '@simplewebauthn/browser';
const optionsJSON = await fetch(\`\${API}/auth/passkeys/login/options\`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': SITE_KEY } })
  .then((r) => r.json());
const response = await startAuthentication({ optionsJSON });`,
      tag: 'passkeys',
      summary: 'Start a sign-in with a passkey',
      description:
        'Where the site allows passkeys as a first factor. No email: the authenticator offers the passkeys it holds for the site (discoverable credentials). Pass the answer to startAuthentication() and POST its result to /auth/passkeys/login/verify within 5 minutes.',
      security: ['apiKey'],
      responses: {
        200: { description: 'Request options', schema: options },
        403: { description: 'The site does not offer passkey sign-in' },
      },
    },
    requireTenant({ scope: 'auth' }),
    async (c) => c.json(await loginOptions(c.var.tenantKey.tenant)),
  );

  defineRoute(
    passkeys,
    {
      method: 'post',
      path: '/auth/passkeys/login/verify',
      operationId: 'passkeyLoginVerify',
      fetch: `const session = await fetch(\`\${API}/auth/passkeys/login/verify\`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': SITE_KEY },
  body: JSON.stringify({ response }),
}).then((r) => r.json()); // {token, refresh_token, expires_in, token_type, user}`,
      tag: 'passkeys',
      summary: 'Sign in with a passkey',
      description:
        "A user-verified passkey is two factors in one (the device and its PIN or biometric): it signs in directly, with the same answer as /auth/login. Refused when the challenge is unknown or spent, the passkey is not this site's, or its signature counter went backwards (a cloned authenticator).",
      security: ['apiKey'],
      body: loginBody,
      responses: {
        200: { description: 'Signed in', schema: loginResponse },
        401: { description: 'Passkey not accepted' },
      },
    },
    requireTenant({ scope: 'auth' }),
    async (c) => {
      const { response } = await parseBody(c, loginBody);
      const tenant = c.var.tenantKey.tenant;
      const meta = requestMeta(c);
      const userId = await verifyAssertion(tenant, response as never, 'login').catch(async (error) => {
        await audit(meta, {
          tenantId: tenant.id,
          event: 'authn_login_fail',
          outcome: 'failure',
          detail: { reason: 'passkey_refused' },
        });
        throw error;
      });
      const user = await getUser(userId);
      if (user?.status !== 'active') throw invalidCredentials();
      return signInStepAnswer(c, tenant, {
        user,
        issued: await signIn(user, tenant, meta, { method: 'passkey' }),
      });
    },
  );

  defineRoute(
    passkeys,
    {
      method: 'get',
      path: '/user/passkeys',
      operationId: 'listPasskeys',
      fetch: `const { passkeys } = await fetch(\`\${API}/user/passkeys\`, { headers: { authorization: \`Bearer \${token}\` } }).then((r) => r.json());`,
      tag: 'passkeys',
      summary: "The signed-in user's passkeys",
      security: ['bearer', 'cookie'],
      responses: {
        200: { description: 'Passkeys, oldest first', schema: z.object({ passkeys: z.array(passkeyView) }) },
      },
    },
    requireUser(),
    async (c) => {
      const mine = await passkeysOf(c.var.auth.userId);
      return c.json({
        passkeys: mine.map(viewOf),
      });
    },
  );

  defineRoute(
    passkeys,
    {
      method: 'delete',
      path: '/user/passkeys/:id',
      operationId: 'deletePasskey',
      fetch: `await fetch(\`\${API}/user/passkeys/\${encodeURIComponent(id)}\`, { method: 'DELETE', headers: { authorization: \`Bearer \${token}\` } });`,
      tag: 'passkeys',
      summary: 'Remove one of your passkeys',
      description:
        'Needs a sign-in within the last 10 minutes (S27); ends your other sessions (S16). Refused with 409 when it is the last way to sign in (no password, nothing else linked).',
      security: ['bearer', 'cookie'],
      responses: {
        200: { description: 'Removed', schema: z.object({ message: z.string() }) },
        404: { description: 'No such passkey of yours' },
        409: { description: 'The last way to sign in' },
      },
    },
    requireUser(),
    async (c) => {
      const { user, tenant, session } = c.var.auth;
      assertRecentSignIn(c.var.auth, 'remove a passkey');
      const result = await unlinkIdentity(user.userId, tenant.id, 'passkey', c.req.param('id') ?? '');
      if (result === 'not_found') throw new NotFoundError('No such passkey', 'passkey_not_found');
      if (result === 'last_way') {
        throw new ConflictError(
          'Set a password or add another way to sign in before removing the last one',
          'last_sign_in_method',
        );
      }
      await endUserSessions(user.userId, { kind: 'user', sessionId: session.sessionId });
      await audit(requestMeta(c), {
        tenantId: tenant.id,
        event: 'mfa_passkey_removed',
        outcome: 'success',
        userId: user.userId,
      });
      return c.json({ message: 'Passkey removed' });
    },
  );
}
