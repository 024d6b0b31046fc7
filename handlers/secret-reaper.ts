// Lambda entry for the secret-message reaper (EventBridge Scheduler, every 5 minutes).
import { assertConfig, tablesFor } from '../src/core/config';
import { errorReportingConfig, reportingErrors } from '../src/core/error-reporting';
import { logFeature } from '../src/core/log';
import { withMetrics } from '../src/core/metrics';
import { reapExpiredMessages } from '../src/secrets/reaper';

export const config = [
  tablesFor('SECRET_MESSAGES_TABLE', 'SECRET_KEYS_TABLE', 'AUDIT_TABLE'),
  errorReportingConfig,
];
assertConfig(config);
logFeature('secrets');

export const handler = withMetrics(reportingErrors(async () => reapExpiredMessages(), 'secrets'));
