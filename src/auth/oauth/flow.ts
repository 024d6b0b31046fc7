// Sign-in with Google or GitHub: Authorization Code with PKCE. The start stores state, the PKCE verifier and a nonce
// (bound to the site and its page) under the state's digest; the callback spends it once, has the provider prove
// who signed in, decides what that means for this site's accounts, and hands the site a one-time code in the URL
// fragment (never a token in a URL: no logs, no Referer). The site's page exchanges the code for the usual answer:
// a session, or the second step the user owes (S22).
//
// Account linking is explicit: a provider account whose email is an existing account's address does not sign in to
// it unless the user proves the account (password, or a session) or the site allows verified emails to link.
import { audit, type RequestMeta } from '../../core/audit';
import { clock } from '../../core/clock';
import { randomToken } from '../../core/crypto';
import { putFlow, readFlow, takeFlow } from '../../core/db/auth-flows';
import {
  createUserWithIdentity,
  getIdentity,
  type Identity,
  linkIdentity,
  type Provider,
  touchIdentity,
} from '../../core/db/identities';
import type { Tenant } from '../../core/db/tenants';
import { getUser, newUser, userIdOf } from '../../core/db/users';
import { BadRequestError, ConflictError, ForbiddenError, ServiceUnavailableError } from '../../core/errors';
import { logger } from '../../core/log';
import { assertSitePage } from '../../core/tenant-settings';
import { tenantResolver } from '../../core/tenants';
import { httpConfig } from '../../http-config';
import { afterFirstFactor, type SignInStep, verifyCredentials } from '../login';
import { signIn } from '../session-tokens';
import { enabledClientId, PROVIDER_LABELS, signInMethods } from '../sign-in-methods';
import { PROVIDERS, ProviderError, type ProviderProfile, pkceChallenge } from './providers';
import { clientSecrets } from './secrets';

/** The browser's round trip through the provider: ten minutes. */
export const STATE_TTL_SECONDS = 600;
/** The code the site's page exchanges: it does so at once. */
export const CODE_TTL_SECONDS = 120;
/** A pending link waits while the user types their password. */
export const LINK_TTL_SECONDS = 600;

type StateData = {
  provider: Provider;
  redirect_uri: string;
  verifier: string;
  nonce: string;
  /** Set when a signed-in user is linking the provider to their account. */
  link_user?: string;
  /** The site's own PKCE challenge: the exchange must present its verifier (the browser that started). */
  site_challenge?: string;
};

/** What the callback decided, handed to the exchange. */
type Outcome =
  | { kind: 'sign_in'; user_id: string; subject: string }
  | { kind: 'linked'; user_id: string }
  | { kind: 'link_required'; user_id: string; subject: string; email: string }
  | { kind: 'refused'; reason: 'email_not_verified' | 'identity_in_use' | 'account_disabled' }
  /** Every factor already proven (on the hosted sign-in page): the exchange starts the session. */
  | { kind: 'session'; user_id: string; method: string };
/** What a code stands for; `provider` is set for every outcome of a provider's callback. */
type CodeData = { provider?: Provider; outcome: Outcome; site_challenge?: string };
type LinkData = { provider: Provider; user_id: string; subject: string; email: string };

const callbackUrl = (provider: Provider) => {
  const base = httpConfig().publicBaseUrl;
  if (!base) {
    logger.error('PUBLIC_BASE_URL is unset; OAuth callbacks cannot be named');
    throw new ServiceUnavailableError();
  }
  return `${base}/auth/oauth/${provider}/callback`;
};

function clientIdOf(tenant: Tenant, provider: Provider): string {
  const clientId = enabledClientId(tenant, provider);
  if (!clientId) {
    throw new ForbiddenError(
      `This site does not offer sign-in with ${PROVIDER_LABELS[provider]}`,
      'provider_disabled',
    );
  }
  return clientId;
}

