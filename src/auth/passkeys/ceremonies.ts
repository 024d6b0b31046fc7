// Passkeys (WebAuthn) through @simplewebauthn/server: registration for a signed-in user, sign-in with a discoverable
// credential, and the assertion that answers the two-factor step. Each ceremony's challenge is stored (AuthFlows)
// for 5 minutes and spent once, bound to the site, the purpose and (for registration and MFA) the user. The RP ID
// and the accepted origins come from the site's settings. A signature counter that goes backwards means a cloned
// authenticator: refused, and the counter only moves forward by a conditional write.
import { createHash, randomBytes } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  RegistrationResponseJSON,
  WebAuthnCredential,
} from '@simplewebauthn/server';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { clock } from '../../core/clock';
import { putFlow, takeFlow } from '../../core/db/auth-flows';
import {
  advancePasskeyCounter,
  getIdentity,
  type Identity,
  linkIdentity,
  listIdentities,
} from '../../core/db/identities';
import type { Tenant } from '../../core/db/tenants';
import type { User } from '../../core/db/users';
import { BadRequestError, ForbiddenError, UnauthorizedError } from '../../core/errors';
import { logger } from '../../core/log';
import { isPlatformTenant } from '../../core/roles';
import { productNameOf } from '../../core/tenant-settings';
import { httpConfig } from '../../http-config';
import { signInMethods } from '../sign-in-methods';

export const CHALLENGE_TTL_SECONDS = 300;
/** login: a first factor; mfa: the API's second step; console: a platform admin's second step in the console. */
type Purpose = 'register' | 'login' | 'mfa' | 'console';
type ChallengeData = { purpose: Purpose; user_id?: string };

/** The site's relying party: its RP ID (setting, else its first origin's host) and the origins it accepts. */
export function relyingParty(tenant: Tenant): { rpID: string; origins: string[] } {
  const hosted = httpConfig().publicBaseUrl;
  // The console's admins sign in on this deployment's own host.
  if (isPlatformTenant(tenant)) {
    return hosted
      ? { rpID: new URL(hosted).hostname, origins: [new URL(hosted).origin] }
      : { rpID: '', origins: [] };
  }
  const setting = signInMethods(tenant).passkeys.rp_id;
  const first = tenant.allowedOrigins[0];
  const rpID = setting ?? (first ? new URL(first).hostname : '');
  // An origin serves this RP ID when its host is the ID or a subdomain of it (what browsers enforce too).
  const serves = (origin: string) => {
    const host = new URL(origin).hostname;
    return host === rpID || host.endsWith(`.${rpID}`);
  };
  const origins = [...tenant.allowedOrigins, ...(hosted ? [new URL(hosted).origin] : [])].filter(serves);
  return { rpID, origins: [...new Set(origins)] };
}

export function assertPasskeysOn(tenant: Tenant, as: 'first_factor' | 'second_factor' | 'any'): void {
  const s = signInMethods(tenant).passkeys;
  // Platform admins may use a passkey instead of an authenticator app; never alone.
  const on = isPlatformTenant(tenant) ? as !== 'first_factor' : s.enabled && (as === 'any' || s[as]);
  if (!on || !relyingParty(tenant).rpID) {
    throw new ForbiddenError('This site does not offer passkeys here', 'passkeys_disabled');
  }
}

/** The user handle: opaque and stable per account, never the email (it is stored on the authenticator). */
const userHandle = (user: User) => createHash('sha256').update(`passkey-user:${user.userId}`).digest();

/** 32 random bytes; stored under their base64url form, which is what the browser signs in clientDataJSON. */
async function newChallenge(tenant: Tenant, data: ChallengeData): Promise<Uint8Array<ArrayBuffer>> {
  const challenge = new Uint8Array(randomBytes(32));
  await putFlow(
    'passkey_challenge',
    Buffer.from(challenge).toString('base64url'),
    tenant.id,
    data,
    CHALLENGE_TTL_SECONDS,
  );
  return challenge;
}

const invalidPasskey = () => new UnauthorizedError('Passkey not accepted', 'invalid_passkey');

/** Spends the challenge the response signed: once, of this site, for this purpose (and user). */
async function spendChallenge(
  tenant: Tenant,
  response: { response: { clientDataJSON: string } },
  purpose: Purpose,
  userId?: string,
): Promise<string> {
  let challenge: unknown;
  try {
    challenge = JSON.parse(
      Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8'),
    ).challenge;
  } catch {
    throw invalidPasskey();
  }
  if (typeof challenge !== 'string' || challenge.length > 200) throw invalidPasskey();
  const flow = await takeFlow<ChallengeData>('passkey_challenge', challenge, tenant.id);
  // A challenge made for one user answers for that user only; one made for nobody yet (a sign-in), for its owner.
  if (!flow || flow.data.purpose !== purpose || (flow.data.user_id && flow.data.user_id !== userId)) {
    throw invalidPasskey();
  }
  return challenge;
}

const storedCredential = (identity: Identity): WebAuthnCredential => ({
  id: identity.subject,
  publicKey: new Uint8Array(Buffer.from(identity.passkey?.publicKey ?? '', 'base64url')),
  counter: identity.passkey?.counter ?? 0,
  transports: (identity.passkey?.transports ?? []) as WebAuthnCredential['transports'],
});

export const passkeysOf = (userId: string) => listIdentities(userId, 'passkey');

