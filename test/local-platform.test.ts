import { describe, expect, it } from 'vitest';
import { dynamodbSdk, secretsSdk } from '../src/dev/aws';
import { createTables, localNames, resolveFunctionEnv } from '../src/dev/provision';
import { checkPrerequisites } from '../src/dev/services';
import { functionsOf, loadTemplate, resourcesOfType } from '../src/dev/template';

const template = loadTemplate();
const names = localNames(template);

describe('local platform', () => {
  it('has created every table of template.yaml under the config default names, with keys, GSIs and TTL', async () => {
    const sdk = dynamodbSdk();
    const client = new sdk.DynamoDBClient({});
    const { TableNames = [] } = await client.send(new sdk.ListTablesCommand({}));
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