/** The provider's authorization URL for this site's page; the state behind it lives ten minutes. */
export async function startOAuth(
  tenant: Tenant,
  provider: Provider,
  {
    redirectUri,
    codeChallenge,
    linkUserId,
  }: { redirectUri: string; codeChallenge?: string; linkUserId?: string },
): Promise<{ url: string }> {
  const clientId = clientIdOf(tenant, provider);
  assertSitePage(tenant, redirectUri);
  const state = randomToken();
  const verifier = randomToken();
  const nonce = randomToken(16);
  const data: StateData = {
    provider,
    redirect_uri: redirectUri,
    verifier,
    nonce,
    ...(linkUserId ? { link_user: linkUserId } : {}),
    ...(codeChallenge ? { site_challenge: codeChallenge } : {}),
  };
  const url = await PROVIDERS[provider]
    .authorizeUrl({ clientId, callbackUrl: callbackUrl(provider), state, verifier, nonce })
    .catch(providerUnavailable);
  await putFlow('oauth_state', state, tenant.id, data, STATE_TTL_SECONDS);
  return { url };
}

function providerUnavailable(error: unknown): never {
  if (error instanceof ProviderError) {
    logger.warn('OAuth provider unavailable', { reason: error.reason, error: error.message });
    throw new ServiceUnavailableError(
      'The sign-in provider is unavailable; try again',
      'provider_unavailable',
    );
  }
  throw error;
}

const invalidState = () =>
  new BadRequestError('This sign-in has expired or was already used; start again', 'invalid_oauth_state');

/** Where the callback sends the browser: the site's page, with a code or an error in the fragment. */
const fragment = (redirectUri: string, fields: Record<string, string>) =>
  `${redirectUri.split('#')[0]}#${new URLSearchParams(fields).toString()}`;

/**
 * The provider's redirect back. Spends the state (once; of this provider), has the provider prove who signed in,
 * and answers with where to send the browser. An unknown state cannot be sent anywhere: that is a 400.
 */
export async function completeCallback(
  provider: Provider,
  query: { state?: string; code?: string; error?: string },
  meta: RequestMeta,
): Promise<string> {
  if (!query.state) throw invalidState();
  const flow = await takeFlow<StateData>('oauth_state', query.state);
  if (!flow || flow.data.provider !== provider) throw invalidState();
  const state = flow.data;
  const tenant = await tenantResolver().byId(flow.tenantId);
  if (!tenant) throw invalidState();
  const back = (fields: Record<string, string>) => fragment(state.redirect_uri, fields);
  const refuse = async (reason: string) => {
    await audit(meta, {
      tenantId: tenant.id,
      event: 'authn_oauth_fail',
      outcome: 'failure',
      detail: { provider, reason },
    });
    return back({ oauth_error: reason });
  };
  if (query.error || !query.code)
    return refuse(query.error === 'access_denied' ? 'access_denied' : 'provider_error');

  let profile: ProviderProfile;
  try {
    const clientId = clientIdOf(tenant, provider);
    const clientSecret = await clientSecrets.read(tenant.id, provider);
    if (!clientSecret) return refuse('provider_not_configured');
    profile = await PROVIDERS[provider].profile({
      clientId,
      clientSecret,
      callbackUrl: callbackUrl(provider),
      code: query.code,
      verifier: state.verifier,
      nonce: state.nonce,
    });
  } catch (error) {
    if (error instanceof ForbiddenError) return refuse('provider_disabled');
    if (!(error instanceof ProviderError)) throw error;
    logger.warn('OAuth callback refused', { provider, reason: error.reason, error: error.message });
    return refuse(error.reason);
  }
  const outcome = await decide(tenant, provider, profile, state.link_user, meta);
  const code = randomToken();
  await putFlow<CodeData>(
    'oauth_code',
    code,
    tenant.id,
    { provider, outcome, ...(state.site_challenge ? { site_challenge: state.site_challenge } : {}) },
    CODE_TTL_SECONDS,
  );
  return back({ oauth_code: code });
}

