// The console's dashboard charts and Logs page in Chromium: counters drawn as SVG under the console's CSP, a log
// search by request id from moto's CloudWatch Logs, and the request link followed.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../../src/admin/bootstrap';
import { addCounts } from '../../src/core/db/stats';
import { logger } from '../../src/core/log';
import { createLogShipper } from '../../src/dev/log-shipper';
import { logsConfig } from '../../src/logs/config';
import { ARTIFACTS, browserAndApp, consoleErrors, signInWithAuthenticator } from '../support/browser';
import { captureOutput } from '../support/logs';
import { createTestTenant } from '../support/tenants';
import { uniqueEmail } from '../support/users';

const session = browserAndApp();
const PASSWORD = 'operations console passphrase';

describe('operations in the console', () => {
  it('draws the dashboard counters as charts and finds a request’s log lines', async () => {
    const site = await createTestTenant({ name: 'Charted Site' });
    await addCounts(site.tenant.id, Date.now(), { sign_ins: 7, sign_in_failures: 2, emails_sent: 3 });
    await addCounts(site.tenant.id, Date.now() - 3_600_000, { sign_ins: 5 });
    const requestId = `req-${randomUUID()}`;
    const shipper = createLogShipper(logsConfig().groups.get('HttpFunction') as string);
    shipper.write(
      await captureOutput(async () => {
        logger.info('request', {
          request_id: requestId,
          tenant: site.tenant.id,
          method: 'GET',
          path: '/user/me',
          status: 200,
        });
        logger.error('dependency failed', { request_id: requestId, tenant: site.tenant.id });
      }),
    );
    await shipper.stop();

    const admin = uniqueEmail('ops-admin');
    await createPlatformAdmin({ email: admin, password: PASSWORD });
    const page = await session.browser.newPage();
    const problems = consoleErrors(page);
    await signInWithAuthenticator(page, session.app.base, admin, PASSWORD, new Map());

    await page.goto(`${session.app.base}/admin?site=${encodeURIComponent(site.tenant.id)}&range=24h`);
    const signIns = page.locator('figure[data-counter="sign_ins"]');
    await expect(signIns.locator('figcaption strong').textContent()).resolves.toBe('12');
    // 24 hourly bars, two of them drawn (this hour and the last), each with its figure in a tooltip.
    await expect(signIns.locator('svg rect').count()).resolves.toBe(24);
    const drawn = await signIns
      .locator('svg rect')
      .evaluateAll((rects) =>
        rects
          .filter((r) => Number(r.getAttribute('height')) > 0)
          .map((r) => r.querySelector('title')?.textContent),
      );
    expect(drawn).toHaveLength(2);
    expect(drawn.at(-1)).toMatch(/: 7$/);
    const box = await signIns.locator('svg').boundingBox();
    expect(box?.width).toBeGreaterThan(100);
    await page.getByLabel('Period').selectOption('7d');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect(page.locator('figure[data-counter="sign_ins"] svg rect').count()).resolves.toBe(7);
    await page.screenshot({ path: `${ARTIFACTS}/console-dashboard-charts.png`, fullPage: true });

    await page.getByRole('link', { name: 'Logs', exact: true }).click();
    await page.getByLabel('Request id').fill(requestId);
    await page.getByLabel('Time range').selectOption('15m');
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.locator('table.logs tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    await expect(rows.nth(1).textContent()).resolves.toContain('dependency failed');
    await page.screenshot({ path: `${ARTIFACTS}/console-logs.png`, fullPage: true });
    // The request id is a link to its own lines, around the time it was logged.
    await rows.nth(0).getByRole('link', { name: requestId }).click();
    expect(new URL(page.url()).searchParams.get('request_id')).toBe(requestId);
    await expect(page.locator('table.logs tbody tr').count()).resolves.toBe(2);
    expect(problems).toEqual([]);
  }, 60_000);
});
