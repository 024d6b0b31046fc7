// A site's two-factor settings: the policy, and its cap on SMS codes.
import * as z from 'zod';
import { int, tenantSettings } from '../../core/tenant-settings';

export const MFA_POLICIES = ['off', 'optional', 'required', 'admins'] as const;

export const mfaSettings = tenantSettings({
  /**
   * Two-factor policy. off: no new enrollment (factors users already have still apply); optional: users choose;
   * required: everyone must enroll at their next sign-in; admins: users with an admin role must.
   */
  mfa: z.enum(MFA_POLICIES).catch('optional'),
  /** S25: SMS codes this site may send per hour, across all its users (cost and toll-fraud cap). */
  mfa_sms_per_hour: int(1, 100_000, 300),
});
