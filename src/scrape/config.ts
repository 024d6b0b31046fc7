// Where scrape runs are queued and raw pages kept.
import { configSlice, text, url } from '../core/config';

/** The scheduler and "Run now" queue runs here. */
export const scrapeQueueConfig = configSlice({ SCRAPE_QUEUE_URL: url() }, (e) => ({
  queueUrl: e.SCRAPE_QUEUE_URL,
}));

/** The worker writes each page's raw HTML here (gzipped); the console links to it with a presigned GET. */
export const snapshotsConfig = configSlice(
  { SCRAPE_SNAPSHOTS_BUCKET: text({ min: 3, max: 63 }).or('scrape-snapshots') },
  (e) => ({ bucket: e.SCRAPE_SNAPSHOTS_BUCKET }),
);
