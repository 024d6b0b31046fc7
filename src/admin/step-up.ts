// Step-up (seed 002, S27): the console's sensitive actions (API key rotation, role changes, allowlist changes,
// lockdown, another user's MFA reset) need a re-authentication with an authenticator code within the last five
// minutes, recorded on the session making the request. A request may carry the code itself; otherwise the console
// asks for it (POST /admin/step-up, or /admin/api/security/step-up for JSON callers) and the admin repeats the action.
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { acceptTotp } from '../auth';
import { audit } from '../core/audit';
import { clock } from '../core/clock';
import { giveBack, takeUnits } from '../core/db/counters';
import { markSteppedUp } from '../core/db/sessions';
import {
  ForbiddenError,
  ServiceUnavailableError,
  TooManyRequestsError,
  ValidationError,
} from '../core/errors';
import { requestMeta } from '../middleware/request-meta';

const STEP_UP_SECONDS = 5 * 60;
// Wrong codes only: five per five minutes per admin, so a stolen session cannot guess its way to a sensitive action.
const WRONG_CODES = { max: 5, windowSeconds: 5 * 60 };

export class StepUpRequiredError extends ForbiddenError {
  constructor() {
    super(
      'This action needs a fresh code from your authenticator app: confirm it (POST /admin/api/security/step-up) or send it as "code"',
      'step_up_required',
    );
  }
}

/** Until when this request's session counts as stepped up (epoch seconds; 0 when it never was). */
export const steppedUpUntil = (c: Context<AppEnv>) => (c.var.adminStepUp?.at ?? 0) + STEP_UP_SECONDS;

/** Checks a fresh authenticator code and records the step-up on the session this request rests on. */
export async function stepUp(c: Context<AppEnv>, rawCode: string): Promise<void> {
  const admin = c.var.admin;
  if (!admin.mfa.totpSecret) {
    throw new ForbiddenError('This action needs an authenticator app on your account', 'step_up_unavailable');
  }
  const now = clock.seconds();
  const attempt = await takeUnits(`step_up#${admin.userId}`, WRONG_CODES, now).catch(() => {
    throw new ServiceUnavailableError();
  });
  if (!attempt.allowed) {
    throw new TooManyRequestsError(
      attempt.retryAfter,
      'Too many wrong codes; try again later',
      'rate_limited',
    );
  }
  const code = rawCode.trim();
  if (!/^\d{6}$/.test(code) || !(await acceptTotp(admin, code))) {
    await audit(requestMeta(c), {
      tenantId: admin.tenantId,
      event: 'admin_step_up',
      outcome: 'failure',
      userId: admin.userId,
    });
    throw new ValidationError([{ field: 'code', message: 'enter a fresh code from your authenticator app' }]);
  }
  await giveBack(attempt.taken);
  await markSteppedUp(c.var.adminStepUp.sessionId, now);
  c.set('adminStepUp', { sessionId: c.var.adminStepUp.sessionId, at: now });
  await audit(requestMeta(c), {
    tenantId: admin.tenantId,
    event: 'admin_step_up',
    outcome: 'success',
    userId: admin.userId,
  });
}

/** Passes when the request carries a good code or the session stepped up in the last five minutes. */
export async function requireStepUp(c: Context<AppEnv>, code?: string): Promise<void> {
  if (code?.trim()) return stepUp(c, code);
  if (clock.seconds() < steppedUpUntil(c)) return;
  throw new StepUpRequiredError();
}
