// Lambda entry for the AuditLog table's stream: counts security and secret-message events for the dashboard.
import { assertConfig, tablesFor } from '../src/core/config';
import { errorReportingConfig } from '../src/core/error-reporting';
import { logFeature } from '../src/core/log';
import { withMetrics } from '../src/core/metrics';
import { createStatsAggregator } from '../src/stats/aggregate';

export const config = [tablesFor('STATS_TABLE'), errorReportingConfig];
assertConfig(config);
logFeature('stats');

export const handler = withMetrics(createStatsAggregator());