/** What a proven provider account means for this site: sign in, link, ask to link, or refuse. */
async function decide(
  tenant: Tenant,
  provider: Provider,
  profile: ProviderProfile,
  linkUserId: string | undefined,
  meta: RequestMeta,
): Promise<Outcome> {
  const known = await getIdentity(tenant.id, provider, profile.subject);
  const identity = (userId: string): Identity => ({
    tenantId: tenant.id,
    provider,
    subject: profile.subject,
    userId,
    email: profile.email,
    linkedAt: new Date(clock.now()).toISOString(),
  });

  if (linkUserId) {
    if (known)
      return known.userId === linkUserId
        ? { kind: 'linked', user_id: linkUserId }
        : refused('identity_in_use');
    const linked = await linkIdentity(identity(linkUserId));
    if (linked !== 'linked') return refused(linked === 'taken' ? 'identity_in_use' : 'account_disabled');
    await audit(meta, {
      tenantId: tenant.id,
      event: 'authn_identity_linked',
      outcome: 'success',
      userId: linkUserId,
      detail: { provider },
    });
    return { kind: 'linked', user_id: linkUserId };
  }
  if (known) return { kind: 'sign_in', user_id: known.userId, subject: profile.subject };

  // A new provider account: only a verified address may name an account here.
  const email = profile.email?.toLowerCase();
  if (!email || !profile.emailVerified) return refused('email_not_verified');
  const userId = userIdOf(tenant.clientId, tenant.siteId, email);
  const user = newUser(tenant, {
    email,
    name: profile.name?.slice(0, 100),
    passwordHash: '',
    emailVerified: true,
  });
  const created = await createUserWithIdentity(user, identity(userId));
  if (created === 'created') {
    await audit(meta, {
      tenantId: tenant.id,
      event: 'user_created',
      outcome: 'success',
      userId,
      detail: { provider },
    });
    return { kind: 'sign_in', user_id: userId, subject: profile.subject };
  }
  if (created === 'identity_taken') {
    // A concurrent callback for the same provider account won; sign in to whatever it created.
    const winner = await getIdentity(tenant.id, provider, profile.subject);
    return winner
      ? { kind: 'sign_in', user_id: winner.userId, subject: profile.subject }
      : refused('identity_in_use');
  }
  // The address is an existing account's. Linking it is the account owner's decision unless the site says a
  // verified provider email is proof enough.
  if (signInMethods(tenant).oauth.link_verified_emails) {
    const linked = await linkIdentity(identity(userId));
    if (linked === 'no_user') return refused('account_disabled');
    await audit(meta, {
      tenantId: tenant.id,
      event: 'authn_identity_linked',
      outcome: 'success',
      userId,
      detail: { provider, by: 'verified_email' },
    });
    return { kind: 'sign_in', user_id: userId, subject: profile.subject };
  }
  await audit(meta, {
    tenantId: tenant.id,
    event: 'authn_oauth_link_required',
    outcome: 'failure',
    userId,
    detail: { provider },
  });
  return { kind: 'link_required', user_id: userId, subject: profile.subject, email };
}

const refused = (reason: Extract<Outcome, { kind: 'refused' }>['reason']): Outcome => ({
  kind: 'refused',
  reason,
});

const invalidCode = () => new BadRequestError('Invalid, used or expired sign-in code', 'invalid_oauth_code');

const REFUSALS: Record<Extract<Outcome, { kind: 'refused' }>['reason'], () => Error> = {
  email_not_verified: () =>
    new ForbiddenError(
      'The provider did not confirm an email address for this account',
      'email_not_verified',
    ),
  identity_in_use: () =>
    new ConflictError('That provider account is linked to another account here', 'identity_in_use'),
  account_disabled: () => new ForbiddenError('This account cannot sign in', 'account_disabled'),
};

/**
 * A one-time code for a sign-in the hosted page completed (all factors proven): the site exchanges it like a
 * provider's, so it handles one kind of answer.
 */
export async function issueSignInCode(
  tenant: Tenant,
  userId: string,
  method: string,
  siteChallenge?: string,
): Promise<string> {
  const code = randomToken();
  const data: CodeData = {
    outcome: { kind: 'session', user_id: userId, method },
    ...(siteChallenge ? { site_challenge: siteChallenge } : {}),
  };
  await putFlow('oauth_code', code, tenant.id, data, CODE_TTL_SECONDS);
  return code;
}

