// Lambda entry for every HTTP route: the Function URL event goes straight to the Hono app.

import { consoleSecurityConfig, queuesConfig } from '../src/admin/config';
import { createApp } from '../src/app';
import { smsDelivery } from '../src/auth/mfa/config';
import { oauthConfig } from '../src/auth/oauth/config';
import { billingConfig } from '../src/billing/config';
import { assertConfig, tablesFor } from '../src/core/config';
import { errorReportingConfig } from '../src/core/error-reporting';
import { tokenConfig } from '../src/core/jwt';
import { outboundPolicy } from '../src/core/outbound/policy';
import { scryptConfig } from '../src/core/passwords';
import { rateClassConfig } from '../src/core/rate-class-config';
import { dataKeyConfig } from '../src/core/sealed';
import { apiKeyConfig } from '../src/core/tenants';
import { emailConfig } from '../src/email/config';
import { httpConfig } from '../src/http-config';
import { createHttpHandler } from '../src/lambda/http-handler';
import { logsConfig } from '../src/logs/config';
import { clientIpConfig } from '../src/middleware/client-ip-config';
import { publishConfig } from '../src/publish/config';
import { snapshotsConfig } from '../src/scrape/config';

/** What this function's code reads from its environment; template.yaml gives it exactly these (test/config.test.ts). */
export const config = [
  tablesFor(
    'USERS_TABLE',
    'BLACKLIST_TABLE',
    'PASSWORD_RESET_TABLE',
    'LOGIN_ATTEMPTS_TABLE',
    'TENANTS_TABLE',
    'API_KEYS_TABLE',
    'SESSIONS_TABLE',
    'AUDIT_TABLE',
    'TENANT_ORIGINS_TABLE',
    'OUTBOX_TABLE',
    'SECRET_KEYS_TABLE',
    'SECRET_MESSAGES_TABLE',
    'SCRAPE_JOBS_TABLE',
    'SCRAPE_RESULTS_TABLE',
    'PUBLISH_RECORDS_TABLE',
    'STATS_TABLE',
    'IDENTITIES_TABLE',
    'AUTH_FLOWS_TABLE',
    'BILLING_TABLE',
  ),
  tokenConfig,
  apiKeyConfig,
  scryptConfig,
  dataKeyConfig,
  httpConfig,
  smsDelivery,
  emailConfig,
  queuesConfig,
  consoleSecurityConfig,
  clientIpConfig,
  rateClassConfig,
  billingConfig,
  snapshotsConfig,
  publishConfig,
  // Scrape job URLs are checked against the same rules the worker fetches by (S44).
  outboundPolicy,
  errorReportingConfig,
  logsConfig,
  oauthConfig,
];
assertConfig(config);

export const handler = createHttpHandler(createApp());
