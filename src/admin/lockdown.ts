// Emergency lockdown from the console or its JSON API: one action that refuses every sign-in, refresh and second
// step of a site, or of every site, until it is lifted (platform admins excepted). It rests on a step-up (a fresh
// authenticator code, in the request or within the last five minutes), needs a reason both ways, is audited, and reaches every warm container
// at its next control check (REVOCATION_CHECK_SECONDS, 5 s by default: S48).
import { audit, type RequestMeta } from '../core/audit';
import { clock } from '../core/clock';
import { type Lockdown, type LockdownScope, readControlState, setLockdown } from '../core/db/revocations';
import { getTenantById, parseTenantId } from '../core/db/tenants';
import type { User } from '../core/db/users';
import { ValidationError } from '../core/errors';
import { tenantResolver } from '../core/tenants';
import { ensurePlatformTenant } from './bootstrap';

export type LockdownRequest = {
  scope: string;
  reason: string;
  revokeSessions?: boolean;
  /** The step-up this action rests on (requireStepUp), run once the request itself is known to be sound. */
  stepUp: () => Promise<void>;
};

async function scopeOf(raw: string): Promise<LockdownScope> {
  if (raw === 'global') return 'global';
  const tenantId = raw.startsWith('tenant:') ? parseTenantId(raw.slice('tenant:'.length)) : undefined;
  const tenant = tenantId ? await getTenantById(tenantId) : undefined;
  if (!tenantId || !tenant) {
    throw new ValidationError([
      { field: 'scope', message: 'global, or tenant:<client_id>#<site_id> of a site' },
    ]);
  }
  return `tenant:${tenantId}`;
}

function reasonOf(raw: string): string {
  const reason = raw.trim();
  if (reason.length < 3 || reason.length > 500 || !/^[^\p{Cc}\p{Cf}]*$/u.test(reason)) {
    throw new ValidationError([{ field: 'reason', message: 'say why, in 3 to 500 characters on one line' }]);
  }
  return reason;
}

export async function lockdownState(): Promise<{ lockdowns: Partial<Record<LockdownScope, Lockdown>> }> {
  return { lockdowns: (await readControlState()).lockdowns };
}

const auditScopeOf = (scope: LockdownScope) => (scope === 'global' ? '*' : scope.slice('tenant:'.length));

export async function engageLockdown(admin: User, request: LockdownRequest, meta: RequestMeta) {
  const scope = await scopeOf(request.scope);
  const reason = reasonOf(request.reason);
  await request.stepUp();
  const now = clock.now();
  await setLockdown(
    scope,
    { reason, by: admin.email, at: new Date(now).toISOString() },
    request.revokeSessions ? now : undefined,
  );
  // This container sees it at once; the others at their next check.
  tenantResolver().clear();
  await audit(meta, {
    tenantId: scope === 'global' ? (await ensurePlatformTenant()).id : auditScopeOf(scope),
    event: 'security_lockdown_engaged',
    outcome: 'success',
    userId: admin.userId,
    detail: { scope, reason, revoke_sessions: Boolean(request.revokeSessions) },
  });
  return lockdownState();
}

export async function liftLockdown(admin: User, request: LockdownRequest, meta: RequestMeta) {
  const scope = await scopeOf(request.scope);
  const reason = reasonOf(request.reason);
  await request.stepUp();
  await setLockdown(scope, undefined);
  tenantResolver().clear();
  await audit(meta, {
    tenantId: scope === 'global' ? (await ensurePlatformTenant()).id : auditScopeOf(scope),
    event: 'security_lockdown_lifted',
    outcome: 'success',
    userId: admin.userId,
    detail: { scope, reason },
  });
  return lockdownState();
}
