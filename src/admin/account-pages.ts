// The signed-in admin's own account: their two-factor status, fresh recovery codes after using some, and (for
// platform admins) the passkeys that may stand in for the authenticator code.

import { type Context, Hono } from 'hono';
import * as z from 'zod';
import type { AppEnv } from '../app-env';
import {
  acceptTotp,
  nameField,
  passkeyCeremonies,
  RECENT_SIGN_IN_SECONDS,
  regenerateRecoveryCodes,
  registrationResponse,
  smsDelivery,
} from '../auth';
import { audit } from '../core/audit';
import { clock } from '../core/clock';
import { listIdentities, unlinkIdentity } from '../core/db/identities';
import type { User } from '../core/db/users';
import { AppError, ForbiddenError, NotFoundError } from '../core/errors';
import { isPlatformAdmin } from '../core/roles';
import { SEVERITIES } from '../core/security-events';
import { tenantResolver } from '../core/tenants';
import { assertCsrf } from '../middleware/csrf';
import { jsonOnly } from '../middleware/json-body';
import { requestMeta } from '../middleware/request-meta';
import { parseBody } from '../middleware/validate';
import { ALERT_RULES, type PreferencesInput, preferencesOf, savePreferences } from '../security';
import { consoleForm, noticeOf, refusalOf, requireConsole } from './access';
import { ensurePlatformTenant } from './bootstrap';
import { factorLabelsOf } from './factor-labels';
import { consoleSessionsOf, endOwnSession } from './own-sessions';
import { renderConsole } from './render';

/** A platform admin's passkeys, as the account page lists them; site admins have none here. */
async function passkeysOf(admin: User) {
  if (!isPlatformAdmin(admin)) return undefined;
  const list = await listIdentities(admin.userId, 'passkey');
  return {
    list: list.map((p) => ({
      id: p.subject,
      name: p.passkey?.name ?? 'Passkey',
      added: p.linkedAt,
      last_used: p.lastUsedAt,
    })),
  };
}

/** S27: adding or removing a passkey rests on a sign-in within 10 minutes. */
function assertRecentConsoleSignIn(c: Context<AppEnv>) {
  if (clock.seconds() - c.var.adminSignedInAt > RECENT_SIGN_IN_SECONDS) {
    throw new ForbiddenError('Sign in again to change your passkeys', 'reauthentication_required');
  }
}

const platformAdminOnly = (c: Context<AppEnv>) => {
  if (!isPlatformAdmin(c.var.admin)) throw new NotFoundError();
};

const passkeyBody = z.object({ response: registrationResponse, name: nameField.default('') });

/** The alert preferences form (platform admins): what it shows, with what was refused. */
async function alertsPage(
  c: Context<AppEnv>,
  extra: { form_error?: string; status?: number; webhook_secret?: string; values?: PreferencesInput } = {},
) {
  const saved = await preferencesOf(c.var.admin.userId);
  const values = extra.values ?? {
    rules: saved.rules,
    minSeverity: saved.minSeverity,
    email: saved.email,
    smsTo: saved.smsTo ?? '',
    webhookUrl: saved.webhookUrl ?? '',
  };
  return renderConsole(
    c,
    'account-alerts.html.njk',
    {
      title: 'Alert preferences',
      admin: c.var.admin,
      rules: Object.entries(ALERT_RULES).map(([name, label]) => ({
        name,
        label,
        on: values.rules.includes(name),
      })),
      severities: SEVERITIES,
      values,
      sms_available: smsDelivery().enabled,
      webhook_set: Boolean(saved.webhookSecretSealed),
      webhook_secret: extra.webhook_secret,
      notice: noticeOf(c),
      form_error: extra.form_error,
    },
    extra.status,
  );
}

