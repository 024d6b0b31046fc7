// The hosted sign-in page, /login?site=...&redirect_uri=...[&code_challenge=...]: every way in the site offers
// (password, Google and GitHub, a passkey, an emailed link) on one page, so a site can send users here instead of
// building forms. A completed sign-in hands the site's page a one-time code in the fragment (#oauth_code=...), the
// same answer a provider's callback gives, which the page exchanges with POST /auth/oauth/exchange; the emailed
// link lands as #magic_token=... as usual. No inline script; the passkey button is /assets/login.js.
import type { Context } from 'hono';
import * as z from 'zod';
import type { AppEnv } from '../../app-env';
import { parseTenantId, type Tenant } from '../../core/db/tenants';
import { getUser } from '../../core/db/users';
import { AppError, NotFoundError } from '../../core/errors';
import { isSitePage, productNameOf, siteSettings } from '../../core/tenant-settings';
import { tenantResolver } from '../../core/tenants';
import { assertCsrf, csrfToken } from '../../middleware/csrf';
import type { FeatureRouter } from '../../middleware/feature';
import { readForm } from '../../middleware/form-body';
import { jsonOnly } from '../../middleware/json-body';
import { requestMeta } from '../../middleware/request-meta';
import { parseBody } from '../../middleware/validate';
import { messagePage, renderPage } from '../../pages';
import { type ProvenStep, passwordStep } from '../login';
import { requestMagicLink } from '../magic-link';
import { passkeyChallenge, passSecondFactor, sendLoginCode } from '../mfa/challenge';
import { oauthConfig } from '../oauth/config';
import { issueSignInCode, startOAuth } from '../oauth/flow';
import { loginOptions, verifyAssertion } from '../passkeys/ceremonies';
import { assertionResponse } from '../passkeys/schemas';
import { enabledProviders, PROVIDER_LABELS, passkeysFirstFactor } from '../sign-in-methods';

/** Where a sign-in started and must end: the site, its page, and the page's own PKCE challenge (optional). */
type Target = { tenant: Tenant; redirectUri: string; codeChallenge: string };

const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

async function targetOf(
  site: string,
  redirectUri: string,
  codeChallenge: string,
): Promise<Target | undefined> {
  const tenantId = parseTenantId(site);
  const tenant = tenantId ? await tenantResolver().byId(tenantId) : undefined;
  if (!tenant || tenant.status !== 'active') return undefined;
  if (!isSitePage(tenant, redirectUri)) return undefined;
  if (codeChallenge && !CHALLENGE.test(codeChallenge)) return undefined;
  return { tenant, redirectUri, codeChallenge };
}

const badLink = (c: Context<AppEnv>) =>
  messagePage(c, {
    title: 'This sign-in link is not valid',
    message:
      'The site sent you here with a link that is incomplete or not one of its pages. Go back and try again.',
    tone: 'error',
    status: 400,
  });

/**
 * Forms may only post here and redirect to the site's page or a provider (browsers apply form-action to the
 * redirect after a post too); scripts only talk to this origin.
 */
function pageCsp(target: Target): string {
  const { googleIssuer, githubUrl } = oauthConfig();
  const targets = new Set([
    new URL(target.redirectUri).origin,
    new URL(googleIssuer).origin,
    new URL(githubUrl).origin,
  ]);
  return `default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self' ${[...targets].join(' ')}; base-uri 'none'; object-src 'none'; frame-ancestors 'none'`;
}

function render(
  c: Context<AppEnv>,
  target: Target,
  template: string,
  extra: Record<string, unknown>,
  status = 200,
) {
  const tenant = target.tenant;
  const response = renderPage(
    c,
    template,
    {
      title: 'Sign in',
      product_name: productNameOf(tenant),
      site: tenant.id,
      redirect_uri: target.redirectUri,
      code_challenge: target.codeChallenge,
      csrf_token: csrfToken(c),
      ...extra,
    },
    status,
  );
  response.headers.set('Content-Security-Policy', pageCsp(target));
  return response;
}

function signInForm(c: Context<AppEnv>, target: Target, extra: Record<string, unknown> = {}, status = 200) {
  const tenant = target.tenant;
  return render(
    c,
    target,
    'login.html.njk',
    {
      providers: enabledProviders(tenant).map((name) => ({ name, label: PROVIDER_LABELS[name] })),
      passkeys: passkeysFirstFactor(tenant),
      magic_links: siteSettings(tenant).magic_links,
      email: '',
      ...extra,
    },
    status,
  );
}

