// The two providers a site can offer, behind one shape: where to send the browser, and what a returned code proves.
// Google is OpenID Connect: endpoints and keys from its discovery document, the ID token checked by jose (signature
// against the JWKS, iss, aud, exp, nonce). GitHub is plain OAuth: the token buys an API call for the user and their
// verified primary email. Both use PKCE (S256) and a client secret, which only this code reads (S46).
import { createHash } from 'node:crypto';
import { jwtVerify } from 'jose';
import { clock } from '../../core/clock';
import type { Provider } from '../../core/db/identities';
import { oauthConfig } from './config';
import { remoteKeys } from './jwks';

/** Who the provider says signed in. */
export type ProviderProfile = { subject: string; email?: string; emailVerified: boolean; name?: string };

export type AuthorizeParams = {
  clientId: string;
  callbackUrl: string;
  state: string;
  verifier: string;
  nonce: string;
};
export type ExchangeParams = {
  clientId: string;
  clientSecret: string;
  callbackUrl: string;
  code: string;
  verifier: string;
  nonce: string;
};

export type OAuthProvider = {
  authorizeUrl(p: AuthorizeParams): Promise<string>;
  /** Redeems the code; throws ProviderError when the provider refuses it or its answer does not check out. */
  profile(p: ExchangeParams): Promise<ProviderProfile>;
};

/** The provider refused, or answered something that does not verify: the user is sent back with an error. */
export class ProviderError extends Error {
  constructor(
    readonly reason: string,
    message = reason,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

const TIMEOUT_MS = 8_000;
export const pkceChallenge = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

async function fetchJson(url: string, init: RequestInit, what: string): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' });
  } catch (error) {
    throw new ProviderError('provider_unreachable', `${what}: ${(error as Error).message}`);
  }
  const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!response.ok || !body || typeof body !== 'object') {
    throw new ProviderError(
      'provider_refused',
      `${what}: HTTP ${response.status} ${String(body?.error ?? '')}`,
    );
  }
  return body;
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
  body: new URLSearchParams(fields).toString(),
});

// --- Google (OpenID Connect) ---

type Discovery = { issuer: string; authorization_endpoint: string; token_endpoint: string; jwks_uri: string };
const discoveries = new Map<string, { value: Promise<Discovery>; until: number }>();

/** The issuer's discovery document, kept an hour per container. */
function discover(issuer: string): Promise<Discovery> {
  const hit = discoveries.get(issuer);
  if (hit && hit.until > clock.now()) return hit.value;
  const pending = fetchJson(`${issuer}/.well-known/openid-configuration`, {}, 'discovery').then((doc) => {
    for (const field of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
      if (typeof doc[field] !== 'string')
        throw new ProviderError('provider_misconfigured', `discovery: no ${field}`);
    }
    return doc as Discovery;
  });
  // A failure is not kept: the next sign-in asks again.
  pending.catch(() => discoveries.delete(issuer));
  discoveries.set(issuer, { value: pending, until: clock.now() + 3_600_000 });
  return pending;
}

/**
 * The ID token's claims, once its signature, issuer, audience, expiry (60 s skew) and nonce check out. Google also
 * issues tokens with the issuer written without its scheme.
 */
export async function verifyIdToken(
  idToken: string,
  expected: { issuer: string; jwksUri: string; clientId: string; nonce: string },
): Promise<ProviderProfile> {
  const issuers = [expected.issuer];
  if (expected.issuer === 'https://accounts.google.com') issuers.push('accounts.google.com');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(idToken, remoteKeys(expected.jwksUri), {
      issuer: issuers,
      audience: expected.clientId,
      algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'],
      clockTolerance: 60,
      requiredClaims: ['sub', 'exp', 'iat'],
    }));
  } catch (error) {
    throw new ProviderError('invalid_id_token', `ID token: ${(error as Error).message}`);
  }
  if (payload.nonce !== expected.nonce)
    throw new ProviderError('invalid_id_token', 'ID token: nonce mismatch');
  if (typeof payload.sub !== 'string' || !payload.sub)
    throw new ProviderError('invalid_id_token', 'ID token: sub');
  return {
    subject: payload.sub,
    email: typeof payload.email === 'string' ? payload.email : undefined,
    // Google sends a boolean; some OIDC servers a string.
    emailVerified: payload.email_verified === true || payload.email_verified === 'true',
    name: typeof payload.name === 'string' ? payload.name : undefined,
  };
}