export type ExchangeAnswer =
  | { step: SignInStep; provider?: Provider }
  | { linked: true; provider: Provider }
  | { link_required: true; link_token: string; provider: Provider; email: string };

/**
 * The site's page trades the one-time code (once; this site's only; with the verifier of its own challenge when it
 * sent one) for what the callback decided.
 */
export async function exchangeOAuthCode(
  tenant: Tenant,
  code: string,
  codeVerifier: string | undefined,
  meta: RequestMeta,
): Promise<ExchangeAnswer> {
  const flow = await takeFlow<CodeData>('oauth_code', code, tenant.id);
  if (!flow) throw invalidCode();
  const { outcome, site_challenge } = flow.data;
  const provider = flow.data.provider as Provider;
  // Spent either way: a code that reached the wrong browser is dead, not retried.
  if (site_challenge && (!codeVerifier || pkceChallenge(codeVerifier) !== site_challenge))
    throw invalidCode();
  switch (outcome.kind) {
    case 'refused':
      throw REFUSALS[outcome.reason]();
    case 'linked':
      return { linked: true, provider };
    case 'session': {
      const user = await getUser(outcome.user_id);
      if (user?.status !== 'active') throw REFUSALS.account_disabled();
      return { step: { user, issued: await signIn(user, tenant, meta, { method: outcome.method }) } };
    }
    case 'link_required': {
      const linkToken = randomToken();
      const data: LinkData = {
        provider,
        user_id: outcome.user_id,
        subject: outcome.subject,
        email: outcome.email,
      };
      await putFlow('oauth_link', linkToken, tenant.id, data, LINK_TTL_SECONDS);
      return { link_required: true, link_token: linkToken, provider, email: outcome.email };
    }
    case 'sign_in': {
      const user = await getUser(outcome.user_id);
      if (user?.status !== 'active') throw REFUSALS.account_disabled();
      await touchIdentity(tenant.id, provider, outcome.subject).catch(() => {});
      return { step: await afterFirstFactor(tenant, user, meta, { method: `oauth_${provider}` }), provider };
    }
  }
}

const invalidLink = () =>
  new BadRequestError('This link request has expired; sign in with the provider again', 'invalid_link_token');

/**
 * Links a pending provider account to the account it named, once the user proves that account: its password
 * (under the login lockout budget), or a session of that very account. Then signs in as usual (MFA applies).
 */
export async function completeLink(
  tenant: Tenant,
  linkToken: string,
  proof: { password: string } | { signedInUserId: string },
  meta: RequestMeta,
): Promise<SignInStep | { linked: true; provider: Provider }> {
  const pending = await readFlow<LinkData>('oauth_link', linkToken, tenant.id);
  if (!pending) throw invalidLink();
  if ('password' in proof) {
    const user = await verifyCredentials(tenant, pending.email, proof.password, meta);
    if (user.userId !== pending.user_id) throw invalidLink();
  } else if (proof.signedInUserId !== pending.user_id) {
    throw new ForbiddenError('Sign in to the account with this email address to link it', 'wrong_account');
  }
  if (!(await takeFlow('oauth_link', linkToken, tenant.id))) throw invalidLink();
  const linked = await linkIdentity({
    tenantId: tenant.id,
    provider: pending.provider,
    subject: pending.subject,
    userId: pending.user_id,
    email: pending.email,
    linkedAt: new Date(clock.now()).toISOString(),
  });
  if (linked === 'taken') throw REFUSALS.identity_in_use();
  if (linked === 'no_user') throw REFUSALS.account_disabled();
  await audit(meta, {
    tenantId: tenant.id,
    event: 'authn_identity_linked',
    outcome: 'success',
    userId: pending.user_id,
    detail: { provider: pending.provider, by: 'password' in proof ? 'password' : 'session' },
  });
  if (!('password' in proof)) return { linked: true, provider: pending.provider };
  const user = await getUser(pending.user_id);
  if (user?.status !== 'active') throw REFUSALS.account_disabled();
  return afterFirstFactor(tenant, user, meta, { method: `oauth_${pending.provider}` });
}
