// Lambda entry for the Outbox table's stream: moves each new email or SMS job to its queue.
import { assertConfig, tablesFor } from '../src/core/config';
import { errorReportingConfig, reportingErrors } from '../src/core/error-reporting';
import { logFeature } from '../src/core/log';
import { withMetrics } from '../src/core/metrics';
import { relayConfig } from '../src/outbox/config';
import { createOutboxRelay } from '../src/outbox/relay';

export const config = [tablesFor('OUTBOX_TABLE'), relayConfig, errorReportingConfig];
assertConfig(config);
logFeature('outbox');

export const handler = withMetrics(reportingErrors(createOutboxRelay(), 'outbox'));
