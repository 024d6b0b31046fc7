// Lambda entry for the daily billing reconciliation (EventBridge Scheduler): balances against ledgers, a sample
// against Stripe; drift is audited and alerted on (src/billing/reconcile.ts).
import { billingConfig } from '../src/billing/config';
import { reconcileBilling } from '../src/billing/reconcile';
import { assertConfig, tablesFor } from '../src/core/config';
import { errorReportingConfig, reportingErrors } from '../src/core/error-reporting';
import { logFeature } from '../src/core/log';
import { withMetrics } from '../src/core/metrics';

export const config = [
  tablesFor('BILLING_TABLE', 'TENANTS_TABLE', 'AUDIT_TABLE'),
  billingConfig,
  errorReportingConfig,
];
assertConfig(config);
logFeature('billing');

export const handler = withMetrics(
  reportingErrors(async () => {
    const { drifts, ...counts } = await reconcileBilling();
    return { ...counts, drifts: drifts.length };
  }, 'billing'),
);
