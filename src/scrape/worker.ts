// ScrapeQueue's worker: one run per message, each run id once (a duplicate delivery does nothing, S40); a run that
// cannot finish now (a dependency down, a host whose polite slot is far off) goes back to the queue, and after
// maxReceiveCount to the DLQ.

import type { Resolver } from '../core/outbound/fetch';
import { createQueueWorker } from '../core/queue-worker';
import { type RunMessage, runScrape } from './run';

export function createScrapeWorker(resolver?: Resolver) {
  return createQueueWorker<RunMessage, unknown>({
    noun: 'scrape',
    parse: (body) => JSON.parse(body) as RunMessage,
    process: async (message) => {
      const run = await runScrape(message, resolver);
      // What the idempotency record keeps: small, and no scraped content.
      return run ? { status: run.status, changed: run.changed } : { skipped: true };
    },
    isPermanent: (error) => error instanceof SyntaxError,
  });
}
