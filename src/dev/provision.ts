// Creates the template's tables and secrets in the local services, idempotently, and resolves function env vars.

import { randomBytes } from 'node:crypto';
import type { CreateTableInput } from '@aws-sdk/client-dynamodb';
import { dynamodbSdk, logsSdk, s3Sdk, secretsSdk, sesSdk, sqsSdk } from './aws';
import {
  envVarFor,
  type FunctionProperties,
  functionEnvironment,
  functionsOf,
  type Resource,
  resourcesOfType,
  type Template,
} from './template';

const TABLE_TYPES = ['AWS::DynamoDB::Table'];
const SECRET_TYPES = ['AWS::SecretsManager::Secret'];
const QUEUE_TYPES = ['AWS::SQS::Queue'];
const BUCKET_TYPES = ['AWS::S3::Bucket'];
const LOG_GROUP_TYPES = ['AWS::Logs::LogGroup'];
/** moto's default account; local ARNs and queue URLs use it. */
const LOCAL_ACCOUNT = '123456789012';

type TtlSpec = { AttributeName: string; Enabled: boolean };

/** What each logical id is called locally: tables by their id less "Table", secrets by a local prefix. */
export type LocalNames = Record<string, string>;

export function localNames(t: Template, env: Record<string, string | undefined> = {}): LocalNames {
  const names: LocalNames = {};
  for (const [id] of resourcesOfType(t, ...TABLE_TYPES)) {
    const envVar = envVarFor(t, id);
    // UsersTable is "Users": the name each slice defaults to, so tools and code agree without configuration.
    names[id] = (envVar && env[envVar]) || id.replace(/Table$/, '');
  }
  for (const [id] of resourcesOfType(t, ...SECRET_TYPES)) names[id] = `lambdalith-local/${id}`;
  for (const [id] of resourcesOfType(t, ...QUEUE_TYPES)) names[id] = id;
  // Bucket names are lowercase, 3-63 characters.
  for (const [id] of resourcesOfType(t, ...BUCKET_TYPES)) names[id] = `lambdalith-local-${id.toLowerCase()}`;
  for (const id of scheduleDeadLetterQueues(t)) names[id] = id;
  // Log groups keep their template names, with the local stack name: the console's Logs page reads the same ones.
  for (const [id, group] of resourcesOfType(t, ...LOG_GROUP_TYPES)) {
    const name = group.Properties?.LogGroupName as { 'Fn::Sub'?: string } | string;
    names[id] = typeof name === 'string' ? name : localSub(name?.['Fn::Sub'] ?? `/local/${id}`, names, t);
  }
  return names;
}

/** `!Ref` of a queue is its URL; moto serves every queue under one account on the SQS endpoint. */
export const localQueueUrl = (name: string, endpoint = process.env.AWS_ENDPOINT_URL_SQS) =>
  `${endpoint}/${LOCAL_ACCOUNT}/${name}`;

const localArn = (service: string, name: string) => `arn:aws:${service}:us-east-1:${LOCAL_ACCOUNT}:${name}`;

/**
 * Queues SAM makes for a schedule (`DeadLetterConfig: {Type: SQS, QueueLogicalId}`): they are in the deployed
 * stack, so they are made locally too.
 */
export function scheduleDeadLetterQueues(t: Template): string[] {
  return functionsOf(t).flatMap(([id, fn]) =>
    Object.entries((fn.Properties as FunctionProperties).Events ?? {}).flatMap(([eventId, event]) => {
      const dlq = event.Properties?.DeadLetterConfig as
        | { Type?: string; QueueLogicalId?: string }
        | undefined;
      return event.Type === 'ScheduleV2' && dlq?.Type === 'SQS'
        ? [dlq.QueueLogicalId ?? `${id}${eventId}Queue`]
        : [];
    }),
  );
}

/** Creates the template's S3 buckets in moto, with their lifecycle rules. */
export async function createBuckets(t: Template, names: LocalNames): Promise<void> {
  const sdk = s3Sdk();
  const client = new sdk.S3Client({ forcePathStyle: true });
  try {
    for (const [id, bucket] of resourcesOfType(t, ...BUCKET_TYPES)) {
      const Bucket = names[id] as string;
      try {
        await client.send(new sdk.CreateBucketCommand({ Bucket }));
      } catch (error) {
        if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((error as Error).name)) throw error;
      }
      // Notifications to the template's queues: moto delivers S3 events to SQS as S3 does.
      const queues = (
        bucket.Properties?.NotificationConfiguration as {
          QueueConfigurations?: { Event: string; Queue: { 'Fn::GetAtt': string[] } }[];
        }
      )?.QueueConfigurations;
      if (queues?.length) {
        await client.send(
          new sdk.PutBucketNotificationConfigurationCommand({
            Bucket,
            NotificationConfiguration: {
              QueueConfigurations: queues.map((q) => ({
                Events: [q.Event as 's3:ObjectCreated:*'],
                QueueArn: localArn('sqs', names[q.Queue['Fn::GetAtt'][0] as string] as string),
              })),
            },
          }),
        );
      }
      const rules = (bucket.Properties?.LifecycleConfiguration as { Rules?: Record<string, unknown>[] })
        ?.Rules;
      if (!rules?.length) continue;
      await client.send(
        new sdk.PutBucketLifecycleConfigurationCommand({
          Bucket,
          LifecycleConfiguration: {
            Rules: rules.map((rule) => ({
              ID: rule.Id as string,
              Status: rule.Status as 'Enabled',
              Filter: { Prefix: '' },
              Expiration: { Days: rule.ExpirationInDays as number },
            })),
          },
        }),
      );
    }
  } finally {
    client.destroy();
  }
}

