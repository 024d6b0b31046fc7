// What Lambda does with a function's stdout, locally: every line goes to the function's CloudWatch Logs group (in
// moto), under a stream of its own, a batch a second. The console's Logs page then reads the same group names with
// the same API as in AWS.
import { randomBytes } from 'node:crypto';
import { logsSdk } from './aws';

export type LogShipper = { write(text: string): void; flush(): Promise<void>; stop(): Promise<void> };

/** Lambda's own stream naming: date, version, then a random instance id. */
const streamName = () =>
  `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;

/** When a line says when it was written (Powertools' `timestamp`), that is its time; otherwise now. */
function timeOf(line: string): number {
  if (!line.startsWith('{')) return Date.now();
  try {
    const at = Date.parse((JSON.parse(line) as { timestamp?: string }).timestamp ?? '');
    return Number.isFinite(at) ? at : Date.now();
  } catch {
    return Date.now();
  }
}

export function createLogShipper(logGroupName: string, { intervalMs = 1000 } = {}): LogShipper {
  const sdk = logsSdk();
  const client = new sdk.CloudWatchLogsClient({});
  const logStreamName = streamName();
  let stream: Promise<unknown> | undefined;
  let pending: { timestamp: number; message: string }[] = [];
  let partial = '';
  let sending = Promise.resolve();

  const send = async (events: { timestamp: number; message: string }[]) => {
    stream ??= client
      .send(new sdk.CreateLogStreamCommand({ logGroupName, logStreamName }))
      .catch((error: Error) => {
        if (error.name !== 'ResourceAlreadyExistsException') throw error;
      });
    await stream;
    // PutLogEvents wants one call's events in time order, and at most 10,000 of them.
    const sorted = events.sort((a, b) => a.timestamp - b.timestamp);
    for (let i = 0; i < sorted.length; i += 10_000) {
      await client.send(
        new sdk.PutLogEventsCommand({ logGroupName, logStreamName, logEvents: sorted.slice(i, i + 10_000) }),
      );
    }
  };

  const flush = () => {
    const events = pending;
    pending = [];
    if (events.length) {
      sending = sending.then(() =>
        send(events).catch((error: Error) => {
          // The terminal still has every line; the Logs page misses these.
          process.stderr.write(
            `[logs] ${events.length} lines not shipped to ${logGroupName}: ${error.message}\n`,
          );
        }),
      );
    }
    return sending;
  };
  const timer = setInterval(() => void flush(), intervalMs);
  timer.unref();

  return {
    write(text) {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) pending.push({ timestamp: timeOf(line), message: line });
    },
    flush,
    async stop() {
      clearInterval(timer);
      if (partial.trim()) pending.push({ timestamp: timeOf(partial), message: partial });
      partial = '';
      await flush();
      client.destroy();
    },
  };
}
