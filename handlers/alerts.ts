// Lambda entry for the alert rules (EventBridge Scheduler, every minute): judge the last five minutes, raise and
// deduplicate alerts, notify the platform admins who asked.
import { smsDelivery } from '../src/auth/mfa/config';
import { assertConfig, tablesFor } from '../src/core/config';
import { errorReportingConfig, reportingErrors } from '../src/core/error-reporting';
import { logFeature } from '../src/core/log';
import { withMetrics } from '../src/core/metrics';
import { outboundPolicy } from '../src/core/outbound/policy';
import { dataKeyConfig } from '../src/core/sealed';
import { alertsConfig } from '../src/security/config';
import { evaluateAlerts } from '../src/security/run';

export const config = [
  tablesFor('AUDIT_TABLE', 'TENANTS_TABLE', 'USERS_TABLE', 'OUTBOX_TABLE'),
  alertsConfig,
  dataKeyConfig,
  smsDelivery,
  // Webhooks go only to public addresses (S44).
  outboundPolicy,
  errorReportingConfig,
];
assertConfig(config);
logFeature('security');

export const handler = withMetrics(reportingErrors(async () => evaluateAlerts(), 'security'));
