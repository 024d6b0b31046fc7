// Starts a local event source for every function template.yaml triggers from a queue (SQS) or a table's stream
// (DynamoDB), as Lambda's event source mappings would.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { logger } from '../core/log';
import { localNames, localQueueUrl } from './provision';
import { createSqsEventSource, type SqsHandler } from './sqs-event-source';
import { createStreamEventSource, type StreamHandler } from './stream-event-source';
import { type FunctionProperties, functionsOf, handlerOf, loadTemplate } from './template';

const root = resolve(import.meta.dirname, '../..');

type EventSource = { start(): void; stop(): Promise<void> };

const logicalIdOf = (ref: unknown, id: string, what: string) => {
  const target = (ref as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt']?.[0];
  if (!target) throw new Error(`${id}: ${what} needs !GetAtt <Resource>.<Attribute>`);
  return target;
};

/** The FilterCriteria patterns of an event, as objects. */
const filtersOf = (properties: Record<string, unknown> | undefined) =>
  ((properties?.FilterCriteria as { Filters?: { Pattern: string }[] })?.Filters ?? []).map((f) =>
    JSON.parse(f.Pattern),
  ) as Record<string, unknown[]>[];

export async function startTemplateEventSources(): Promise<{ names: string[]; stop(): Promise<void> }> {
  const template = loadTemplate();
  const names = localNames(template, process.env);
  const sources: EventSource[] = [];
  const started: string[] = [];
  const onError = (id: string) => (error: unknown) =>
    logger.error('local event source error', { function: id, error: error as Error });
  for (const [id, fn] of functionsOf(template)) {
    const props = fn.Properties as FunctionProperties;
    for (const event of Object.values(props.Events ?? {})) {
      if (event.Type !== 'SQS' && event.Type !== 'DynamoDB') continue;
      const { entry, exportName } = handlerOf(fn);
      const mod = await import(pathToFileURL(resolve(root, entry)).href);
      if (event.Type === 'SQS') {
        const queueId = logicalIdOf(event.Properties?.Queue, id, 'an SQS event');
        sources.push(
          createSqsEventSource({
            functionName: id,
            queueUrl: localQueueUrl(names[queueId] as string),
            queueArn: `arn:aws:sqs:us-east-1:123456789012:${names[queueId]}`,
            handler: mod[exportName] as SqsHandler,
            batchSize: Number(event.Properties?.BatchSize ?? 10),
            timeoutSeconds: props.Timeout,
            onError: onError(id),
          }),
        );
        started.push(`${queueId} -> ${id}`);
      } else {
        const tableId = logicalIdOf(event.Properties?.Stream, id, 'a DynamoDB event');
        sources.push(
          createStreamEventSource({
            functionName: id,
            tableName: names[tableId] as string,
            handler: mod[exportName] as StreamHandler,
            batchSize: Number(event.Properties?.BatchSize ?? 100),
            filters: filtersOf(event.Properties),
            timeoutSeconds: props.Timeout,
            onError: onError(id),
          }),
        );
        started.push(`${tableId} stream -> ${id}`);
      }
    }
  }
  for (const source of sources) source.start();
  return { names: started, stop: async () => void (await Promise.all(sources.map((s) => s.stop()))) };
}
