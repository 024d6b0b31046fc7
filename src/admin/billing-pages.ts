// Console pages for money: a user's billing (balance, payments with a refund form, payment methods, subscription,
// ledger) and a site's last 30 days. A refund is a Stripe refund, needs a fresh step-up (money leaves), and is
// audited; its ledger entry arrives with the webhook like any other refund.
import { type Context, Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { refundPayment, siteBillingSummary, userBilling } from '../billing';
import { AppError } from '../core/errors';
import { requestMeta } from '../middleware/request-meta';
import { consoleForm, noticeOf, requireConsole } from './access';
import { renderConsole } from './render';
import { requireStepUp } from './step-up';
import { tenantOr404 } from './tenant-pages';
import { userOr404 } from './user-pages';

const billingPath = (userId: string) => `/admin/users/${encodeURIComponent(userId)}/billing`;

async function userBillingPage(
  c: Context<AppEnv>,
  extra: { errors?: Record<string, string>; values?: Record<string, string>; status?: number } = {},
) {
  const { user, tenant } = await userOr404(c);
  const cursor = c.req.query('cursor');
  const billing = await userBilling(
    tenant,
    user.userId,
    cursor && /^LEDGER#/.test(cursor) ? cursor : undefined,
  );
  return renderConsole(
    c,
    'user-billing.html.njk',
    {
      title: `Billing: ${user.email}`,
      admin: c.var.admin,
      nav: 'users',
      user,
      tenant,
      billing,
      path: billingPath(user.userId),
      user_path: `/admin/users/${encodeURIComponent(user.userId)}`,
      errors: extra.errors ?? {},
      values: extra.values ?? {},
      notice: noticeOf(c),
    },
    extra.status ?? 200,
  );
}

export const billingPages = new Hono<AppEnv>()
  .use('/users/:userId/billing', requireConsole())
  .use('/users/:userId/billing/*', requireConsole())
  .use('/tenants/:id/billing', requireConsole())
  .get('/users/:userId/billing', (c) => userBillingPage(c))
  .post('/users/:userId/billing/refund', async (c) => {
    const { user, tenant } = await userOr404(c);
    const field = await consoleForm(c);
    await requireStepUp(c, field('code'));
    const input = { paymentId: field('payment_id'), amount: field('amount') };
    try {
      await refundPayment(tenant, user, input, { ...requestMeta(c), by: c.var.admin.userId });
    } catch (error) {
      // A refused amount (or Stripe's refusal) re-renders the page with the message; nothing was refunded.
      if (!(error instanceof AppError) || error.status >= 500 || error.status === 404) throw error;
      const fields = (error.extra.errors as { field: string; message: string }[] | undefined) ?? [];
      const message = fields.map((f) => f.message).join('; ') || error.detail;
      return userBillingPage(c, {
        errors: { [input.paymentId]: message },
        values: { [input.paymentId]: input.amount },
        status: 422,
      });
    }
    return c.redirect(`${billingPath(user.userId)}?notice=refund_requested`, 303);
  })
  .get('/tenants/:id/billing', async (c) => {
    const tenant = await tenantOr404(c, c.req.param('id'));
    return renderConsole(c, 'site-billing.html.njk', {
      title: `Billing: ${tenant.name}`,
      admin: c.var.admin,
      nav: 'tenants',
      tenant,
      summary: await siteBillingSummary(tenant),
    });
  });
