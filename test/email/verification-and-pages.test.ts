import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { getUser } from '../../src/core/db/users';
import { bearer, client, withKey } from '../support/http';
import { jobsTo, resetTokenFor } from '../support/queued-jobs';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { GOOD_PASSWORD, registerAndLogin, uniqueEmail } from '../support/users';

process.env.PUBLIC_BASE_URL = 'https://auth.platform.example';
const app = createApp();
const api = client(app);
let hosted: TestTenant;
let strict: TestTenant;

beforeAll(async () => {
  // No reset_url or verify_url: this site uses our hosted pages.
  hosted = await createTestTenant({ name: 'Hosted Site' });
  strict = await createTestTenant({ settings: { require_verified_email: true } });
});

async function verifyTokenFor(email: string) {
  const link = (await jobsTo(email, 'email_verification')).at(-1)?.data.verify_url as string;
  expect(link.startsWith('https://auth.platform.example/verify-email?token=')).toBe(true);
  return new URL(link).searchParams.get('token') as string;
}

/** A browser visit: GET the page, keep its cookie, POST the form back with the hidden fields. */
async function submitForm(
  path: string,
  fields: Record<string, string>,
  { dropCsrf = false, crossSite = false } = {},
) {
  const page = await app.request(path);
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const html = await page.text();
  const hidden = Object.fromEntries(
    [...html.matchAll(/name="(csrf_token|token)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]),
  );
  const form = new URLSearchParams({ ...hidden, ...fields, ...(dropCsrf ? { csrf_token: 'forged' } : {}) });
  const action = new URL(path, 'http://x').pathname;
  const res = await app.request(action, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie,
      'sec-fetch-site': crossSite ? 'cross-site' : 'same-origin',
    },
    body: form.toString(),
  });
  return {
    status: res.status,
    html: await res.text(),
    headers: res.headers,
    page: { status: page.status, html, headers: page.headers },
  };
}

describe('email verification', () => {
  it('registration emails a single-use link; confirming sets email_verified', async () => {
    const { email, token } = await registerAndLogin(app, hosted.apiKey);
    const verifyToken = await verifyTokenFor(email);
    const res = await api.post('/auth/verify-email/confirm', { token: verifyToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Email verified' });
    expect((await api.get('/user/me', bearer(token))).body.user.email_verified).toBe(true);
    const again = await api.post('/auth/verify-email/confirm', { token: verifyToken });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('invalid_verification_token');
  });

  it('S12: a verification token cannot reset a password, nor a reset token verify an email', async () => {
    const { email } = await registerAndLogin(app, hosted.apiKey);
    const verifyToken = await verifyTokenFor(email);
    expect(
      (
        await api.post('/auth/password-reset/confirm', {
          token: verifyToken,
          new_password: 'hijack attempt one',
        })
      ).status,
    ).toBe(400);
    await api.post('/auth/password-reset', { email }, withKey(hosted.apiKey));
    const resetToken = await resetTokenFor(email);
    expect((await api.post('/auth/verify-email/confirm', { token: resetToken })).status).toBe(400);
  });

  it('a site may refuse sign-in until the email is confirmed, with a clear code', async () => {
    const email = uniqueEmail();
    await api.post('/auth/register', { email, password: GOOD_PASSWORD }, withKey(strict.apiKey));
    const refused = await api.post('/auth/login', { email, password: GOOD_PASSWORD }, withKey(strict.apiKey));
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      detail: 'Confirm your email address before signing in',
      code: 'email_not_verified',
    });
    // A wrong password is still the ordinary 401: the 403 is only said to someone who knows the password.
    expect(
      (await api.post('/auth/login', { email, password: 'not the password' }, withKey(strict.apiKey))).status,
    ).toBe(401);
    await api.post('/auth/verify-email/confirm', { token: await verifyTokenFor(email) });
    expect(
      (await api.post('/auth/login', { email, password: GOOD_PASSWORD }, withKey(strict.apiKey))).status,
    ).toBe(200);
  });

  it('resend: by API key and email (same answer for unknown addresses), or signed in', async () => {
    const email = uniqueEmail();
    await api.post('/auth/register', { email, password: GOOD_PASSWORD }, withKey(hosted.apiKey));
    const known = await api.post('/auth/verify-email/resend', { email }, withKey(hosted.apiKey));
    const unknown = await api.post(
      '/auth/verify-email/resend',
      { email: uniqueEmail() },
      withKey(hosted.apiKey),
    );
    expect(known.status).toBe(202);
    expect(unknown.text).toBe(known.text);
    expect(await jobsTo(email, 'email_verification')).toHaveLength(2);
    const login = await api.post('/auth/login', { email, password: GOOD_PASSWORD }, withKey(hosted.apiKey));
    expect((await api.post('/auth/verify-email/resend', undefined, bearer(login.body.token))).status).toBe(
      202,
    );
    expect(await jobsTo(email, 'email_verification')).toHaveLength(3);
    expect((await api.post('/auth/verify-email/resend', { email })).status).toBe(401);
  });
});

