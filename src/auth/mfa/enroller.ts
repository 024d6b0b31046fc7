// requireEnroller: the MFA enrollment routes accept a signed-in user's access token, or the enrollment-only token a
// site's policy hands out at sign-in ({"mfa_enrollment_required": true}). Nothing else accepts the latter.
import type { Context, MiddlewareHandler } from 'hono';
import { decodeProtectedHeader } from 'jose';
import type { AppEnv } from '../../app-env';
import { isTokenBlacklisted } from '../../core/db/blacklist';
import { credentialStamp, getUser } from '../../core/db/users';
import { UnauthorizedError } from '../../core/errors';
import { TOKEN_TYPES, tokens } from '../../core/jwt';
import { tenantResolver } from '../../core/tenants';
import { actFor } from '../../middleware/acting-tenant';
import { assertSameTenantAsKey, authenticate, presentedToken } from '../../middleware/authenticate';
import type { EnrollmentUse } from './challenge';
import { type Enroller, enrollerOf } from './enroll';

const notAuthenticated = () => new UnauthorizedError('Not authenticated', 'not_authenticated');

function isEnrollmentToken(token: string): boolean {
  try {
    return decodeProtectedHeader(token).typ === TOKEN_TYPES.mfa_enroll;
  } catch {
    return false;
  }
}

/**
 * The enroller an enrollment-only token names: while it is unspent, meant for `use`, its site exists, and the
 * account's credentials are as they were when it was issued (a password reset or a new factor ends it, S16).
 */
export async function enrollerFromEnrollmentToken(token: string, use: EnrollmentUse): Promise<Enroller> {
  const claims = await tokens().verify(token, { kind: 'mfa_enroll' });
  if (claims.use !== use) throw notAuthenticated();
  const [spent, tenant, user] = await Promise.all([
    isTokenBlacklisted(claims.jti),
    tenantResolver().byId(claims.aud),
    getUser(claims.sub),
  ]);
  if (spent || !tenant || user?.status !== 'active' || claims.cs !== credentialStamp(user)) {
    throw notAuthenticated();
  }
  return {
    userId: claims.sub,
    tenant,
    tenantId: claims.aud,
    signedInAt: claims.iat,
    enrollmentToken: { jti: claims.jti, exp: claims.exp },
  };
}

async function enrollerFromToken(c: Context<AppEnv>, token: string): Promise<Enroller> {
  const enroller = await enrollerFromEnrollmentToken(token, 'api');
  await assertSameTenantAsKey(c, enroller.tenantId);
  actFor(c, enroller.tenant);
  return enroller;
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by requireEnroller: who may change factors (signed in, or enrolling at sign-in). */
    enroller: Enroller;
  }
}

export const requireEnroller = (): MiddlewareHandler<AppEnv> =>
  async function requireEnroller(c, next) {
    const presented = presentedToken(c);
    const enroller =
      presented?.via === 'bearer' && isEnrollmentToken(presented.token)
        ? await enrollerFromToken(c, presented.token)
        : enrollerOf(await authenticate(c));
    c.set('enroller', enroller);
    await next();
  };
