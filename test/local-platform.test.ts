import { describe, expect, it } from 'vitest';
import { dynamodbSdk, secretsSdk, sqsSdk } from '../src/dev/aws';
import { createTables, localNames, resolveFunctionEnv } from '../src/dev/provision';
import { checkPrerequisites } from '../src/dev/services';
import { functionsOf, loadTemplate, resourcesOfType } from '../src/dev/template';

const template = loadTemplate();
const names = localNames(template);

describe('local platform', () => {
  it('has created every table of template.yaml under the config default names, with keys, GSIs and TTL', async () => {
    const sdk = dynamodbSdk();
    const client = new sdk.DynamoDBClient({});
    // Test files add tables of their own (Outbox, Stats): past 100, ListTables pages.
    const TableNames: string[] = [];
    let ExclusiveStartTableName: string | undefined;
    do {
      const page = await client.send(new sdk.ListTablesCommand({ ExclusiveStartTableName }));
      TableNames.push(...(page.TableNames ?? []));
      ExclusiveStartTableName = page.LastEvaluatedTableName;
    } while (ExclusiveStartTableName);
    for (const [id, resource] of resourcesOfType(template, 'AWS::DynamoDB::Table')) {
      const name = names[id] as string;
      expect(TableNames).toContain(name);
      const { Table } = await client.send(new sdk.DescribeTableCommand({ TableName: name }));
      expect(Table?.KeySchema).toEqual(resource.Properties?.KeySchema);
      const wantIndexes = (
        (resource.Properties?.GlobalSecondaryIndexes ?? []) as { IndexName: string }[]
      ).map((g) => g.IndexName);
      expect((Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName).sort()).toEqual(
        wantIndexes.sort(),
      );
      const { TimeToLiveDescription } = await client.send(
        new sdk.DescribeTimeToLiveCommand({ TableName: name }),
      );
      const ttl = resource.Properties?.TimeToLiveSpecification as { AttributeName: string } | undefined;
      expect(TimeToLiveDescription?.TimeToLiveStatus).toBe(ttl ? 'ENABLED' : 'DISABLED');
    }
    expect(names.UsersTable).toBe('Users');
    client.destroy();
  });

  it('provisions idempotently: a second run creates nothing and fails on nothing', async () => {
    expect(await createTables(template, names)).toEqual([]);
  });

  it('adds an index the template gained to a table kept from before (make dev data in .data)', async () => {
    const sdk = dynamodbSdk();
    const ddb = new sdk.DynamoDBClient({});
    const legacy = `LegacyTenants${Date.now()}`;
    await ddb.send(
      new sdk.CreateTableCommand({
        TableName: legacy,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'tenant_id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'tenant_id', KeyType: 'HASH' }],
      }),
    );
    const onlyTenants = {
      ...template,
      Resources: { TenantsTable: template.Resources.TenantsTable },
    } as typeof template;
    expect(await createTables(onlyTenants, { TenantsTable: legacy })).toEqual([]);
    const { Table } = await ddb.send(new sdk.DescribeTableCommand({ TableName: legacy }));
    ddb.destroy();
    expect(Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(['listing-index']);
  });

  it('creates the template secrets in local Secrets Manager, which the function env points at', async () => {
    const [, http] = functionsOf(template).find(([id]) => id === 'HttpFunction') ?? [];
    const env = resolveFunctionEnv(template, http as never, names);
    expect(env).toMatchObject({
      USERS_TABLE: 'Users',
      JWT_SECRET_NAME: 'lambdalith-local/JwtSecret',
      JWT_ALGORITHM: 'HS256',
    });
    const sdk = secretsSdk();
    const client = new sdk.SecretsManagerClient({});
    const secret = await client.send(
      new sdk.GetSecretValueCommand({ SecretId: env.API_KEY_PEPPER_SECRET_NAME }),
    );
    expect(secret.SecretString?.length).toBeGreaterThanOrEqual(32);
    client.destroy();
  });

  it('creates the template queues, the email queue redriving to its DLQ after 5 receives', async () => {
    const sdk = sqsSdk();
    const sqs = new sdk.SQSClient({});
    const { QueueUrl } = await sqs.send(new sdk.GetQueueUrlCommand({ QueueName: 'EmailQueue' }));
    const { Attributes } = await sqs.send(
      new sdk.GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
    );
    sqs.destroy();
    expect(Attributes?.VisibilityTimeout).toBe('180');
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toMatchObject({
      deadLetterTargetArn: expect.stringMatching(/:EmailDeadLetterQueue$/),
      maxReceiveCount: 5,
    });
    const [, http] = functionsOf(template).find(([id]) => id === 'HttpFunction') ?? [];
    expect(resolveFunctionEnv(template, http as never, names).EMAIL_QUEUE_URL).toMatch(
      /\/123456789012\/EmailQueue$/,
    );
  });

  it('fails at once with one line naming what to install when Java or moto_server is missing', () => {
    const path = process.env.PATH;
    try {
      process.env.PATH = '/nonexistent';
      expect(() => checkPrerequisites()).toThrow(/^Java 17\+ is required for DynamoDB Local: install it/);
      process.env.PATH = '/usr/bin:/bin';
      expect(() => checkPrerequisites()).toThrow(/^moto_server is required .*pip install 'moto\[server\]'$/);
    } finally {
      process.env.PATH = path;
    }
  });
});
