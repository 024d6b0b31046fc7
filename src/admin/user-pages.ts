// Console pages for users: search and page through a site's users, create (the seed's form), view and act.

import { type Context, Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { requestPasswordReset } from '../auth';
import { audit } from '../core/audit';
import type { Tenant } from '../core/db/tenants';
import { getUser, listUsers } from '../core/db/users';
import { AppError, NotFoundError } from '../core/errors';
import { liveSessionsOf } from '../core/live-sessions';
import { canManageTenant, isPlatformAdmin, isPlatformTenant } from '../core/roles';
import { sessionCap } from '../core/session-caps';
import { tenantResolver } from '../core/tenants';
import { requestMeta } from '../middleware/request-meta';
import { secretSummary } from '../secrets';
import { assertManages, consoleForm, noticeOf, requireConsole } from './access';
import { factorLabelsOf } from './factor-labels';
import { renderConsole } from './render';
import { requireStepUp } from './step-up';
import type { FieldErrors } from './tenant-forms';
import { managedTenants } from './tenant-pages';
import { createUserAsAdmin, runUserAction, saveRoles, USER_ACTIONS, type UserAction } from './user-actions';

const idOf = (t: Tenant) => t.id;
const userPath = (userId: string) => `/admin/users/${encodeURIComponent(userId)}`;

/** The site a form names: by the seed's api_key field, else the console's site selector; must be one you manage. */
async function formTenant(c: Context<AppEnv>, field: (n: string) => string): Promise<Tenant | undefined> {
  const apiKey = field('api_key').trim();
  const tenant = apiKey
    ? (
        await tenantResolver()
          .resolve(apiKey)
          .catch(() => undefined)
      )?.tenant
    : await tenantResolver().byId(field('tenant'));
  return tenant && canManageTenant(c.var.admin, idOf(tenant)) ? tenant : undefined;
}

async function listPage(
  c: Context<AppEnv>,
  extra: { errors?: FieldErrors; values?: Record<string, string>; status?: number } = {},
) {
  const tenants = await managedTenants(c);
  const selected = tenants.find((t) => idOf(t) === c.req.query('tenant')) ?? tenants[0];
  const q = (c.req.query('q') ?? '').trim().toLowerCase();
  const page = selected
    ? await listUsers(idOf(selected), { prefix: q, limit: 25, after: c.req.query('after') })
    : { users: [] };
  return renderConsole(
    c,
    'users.html.njk',
    {
      title: 'Users',
      admin: c.var.admin,
      nav: 'users',
      tenants,
      selected: selected && idOf(selected),
      q,
      users: page.users,
      next: page.next,
      errors: extra.errors ?? {},
      values: extra.values ?? {},
      notice: noticeOf(c),
    },
    extra.status ?? 200,
  );
}

export async function userOr404(c: Context<AppEnv>) {
  const user = await getUser(c.req.param('userId') ?? '');
  if (!user) throw new NotFoundError('No such user');
  assertManages(c, user.tenantId);
  const tenant = await tenantResolver().byId(user.tenantId);
  if (!tenant) throw new NotFoundError('No such user');
  return { user, tenant };
}

export const userPages = new Hono<AppEnv>()
  .use('/users', requireConsole())
  .use('/users/*', requireConsole())
  .use('/password-reset', requireConsole())
  .get('/users', (c) => listPage(c))
  .post('/users', async (c) => {
    const field = await consoleForm(c);
    const values = { email: field('email'), name: field('name'), tenant: field('tenant'), api_key: '' };
    const tenant = await formTenant(c, field);
    if (!tenant) return listPage(c, { errors: { api_key: 'names no site you manage' }, values, status: 422 });
    const created = await createUserAsAdmin(tenant, {
      email: field('email'),
      password: field('password'),
      name: field('name'),
    });
    if ('errors' in created) return listPage(c, { errors: created.errors, values, status: 422 });
    await audit(requestMeta(c), {
      tenantId: idOf(tenant),
      event: 'admin_user_created',
      outcome: 'success',
      userId: created.user.userId,
      detail: { by: c.var.admin.userId },
    });
    return renderConsole(c, 'result.html.njk', {
      title: 'User created',
      admin: c.var.admin,
      nav: 'users',
      message: `Created ${created.user.email} on ${tenant.name}; a verification email is on its way.`,
      link_url: userPath(created.user.userId),
      link_label: 'View the user',
    });
  })
  .get('/users/:userId', async (c) => {
    const { user, tenant } = await userOr404(c);
    const sessions = await liveSessionsOf(user, (kind) => sessionCap(kind, tenant));
    return renderConsole(c, 'user.html.njk', {
      title: user.email,
      admin: c.var.admin,
      nav: 'users',
      user,
      tenant,
      factors: factorLabelsOf(user),
      path: userPath(user.userId),
      live_sessions: sessions.length,
      secrets: await secretSummary(user.userId),
      can_edit_roles: isPlatformAdmin(c.var.admin),
      is_platform_user: isPlatformTenant(user),
      notice: noticeOf(c),
    });
  })
  .post('/users/:userId/roles', async (c) => {
    const { user } = await userOr404(c);
    if (!isPlatformAdmin(c.var.admin)) throw new NotFoundError();
    const field = await consoleForm(c);
    await requireStepUp(c, field('code'));
    const isPlatformUser = isPlatformTenant(user);
    const roles = await saveRoles(
      user,
      {
        tenantAdmin: field('tenant_admin') === 'on',
        platformAdmin: field('platform_admin') === 'on',
        publisher: field('publisher') === 'on',
      },
      isPlatformUser,
    );
    await audit(requestMeta(c), {
      tenantId: user.tenantId,
      event: 'admin_user_roles_changed',
      outcome: 'success',
      userId: user.userId,
      detail: { roles: roles.join(' ') || 'none', by: c.var.admin.userId },
    });
    return c.redirect(`${userPath(user.userId)}?notice=roles_saved`, 303);
  })
  .post('/users/:userId/:action', async (c) => {
    const action = c.req.param('action') as UserAction;
    if (!USER_ACTIONS.includes(action)) throw new NotFoundError();
    const { user, tenant } = await userOr404(c);
    const field = await consoleForm(c);
    // Removing someone else's second factor opens their account to a password alone (seed 002).
    if (action === 'reset-mfa' && user.userId !== c.var.admin.userId) await requireStepUp(c, field('code'));
    const notice = await runUserAction(action, user, tenant, requestMeta(c));
    await audit(requestMeta(c), {
      tenantId: idOf(tenant),
      event: `admin_user_${action.replace('-', '_')}`,
      outcome: 'success',
      userId: user.userId,
      detail: { by: c.var.admin.userId },
    });
    return c.redirect(`${userPath(user.userId)}?notice=${notice}`, 303);
  })
  .get('/password-reset', async (c) =>
    renderConsole(c, 'password-reset.html.njk', {
      title: 'Send a password reset',
      admin: c.var.admin,
      nav: 'users',
      tenants: await managedTenants(c),
      errors: {},
      values: {},
    }),
  )
  .post('/password-reset', async (c) => {
    const field = await consoleForm(c);
    const tenant = await formTenant(c, field);
    const email = field('email').trim().toLowerCase();
    if (!tenant || !email) {
      const errors: FieldErrors = tenant ? { email: 'is required' } : { api_key: 'names no site you manage' };
      return renderConsole(
        c,
        'password-reset.html.njk',
        {
          title: 'Send a password reset',
          admin: c.var.admin,
          nav: 'users',
          tenants: await managedTenants(c),
          errors,
          values: { email },
        },
        422,
      );
    }
    try {
      await requestPasswordReset(tenant, email, requestMeta(c));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return renderConsole(
        c,
        'result.html.njk',
        { title: 'Not sent', admin: c.var.admin, nav: 'users', message: error.detail },
        error.status,
      );
    }
    await audit(requestMeta(c), {
      tenantId: idOf(tenant),
      event: 'admin_password_reset_sent',
      outcome: 'success',
      detail: { by: c.var.admin.userId },
    });
    return renderConsole(c, 'result.html.njk', {
      title: 'Password reset',
      admin: c.var.admin,
      nav: 'users',
      message: `If ${email} has an active account on ${tenant.name}, a reset email is on its way.`,
    });
  });
