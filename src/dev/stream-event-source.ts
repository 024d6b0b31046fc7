// Emulates Lambda's DynamoDB stream event source mapping locally: read each shard from TRIM_HORIZON, invoke with
// a real stream event, and on reported failures resume from the first failed record, as Lambda does.
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  StreamRecord,
} from 'aws-lambda';
import { dynamodbSdk, dynamodbStreamsSdk } from './aws';
import { lambdaContext } from './lambda-context';

export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse | undefined>;

export type StreamSourceOptions = {
  functionName: string;
  tableName: string;
  handler: StreamHandler;
  batchSize?: number;
  /** The event source's FilterCriteria patterns, e.g. `{"eventName":["INSERT"]}`; a record must match one. */
  filters?: Record<string, unknown[]>[];
  timeoutSeconds?: number;
  pollMs?: number;
  onError?: (error: unknown) => void;
};

const matches = (record: DynamoDBRecord, filters: Record<string, unknown[]>[]) =>
  filters.length === 0 ||
  filters.some((f) =>
    Object.entries(f).every(([key, allowed]) => allowed.includes((record as Record<string, unknown>)[key])),
  );

export function createStreamEventSource(options: StreamSourceOptions) {
  const ddb = dynamodbSdk();
  const sdk = dynamodbStreamsSdk();
  const tables = new ddb.DynamoDBClient({});
  const streams = new sdk.DynamoDBStreamsClient({});
  /** Where each shard is read from next: an iterator, or undefined once the shard has closed. */
  const positions = new Map<string, string | undefined>();
  /** The last record each shard's handler finished, to rebuild an iterator from. */
  const done = new Map<string, string>();
  let streamArn: string | undefined;

  async function iteratorFor(
    shardId: string,
    from: { at: string } | { after: string } | 'start',
  ): Promise<string | undefined> {
    const { ShardIterator } = await streams.send(
      new sdk.GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(from === 'start'
          ? { ShardIteratorType: 'TRIM_HORIZON' }
          : 'at' in from
            ? { ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: from.at }
            : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: from.after }),
      }),
    );
    return ShardIterator;
  }

  async function records(shardId: string, iterator: string) {
    try {
      return await streams.send(
        new sdk.GetRecordsCommand({ ShardIterator: iterator, Limit: options.batchSize ?? 100 }),
      );
    } catch (error) {
      // DynamoDB Local stamps records to the second and iterators to the millisecond, so an iterator taken just
      // before a write in the same second reads as "past" it. Rebuild the iterator from what was handled.
      if ((error as Error).name !== 'TrimmedDataAccessException') throw error;
      const last = done.get(shardId);
      const fresh = await iteratorFor(shardId, last ? { after: last } : 'start');
      return streams.send(
        new sdk.GetRecordsCommand({ ShardIterator: fresh, Limit: options.batchSize ?? 100 }),
      );
    }
  }

  async function pollShard(shardId: string): Promise<number> {
    if (!positions.has(shardId)) positions.set(shardId, await iteratorFor(shardId, 'start'));
    const iterator = positions.get(shardId);
    if (!iterator) return 0;
    const out = await records(shardId, iterator);
    const all = (out.Records ?? []).map(
      (r): DynamoDBRecord => ({
        eventID: r.eventID,
        eventName: r.eventName as DynamoDBRecord['eventName'],
        eventVersion: r.eventVersion,
        eventSource: 'aws:dynamodb',
        awsRegion: 'us-east-1',
        eventSourceARN: streamArn,
        dynamodb: {
          ...(r.dynamodb as StreamRecord),
          // Lambda delivers epoch seconds; the SDK parses them into a Date.
          ApproximateCreationDateTime: Math.floor(
            new Date(r.dynamodb?.ApproximateCreationDateTime ?? Date.now()).getTime() / 1000,
          ),
        },
      }),
    );
    const handled = all.filter((r) => matches(r, options.filters ?? []));
    let resumeAt: string | undefined;
    if (handled.length > 0) {
      try {
        const result = await options.handler(
          { Records: handled },
          lambdaContext(options.functionName, options.timeoutSeconds),
        );
        const failed = (result?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
        resumeAt = failed.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))[0];
      } catch (error) {
        options.onError?.(error);
        resumeAt = handled[0]?.dynamodb?.SequenceNumber;
      }
    }
    const last = all.at(-1)?.dynamodb?.SequenceNumber;
    if (!resumeAt && last) done.set(shardId, last);
    positions.set(shardId, resumeAt ? await iteratorFor(shardId, { at: resumeAt }) : out.NextShardIterator);
    return handled.length;
  }

  async function pollOnce(): Promise<number> {
    streamArn ??= (await tables.send(new ddb.DescribeTableCommand({ TableName: options.tableName }))).Table
      ?.LatestStreamArn;
    if (!streamArn) throw new Error(`${options.tableName} has no stream`);
    const { StreamDescription } = await streams.send(new sdk.DescribeStreamCommand({ StreamArn: streamArn }));
    let handled = 0;
    for (const shard of StreamDescription?.Shards ?? []) handled += await pollShard(shard.ShardId as string);
    return handled;
  }

  let running = false;
  let loop: Promise<void> | undefined;
  return {
    /** One read of every shard and its invocations; returns how many records the handler saw. */
    pollOnce,
    start() {
      running = true;
      loop ??= (async () => {
        while (running) {
          try {
            await pollOnce();
          } catch (error) {
            options.onError?.(error);
          }
          await new Promise((r) => setTimeout(r, options.pollMs ?? 250).unref());
        }
      })();
    },
    stop: async () => {
      running = false;
      await loop;
      tables.destroy();
      streams.destroy();
    },
  };
}
