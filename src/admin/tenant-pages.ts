// Console pages for sites: list and create (platform admins), edit settings, and API keys (shown once at creation).
import { type Context, Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { clientSecrets, PROVIDER_NAMES } from '../auth';
import { saveStripeAccount, stripeAccountValues } from '../billing';
import { audit } from '../core/audit';
import { clock } from '../core/clock';
import { getApiKeyByHash, listApiKeys, putApiKey, revokeApiKey } from '../core/db/api-keys';
import {
  createTenant,
  getTenantById,
  listTenants,
  newTenant,
  putTenant,
  type Tenant,
  tenantIdOf,
} from '../core/db/tenants';
import type { User } from '../core/db/users';
import { AppError, NotFoundError } from '../core/errors';
import { rateClassConfig } from '../core/rate-classes';
import { isPlatformAdmin } from '../core/roles';
import { isScope, SCOPE_NAMES } from '../core/scopes';
import { apiKeyPepper, generateApiKey, hashApiKey, tenantResolver } from '../core/tenants';
import { requestMeta } from '../middleware/request-meta';
import { assertManages, consoleForm, noticeOf, refusalOf, requireConsole } from './access';
import { addAllowlistEntry, allowlistsOf, removeAllowlistEntry } from './ip-allowlist';
import { renderConsole } from './render';
import { signInFromForm, signInValues } from './sign-in-form';
import { requireStepUp } from './step-up';
import { type FieldErrors, formValues, newTenantIds, tenantFromForm } from './tenant-forms';

export async function tenantOr404(c: Context<AppEnv>, id: string): Promise<Tenant> {
  assertManages(c, id);
  const tenant = await getTenantById(id);
  if (!tenant) throw new NotFoundError('No such site');
  return tenant;
}

export async function managedTenants(c: { var: { admin: User } }): Promise<Tenant[]> {
  const admin = c.var.admin;
  if (isPlatformAdmin(admin)) return (await listTenants({ limit: 200 })).tenants;
  const own = await getTenantById(admin.tenantId);
  return own ? [own] : [];
}

/** A new key for a site: only its HMAC is stored, the key itself is returned once for the page to show. */
async function issueKey(tenant: Tenant, name: string, scopes: string[]): Promise<string> {
  const key = generateApiKey();
  await putApiKey({
    keyHash: hashApiKey(key, await apiKeyPepper()),
    clientId: tenant.clientId,
    siteId: tenant.siteId,
    name,
    scopes,
    status: 'active',
    createdAt: new Date(clock.now()).toISOString(),
    hint: `${key.slice(0, 7)}…${key.slice(-4)}`,
  });
  return key;
}

/** Which providers have a client secret stored (asked without reading them, S46). */
const secretsSetOf = async (tenant: Tenant) => {
  const [google, github] = await Promise.all(PROVIDER_NAMES.map((p) => clientSecrets.has(tenant.id, p)));
  return { google: Boolean(google), github: Boolean(github) };
};

async function tenantPage(
  c: Context<AppEnv>,
  tenant: Tenant,
  extra: {
    errors?: FieldErrors;
    values?: unknown;
    newKey?: string;
    status?: number;
    signInErrors?: FieldErrors;
    allowlistError?: string;
    stripeErrors?: FieldErrors;
  } = {},
) {
  const [keys, secretsSet, lists, stripe] = await Promise.all([
    listApiKeys(tenant.id),
    secretsSetOf(tenant),
    allowlistsOf(c.var.admin, [tenant.id]),
    stripeAccountValues(tenant),
  ]);
  const active = keys.filter((k) => k.status === 'active');
  const keyLabel = (hash: string) => {
    const key = keys.find((k) => k.keyHash === hash);
    return `key “${key?.name ?? '?'}” (${key?.hint ?? hash.slice(0, 8)}) only`;
  };
  return renderConsole(
    c,
    'tenant.html.njk',
    {
      title: tenant.name,
      admin: c.var.admin,
      nav: 'tenants',
      tenant,
      tenant_id: tenant.id,
      values: extra.values ?? formValues(tenant),
      errors: extra.errors ?? {},
      keys,
      scopes: SCOPE_NAMES,
      new_key: extra.newKey,
      sign_in: signInValues(tenant, secretsSet),
      sign_in_errors: extra.signInErrors ?? {},
      allowlist: lists.flatMap((l) =>
        l.entries.map((e) => ({
          ...e,
          applies_to: l.scope.startsWith('key:') ? keyLabel(l.scope.slice('key:'.length)) : 'the whole site',
        })),
      ),
      allowlist_targets: [
        { value: 'site', label: 'The whole site' },
        ...active.map((k) => ({
          value: k.keyHash,
          label: `Only key “${k.name}” (replaces the site's list for it)`,
        })),
      ],
      allowlist_error: extra.allowlistError,
      rate_defaults: rateClassConfig(),
      stripe,
      stripe_errors: extra.stripeErrors ?? {},
      notice: noticeOf(c),
    },
    extra.status ?? 200,
  );
}

/** An allowlist form's action: back to the site's list, or the page again with why it was refused. */
async function allowlistAction(
  c: Context<AppEnv>,
  tenant: Tenant,
  notice: string,
  run: () => Promise<unknown>,
) {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return tenantPage(c, tenant, { allowlistError: refusalOf(error), status: error.status });
  }
  return c.redirect(`/admin/tenants/${encodeURIComponent(tenant.id)}?notice=${notice}#ip-allowlist`, 303);
}