/** Creates the template's log groups in moto's CloudWatch Logs, with their retention. */
export async function createLogGroups(t: Template, names: LocalNames): Promise<void> {
  const sdk = logsSdk();
  const client = new sdk.CloudWatchLogsClient({});
  try {
    for (const [id, group] of resourcesOfType(t, ...LOG_GROUP_TYPES)) {
      const logGroupName = names[id] as string;
      try {
        await client.send(new sdk.CreateLogGroupCommand({ logGroupName }));
      } catch (error) {
        if ((error as Error).name !== 'ResourceAlreadyExistsException') throw error;
      }
      const days = t.Parameters?.LogRetentionDays?.Default;
      if (group.Properties?.RetentionInDays && days)
        await client.send(new sdk.PutRetentionPolicyCommand({ logGroupName, retentionInDays: Number(days) }));
    }
  } finally {
    client.destroy();
  }
}

/** Creates the template's queues, dead-letter queues first, with their attributes and redrive policies. */
export async function createQueues(t: Template, names: LocalNames): Promise<void> {
  const sdk = sqsSdk();
  const client = new sdk.SQSClient({});
  const queues: [string, Resource][] = [
    ...resourcesOfType(t, ...QUEUE_TYPES),
    ...scheduleDeadLetterQueues(t).map((id): [string, Resource] => [id, { Type: 'AWS::SQS::Queue' }]),
  ];
  const isTarget = (id: string) =>
    queues.some(([, q]) => JSON.stringify(q.Properties?.RedrivePolicy ?? {}).includes(`"${id}"`));
  try {
    for (const [id, queue] of [...queues].sort(([a], [b]) => Number(isTarget(b)) - Number(isTarget(a)))) {
      const p = (queue.Properties ?? {}) as Record<string, unknown>;
      const attributes: Record<string, string> = {};
      for (const key of [
        'VisibilityTimeout',
        'MessageRetentionPeriod',
        'DelaySeconds',
        'ReceiveMessageWaitTimeSeconds',
      ]) {
        if (p[key] !== undefined) attributes[key] = String(p[key]);
      }
      const redrive = p.RedrivePolicy as {
        deadLetterTargetArn: { 'Fn::GetAtt': string[] };
        maxReceiveCount: number;
      };
      if (redrive) {
        const target = redrive.deadLetterTargetArn['Fn::GetAtt'][0] as string;
        attributes.RedrivePolicy = JSON.stringify({
          deadLetterTargetArn: localArn('sqs', names[target] as string),
          maxReceiveCount: redrive.maxReceiveCount,
        });
      }
      await client.send(new sdk.CreateQueueCommand({ QueueName: names[id], Attributes: attributes }));
    }
  } finally {
    client.destroy();
  }
}

/** A function's environment as Lambda would see it, with every !Ref pointing at the local resource. */
export function resolveFunctionEnv(t: Template, fn: Resource, names: LocalNames): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(functionEnvironment(t, fn))) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      out[key] = String(value);
      continue;
    }
    const sub = (value as { 'Fn::Sub'?: unknown })['Fn::Sub'];
    if (typeof sub === 'string') {
      out[key] = localSub(sub, names, t);
      continue;
    }
    const ref = (value as { Ref?: string }).Ref;
    const type = ref ? t.Resources[ref]?.Type : undefined;
    if (ref && type && QUEUE_TYPES.includes(type)) out[key] = localQueueUrl(names[ref] as string);
    else if (ref && names[ref]) out[key] = names[ref];
    else if (ref && t.Parameters?.[ref]) out[key] = String(t.Parameters[ref].Default ?? '');
    else throw new Error(`${key}: cannot resolve ${JSON.stringify(value)} locally`);
  }
  return out;
}

/** `!Sub` with pseudo parameters and resource names (a queue's is its URL, as in AWS), as the local platform names things. */
function localSub(text: string, names: LocalNames, t: Template): string {
  const pseudo: Record<string, string> = {
    'AWS::StackName': 'lambdalith-local',
    'AWS::Region': 'us-east-1',
    'AWS::AccountId': LOCAL_ACCOUNT,
    'AWS::Partition': 'aws',
  };
  const resolve = (name: string) => {
    const type = t.Resources[name]?.Type;
    const queue = (type && QUEUE_TYPES.includes(type)) || scheduleDeadLetterQueues(t).includes(name);
    return queue && names[name] ? localQueueUrl(names[name]) : names[name];
  };
  return text.replace(/\$\{([\w:]+)\}/g, (whole, name: string) => pseudo[name] ?? resolve(name) ?? whole);
}

