// The signed-in admin's own account: their two-factor status, and fresh recovery codes after using some.

import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { acceptTotp, regenerateRecoveryCodes } from '../auth';
import { audit } from '../core/audit';
import { clock } from '../core/clock';
import { NotFoundError } from '../core/errors';
import { tenantResolver } from '../core/tenants';
import { requestMeta } from '../middleware/request-meta';
import { consoleForm, requireConsole } from './access';
import { factorLabelsOf } from './factor-labels';
import { renderConsole } from './render';

export const accountRoutes = new Hono<AppEnv>()
  .get('/account', requireConsole(), (c) => {
    const admin = c.var.admin;
    return renderConsole(c, 'account.html.njk', {
      title: 'Your account',
      admin,
      factors: factorLabelsOf(admin),
    });
  })
  .post('/account/recovery-codes', requireConsole(), async (c) => {
    const field = await consoleForm(c);
    const admin = c.var.admin;
    const page = { title: 'Your account', admin, factors: factorLabelsOf(admin) };
    // A fresh authenticator code is the re-authentication here (S27), and is spent like a sign-in's (S23).
    if (!(await acceptTotp(admin, field('code').trim()))) {
      await audit(requestMeta(c), {
        tenantId: admin.tenantId,
        event: 'authn_mfa_fail',
        outcome: 'failure',
        userId: admin.userId,
        detail: { via: 'console_account' },
      });
      return renderConsole(
        c,
        'account.html.njk',
        { ...page, form_error: 'Wrong or already used code.' },
        422,
      );
    }
    const tenantId = admin.tenantId;
    const tenant = await tenantResolver().byId(tenantId);
    if (!tenant) throw new NotFoundError();
    const { recovery_codes } = await regenerateRecoveryCodes(
      { userId: admin.userId, tenant, tenantId, signedInAt: clock.seconds() },
      undefined,
      requestMeta(c),
    );
    return renderConsole(c, 'account.html.njk', {
      ...page,
      recovery_codes,
      recovery_left: recovery_codes.length,
    });
  });
