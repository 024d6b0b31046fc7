// Starts a local SQS event source for every function template.yaml triggers from a queue (the email worker).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { logger } from '../core/log';
import { localNames, localQueueUrl } from './provision';
import { createSqsEventSource, type SqsHandler } from './sqs-event-source';
import { type FunctionProperties, functionsOf, handlerOf, loadTemplate } from './template';

const root = resolve(import.meta.dirname, '../..');

export async function startTemplateEventSources(): Promise<{ names: string[]; stop(): Promise<void> }> {
  const template = loadTemplate();
  const names = localNames(template, process.env);
  const sources: ReturnType<typeof createSqsEventSource>[] = [];
  const started: string[] = [];
  for (const [id, fn] of functionsOf(template)) {
    const props = fn.Properties as FunctionProperties;
    for (const event of Object.values(props.Events ?? {})) {
      if (event.Type !== 'SQS') continue;
      const queue = event.Properties?.Queue as { 'Fn::GetAtt'?: string[] } | undefined;
      const queueId = queue?.['Fn::GetAtt']?.[0];
      if (!queueId) throw new Error(`${id}: SQS event needs Queue: !GetAtt <Queue>.Arn`);
      const { entry, exportName } = handlerOf(fn);
      const mod = await import(pathToFileURL(resolve(root, entry)).href);
      const source = createSqsEventSource({
        functionName: id,
        queueUrl: localQueueUrl(names[queueId] as string),
        queueArn: `arn:aws:sqs:us-east-1:123456789012:${names[queueId]}`,
        handler: mod[exportName] as SqsHandler,
        batchSize: Number(event.Properties?.BatchSize ?? 10),
        timeoutSeconds: props.Timeout,
        onError: (error) =>
          logger.error('local SQS event source error', { function: id, error: error as Error }),
      });
      source.start();
      sources.push(source);
      started.push(`${queueId} -> ${id}`);
    }
  }
  return { names: started, stop: async () => void (await Promise.all(sources.map((s) => s.stop()))) };
}