describe('hosted pages', () => {
  it('GET /reset renders the form for a live token with the site name, a CSRF cookie and a strict CSP', async () => {
    const { email } = await registerAndLogin(app, hosted.apiKey);
    await api.post('/auth/password-reset', { email }, withKey(hosted.apiKey));
    const link = (await jobsTo(email, 'password_reset')).at(-1)?.data.reset_url as string;
    expect(link.startsWith('https://auth.platform.example/reset?token=')).toBe(true);
    const res = await app.request(new URL(link).pathname + new URL(link).search);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('Hosted Site');
    expect(html).toContain('<label for="new_password">');
    expect(res.headers.get('set-cookie')).toMatch(
      /^__Host-csrf=[\w-]{43}; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
    );
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('POST /reset sets the password; the link then shows a clear used-or-expired message', async () => {
    const { email } = await registerAndLogin(app, hosted.apiKey);
    await api.post('/auth/password-reset', { email }, withKey(hosted.apiKey));
    const token = await resetTokenFor(email);
    const done = await submitForm(`/reset?token=${token}`, {
      new_password: 'via the hosted page',
      confirm_password: 'via the hosted page',
    });
    expect(done.status).toBe(200);
    expect(done.html).toContain('Password changed');
    expect(
      (await api.post('/auth/login', { email, password: 'via the hosted page' }, withKey(hosted.apiKey)))
        .status,
    ).toBe(200);
    const reuse = await app.request(`/reset?token=${token}`);
    expect(reuse.status).toBe(400);
    expect(await reuse.text()).toContain('has expired or was already used');
  });

  it('re-renders the form with field errors for a weak or mismatched password, spending nothing', async () => {
    const { email } = await registerAndLogin(app, hosted.apiKey);
    await api.post('/auth/password-reset', { email }, withKey(hosted.apiKey));
    const token = await resetTokenFor(email);
    const weak = await submitForm(`/reset?token=${token}`, {
      new_password: 'password1',
      confirm_password: 'password1',
    });
    expect(weak.status).toBe(422);
    expect(weak.html).toContain('The password is too common');
    expect(weak.html).toContain('aria-invalid="true"');
    const mismatch = await submitForm(`/reset?token=${token}`, {
      new_password: 'one long passphrase',
      confirm_password: 'another one',
    });
    expect(mismatch.html).toContain('The two passwords differ');
    expect(
      (
        await submitForm(`/reset?token=${token}`, {
          new_password: 'finally a good one',
          confirm_password: 'finally a good one',
        })
      ).status,
    ).toBe(200);
  });

  it('S36: refuses a forged CSRF token and cross-site posts, changing nothing', async () => {
    const { email } = await registerAndLogin(app, hosted.apiKey);
    await api.post('/auth/password-reset', { email }, withKey(hosted.apiKey));
    const token = await resetTokenFor(email);
    const forged = await submitForm(
      `/reset?token=${token}`,
      { new_password: 'csrf attack pass', confirm_password: 'csrf attack pass' },
      { dropCsrf: true },
    );
    expect(forged.status).toBe(403);
    expect(forged.html).toContain('The form expired');
    const crossSite = await submitForm(
      `/reset?token=${token}`,
      { new_password: 'csrf attack pass', confirm_password: 'csrf attack pass' },
      { crossSite: true },
    );
    expect(crossSite.status).toBe(403);
    expect(
      (await api.post('/auth/login', { email, password: GOOD_PASSWORD }, withKey(hosted.apiKey))).status,
    ).toBe(200);
  });

  it('/verify-email shows a confirm button (no change on GET, so link scanners verify nothing) and confirms on POST', async () => {
    const { email } = await registerAndLogin(app, hosted.apiKey);
    const token = await verifyTokenFor(email);
    const userId = `${hosted.tenant.clientId}#${hosted.tenant.siteId}#${email}`;
    const done = await submitForm(`/verify-email?token=${token}`, {});
    expect(done.page.html).toContain('Confirm my email');
    expect(done.status).toBe(200);
    expect(done.html).toContain('Email confirmed');
    expect((await getUser(userId))?.emailVerified).toBe(true);
    expect((await app.request(`/verify-email?token=${token}`)).status).toBe(400);
  });

  it('answers junk tokens with the same friendly page, never a 500', async () => {
    for (const path of [
      '/reset',
      '/reset?token=',
      '/reset?token=%00%0d%0a',
      `/verify-email?token=${'x'.repeat(5000)}`,
    ]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(400);
      expect(await res.text()).toContain('This link no longer works');
    }
    const wrongType = await app.request('/reset', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(wrongType.status).toBe(415);
  });
});
