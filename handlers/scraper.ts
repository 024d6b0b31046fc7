// Lambda entry for the every-minute scrape scheduler (EventBridge Scheduler): queues each due job's run.
import { assertConfig, tablesFor } from '../src/core/config';
import { scrapeQueueConfig } from '../src/scrape/config';
import { scheduleDueRuns } from '../src/scrape/scheduler';

export const config = [tablesFor('SCRAPE_JOBS_TABLE'), scrapeQueueConfig];
assertConfig(config);

export const handler = async () => scheduleDueRuns();
