// Who is using the console: a console session (cookie; its forms need CSRF) or, for the seed's journey, an
// access token of a user with an admin role (Authorization: Bearer; no cookie, so no CSRF).

import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import type { User } from '../core/db/users';
import { getUser } from '../core/db/users';
import { type AppError, NotFoundError, UnauthorizedError } from '../core/errors';
import { canManageTenant, isAdmin } from '../core/roles';
import { tenantResolver } from '../core/tenants';
import { authenticate } from '../middleware/authenticate';
import { assertCsrf } from '../middleware/csrf';
import { readForm } from '../middleware/form-body';
import { currentConsoleAdmin } from './console-session';

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by requireConsole: the admin using the console. */
    admin: User;
    /** Epoch seconds of the sign-in the console session (or token) rests on, for S27's recency. */
    adminSignedInAt: number;
    /** The lockdown scopes in force, for the console's banner. */
    lockdowns: string[];
    /** The console session making this request (none with a Bearer token). */
    adminSessionId: string;
    /** The session this request rests on (console or Bearer) and its last step-up, for sensitive actions. */
    adminStepUp: { sessionId: string; at: number };
  }
}

export const requireConsole = (): MiddlewareHandler<AppEnv> =>
  async function requireConsole(c, next) {
    if (c.req.header('authorization')) {
      const auth = await authenticate(c);
      const user = await getUser(auth.userId);
      if (!user || !isAdmin(user)) throw new NotFoundError();
      c.set('admin', user);
      c.set('adminSignedInAt', Date.parse(auth.session.createdAt) / 1000);
      c.set('adminStepUp', { sessionId: auth.session.sessionId, at: auth.session.steppedUpAt ?? 0 });
      return next();
    }
    const signedIn = await currentConsoleAdmin(c);
    if (!signedIn) {
      if (c.req.method === 'GET')
        return c.redirect(`/admin/login?next=${encodeURIComponent(c.req.path)}`, 303);
      throw new UnauthorizedError('Sign in to the console first', 'not_authenticated');
    }
    c.set('admin', signedIn.user);
    c.set('adminSignedInAt', Date.parse(signedIn.session.createdAt) / 1000);
    c.set('adminSessionId', signedIn.session.sessionId);
    c.set('adminStepUp', { sessionId: signedIn.session.sessionId, at: signedIn.session.steppedUpAt ?? 0 });
    c.set('lockdowns', Object.keys(await tenantResolver().lockdowns()));
    return next();
  };

/** The posted fields of a console form; a cookie-authenticated post must carry its CSRF token (S36). */
export async function consoleForm(c: Context<AppEnv>): Promise<(name: string) => string> {
  const field = await readForm(c);
  if (!c.req.header('authorization')) assertCsrf(c, field('csrf_token'));
  return field;
}

/** What a refused console form says when its page is shown again: each field's message, or the error's detail. */
export function refusalOf(error: AppError): string {
  const fields = (error.extra.errors ?? []) as { field: string; message: string }[];
  return fields.length ? fields.map((f) => `${f.field}: ${f.message}`).join('; ') : error.detail;
}

/** Another tenant's record is "not found" for a tenant admin, never "forbidden" (no confirming it exists). */
export function assertManages(c: Context<AppEnv>, tenantId: string): void {
  if (!canManageTenant(c.var.admin, tenantId)) throw new NotFoundError();
}

/** Post/redirect/get: the next page says what happened, from a fixed list (no reflected text). */
export const NOTICES: Record<string, string> = {
  tenant_created: 'Site created.',
  tenant_saved: 'Site saved.',
  sign_in_saved: 'Sign-in methods saved.',
  billing_saved: 'Billing settings saved.',
  refund_requested: "Refund made in Stripe: its ledger entry arrives with Stripe's webhook, in seconds.",
  passkey_added: 'Passkey added.',
  lockdown_engaged: 'Lockdown engaged: sign-ins in its scope are refused.',
  lockdown_lifted: 'Lockdown lifted.',
  alert_acknowledged:
    'Alert acknowledged: it stays listed until resolved, and notifies no one again meanwhile.',
  alert_resolved: 'Alert resolved.',
  alerts_saved: 'Alert preferences saved.',
  allowlist_added: 'Range added to the allowlist; every instance applies it within seconds.',
  allowlist_removed: 'Range removed from the allowlist.',
  stepped_up: 'Confirmed: for the next five minutes, sensitive actions need no new code. Repeat your action.',
  session_ended: 'Session ended.',
  passkey_removed: 'Passkey removed.',
  key_revoked: 'API key revoked.',
  user_disabled: 'User disabled and signed out everywhere.',
  user_enabled: 'User enabled.',
  user_unlocked: 'Sign-in lockout cleared.',
  reset_sent: 'Password reset email sent (if the account is active).',
  sessions_revoked: 'All sessions of this user were ended.',
  roles_saved: 'Roles saved.',
  mfa_reset: 'Two-factor sign-in removed; the user was signed out everywhere and can enroll again.',
  secrets_deleted: "All of this user's secret messages were deleted.",
  scrape_job_created: 'Scrape job created. Its first run comes at the time shown, or use Run now.',
  scrape_job_saved: 'Scrape job saved.',
  scrape_job_deleted: 'Scrape job deleted.',
  scrape_run_queued: 'Run queued: refresh in a few seconds to see it.',
  scrape_run_busy: 'A run of this job is going on; runs never overlap.',
  publish_saved: 'Publishing settings saved.',
  publish_uploaded: 'Uploaded: it is published within seconds (see its record below).',
  publish_requeued: 'Queued to publish again.',
  publish_unknown: 'There is no such upload to publish again.',
};
export const noticeOf = (c: Context) => NOTICES[c.req.query('notice') ?? ''];
