// Managing IP allowlists (issue 17 §3): the console's (platform admins), a site's API and one key's override (that
// site's admins). Entries are validated CIDR ranges with a note, each change needs a step-up, is audited, and
// reaches every warm container at its next control check (S48). Saving a console list that would shut out the
// address you are using now needs an explicit confirmation; `npm run admin:allowlist -- --clear console` is the
// break-glass way back in.
import { audit, type RequestMeta } from '../core/audit';
import { formatCidr, parseCidr } from '../core/cidr';
import { clock } from '../core/clock';
import { randomToken } from '../core/crypto';
import { putAllowlistEntry, removeAllowlistEntries } from '../core/db/allowlists';
import { getApiKeyByHash } from '../core/db/api-keys';
import { type AllowlistEntry, type AllowlistScope, readControlState } from '../core/db/revocations';
import { tenantIdOf } from '../core/db/tenants';
import type { User } from '../core/db/users';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors';
import { allowsAddress } from '../core/network-allowlist';
import { canManageTenant, isPlatformAdmin } from '../core/roles';
import { tenantResolver } from '../core/tenants';
import { ensurePlatformTenant } from './bootstrap';

const MAX_ENTRIES_PER_SCOPE = 100;

export type AllowlistView = { scope: AllowlistScope; entries: AllowlistEntry[] };

/** The site a scope belongs to (the console's is the platform's), once the admin may manage it; else 404. */
async function siteOfScope(
  admin: User,
  scope: string,
  withinTenant?: string,
): Promise<{ scope: AllowlistScope; tenantId: string }> {
  const found = await scopeSite(admin, scope);
  // A site's page manages that site's lists only.
  if (withinTenant !== undefined && found.tenantId !== withinTenant)
    throw new NotFoundError('No such allowlist entry');
  return found;
}

async function scopeSite(admin: User, scope: string): Promise<{ scope: AllowlistScope; tenantId: string }> {
  if (scope === 'console') {
    if (!isPlatformAdmin(admin)) throw new NotFoundError();
    return { scope, tenantId: (await ensurePlatformTenant()).id };
  }
  if (scope.startsWith('tenant:')) {
    const tenantId = scope.slice('tenant:'.length);
    if (canManageTenant(admin, tenantId) && (await tenantResolver().byId(tenantId))) {
      return { scope: `tenant:${tenantId}`, tenantId };
    }
  }
  if (/^key:[0-9a-f]{64}$/.test(scope)) {
    const key = await getApiKeyByHash(scope.slice('key:'.length));
    const tenantId = key && tenantIdOf(key.clientId, key.siteId);
    if (key?.status === 'active' && tenantId && canManageTenant(admin, tenantId)) {
      return { scope: scope as AllowlistScope, tenantId };
    }
  }
  throw new NotFoundError('No such allowlist: use console, tenant:<client_id>#<site_id> or key:<key hash>');
}

/** The lists the admin may see among `tenantIds`' (and the console's, for platform admins), with their entries. */
export async function allowlistsOf(admin: User, tenantIds: string[]): Promise<AllowlistView[]> {
  const mine = tenantIds.filter((id) => canManageTenant(admin, id));
  const { allowlists } = await readControlState();
  const visible = await Promise.all(
    (Object.entries(allowlists) as [AllowlistScope, AllowlistEntry[]][]).map(async ([scope, entries]) => {
      if (scope === 'console') return isPlatformAdmin(admin);
      if (scope.startsWith('tenant:')) return mine.includes(scope.slice('tenant:'.length));
      const key = await getApiKeyByHash(scope.slice('key:'.length));
      return Boolean(key && entries.length && mine.includes(tenantIdOf(key.clientId, key.siteId)));
    }),
  );
  return (Object.entries(allowlists) as [AllowlistScope, AllowlistEntry[]][])
    .filter((_, i) => visible[i])
    .map(([scope, entries]) => ({ scope, entries }));
}

function noteOf(raw: string): string {
  const note = raw.trim();
  if (note.length > 200 || !/^[^\p{Cc}\p{Cf}]*$/u.test(note)) {
    throw new ValidationError([{ field: 'note', message: 'at most 200 characters on one line' }]);
  }
  return note;
}

/** Refuses a console list that would shut out the caller's own address, unless they said they mean it. */
async function guardSelfLockout(
  scope: AllowlistScope,
  after: AllowlistEntry[],
  ip: string,
  confirmed: boolean,
) {
  if (scope !== 'console' || confirmed || after.length === 0) return;
  if (!(await allowsAddress(after, ip))) {
    throw new ConflictError(
      `This list would shut out your own address (${ip}): add it first, or confirm that you mean it`,
      'would_lock_you_out',
    );
  }
}

export type AddEntry = {
  scope: string;
  /** Set by a site's page: the scope must be that site's or one of its keys'. */
  withinTenant?: string;
  cidr: string;
  note?: string;
  /** The caller knows the list excludes their own address. */
  confirm?: boolean;
  stepUp: () => Promise<void>;
};

export async function addAllowlistEntry(admin: User, input: AddEntry, meta: RequestMeta) {
  const { scope, tenantId } = await siteOfScope(admin, input.scope, input.withinTenant);
  const parsed = parseCidr(input.cidr);
  if ('problem' in parsed) throw new ValidationError([{ field: 'cidr', message: parsed.problem }]);
  const cidr = formatCidr(parsed);
  const note = noteOf(input.note ?? '');
  const current = (await readControlState()).allowlists[scope] ?? [];
  if (current.some((e) => e.cidr === cidr)) {
    throw new ValidationError([{ field: 'cidr', message: `${cidr} is already on this list` }]);
  }
  if (current.length >= MAX_ENTRIES_PER_SCOPE) {
    throw new ValidationError([
      { field: 'cidr', message: `a list holds at most ${MAX_ENTRIES_PER_SCOPE} ranges` },
    ]);
  }
  const entry = { id: randomToken(6), cidr, note, by: admin.email, at: new Date(clock.now()).toISOString() };
  await guardSelfLockout(scope, [...current, entry], meta.ip, Boolean(input.confirm));
  await input.stepUp();
  await putAllowlistEntry(scope, entry);
  tenantResolver().clear();
  await audit(meta, {
    tenantId,
    event: 'admin_ip_allowlist_added',
    outcome: 'success',
    userId: admin.userId,
    detail: { scope, cidr, entry: entry.id },
  });
  return entry;
}

export async function removeAllowlistEntry(
  admin: User,
  input: { id: string; confirm?: boolean; withinTenant?: string; stepUp: () => Promise<void> },
  meta: RequestMeta,
) {
  const { allowlists } = await readControlState();
  const found = (Object.entries(allowlists) as [AllowlistScope, AllowlistEntry[]][]).find(([, entries]) =>
    entries.some((e) => e.id === input.id),
  );
  if (!found) throw new NotFoundError('No such allowlist entry');
  const [scope, entries] = found;
  const { tenantId } = await siteOfScope(admin, scope, input.withinTenant);
  await guardSelfLockout(
    scope,
    entries.filter((e) => e.id !== input.id),
    meta.ip,
    Boolean(input.confirm),
  );
  await input.stepUp();
  if (!(await removeAllowlistEntries(scope, [input.id]))) throw new NotFoundError('No such allowlist entry');
  tenantResolver().clear();
  const entry = entries.find((e) => e.id === input.id) as AllowlistEntry;
  await audit(meta, {
    tenantId,
    event: 'admin_ip_allowlist_removed',
    outcome: 'success',
    userId: admin.userId,
    detail: { scope, cidr: entry.cidr, entry: entry.id },
  });
}
