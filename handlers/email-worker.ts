// Lambda entry for the EmailQueue: sends each queued email once, reporting only the failed records.
import { assertConfig, tablesFor } from '../src/core/config';
import { errorReportingConfig } from '../src/core/error-reporting';
import { logFeature } from '../src/core/log';
import { withMetrics } from '../src/core/metrics';
import { dataKeyConfig } from '../src/core/sealed';
import { emailConfig } from '../src/email/config';
import { createEmailWorker } from '../src/email/worker';

export const config = [
  tablesFor('IDEMPOTENCY_TABLE', 'TENANTS_TABLE', 'STATS_TABLE'),
  dataKeyConfig,
  emailConfig,
  errorReportingConfig,
];
assertConfig(config);
logFeature('email');

export const handler = withMetrics(createEmailWorker());
