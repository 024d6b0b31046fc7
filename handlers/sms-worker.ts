// Lambda entry for the SmsQueue: sends each queued text once through Twilio, reporting only the failed records.
import { assertConfig, tablesFor } from '../src/core/config';
import { errorReportingConfig } from '../src/core/error-reporting';
import { logFeature } from '../src/core/log';
import { withMetrics } from '../src/core/metrics';
import { dataKeyConfig } from '../src/core/sealed';
import { smsConfig } from '../src/sms/config';
import { createSmsWorker } from '../src/sms/worker';

export const config = [
  tablesFor('IDEMPOTENCY_TABLE', 'STATS_TABLE'),
  dataKeyConfig,
  smsConfig,
  errorReportingConfig,
];
assertConfig(config);
logFeature('sms');

export const handler = withMetrics(createSmsWorker());
