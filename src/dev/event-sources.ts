// Starts the local event sources of one function of template.yaml, as Lambda's event source mappings and
// EventBridge Scheduler would: SQS queues, DynamoDB streams and ScheduleV2 schedules.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { logger } from '../core/log';
import { localNames, localQueueUrl } from './provision';
import { createScheduleEventSource, type ScheduledHandler } from './schedule-event-source';
import { createSqsEventSource, type SqsHandler } from './sqs-event-source';
import { createStreamEventSource, type StreamHandler } from './stream-event-source';
import { type FunctionProperties, functionsOf, handlerOf, loadTemplate } from './template';

const root = resolve(import.meta.dirname, '../..');

type EventSource = { start(): void; stop(): Promise<void> };
type EventProperties = Record<string, unknown> | undefined;

/** The event types this platform runs; a function with only others (HttpApi, say) has none here. */
export const LOCAL_EVENT_TYPES = ['SQS', 'DynamoDB', 'ScheduleV2'];

const logicalIdOf = (ref: unknown, id: string, what: string) => {
  const target = (ref as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt']?.[0];
  if (!target) throw new Error(`${id}: ${what} needs !GetAtt <Resource>.<Attribute>`);
  return target;
};

/** The FilterCriteria patterns of an event, as objects. */
const filtersOf = (properties: EventProperties) =>
  ((properties?.FilterCriteria as { Filters?: { Pattern: string }[] })?.Filters ?? []).map((f) =>
    JSON.parse(f.Pattern),
  ) as Record<string, unknown[]>[];

/** The functions of the template that something other than HTTP triggers (each runs in its own process). */
export function eventDrivenFunctions(): string[] {
  return functionsOf(loadTemplate())
    .filter(([, fn]) =>
      Object.values((fn.Properties as FunctionProperties).Events ?? {}).some((e) =>
        LOCAL_EVENT_TYPES.includes(e.Type),
      ),
    )
    .map(([id]) => id);
}

/** Starts every local event source of `functionId`, calling its handler in this process. */
export async function startEventSources(
  functionId: string,
): Promise<{ names: string[]; stop(): Promise<void> }> {
  const template = loadTemplate();
  const fn = functionsOf(template).find(([id]) => id === functionId)?.[1];
  if (!fn) throw new Error(`template.yaml has no function ${functionId}`);
  const names = localNames(template, process.env);
  const props = fn.Properties as FunctionProperties;
  const { entry, exportName } = handlerOf(fn);
  const handler = (await import(pathToFileURL(resolve(root, entry)).href))[exportName];
  const onError = (error: unknown) =>
    logger.error('local event source error', { function: functionId, error: error as Error });
  const queueUrlOf = (ref: unknown, what: string) =>
    localQueueUrl(names[logicalIdOf(ref, functionId, what)] as string);

  const sources: EventSource[] = [];
  const started: string[] = [];
  for (const [eventId, event] of Object.entries(props.Events ?? {})) {
    const p = event.Properties;
    if (event.Type === 'SQS') {
      const queueId = logicalIdOf(p?.Queue, functionId, 'an SQS event');
      sources.push(
        createSqsEventSource({
          functionName: functionId,
          queueUrl: localQueueUrl(names[queueId] as string),
          queueArn: `arn:aws:sqs:us-east-1:123456789012:${names[queueId]}`,
          handler: handler as SqsHandler,
          batchSize: Number(p?.BatchSize ?? 10),
          timeoutSeconds: props.Timeout,
          onError,
        }),
      );
      started.push(`${queueId} -> ${functionId}`);
    } else if (event.Type === 'DynamoDB') {
      const tableId = logicalIdOf(p?.Stream, functionId, 'a DynamoDB event');
      sources.push(
        createStreamEventSource({
          functionName: functionId,
          tableName: names[tableId] as string,
          handler: handler as StreamHandler,
          batchSize: Number(p?.BatchSize ?? 100),
          filters: filtersOf(p),
          timeoutSeconds: props.Timeout,
          onError,
        }),
      );
      started.push(`${tableId} stream -> ${functionId}`);
    } else if (event.Type === 'ScheduleV2') {
      if (p?.State === 'DISABLED') continue;
      const dlqConfig = p?.DeadLetterConfig as
        | { Arn?: unknown; Type?: string; QueueLogicalId?: string }
        | undefined;
      // A queue SAM makes for the schedule (Type: SQS), or one of the template's (Arn).
      const dlqName =
        dlqConfig?.Type === 'SQS' ? (dlqConfig.QueueLogicalId ?? `${functionId}${eventId}Queue`) : undefined;
      const retry = p?.RetryPolicy as { MaximumRetryAttempts?: number } | undefined;
      const expression = String(p?.ScheduleExpression);
      sources.push(
        createScheduleEventSource({
          functionName: functionId,
          scheduleName: `${functionId}-${eventId}`,
          expression,
          timeZone: p?.ScheduleExpressionTimezone as string | undefined,
          input: p?.Input as string | undefined,
          handler: handler as ScheduledHandler,
          maximumRetryAttempts: retry?.MaximumRetryAttempts,
          deadLetterQueueUrl: dlqName
            ? localQueueUrl(dlqName)
            : dlqConfig?.Arn
              ? queueUrlOf(dlqConfig.Arn, 'a schedule dead-letter queue')
              : undefined,
          onError,
        }),
      );
      started.push(`${expression} -> ${functionId}`);
    }
  }
  for (const source of sources) source.start();
  return { names: started, stop: async () => void (await Promise.all(sources.map((s) => s.stop()))) };
}
