// Emulates an EventBridge Scheduler schedule (SAM's ScheduleV2 event) locally: fires the function at each time the
// expression names, in its time zone, with the schedule's Input, retrying and dead-lettering as configured.
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { parseSchedule } from '../core/schedule-expression';
import { sqsSdk } from './aws';
import { lambdaContext } from './lambda-context';

export type ScheduledHandler = (event: unknown, context: Context) => Promise<unknown>;

export type ScheduleSourceOptions = {
  functionName: string;
  scheduleName: string;
  expression: string;
  timeZone?: string;
  /** The schedule's Input (a JSON string), with Scheduler's <aws.scheduler.*> context attributes filled in. */
  input?: string;
  handler: ScheduledHandler;
  /** Scheduler retries a failed invocation; locally a couple of times, a second apart. */
  maximumRetryAttempts?: number;
  deadLetterQueueUrl?: string;
  onError?: (error: unknown) => void;
  onFire?: (scheduledTime: Date) => void;
};

const LOCAL_RETRIES = 2;

export function createScheduleEventSource(options: ScheduleSourceOptions) {
  const schedule = parseSchedule(options.expression, options.timeZone ?? 'UTC');
  const arn = `arn:aws:scheduler:us-east-1:123456789012:schedule/default/${options.scheduleName}`;
  let timer: NodeJS.Timeout | undefined;
  const running = new Set<Promise<void>>();

  const eventFor = (scheduledTime: Date, attempt: number) => {
    if (options.input === undefined) return {};
    const filled = options.input
      .replaceAll('<aws.scheduler.scheduled-time>', scheduledTime.toISOString().replace(/\.\d{3}Z$/, 'Z'))
      .replaceAll('<aws.scheduler.schedule-arn>', arn)
      .replaceAll('<aws.scheduler.execution-id>', randomUUID())
      .replaceAll('<aws.scheduler.attempt-number>', String(attempt));
    return JSON.parse(filled) as unknown;
  };

  async function fire(scheduledTime: Date): Promise<void> {
    options.onFire?.(scheduledTime);
    const attempts = 1 + Math.min(options.maximumRetryAttempts ?? LOCAL_RETRIES, LOCAL_RETRIES);
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const event = eventFor(scheduledTime, attempt);
      try {
        await options.handler(event, lambdaContext(options.functionName));
        return;
      } catch (error) {
        lastError = error;
        if (attempt < attempts) await new Promise((r) => setTimeout(r, 1000).unref());
      }
    }
    options.onError?.(lastError);
    if (options.deadLetterQueueUrl) await deadLetter(scheduledTime, lastError);
  }

  async function deadLetter(scheduledTime: Date, error: unknown) {
    const sdk = sqsSdk();
    const sqs = new sdk.SQSClient({});
    try {
      await sqs.send(
        new sdk.SendMessageCommand({
          QueueUrl: options.deadLetterQueueUrl,
          MessageBody: JSON.stringify(eventFor(scheduledTime, 0)),
          MessageAttributes: {
            ERROR_CODE: { DataType: 'String', StringValue: 'LambdaInvocationFailed' },
            ERROR_MESSAGE: {
              DataType: 'String',
              StringValue: String((error as Error)?.message ?? error).slice(0, 256),
            },
            SCHEDULE_ARN: { DataType: 'String', StringValue: arn },
          },
        }),
      );
    } catch (sendError) {
      options.onError?.(sendError);
    } finally {
      sqs.destroy();
    }
  }

  function arm(after: Date) {
    const next = schedule.next(after);
    if (!next) return;
    // Long waits are re-armed in steps (timers hold at most ~24.8 days), and a clock change is picked up.
    const wait = Math.min(next.getTime() - Date.now(), 60 * 60_000);
    timer = setTimeout(
      () => {
        if (Date.now() < next.getTime()) return arm(after);
        // Like Scheduler, an invocation that outlasts the interval does not hold the next one back.
        const run = fire(next).finally(() => running.delete(run));
        running.add(run);
        arm(next);
      },
      Math.max(wait, 0),
    );
  }

  return {
    /** The next time this schedule fires, for the startup banner and tests. */
    next: (after = new Date()) => schedule.next(after),
    fire,
    start: () => arm(new Date()),
    async stop() {
      clearTimeout(timer);
      await Promise.allSettled(running);
    },
  };
}
