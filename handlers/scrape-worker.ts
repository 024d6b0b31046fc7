// Lambda entry for ScrapeQueue: fetches, extracts, compares and notifies, one run per message.
import { assertConfig, tablesFor } from '../src/core/config';
import { errorReportingConfig } from '../src/core/error-reporting';
import { logFeature } from '../src/core/log';
import { withMetrics } from '../src/core/metrics';
import { outboundPolicy } from '../src/core/outbound/policy';
import { dataKeyConfig } from '../src/core/sealed';
import { snapshotsConfig } from '../src/scrape/config';
import { createScrapeWorker } from '../src/scrape/worker';

export const config = [
  tablesFor(
    'SCRAPE_JOBS_TABLE',
    'SCRAPE_RESULTS_TABLE',
    'SCRAPE_HOSTS_TABLE',
    'IDEMPOTENCY_TABLE',
    'OUTBOX_TABLE',
    'STATS_TABLE',
  ),
  dataKeyConfig,
  snapshotsConfig,
  outboundPolicy,
  errorReportingConfig,
];
assertConfig(config);
logFeature('scrape');

export const handler = withMetrics(createScrapeWorker());
