// make dev fires ScheduleV2 schedules as EventBridge Scheduler would: at the expression's times, with the
// schedule's Input and Scheduler's context attributes filled in, retrying failures and dead-lettering the rest.
import { describe, expect, it } from 'vitest';
import { sqsSdk } from '../../src/dev/aws';
import { createScheduleEventSource } from '../../src/dev/schedule-event-source';

describe('local ScheduleV2', () => {
  it('passes Input with <aws.scheduler.scheduled-time> filled in, and knows when it fires next', async () => {
    const events: unknown[] = [];
    const source = createScheduleEventSource({
      functionName: 'Reaper',
      scheduleName: 'Reaper-Every5',
      expression: 'rate(5 minutes)',
      input: '{"job":"purge","at":"<aws.scheduler.scheduled-time>","try":<aws.scheduler.attempt-number>}',
      handler: async (event) => void events.push(event),
    });
    expect(source.next(new Date('2026-11-29T10:01:00Z'))?.toISOString()).toBe('2026-11-29T10:05:00.000Z');
    await source.fire(new Date('2026-11-29T10:05:00Z'));
    expect(events).toEqual([{ job: 'purge', at: '2026-11-29T10:05:00Z', try: 1 }]);
  });

  it('fires on its own at the scheduled time, once, in its time zone', async () => {
    const fired: Date[] = [];
    const handled: unknown[] = [];
    // at() has second precision: two seconds from now, written as Tokyo's wall clock (UTC+9, no DST).
    const when = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000);
    const tokyo = new Date(when.getTime() + 9 * 3_600_000).toISOString().slice(0, 19);
    const source = createScheduleEventSource({
      functionName: 'Once',
      scheduleName: 'Once-Soon',
      expression: `at(${tokyo})`,
      timeZone: 'Asia/Tokyo',
      handler: async (event) => void handled.push(event),
      onFire: (t) => fired.push(t),
    });
    source.start();
    await new Promise((r) => setTimeout(r, when.getTime() - Date.now() + 1000));
    await source.stop();
    expect(fired.map((t) => t.toISOString())).toEqual([when.toISOString()]);
    expect(handled).toEqual([{}]);
  });

  it('retries a failing invocation, then dead-letters the event with the error', async () => {
    const sdk = sqsSdk();
    const sqs = new sdk.SQSClient({});
    const { QueueUrl } = await sqs.send(
      new sdk.CreateQueueCommand({ QueueName: `schedule-dlq-${Date.now()}` }),
    );
    let calls = 0;
    const errors: unknown[] = [];
    const source = createScheduleEventSource({
      functionName: 'Broken',
      scheduleName: 'Broken-Hourly',
      expression: 'rate(1 hour)',
      input: '{"at":"<aws.scheduler.scheduled-time>"}',
      maximumRetryAttempts: 1,
      deadLetterQueueUrl: QueueUrl,
      handler: async () => {
        calls++;
        throw new Error('database unreachable');
      },
      onError: (e) => errors.push(e),
    });
    await source.fire(new Date('2026-11-29T11:00:00Z'));
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
    const { Messages = [] } = await sqs.send(
      new sdk.ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
    );
    sqs.destroy();
    expect(Messages).toHaveLength(1);
    expect(JSON.parse(Messages[0]?.Body ?? '')).toEqual({ at: '2026-11-29T11:00:00Z' });
    expect(Messages[0]?.MessageAttributes?.ERROR_MESSAGE?.StringValue).toBe('database unreachable');
  });
});
