// The console's Security page in Chromium: a platform admin engages a lockdown of one site with a reason and a fresh
// authenticator code, the banner shows on every page and the site's sign-ins are refused (503 lockdown), then lifts
// it the same way and sign-ins work again. No console errors.
import { afterEach, describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../../src/admin/bootstrap';
import { totpAt } from '../../src/auth/mfa/totp';
import { useClock } from '../../src/core/clock';
import { browserAndApp, consoleErrors, signInWithAuthenticator } from '../support/browser';
import { createTestTenant } from '../support/tenants';
import { registerAndLogin, uniqueEmail } from '../support/users';

const session = browserAndApp();
let restoreClock: (() => void) | undefined;
afterEach(() => restoreClock?.());

describe('the Security page', () => {
  it('engages and lifts a site lockdown from the console', async () => {
    const site = await createTestTenant({ name: 'Lockdown Drill Site' });
    const login = (email: string, password: string) =>
      fetch(`${session.app.base}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': site.apiKey },
        body: JSON.stringify({ email, password }),
      });
    const { createApp } = await import('../../src/app');
    const user = await registerAndLogin(createApp(), site.apiKey);
    const admin = uniqueEmail('security-admin');
    await createPlatformAdmin({ email: admin, password: 'security page passphrase' });
    const seeds = new Map<string, string>();
    const page = await session.browser.newPage();
    const problems = consoleErrors(page);
    await signInWithAuthenticator(page, session.app.base, admin, 'security page passphrase', seeds);
    const seed = seeds.get(admin) as string;

    await page.getByRole('navigation').getByRole('link', { name: 'Security', exact: true }).click();
    await page.getByText('No lockdown is engaged.').waitFor();
    const engage = page.getByRole('form', { name: 'Engage a lockdown' });
    await engage
      .getByRole('combobox', { name: 'Scope' })
      .selectOption({ label: `Lockdown Drill Site (${site.tenant.id})` });
    await engage.getByLabel('Reason').fill('drill: suspicious sign-ins');
    await engage.getByLabel('Authenticator code').fill(await totpAt(seed, Date.now() / 1000 + 30));
    await engage.getByRole('button', { name: 'Engage lockdown' }).click();
    await page.getByText('Lockdown engaged: sign-ins in its scope are refused.').waitFor();
    await page.getByText(`Emergency lockdown engaged (tenant:${site.tenant.id})`).waitFor();
    const refused = await login(user.email, user.password);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { code: string }).code).toBe('lockdown');
    // The banner is on every console page while it lasts.
    await page.goto(`${session.app.base}/admin/users`);
    await page.getByText(`Emergency lockdown engaged (tenant:${site.tenant.id})`).waitFor();

    // A minute on, a new code for the step-up of the lift (each code works once).
    const later = Date.now() + 60_000;
    restoreClock = useClock({ now: () => later });
    await page.goto(`${session.app.base}/admin/security`);
    await page
      .getByRole('row', { name: /drill: suspicious sign-ins/ })
      .getByLabel('Reason')
      .fill('drill over');
    await page
      .getByRole('row', { name: /drill: suspicious sign-ins/ })
      .getByLabel('Authenticator code')
      .fill(await totpAt(seed, later / 1000));
    await page.getByRole('button', { name: 'Lift lockdown' }).click();
    await page.getByText('Lockdown lifted.').waitFor();
    await page.getByText('No lockdown is engaged.').waitFor();
    expect((await login(user.email, user.password)).status).toBe(200);
    expect(problems).toEqual([]);
    await page.close();
  });
});