export const accountRoutes = new Hono<AppEnv>()
  .get('/account/alerts', requireConsole(), (c) => {
    platformAdminOnly(c);
    return alertsPage(c);
  })
  .post('/account/alerts', requireConsole(), async (c) => {
    const field = await consoleForm(c);
    platformAdminOnly(c);
    const body = await c.req.parseBody({ all: true });
    const values: PreferencesInput = {
      rules: ([] as unknown[]).concat(body.rules ?? []).filter((r): r is string => typeof r === 'string'),
      minSeverity: field('min_severity'),
      email: field('email') === 'on',
      smsTo: field('sms_to'),
      webhookUrl: field('webhook_url'),
      newWebhookSecret: field('new_webhook_secret') === 'on',
    };
    try {
      const { webhookSecret } = await savePreferences(c.var.admin.userId, values);
      await audit(requestMeta(c), {
        tenantId: c.var.admin.tenantId,
        event: 'admin_alert_preferences_saved',
        outcome: 'success',
        userId: c.var.admin.userId,
        detail: {
          rules: values.rules.length,
          email: values.email,
          sms: Boolean(values.smsTo),
          webhook: Boolean(values.webhookUrl),
        },
      });
      if (webhookSecret) return alertsPage(c, { webhook_secret: webhookSecret });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return alertsPage(c, { form_error: refusalOf(error), status: error.status, values });
    }
    return c.redirect('/admin/account/alerts?notice=alerts_saved', 303);
  })
  .get('/account', requireConsole(), async (c) => {
    const admin = c.var.admin;
    return renderConsole(c, 'account.html.njk', {
      title: 'Your account',
      admin,
      factors: factorLabelsOf(admin),
      passkeys: await passkeysOf(admin),
      sessions: await consoleSessionsOf(c),
      notice: noticeOf(c),
    });
  })
  // An admin ends one of their own console sessions (another browser, a lost laptop).
  .post('/account/sessions/:id/end', requireConsole(), async (c) => {
    await consoleForm(c);
    const id = c.req.param('id');
    await endOwnSession(c, id);
    return c.redirect(
      id === c.get('adminSessionId') ? '/admin/login' : '/admin/account?notice=session_ended',
      303,
    );
  })
  .post('/account/passkeys/options', requireConsole(), jsonOnly(), async (c) => {
    assertCsrf(c, c.req.header('x-csrf-token'));
    platformAdminOnly(c);
    assertRecentConsoleSignIn(c);
    const { registrationOptions } = await passkeyCeremonies();
    return c.json(await registrationOptions(await ensurePlatformTenant(), c.var.admin));
  })
  .post('/account/passkeys', requireConsole(), jsonOnly(), async (c) => {
    assertCsrf(c, c.req.header('x-csrf-token'));
    platformAdminOnly(c);
    assertRecentConsoleSignIn(c);
    const { response, name } = await parseBody(c, passkeyBody);
    const { registerPasskey } = await passkeyCeremonies();
    const admin = c.var.admin;
    await registerPasskey(await ensurePlatformTenant(), admin, response as never, name || 'Passkey');
    await audit(requestMeta(c), {
      tenantId: admin.tenantId,
      event: 'mfa_passkey_added',
      outcome: 'success',
      userId: admin.userId,
      detail: { via: 'console' },
    });
    return c.json({ message: 'Passkey added' }, 201);
  })
  .post('/account/passkeys/:id/remove', requireConsole(), async (c) => {
    await consoleForm(c);
    platformAdminOnly(c);
    assertRecentConsoleSignIn(c);
    const admin = c.var.admin;
    const removed = await unlinkIdentity(admin.userId, admin.tenantId, 'passkey', c.req.param('id'));
    if (removed === 'not_found') throw new NotFoundError('No such passkey');
    await audit(requestMeta(c), {
      tenantId: admin.tenantId,
      event: 'mfa_passkey_removed',
      outcome: 'success',
      userId: admin.userId,
      detail: { via: 'console' },
    });
    return c.redirect('/admin/account?notice=passkey_removed', 303);
  })
  .post('/account/recovery-codes', requireConsole(), async (c) => {
    const field = await consoleForm(c);
    const admin = c.var.admin;
    const page = {
      title: 'Your account',
      admin,
      factors: factorLabelsOf(admin),
      passkeys: await passkeysOf(admin),
      sessions: await consoleSessionsOf(c),
    };
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
