// /admin: the console for the people who run the sites (server-rendered, usable without JavaScript), composed of
// its pages: sign-in and dashboard, sites, users, audit log, your account.
import { tenantIdOf } from '../core/db/tenants';
import { assertConsoleNetwork } from '../core/network-allowlist';
import { enforceRateClass } from '../core/rate-classes';
import { PLATFORM_TENANT } from '../core/roles';
import { tenantResolver } from '../core/tenants';
import { errorHandler } from '../middleware/errors';
import { featureRouter } from '../middleware/feature';
import { clientIp } from '../middleware/request-meta';
import { accountRoutes } from './account-pages';
import { auditPages } from './audit-pages';
import { billingPages } from './billing-pages';
import { logsPages } from './logs-pages';
import { publishPages } from './publish-pages';
import { adminRoutes } from './routes';
import { scrapePages } from './scrape-pages';
import { securityPages } from './security-pages';
import { stepUpPages, stepUpPrompt } from './step-up-pages';
import { tenantPages } from './tenant-pages';
import { userPages } from './user-pages';

const admin = featureRouter('/admin');
// The console's IP allowlist comes first: outside it, not even the sign-in page answers (S48). Then the `admin`
// rate class (seed 002: 100 a minute, a burst of 20), per address, set on the platform's own site.
admin.use(async function consoleGate(c, next) {
  const ip = clientIp(c);
  await assertConsoleNetwork(tenantResolver(), ip);
  const platform = tenantIdOf(PLATFORM_TENANT.clientId, PLATFORM_TENANT.siteId);
  await enforceRateClass(c, 'admin', { id: platform, tenant: await tenantResolver().byId(platform) }, ip);
  await next();
});
admin
  .route('/', adminRoutes)
  .route('/', tenantPages)
  .route('/', userPages)
  .route('/', billingPages)
  .route('/', auditPages)
  .route('/', logsPages)
  .route('/', scrapePages)
  .route('/', publishPages)
  .route('/', accountRoutes)
  .route('/', securityPages)
  .route('/', stepUpPages);
// A console form refused for want of a step-up shows the prompt; everything else answers as everywhere.
admin.onError((error, c) => stepUpPrompt(error, c) ?? errorHandler(error, c));

export default admin;
