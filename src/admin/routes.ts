// The admin console: sign-in and sign-out (S17, S36) and the dashboard. Server-rendered, usable without JavaScript.
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { passkeyCeremonies } from '../auth';
import { audit } from '../core/audit';
import { listAuditEvents } from '../core/db/audit-log';
import { ALL_TENANTS } from '../core/db/stats';
import { AppError, ValidationError } from '../core/errors';
import { isPlatformAdmin } from '../core/roles';
import { assertCsrf } from '../middleware/csrf';
import { readForm } from '../middleware/form-body';
import { requestMeta } from '../middleware/request-meta';
import { requireConsole } from './access';
import { ensurePlatformTenant } from './bootstrap';
import { currentConsoleAdmin, endConsoleSession, startConsoleSession } from './console-session';
import { consoleEnrollmentAgain, finishConsoleEnrollment, startConsoleEnrollment } from './mfa-enrollment';
import { renderConsole } from './render';
import { signInToConsole } from './sign-in';
import { dashboardStats, RANGES } from './stats';
import { managedTenants } from './tenant-pages';

/** S36: after sign-in, go only to a console path of ours, never to a URL the query string names. */
export const safeNext = (next: string | undefined) =>
  next && /^\/admin(\/[\w%/.-]*)?$/.test(next) && !next.includes('..') ? next : '/admin';

export const adminRoutes = new Hono<AppEnv>()
  .get('/login', async (c) => {
    if (await currentConsoleAdmin(c)) return c.redirect(safeNext(c.req.query('next')), 303);
    return renderConsole(c, 'login.html.njk', { title: 'Sign in', email: '' });
  })
  .post('/login', async (c) => {
    const field = await readForm(c);
    const email = field('email').trim().toLowerCase();
    const next = safeNext(c.req.query('next'));
    const again = (message: string, status: number) =>
      renderConsole(c, 'login.html.njk', { title: 'Sign in', email, form_error: message }, status);
    try {
      assertCsrf(c, field('csrf_token'));
      const signedIn = await signInToConsole(
        email,
        field('password'),
        requestMeta(c),
        field('code'),
        field('passkey'),
      );
      if (signedIn.mustEnroll) {
        const page = await startConsoleEnrollment(signedIn, requestMeta(c));
        return renderConsole(c, 'mfa-enroll.html.njk', { title: 'Set up two-factor sign-in', next, ...page });
      }
      // A fresh session value at every sign-in: a cookie planted before it is worthless after (S17).
      await startConsoleSession(c, signedIn.user, requestMeta(c));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (error.status === 429) c.header('Retry-After', error.headers['Retry-After'] ?? '60');
      const message =
        error.code === 'mfa_required'
          ? error.detail
          : error.status === 401
            ? 'Wrong email or password.'
            : error.detail;
      return again(message, error.status);
    }
    return c.redirect(next, 303);
  })
  // The login page's passkey button: a challenge for whoever is signing in (the form's post names them).
  .post('/login/passkey-options', async (c) => {
    assertCsrf(c, c.req.header('x-csrf-token'));
    const { consoleOptions } = await passkeyCeremonies();
    return c.json(await consoleOptions(await ensurePlatformTenant()));
  })
  .post('/mfa/enroll', async (c) => {
    const field = await readForm(c);
    const token = field('enroll_token');
    const next = safeNext(field('next'));
    try {
      assertCsrf(c, field('csrf_token'));
      const { user, recoveryCodes } = await finishConsoleEnrollment(
        token,
        field('code').trim(),
        requestMeta(c),
      );
      await startConsoleSession(c, user, requestMeta(c));
      return renderConsole(c, 'mfa-recovery.html.njk', {
        title: 'Two-factor sign-in is on',
        admin: user,
        recovery_codes: recoveryCodes,
        next,
      });
    } catch (error) {
      if (error instanceof ValidationError) {
        const page = await consoleEnrollmentAgain(token).catch(() => undefined);
        if (page) {
          const form_error =
            'That code does not match. Check the clock of the device and enter the newest code.';
          return renderConsole(
            c,
            'mfa-enroll.html.njk',
            { title: 'Set up two-factor sign-in', next, form_error, ...page },
            422,
          );
        }
      }
      if (!(error instanceof AppError)) throw error;
      const form_error = error.code === 'csrf_failed' ? error.detail : 'That took too long; sign in again.';
      return renderConsole(c, 'login.html.njk', { title: 'Sign in', email: '', form_error }, error.status);
    }
  })
  .post('/logout', async (c) => {
    const field = await readForm(c);
    assertCsrf(c, field('csrf_token'));
    const signedIn = await currentConsoleAdmin(c);
    await endConsoleSession(c);
    if (signedIn) {
      const { user } = signedIn;
      await audit(requestMeta(c), {
        tenantId: user.tenantId,
        event: 'admin_logout',
        outcome: 'success',
        userId: user.userId,
      });
    }
    return c.redirect('/admin/login', 303);
  })
  .get('/', requireConsole(), async (c) => {
    const admin = c.var.admin;
    const tenants = await managedTenants(c);
    // Every site at once for platform admins; a tenant admin's dashboard is their site's.
    const asked = tenants.find((t) => t.id === c.req.query('site'));
    const scope = asked?.id ?? (isPlatformAdmin(admin) ? ALL_TENANTS : admin.tenantId);
    const range = RANGES.find((r) => r === c.req.query('range')) ?? '24h';
    const [stats, perTenant] = await Promise.all([
      dashboardStats(tenants, { scope, range }),
      // The chosen site's recent events, or every managed site's.
      Promise.all(
        (asked ? [asked] : tenants.slice(0, 20)).map((t) => listAuditEvents(t.id, asked ? 25 : 10)),
      ),
    ]);
    const events = perTenant
      .flat()
      .sort((a, b) => b.time.localeCompare(a.time))
      .slice(0, 25);
    return renderConsole(c, 'dashboard.html.njk', {
      title: 'Dashboard',
      admin,
      nav: 'dashboard',
      stats,
      events,
      ranges: RANGES,
      all_sites: isPlatformAdmin(admin),
    });
  });
