// POST /auth/register: creates an account without ever revealing whether the email was already taken (S6).
import { audit, type RequestMeta } from '../core/audit';
import type { Tenant } from '../core/db/tenants';
import { createUser, newUser } from '../core/db/users';
import { ConflictError, ValidationError } from '../core/errors';
import { logger } from '../core/log';
import { hashPassword } from '../core/passwords';
import { enforceRateLimit, withinRateLimit } from '../core/rate-limit';
import { siteSettings } from '../core/tenant-settings';
import { enqueueTenantEmail } from '../email';
import { sendVerificationEmail } from './email-verification';
import { passwordProblem } from './password-policy';

export const REGISTRATIONS_PER_IP = { name: 'register-ip', max: 20, windowSeconds: 3_600 };
/** Per address: the owner of a taken address hears about attempts, but no more than this (no mail bombing). */
export const EXISTING_ACCOUNT_NOTICES = { name: 'existing-account-notice', max: 3, windowSeconds: 3_600 };

export type RegisterInput = { email: string; password: string; name: string };

export async function registerUser(tenant: Tenant, input: RegisterInput, meta: RequestMeta) {
  const settings = siteSettings(tenant);
  await enforceRateLimit(tenant, REGISTRATIONS_PER_IP, meta.ip);
  const problem = await passwordProblem(input.password, {
    minLength: settings.password_min_length,
    email: input.email,
    siteName: tenant.name,
  });
  if (problem) throw new ValidationError([{ field: 'password', message: problem }]);

  // Hash before knowing whether the email is taken, so both paths cost the same (S6).
  const user = newUser(tenant, {
    email: input.email,
    name: input.name,
    passwordHash: await hashPassword(input.password),
  });
  const { userId } = user;
  const created = await createUser(user);
  const tenantId = tenant.id;
  if (!created) {
    await audit(meta, {
      tenantId,
      event: 'user_created',
      outcome: 'failure',
      userId,
      detail: { reason: 'email_exists' },
    });
    if (settings.duplicate_email === 'conflict') {
      throw new ConflictError('An account with this email already exists', 'email_taken');
    }
    await noticeExistingAccount(tenant, input.email);
  } else {
    await audit(meta, { tenantId, event: 'user_created', outcome: 'success', userId });
    await sendVerificationEmail(tenant, user);
  }
  return {
    message: 'Registration successful' as const,
    user: { user_id: userId, email: input.email, name: input.name },
  };
}

/** The real owner learns someone tried to register with their address; the caller learns nothing. */
async function noticeExistingAccount(tenant: Tenant, email: string): Promise<void> {
  try {
    // Past the cap the answer stays the same; only the email is not sent.
    if (!(await withinRateLimit(tenant, EXISTING_ACCOUNT_NOTICES, email))) return;
    await enqueueTenantEmail(tenant, 'existing_account', email, {
      site_name: tenant.name,
      reset_url: siteSettings(tenant).reset_url ?? null,
    });
  } catch (error) {
    // Failing here would tell the caller the address is registered; the audit row records the attempt.
    logger.error('existing-account notice not queued', { error: error as Error });
  }
}