/** Options for navigator.credentials.create(): a resident, user-verified credential, none already registered. */
export async function registrationOptions(tenant: Tenant, user: User) {
  assertPasskeysOn(tenant, 'any');
  const existing = await passkeysOf(user.userId);
  return generateRegistrationOptions({
    rpName: productNameOf(tenant),
    rpID: relyingParty(tenant).rpID,
    userName: user.email,
    userDisplayName: user.name || user.email,
    userID: new Uint8Array(userHandle(user)),
    challenge: await newChallenge(tenant, { purpose: 'register', user_id: user.userId }),
    timeout: CHALLENGE_TTL_SECONDS * 1000,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.subject, transports: p.passkey?.transports })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
}

/** Checks the new credential against its challenge and stores its public half. */
export async function registerPasskey(
  tenant: Tenant,
  user: User,
  response: RegistrationResponseJSON,
  name: string,
): Promise<Identity> {
  assertPasskeysOn(tenant, 'any');
  const expectedChallenge = await spendChallenge(tenant, response, 'register', user.userId);
  const { rpID, origins } = relyingParty(tenant);
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge,
      expectedOrigin: origins,
      expectedRPID: rpID,
      requireUserVerification: true,
    });
  } catch (error) {
    logger.info('passkey registration refused', { reason: (error as Error).message });
    throw new BadRequestError('The passkey could not be verified', 'invalid_passkey');
  }
  if (!verified.verified) throw new BadRequestError('The passkey could not be verified', 'invalid_passkey');
  const { credential, credentialDeviceType, credentialBackedUp } = verified.registrationInfo;
  const identity: Identity = {
    tenantId: tenant.id,
    provider: 'passkey',
    subject: credential.id,
    userId: user.userId,
    linkedAt: new Date(clock.now()).toISOString(),
    passkey: {
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: credential.transports ?? [],
      deviceType: credentialDeviceType,
      backedUp: credentialBackedUp,
      name: name || 'Passkey',
    },
  };
  const linked = await linkIdentity(identity);
  if (linked !== 'linked') throw new BadRequestError('This passkey is already registered', 'passkey_exists');
  return identity;
}

/** Options for navigator.credentials.get() with a fresh challenge for `purpose`. */
async function assertionOptions(
  tenant: Tenant,
  challenge: ChallengeData,
  { allow, userVerification }: { allow?: Identity[]; userVerification: 'required' | 'preferred' },
) {
  assertPasskeysOn(tenant, challenge.purpose === 'login' ? 'first_factor' : 'second_factor');
  return generateAuthenticationOptions({
    rpID: relyingParty(tenant).rpID,
    challenge: await newChallenge(tenant, challenge),
    timeout: CHALLENGE_TTL_SECONDS * 1000,
    ...(allow
      ? {
          allowCredentials: allow.map((p) => ({ id: p.subject, transports: p.passkey?.transports as never })),
        }
      : {}),
    userVerification,
  });
}

/** Sign-in: no credential list, so the authenticator offers the passkeys it holds for the site (discoverable). */
export const loginOptions = (tenant: Tenant) =>
  assertionOptions(tenant, { purpose: 'login' }, { userVerification: 'required' });

/** The two-factor step: only this user's passkeys. */
export const secondFactorOptions = async (tenant: Tenant, user: User) =>
  assertionOptions(
    tenant,
    { purpose: 'mfa', user_id: user.userId },
    { allow: await passkeysOf(user.userId), userVerification: 'preferred' },
  );

/**
 * The console's second step: no credential list (the page does not know who is signing in until the form is
 * posted, and the list would say whether an address has passkeys); the post names the admin.
 */
export const consoleOptions = (tenant: Tenant) =>
  assertionOptions(tenant, { purpose: 'console' }, { userVerification: 'required' });

/**
 * Verifies an assertion for `purpose` and returns the passkey's owner id. For a sign-in the credential names the
 * user; for the second step it must be one of `userId`'s.
 */
export async function verifyAssertion(
  tenant: Tenant,
  response: AuthenticationResponseJSON,
  purpose: 'login' | 'mfa' | 'console',
  userId?: string,
): Promise<string> {
  assertPasskeysOn(tenant, purpose === 'login' ? 'first_factor' : 'second_factor');
  const expectedChallenge = await spendChallenge(tenant, response, purpose, userId);
  const identity = await getIdentity(tenant.id, 'passkey', response.id);
  if (!identity?.passkey || (userId && identity.userId !== userId)) throw invalidPasskey();
  const { rpID, origins } = relyingParty(tenant);
  let newCounter: number;
  try {
    const verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: origins,
      expectedRPID: rpID,
      credential: storedCredential(identity),
      requireUserVerification: purpose !== 'mfa',
    });
    if (!verified.verified) throw invalidPasskey();
    newCounter = verified.authenticationInfo.newCounter;
  } catch (error) {
    // The counter check lives in the library: a counter at or below the stored one is a cloned authenticator.
    logger.warn('passkey assertion refused', { reason: (error as Error).message, tenant: tenant.id });
    throw invalidPasskey();
  }
  // Authenticators that keep no counter send 0 every time; otherwise it only moves forward, one winner at a time.
  const counted = newCounter === 0 && identity.passkey.counter === 0;
  if (!counted && !(await advancePasskeyCounter(identity, newCounter))) throw invalidPasskey();
  return identity.userId;
}
