// A site's two-factor policy (tenant setting `mfa`) applied to one user.

import type { Tenant } from '../../core/db/tenants';
import type { User } from '../../core/db/users';
import { isAdmin } from '../../core/roles';
import { smsAvailable } from './deliver';
import { mfaSettings } from './settings';

/** Whether this user may not sign in without a second factor on this site. */
export function mustUseMfa(tenant: Tenant, user: User): boolean {
  const policy = mfaSettings(tenant).mfa;
  return policy === 'required' || (policy === 'admins' && isAdmin(user));
}

/** Factors a user of this deployment can enroll; SMS only where Twilio is configured. */
export const enrollableFactors = () => ['totp', ...(smsAvailable() ? ['sms'] : []), 'email'];
