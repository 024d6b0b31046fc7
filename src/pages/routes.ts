// Hosted pages for sites with no page of their own: /reset (choose a new password), /verify-email, and the
// landing of emailed sign-in links (/magic-link).
import { confirmEmailVerification, confirmPasswordReset, magicLinkTarget, tenantOfToken } from '../auth';
import { AppError, ValidationError } from '../core/errors';
import { productNameOf, siteSettings } from '../core/tenant-settings';
import { assertCsrf, csrfToken } from '../middleware/csrf';
import { featureRouter } from '../middleware/feature';
import { readForm } from '../middleware/form-body';
import { publicRateClass } from '../middleware/rate-class';
import { requestMeta } from '../middleware/request-meta';
import { messagePage, renderPage } from './render';

const TOKEN_SHAPE = /^[\w-]{43}$/;

const linkProblem = (kind: string) => ({
  title: 'This link no longer works',
  message: `This ${kind} link has expired or was already used. Ask the site for a new one.`,
  tone: 'error' as const,
  status: 400,
});

// Several prefixes, so the router sits at the root with full paths.
const pages = featureRouter('/');

pages
  .use(publicRateClass())
  // A sign-in link's landing: its GET changes nothing (mail scanners open links). The button hands the token to the
  // site's own page in the fragment, which never reaches a server log or a Referer; that page spends it.
  .get('/magic-link', async (c) => {
    const token = c.req.query('token') ?? '';
    const target = TOKEN_SHAPE.test(token) ? await magicLinkTarget(token) : undefined;
    if (!target) return messagePage(c, linkProblem('sign-in'));
    const url = new URL(target.redirectUri);
    url.hash = `magic_token=${token}`;
    return renderPage(c, 'magic-link.html.njk', {
      title: 'Sign in',
      product_name: productNameOf(target.tenant),
      continue_url: url.toString(),
    });
  })
  .get('/reset', async (c) => {
    const token = c.req.query('token') ?? '';
    const tenant = TOKEN_SHAPE.test(token) ? await tenantOfToken(token, 'password_reset') : undefined;
    if (!tenant) return messagePage(c, linkProblem('password reset'));
    return renderPage(c, 'reset.html.njk', {
      title: 'Choose a new password',
      product_name: productNameOf(tenant),
      token,
      csrf_token: csrfToken(c),
      min_length: siteSettings(tenant).password_min_length,
      errors: {},
    });
  })
  .post('/reset', async (c) => {
    const field = await readForm(c);
    const token = field('token');
    const tenant = TOKEN_SHAPE.test(token) ? await tenantOfToken(token, 'password_reset') : undefined;
    if (!tenant) return messagePage(c, linkProblem('password reset'));
    const form = (errors: Record<string, string>, formError?: string) =>
      renderPage(
        c,
        'reset.html.njk',
        {
          title: 'Choose a new password',
          product_name: productNameOf(tenant),
          token,
          csrf_token: csrfToken(c),
          min_length: siteSettings(tenant).password_min_length,
          errors,
          form_error: formError,
        },
        formError ? 403 : 422,
      );
    try {
      assertCsrf(c, field('csrf_token'));
    } catch (error) {
      return form({}, (error as AppError).detail);
    }
    if (field('new_password') !== field('confirm_password'))
      return form({ confirm_password: 'The two passwords differ' });
    let secretKeyLocked = false;
    try {
      ({ secretKeyLocked } = await confirmPasswordReset(token, field('new_password'), requestMeta(c)));
    } catch (error) {
      if (error instanceof ValidationError)
        return form({ new_password: `The password ${error.fields[0]?.message}` });
      if (error instanceof AppError && error.status === 400)
        return messagePage(c, { ...linkProblem('password reset'), tenant });
      throw error;
    }
    return messagePage(c, {
      title: 'Password changed',
      message: `Your password was changed and you were signed out everywhere. Sign in with the new password.${
        secretKeyLocked
          ? ' Your secret messages stay locked until you unlock them with your recovery key: a reset cannot open them.'
          : ''
      }`,
      tone: 'success',
      tenant,
    });
  })
  .get('/verify-email', async (c) => {
    const token = c.req.query('token') ?? '';
    const tenant = TOKEN_SHAPE.test(token) ? await tenantOfToken(token, 'email_verification') : undefined;
    if (!tenant) return messagePage(c, linkProblem('verification'));
    return renderPage(c, 'verify-email.html.njk', {
      title: 'Confirm your email',
      product_name: productNameOf(tenant),
      token,
      csrf_token: csrfToken(c),
    });
  })
  .post('/verify-email', async (c) => {
    const field = await readForm(c);
    const token = field('token');
    const tenant = TOKEN_SHAPE.test(token) ? await tenantOfToken(token, 'email_verification') : undefined;
    if (!tenant) return messagePage(c, linkProblem('verification'));
    try {
      assertCsrf(c, field('csrf_token'));
      await confirmEmailVerification(token, requestMeta(c));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const expired = error.status === 400;
      return messagePage(
        c,
        expired
          ? { ...linkProblem('verification'), tenant }
          : { title: 'Try again', message: error.detail, tone: 'error', status: error.status, tenant },
      );
    }
    return messagePage(c, {
      title: 'Email confirmed',
      message: 'Thank you: your email address is confirmed.',
      tone: 'success',
      tenant,
    });
  });

export default pages;
