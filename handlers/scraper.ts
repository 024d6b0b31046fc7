// Lambda entry for the every-minute scrape scheduler (EventBridge Scheduler): queues each due job's run.
import { assertConfig, tablesFor } from '../src/core/config';
import { errorReportingConfig, reportingErrors } from '../src/core/error-reporting';
import { logFeature } from '../src/core/log';
import { withMetrics } from '../src/core/metrics';
import { scrapeQueueConfig } from '../src/scrape/config';
import { scheduleDueRuns } from '../src/scrape/scheduler';

export const config = [tablesFor('SCRAPE_JOBS_TABLE'), scrapeQueueConfig, errorReportingConfig];
assertConfig(config);
logFeature('scrape');

export const handler = withMetrics(reportingErrors(async () => scheduleDueRuns(), 'scrape'));