const google: OAuthProvider = {
  async authorizeUrl({ clientId, callbackUrl, state, verifier, nonce }) {
    const { authorization_endpoint } = await discover(oauthConfig().googleIssuer);
    const url = new URL(authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: callbackUrl,
      scope: 'openid email profile',
      state,
      nonce,
      code_challenge: pkceChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    return url.toString();
  },
  async profile({ clientId, clientSecret, callbackUrl, code, verifier, nonce }) {
    const discovery = await discover(oauthConfig().googleIssuer);
    const tokens = await fetchJson(
      discovery.token_endpoint,
      form({
        grant_type: 'authorization_code',
        code,
        redirect_uri: callbackUrl,
        client_id: clientId,
        client_secret: clientSecret,
        code_verifier: verifier,
      }),
      'token',
    );
    if (typeof tokens.id_token !== 'string')
      throw new ProviderError('invalid_id_token', 'token: no id_token');
    return verifyIdToken(tokens.id_token, {
      issuer: discovery.issuer,
      jwksUri: discovery.jwks_uri,
      clientId,
      nonce,
    });
  },
};

// --- GitHub (OAuth 2 + REST API) ---

const githubHeaders = (accessToken: string) => ({
  authorization: `Bearer ${accessToken}`,
  accept: 'application/vnd.github+json',
  'user-agent': 'lambdalith',
  'x-github-api-version': '2022-11-28',
});

const github: OAuthProvider = {
  async authorizeUrl({ clientId, callbackUrl, state, verifier }) {
    const url = new URL(`${oauthConfig().githubUrl}/login/oauth/authorize`);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: callbackUrl,
      scope: 'read:user user:email',
      state,
      code_challenge: pkceChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    return url.toString();
  },
  async profile({ clientId, clientSecret, callbackUrl, code, verifier }) {
    const { githubUrl, githubApiUrl } = oauthConfig();
    const token = await fetchJson(
      `${githubUrl}/login/oauth/access_token`,
      form({
        client_id: clientId,
        client_secret: clientSecret,
        code,
        redirect_uri: callbackUrl,
        code_verifier: verifier,
      }),
      'token',
    );
    // GitHub answers a refused code with 200 and {"error": ...}.
    if (typeof token.access_token !== 'string') {
      throw new ProviderError('provider_refused', `token: ${String(token.error ?? 'no access_token')}`);
    }
    const headers = githubHeaders(token.access_token);
    const [user, emails] = await Promise.all([
      fetchJson(`${githubApiUrl}/user`, { headers }, 'user'),
      fetchJson(`${githubApiUrl}/user/emails`, { headers }, 'emails') as Promise<unknown>,
    ]);
    if (typeof user.id !== 'number' && typeof user.id !== 'string')
      throw new ProviderError('provider_refused', 'user: no id');
    const primary = Array.isArray(emails)
      ? (emails as { email?: unknown; primary?: unknown; verified?: unknown }[]).find(
          (e) => e.primary === true,
        )
      : undefined;
    return {
      subject: String(user.id),
      email: typeof primary?.email === 'string' ? primary.email : undefined,
      emailVerified: primary?.verified === true,
      name:
        typeof user.name === 'string' ? user.name : typeof user.login === 'string' ? user.login : undefined,
    };
  },
};

export const PROVIDERS: Record<Provider, OAuthProvider> = { google, github };