export const tenantPages = new Hono<AppEnv>()
  .use('/tenants', requireConsole())
  .use('/tenants/*', requireConsole())
  .get('/tenants', async (c) => {
    const page = isPlatformAdmin(c.var.admin)
      ? await listTenants({ limit: 50, after: c.req.query('after') })
      : { tenants: await managedTenants(c), next: undefined };
    return renderConsole(c, 'tenants.html.njk', {
      title: 'Sites',
      admin: c.var.admin,
      nav: 'tenants',
      tenants: page.tenants,
      next: page.next,
      can_create: isPlatformAdmin(c.var.admin),
      errors: {},
      values: {},
      notice: noticeOf(c),
    });
  })
  .post('/tenants', async (c) => {
    if (!isPlatformAdmin(c.var.admin)) throw new NotFoundError();
    const field = await consoleForm(c);
    const ids = newTenantIds(field);
    const base = newTenant({ clientId: '', siteId: '', name: '' });
    const edited = tenantFromForm(field, base);
    const errors = { ...('errors' in ids ? ids.errors : {}), ...(edited.errors ?? {}) };
    const again = (more: FieldErrors) =>
      renderConsole(
        c,
        'tenants.html.njk',
        {
          title: 'Sites',
          admin: c.var.admin,
          nav: 'tenants',
          tenants: [],
          can_create: true,
          errors: more,
          values: {
            client_id: field('client_id'),
            site_id: field('site_id'),
            name: field('name'),
            allowed_origins: field('allowed_origins'),
          },
        },
        422,
      );
    if (Object.keys(errors).length || 'errors' in ids || !edited.tenant) return again(errors);
    const tenant = newTenant({ ...edited.tenant, clientId: ids.clientId, siteId: ids.siteId });
    if (!(await createTenant(tenant)))
      return again({ site_id: 'a site with this client and site id exists' });
    const tenantId = tenant.id;
    await audit(requestMeta(c), {
      tenantId,
      event: 'admin_tenant_created',
      outcome: 'success',
      userId: c.var.admin.userId,
    });
    return c.redirect(`/admin/tenants/${encodeURIComponent(tenantId)}?notice=tenant_created`, 303);
  })
  .get('/tenants/:id', async (c) => tenantPage(c, await tenantOr404(c, c.req.param('id'))))
  .post('/tenants/:id', async (c) => {
    const current = await tenantOr404(c, c.req.param('id'));
    const field = await consoleForm(c);
    const edited = tenantFromForm(field, current);
    if (!edited.tenant) {
      const values = {
        ...formValues(current),
        name: field('name'),
        allowed_origins: field('allowed_origins'),
        reset_url: field('reset_url'),
        verify_url: field('verify_url'),
      };
      return tenantPage(c, current, { errors: edited.errors, values, status: 422 });
    }
    // A site admin may not disable their own site from under themselves; that is a platform decision.
    const tenant = isPlatformAdmin(c.var.admin)
      ? edited.tenant
      : { ...edited.tenant, status: current.status };
    await putTenant(tenant);
    tenantResolver().clear();
    await audit(requestMeta(c), {
      tenantId: c.req.param('id'),
      event: 'admin_tenant_updated',
      outcome: 'success',
      userId: c.var.admin.userId,
    });
    return c.redirect(`/admin/tenants/${encodeURIComponent(c.req.param('id'))}?notice=tenant_saved`, 303);
  })
  .post('/tenants/:id/sign-in', async (c) => {
    const current = await tenantOr404(c, c.req.param('id'));
    const field = await consoleForm(c);
    const edited = signInFromForm(field, current, await secretsSetOf(current));
    if (!edited.tenant) return tenantPage(c, current, { signInErrors: edited.errors, status: 422 });
    // S46: the secrets go to Secrets Manager first, so an enabled provider never lacks its secret.
    for (const [provider, secret] of Object.entries(edited.secrets)) {
      await clientSecrets.save(current.id, secret, provider);
    }
    await putTenant(edited.tenant);
    tenantResolver().clear();
    await audit(requestMeta(c), {
      tenantId: current.id,
      event: 'admin_sign_in_methods_saved',
      outcome: 'success',
      userId: c.var.admin.userId,
      detail: { secrets_replaced: Object.keys(edited.secrets).join(',') || 'none' },
    });
    return c.redirect(`/admin/tenants/${encodeURIComponent(current.id)}?notice=sign_in_saved#sign-in`, 303);
  })
  .post('/tenants/:id/billing', async (c) => {
    const tenant = await tenantOr404(c, c.req.param('id'));
    const field = await consoleForm(c);
    const saved = await saveStripeAccount(tenant, field);
    if ('errors' in saved) return tenantPage(c, tenant, { stripeErrors: saved.errors, status: 422 });
    await putTenant(saved.tenant);
    tenantResolver().clear();
    await audit(requestMeta(c), {
      tenantId: tenant.id,
      event: 'admin_billing_settings_saved',
      outcome: 'success',
      userId: c.var.admin.userId,
      detail: { secrets_replaced: saved.secretsReplaced.join(',') || 'none' },
    });
    return c.redirect(`/admin/tenants/${encodeURIComponent(tenant.id)}?notice=billing_saved#billing`, 303);
  })
  .post('/tenants/:id/ip-allowlist', async (c) => {
    const tenant = await tenantOr404(c, c.req.param('id'));
    const field = await consoleForm(c);
    const target = field('target');
    return allowlistAction(c, tenant, 'allowlist_added', () =>
      addAllowlistEntry(
        c.var.admin,
        {
          scope: target === 'site' ? `tenant:${tenant.id}` : `key:${target}`,
          withinTenant: tenant.id,
          cidr: field('cidr'),
          note: field('note'),
          stepUp: () => requireStepUp(c, field('code')),
        },
        requestMeta(c),
      ),
    );
  })
  .post('/tenants/:id/ip-allowlist/:entry/remove', async (c) => {
    const tenant = await tenantOr404(c, c.req.param('id'));
    const field = await consoleForm(c);
    return allowlistAction(c, tenant, 'allowlist_removed', () =>
      removeAllowlistEntry(
        c.var.admin,
        { id: c.req.param('entry'), withinTenant: tenant.id, stepUp: () => requireStepUp(c, field('code')) },
        requestMeta(c),
      ),
    );
  })
  .post('/tenants/:id/keys', async (c) => {
    const tenant = await tenantOr404(c, c.req.param('id'));
    const field = await consoleForm(c);
    const body = await c.req.parseBody({ all: true });
    const chosen = ([] as unknown[])
      .concat(body.scopes ?? [])
      .filter((s): s is string => typeof s === 'string' && isScope(s));
    const name = field('key_name').trim().slice(0, 60) || 'API key';
    if (chosen.length === 0)
      return tenantPage(c, tenant, { errors: { scopes: 'choose at least one scope' }, status: 422 });
    const key = await issueKey(tenant, name, chosen);
    await audit(requestMeta(c), {
      tenantId: c.req.param('id'),
      event: 'admin_api_key_created',
      outcome: 'success',
      userId: c.var.admin.userId,
      detail: { name, scopes: chosen.join(' ') },
    });
    return tenantPage(c, tenant, { newKey: key });
  })
  .post('/tenants/:id/keys/:hash/:action{revoke|rotate}', async (c) => {
    const tenant = await tenantOr404(c, c.req.param('id'));
    const field = await consoleForm(c);
    const record = await getApiKeyByHash(c.req.param('hash'));
    if (!record || tenantIdOf(record.clientId, record.siteId) !== c.req.param('id'))
      throw new NotFoundError('No such key');
    const action = c.req.param('action');
    // Rotation hands out a working key: a sensitive action (seed 002). Revoking only takes access away.
    if (action === 'rotate') await requireStepUp(c, field('code'));
    const newKey = action === 'rotate' ? await issueKey(tenant, record.name, record.scopes) : undefined;
    await revokeApiKey(record.keyHash);
    tenantResolver().clear();
    await audit(requestMeta(c), {
      tenantId: c.req.param('id'),
      event: `admin_api_key_${action === 'rotate' ? 'rotated' : 'revoked'}`,
      outcome: 'success',
      userId: c.var.admin.userId,
      detail: { name: record.name },
    });
    if (newKey) return tenantPage(c, tenant, { newKey });
    return c.redirect(`/admin/tenants/${encodeURIComponent(c.req.param('id'))}?notice=key_revoked`, 303);
  });
