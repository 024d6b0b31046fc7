// Where the console asks for a step-up: a page with one code field (a sensitive form posted without a recent
// step-up lands here, then returns to the page it came from). Its JSON twin is POST /admin/api/security/step-up.
import { type Context, Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { AppError } from '../core/errors';
import { consoleForm, requireConsole } from './access';
import { renderConsole } from './render';
import { safeNext } from './routes';
import { StepUpRequiredError, stepUp } from './step-up';

/**
 * The console page a form was posted from, to return to once confirmed: the Referer when the browser sends one (our
 * Referrer-Policy is no-referrer, so usually not), else the page of the thing acted on: /admin/tenants/<id> for
 * /admin/tenants/<id>/keys/<hash>/rotate, /admin/users/<id> for its roles, /admin/security for the security forms.
 */
function cameFrom(c: Context<AppEnv>): string {
  const referer = c.req.header('referer');
  if (referer && URL.canParse(referer) && new URL(referer).origin === new URL(c.req.url).origin) {
    return safeNext(new URL(referer).pathname);
  }
  const [section, id, sub] = c.req.path.split('/').slice(2);
  if (section !== 'tenants' && section !== 'users') return safeNext(`/admin/${section}`);
  return safeNext(`/admin/${section}/${id}${sub === 'billing' ? '/billing' : ''}`);
}

const prompt = (c: Context<AppEnv>, next: string, formError?: string, status = 403) =>
  renderConsole(
    c,
    'step-up.html.njk',
    { title: 'Confirm it is you', admin: c.var.admin, next, form_error: formError },
    status,
  );

/** The admin router's answer to a console form refused for want of a step-up: the prompt, not a JSON error. */
export function stepUpPrompt(error: Error, c: Context<AppEnv>): Response | undefined {
  const form = /^(application\/x-www-form-urlencoded|multipart\/form-data)/.test(
    c.req.header('content-type') ?? '',
  );
  if (!(error instanceof StepUpRequiredError) || !form || c.req.header('authorization') || !c.var.admin) {
    return undefined;
  }
  return prompt(c, cameFrom(c)) as Response;
}

export const stepUpPages = new Hono<AppEnv>()
  .use('/step-up', requireConsole())
  .get('/step-up', (c) => prompt(c, safeNext(c.req.query('next')), undefined, 200))
  .post('/step-up', async (c) => {
    const field = await consoleForm(c);
    const next = safeNext(field('next'));
    try {
      await stepUp(c, field('code'));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (error.status === 429) c.header('Retry-After', error.headers['Retry-After'] ?? '60');
      return prompt(
        c,
        next,
        error.status === 422 ? 'Wrong or already used code.' : error.detail,
        error.status,
      );
    }
    return c.redirect(`${next}${next.includes('?') ? '&' : '?'}notice=stepped_up`, 303);
  });