export async function createTables(t: Template, names: LocalNames): Promise<string[]> {
  const sdk = dynamodbSdk();
  const client = new sdk.DynamoDBClient({});
  const created: string[] = [];
  try {
    for (const [id, resource] of resourcesOfType(t, ...TABLE_TYPES)) {
      const p = resource.Properties as Omit<CreateTableInput, 'TableName'> & {
        TimeToLiveSpecification?: TtlSpec;
      };
      const TableName = names[id] as string;
      try {
        await client.send(
          new sdk.CreateTableCommand({
            TableName,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: p.AttributeDefinitions,
            KeySchema: p.KeySchema,
            GlobalSecondaryIndexes: p.GlobalSecondaryIndexes,
            LocalSecondaryIndexes: p.LocalSecondaryIndexes,
            StreamSpecification: p.StreamSpecification
              ? { StreamEnabled: true, StreamViewType: p.StreamSpecification.StreamViewType }
              : undefined,
          }),
        );
        created.push(TableName);
      } catch (error) {
        if ((error as Error).name !== 'ResourceInUseException') throw error;
        await addMissingIndexes(client, sdk, TableName, p);
      }
      const ttl = p.TimeToLiveSpecification;
      if (ttl?.Enabled) await enableTtl(client, sdk, TableName, ttl.AttributeName);
    }
  } finally {
    client.destroy();
  }
  return created;
}

/** A table kept in .data from before an index was added to the template gets the index now. */
async function addMissingIndexes(
  client: InstanceType<ReturnType<typeof dynamodbSdk>['DynamoDBClient']>,
  sdk: ReturnType<typeof dynamodbSdk>,
  TableName: string,
  wanted: Omit<CreateTableInput, 'TableName'>,
) {
  const { Table } = await client.send(new sdk.DescribeTableCommand({ TableName }));
  const existing = new Set((Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
  for (const index of wanted.GlobalSecondaryIndexes ?? []) {
    if (existing.has(index.IndexName)) continue;
    await client.send(
      new sdk.UpdateTableCommand({
        TableName,
        AttributeDefinitions: wanted.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [
          {
            Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection },
          },
        ],
      }),
    );
  }
}

async function enableTtl(
  client: InstanceType<ReturnType<typeof dynamodbSdk>['DynamoDBClient']>,
  sdk: ReturnType<typeof dynamodbSdk>,
  TableName: string,
  AttributeName: string,
) {
  const { TimeToLiveDescription } = await client.send(new sdk.DescribeTimeToLiveCommand({ TableName }));
  if (TimeToLiveDescription?.TimeToLiveStatus === 'ENABLED') return;
  await client.send(
    new sdk.UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { AttributeName, Enabled: true } }),
  );
}

/** Random values like the template's GenerateSecretString would make. */
export function generateSecretValues(t: Template): Record<string, string> {
  return Object.fromEntries(
    resourcesOfType(t, ...SECRET_TYPES).map(([id]) => [id, randomBytes(48).toString('base64url')]),
  );
}

/** Creates (or overwrites) each template secret in local Secrets Manager with the given values. */
export async function putSecrets(
  t: Template,
  names: LocalNames,
  values: Record<string, string>,
): Promise<void> {
  const sdk = secretsSdk();
  const client = new sdk.SecretsManagerClient({});
  try {
    for (const [id] of resourcesOfType(t, ...SECRET_TYPES)) {
      const SecretId = names[id] as string;
      const SecretString = values[id];
      if (!SecretString) throw new Error(`no local value for secret ${id}`);
      try {
        await client.send(new sdk.CreateSecretCommand({ Name: SecretId, SecretString }));
      } catch (error) {
        if ((error as Error).name !== 'ResourceExistsException') throw error;
        await client.send(new sdk.PutSecretValueCommand({ SecretId, SecretString }));
      }
    }
  } finally {
    client.destroy();
  }
}

/** Verifies the template's sender identity in local SES (moto refuses to send from unverified ones, like SES). */
export async function verifySenderIdentity(t: Template): Promise<string | undefined> {
  const identity = t.Parameters?.EmailSenderIdentity?.Default as string | undefined;
  if (!identity) return undefined;
  const sdk = sesSdk();
  const client = new sdk.SESClient({});
  try {
    if (identity.includes('@'))
      await client.send(new sdk.VerifyEmailIdentityCommand({ EmailAddress: identity }));
    else await client.send(new sdk.VerifyDomainIdentityCommand({ Domain: identity }));
  } finally {
    client.destroy();
  }
  return identity;
}
