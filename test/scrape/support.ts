// Scrape tests' fixtures: a loopback site whose pages, robots.txt and behaviour each test sets, a site with the
// scrape scope, and a way to run whatever the scheduler queued through the real worker handler.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sqsSdk } from '../../src/dev/aws';
import { lambdaContext } from '../../src/dev/lambda-context';
import { createScrapeWorker } from '../../src/scrape/worker';
import { relayOutbox } from '../support/queued-jobs';
import { sqsEventOf } from '../support/sqs-events';
import { createTestTenant } from '../support/tenants';

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** A site on 127.0.0.1: `pages[path]` is served as HTML (or as a handler); every request is logged. */
export async function fixtureSite(pages: Record<string, string | Route> = {}) {
  const requests: { path: string; at: number; ua?: string }[] = [];
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', at: Date.now(), ua: req.headers['user-agent'] });
    const page = pages[req.url ?? ''];
    if (typeof page === 'function') return page(req, res);
    if (page === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    base,
    pages,
    requests,
    hits: (path: string) => requests.filter((r) => r.path === path).length,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const scrapeSite = () => createTestTenant({}, ['scrape']);

export const shopPage = (price: string, stock = 'In stock', extra = '') =>
  `<html><body><h1>Widget</h1><p class="price">${price}</p><p class="stock">${stock}</p>${extra}</body></html>`;

const worker = createScrapeWorker();

/** Receives what is on this file's ScrapeQueue and hands each message to the worker; returns the batch answers. */
export async function runQueuedScrapes(): Promise<{ delivered: string[]; failures: string[] }> {
  // "Run now" queues through the outbox: relay it as the relay function would.
  await relayOutbox();
  const sdk = sqsSdk();
  const sqs = new sdk.SQSClient({});
  const delivered: string[] = [];
  const failures: string[] = [];
  try {
    while (true) {
      const { Messages = [] } = await sqs.send(
        new sdk.ReceiveMessageCommand({
          QueueUrl: process.env.SCRAPE_QUEUE_URL,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
        }),
      );
      if (Messages.length === 0) break;
      for (const m of Messages) {
        const body = m.Body as string;
        delivered.push(body);
        const result = await worker(
          sqsEventOf([{ id: m.MessageId as string, body }]),
          lambdaContext('ScrapeWorkerFunction'),
        );
        failures.push(...result.batchItemFailures.map((f) => f.itemIdentifier));
        await sqs.send(
          new sdk.DeleteMessageCommand({
            QueueUrl: process.env.SCRAPE_QUEUE_URL,
            ReceiptHandle: m.ReceiptHandle,
          }),
        );
      }
    }
  } finally {
    sqs.destroy();
  }
  return { delivered, failures };
}

/** Hands one raw message to the worker again, as a duplicate SQS delivery would. */
export async function deliverAgain(body: string) {
  return worker(sqsEventOf([{ id: `dup-${Date.now()}`, body }]), lambdaContext('ScrapeWorkerFunction'));
}
