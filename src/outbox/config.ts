// Where the outbox relay sends each kind of job.
import { configSlice, url } from '../core/config';

export const relayConfig = configSlice(
  { EMAIL_QUEUE_URL: url(), SMS_QUEUE_URL: url(), SCRAPE_QUEUE_URL: url(), PUBLISH_QUEUE_URL: url() },
  (e) => ({
    email: e.EMAIL_QUEUE_URL,
    sms: e.SMS_QUEUE_URL,
    scrape: e.SCRAPE_QUEUE_URL,
    publish: e.PUBLISH_QUEUE_URL,
  }),
);
