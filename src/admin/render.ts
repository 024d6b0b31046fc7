// Renders console pages: one layout, our stylesheet only (no inline script or style), never cached.
import type { Context } from 'hono';
import type { User } from '../core/db/users';
import { isPlatformAdmin } from '../core/roles';
import { embeddedEnvironment } from '../core/templating';
import { csrfToken } from '../middleware/csrf';
import { TEMPLATES } from './templates.generated';

const env = embeddedEnvironment(TEMPLATES);

/** Scripts only from /assets (the passkey buttons), talking to this origin only. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'";

export function renderConsole(
  c: Context,
  template: string,
  context: { title: string; admin?: User; [key: string]: unknown },
  status = 200,
) {
  c.header('Content-Security-Policy', CONSOLE_CSP);
  c.header('Cache-Control', 'no-store');
  const role = context.admin && (isPlatformAdmin(context.admin) ? 'platform admin' : 'site admin');
  // As requireConsole found them (this container's control check: a few seconds at most).
  const lockdowns = context.admin ? ((c.get('lockdowns') as string[] | undefined) ?? []) : [];
  return c.html(
    env.render(template, { ...context, admin_role: role, csrf_token: csrfToken(c), lockdowns }),
    status as 200,
  );
}