const CODE_LABELS: Record<string, string> = {
  totp: 'Code from your authenticator app',
  sms: 'Code from the text message',
  email: 'Code from the email',
};

function mfaForm(
  c: Context<AppEnv>,
  target: Target,
  mfaToken: string,
  methods: string[],
  extra: Record<string, unknown> = {},
  status = 200,
) {
  const codeMethods = methods.filter((m) => m in CODE_LABELS);
  return render(
    c,
    target,
    'login-mfa.html.njk',
    {
      title: 'Confirm it is you',
      mfa_token: mfaToken,
      methods: methods.join(','),
      passkey: methods.includes('passkey'),
      codes: codeMethods.length > 0,
      code_label: codeMethods.length === 1 ? CODE_LABELS[codeMethods[0] as string] : 'Code',
      senders: codeMethods
        .filter((m) => m === 'sms' || m === 'email')
        .map((m) => ({ method: m, label: m === 'sms' ? 'Text me a code' : 'Email me a code' })),
      recovery: methods.includes('recovery_code'),
      ...extra,
    },
    status,
  );
}

/** The browser goes back to the site's page with the code in the fragment: never in a log or a Referer. */
async function finish(target: Target, userId: string, method: string) {
  const code = await issueSignInCode(target.tenant, userId, method, target.codeChallenge || undefined);
  return `${target.redirectUri.split('#')[0]}#${new URLSearchParams({ oauth_code: code })}`;
}

/** After the first factor: the site's page, or the second step on this page. */
async function afterProven(c: Context<AppEnv>, target: Target, step: ProvenStep, method: string) {
  if (!step.mfa) return c.redirect(await finish(target, step.user.userId, method), 303);
  if ('mfa_required' in step.mfa) return mfaForm(c, target, step.mfa.mfa_token, step.mfa.methods);
  return messagePage(c, {
    title: 'Two-factor sign-in needed',
    message: `${productNameOf(target.tenant)} asks everyone to use two-factor sign-in. Set it up from the site, then sign in here.`,
    tone: 'info',
    status: 403,
    tenant: target.tenant,
  });
}

/** A posted form's target and CSRF check, or the page to answer instead. */
async function postedForm(c: Context<AppEnv>) {
  const field = await readForm(c);
  const target = await targetOf(field('site'), field('redirect_uri'), field('code_challenge'));
  if (!target) return { response: badLink(c) };
  try {
    assertCsrf(c, field('csrf_token'));
  } catch (error) {
    return { response: signInForm(c, target, { form_error: (error as AppError).detail }, 403) };
  }
  return { field, target };
}

/** An AppError shown on the form it came from, in its own status; anything else is the app's 500. */
const shown = (error: unknown) => {
  if (error instanceof AppError) return error;
  throw error;
};

// The passkey button's calls (login.js): same-origin JSON with the page's CSRF token in a header.
const passkeyTarget = z.object({
  site: z.string().max(300),
  redirect_uri: z.string().max(2000),
  code_challenge: z.string().max(43).default(''),
});
const passkeyLogin = passkeyTarget.extend({ response: assertionResponse });
const passkeyMfa = passkeyTarget.extend({
  mfa_token: z.string().min(1).max(2048),
  passkey: assertionResponse.optional(),
});

async function jsonTarget(c: Context<AppEnv>, body: z.output<typeof passkeyTarget>): Promise<Target> {
  assertCsrf(c, c.req.header('x-csrf-token'));
  const target = await targetOf(body.site, body.redirect_uri, body.code_challenge);
  if (!target) throw new NotFoundError('No such sign-in', 'invalid_sign_in_target');
  return target;
}

/** The hosted sign-in page and its forms under /login, on the sign-in methods feature's router. */
export function defineHostedLoginRoutes(login: FeatureRouter): void {
  login
    .get('/login', async (c) => {
      const target = await targetOf(
        c.req.query('site') ?? '',
        c.req.query('redirect_uri') ?? '',
        c.req.query('code_challenge') ?? '',
      );
      return target ? signInForm(c, target) : badLink(c);
    })
    .post('/login/password', async (c) => {
      const posted = await postedForm(c);
      if (!posted.target) return posted.response;
      const { field, target } = posted;
      try {
        const step = await passwordStep(target.tenant, field('email'), field('password'), requestMeta(c));
        return await afterProven(c, target, step, 'password');
      } catch (error) {
        const e = shown(error);
        return signInForm(c, target, { form_error: e.detail, email: field('email') }, e.status);
      }
    })
    .post('/login/mfa', async (c) => {
      const posted = await postedForm(c);
      if (!posted.target) return posted.response;
      const { field, target } = posted;
      const mfaToken = field('mfa_token');
      const recoveryCode = field('recovery_code');
      try {
        const { user, method } = await passSecondFactor(
          mfaToken,
          recoveryCode ? { recoveryCode } : { code: field('code') },
          requestMeta(c),
          { expectedTenantId: target.tenant.id },
        );
        return c.redirect(await finish(target, user.userId, `mfa_${method}`), 303);
      } catch (error) {
        const e = shown(error);
        if (e.code === 'invalid_mfa_token')
          return signInForm(c, target, { form_error: 'Sign in again' }, 401);
        const methods = field('methods').split(',').filter(Boolean);
        return mfaForm(c, target, mfaToken, methods, { form_error: e.detail }, e.status);
      }
    })
    .post('/login/mfa/send', async (c) => {
      const posted = await postedForm(c);
      if (!posted.target) return posted.response;
      const { field, target } = posted;
      const mfaToken = field('mfa_token');
      const method = field('method') === 'sms' ? 'sms' : 'email';
      const methods = field('methods').split(',').filter(Boolean);
      try {
        const sent = await sendLoginCode(mfaToken, method, requestMeta(c), {
          expectedTenantId: target.tenant.id,
        });
        return mfaForm(c, target, mfaToken, methods, { notice: `Code sent to ${sent.sent_to}` });
      } catch (error) {
        const e = shown(error);
        return mfaForm(c, target, mfaToken, methods, { form_error: e.detail }, e.status);
      }
    })
    .post('/login/magic-link', async (c) => {
      const posted = await postedForm(c);
      if (!posted.target) return posted.response;
      const { field, target } = posted;
      const email = field('email').trim().toLowerCase();
      if (!z.email().safeParse(email).success) {
        return signInForm(c, target, { form_error: 'Enter your email address to get a link' }, 422);
      }
      try {
        await requestMagicLink(target.tenant, email, target.redirectUri, requestMeta(c));
      } catch (error) {
        const e = shown(error);
        return signInForm(c, target, { form_error: e.detail }, e.status);
      }
      return messagePage(c, {
        title: 'Check your email',
        message:
          'If an account has this address, a sign-in link is on its way. It works once, for 15 minutes.',
        tone: 'success',
        tenant: target.tenant,
      });
    })
    .post('/login/oauth/:provider', async (c) => {
      const posted = await postedForm(c);
      if (!posted.target) return posted.response;
      const { target } = posted;
      const provider = enabledProviders(target.tenant).find((p) => p === c.req.param('provider'));
      if (!provider) throw new NotFoundError();
      try {
        const { url } = await startOAuth(target.tenant, provider, {
          redirectUri: target.redirectUri,
          codeChallenge: target.codeChallenge || undefined,
        });
        return c.redirect(url, 303);
      } catch (error) {
        const e = shown(error);
        return signInForm(c, target, { form_error: e.detail }, e.status);
      }
    });

  login
    .use('/login/passkey/*', jsonOnly())
    .use('/login/passkey', jsonOnly())
    .use('/login/mfa/passkey', jsonOnly())
    .post('/login/passkey/options', async (c) => {
      const target = await jsonTarget(c, await parseBody(c, passkeyTarget));
      return c.json(await loginOptions(target.tenant));
    })
    .post('/login/passkey', async (c) => {
      const body = await parseBody(c, passkeyLogin);
      const target = await jsonTarget(c, body);
      const userId = await verifyAssertion(target.tenant, body.response as never, 'login');
      const user = await getUser(userId);
      if (user?.status !== 'active') throw new NotFoundError('No such sign-in', 'invalid_sign_in_target');
      return c.json({ redirect: await finish(target, userId, 'passkey') });
    })
    .post('/login/mfa/passkey', async (c) => {
      const body = await parseBody(c, passkeyMfa);
      const target = await jsonTarget(c, body);
      const expectedTenantId = target.tenant.id;
      if (!body.passkey) return c.json(await passkeyChallenge(body.mfa_token, { expectedTenantId }));
      const { user } = await passSecondFactor(body.mfa_token, { passkey: body.passkey }, requestMeta(c), {
        expectedTenantId,
      });
      return c.json({ redirect: await finish(target, user.userId, 'mfa_passkey') });
    });
}
