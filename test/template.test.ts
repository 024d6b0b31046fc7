import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tableEnvDefaults } from '../src/core/config';
import {
  envVarFor,
  functionEnvironment,
  functionsOf,
  handlerOf,
  loadTemplate,
  type Resource,
  resourcesOfType,
  templatePath,
} from '../src/dev/template';

const root = resolve(import.meta.dirname, '..');
const template = loadTemplate();
const tables = resourcesOfType(template, 'AWS::DynamoDB::Table');

describe('template.yaml', () => {
  it('passes cfn-lint', () => {
    const run = spawnSync('cfn-lint', [templatePath], { encoding: 'utf8' });
    expect(run.error, 'cfn-lint must be installed (pip install cfn-lint)').toBeUndefined();
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('runs every function on nodejs22.x arm64', () => {
    expect(template.Globals?.Function).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
  });

  for (const [id, fn] of functionsOf(template)) {
    it(`${id}: is built by its Makefile target with esbuild ESM options and the createRequire banner`, async () => {
      expect(fn.Metadata?.BuildMethod).toBe('makefile');
      const makefile = readFileSync(resolve(root, 'Makefile'), 'utf8');
      expect(/^FUNCTIONS := (.*)$/m.exec(makefile)?.[1]?.split(' ')).toContain(id);
      const props = fn.Metadata?.BuildProperties as Record<string, unknown>;
      expect(props).toMatchObject({ Format: 'esm', OutExtension: ['.js=.mjs'] });
      expect((props.Banner as string[])[0]).toMatch(
        /^js=import \{ createRequire \} from 'module'; const require = createRequire\(import\.meta\.url\);$/,
      );
      const { entry, exportName } = handlerOf(fn);
      expect(existsSync(resolve(root, entry))).toBe(true);
      const mod = await import(resolve(root, entry));
      expect(typeof mod[exportName]).toBe('function');
    });
  }

  it('wires every table env var of the config to a table with !Ref, and every table to an env var', () => {
    const tableIds = tables.map(([id]) => id);
    for (const [id, fn] of functionsOf(template)) {
      for (const [name, value] of Object.entries(functionEnvironment(template, fn))) {
        if (!(name in tableEnvDefaults)) continue;
        expect(tableIds, `${id}: ${name} must be !Ref to a table`).toContain(
          (value as { Ref?: string })?.Ref,
        );
      }
    }
    for (const id of tableIds) expect(envVarFor(template, id), `${id} has no env var`).toBeDefined();
    // Each table's default name (what code uses when no variable is set) is what make dev calls it.
    for (const [name, fallback] of Object.entries(tableEnvDefaults)) {
      const id = tableIds.find((t) => envVarFor(template, t) === name);
      expect(id?.replace(/Table$/, ''), name).toBe(fallback);
    }
  });

  it('bills tables per request and sets TTL where records expire', () => {
    for (const [, t] of tables) expect(t.Properties?.BillingMode).toBe('PAY_PER_REQUEST');
    const ttl = (id: string) =>
      (template.Resources[id]?.Properties?.TimeToLiveSpecification as { AttributeName?: string })
        ?.AttributeName;
    for (const id of [
      'TokenBlacklistTable',
      'PasswordResetTokensTable',
      'LoginAttemptsTable',
      'SessionsTable',
    ]) {
      expect(ttl(id), id).toBe('ttl');
    }
    const gsis = template.Resources.UsersTable?.Properties?.GlobalSecondaryIndexes as { IndexName: string }[];
    expect(gsis.map((g) => g.IndexName)).toContain('email-index');
  });

  it('exposes the HTTP function through a Function URL and outputs it', () => {
    const http = template.Resources.HttpFunction?.Properties as Record<string, unknown>;
    expect(http.FunctionUrlConfig).toMatchObject({ AuthType: 'NONE' });
    const outputs = (template as unknown as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    expect(outputs.FunctionUrl?.Value).toEqual({ 'Fn::GetAtt': ['HttpFunctionUrl', 'FunctionUrl'] });
  });

  it('serves the same app through an HTTP API for sam local start-api, only when LocalHttpApi=true (default false)', () => {
    const params = (template as unknown as { Parameters: Record<string, { Default: string }> }).Parameters;
    expect(params.LocalHttpApi?.Default).toBe('false');
    const local = template.Resources.LocalHttpApiFunction as Record<string, any>;
    expect(local.Condition).toBe('ServeLocalHttpApi');
    expect(template.Resources.LocalHttpApiGateway?.Type).toBe('AWS::Serverless::HttpApi');
    expect((template.Resources.LocalHttpApiGateway as Record<string, unknown>).Condition).toBe(
      'ServeLocalHttpApi',
    );
    expect(local.Properties.Handler).toBe('http.handler');
    expect(local.Metadata.BuildProperties.EntryPoints).toEqual(['handlers/http.ts']);
    // The HTTP function's own role: the same permissions, nothing to keep in step.
    expect(local.Properties.Role).toEqual({ 'Fn::GetAtt': ['HttpFunctionRole', 'Arn'] });
    const paths = Object.values(
      local.Properties.Events as Record<string, { Type: string; Properties: { Path: string } }>,
    );
    expect(paths.map((e) => [e.Type, e.Properties.Path])).toEqual([
      ['HttpApi', '/'],
      ['HttpApi', '/{proxy+}'],
    ]);
  });

  it('generates the JWT secret and API key pepper in Secrets Manager and passes only their names', () => {
    for (const id of ['JwtSecret', 'ApiKeyPepperSecret']) {
      expect(template.Resources[id]?.Type).toBe('AWS::SecretsManager::Secret');
      expect(template.Resources[id]?.Properties?.GenerateSecretString).toBeDefined();
    }
    const vars = functionEnvironment(template, template.Resources.HttpFunction as Resource);
    expect(vars.JWT_SECRET_NAME).toEqual({ Ref: 'JwtSecret' });
    expect(vars.API_KEY_PEPPER_SECRET_NAME).toEqual({ Ref: 'ApiKeyPepperSecret' });
    expect(vars).not.toHaveProperty('JWT_SECRET');
  });

  it('grants least privilege: named resources only, no wildcards, no Scan or table admin', () => {
    for (const [id, fn] of functionsOf(template)) {
      // A function borrowing another's role (the local HTTP API) has exactly that role's policies.
      if (fn.Properties?.Role) continue;
      const policies = (fn.Properties?.Policies ?? []) as {
        Statement?: { Action: string | string[]; Resource: unknown }[];
      }[];
      const statements = policies.flatMap((p) => p.Statement ?? []);
      expect(statements.length, id).toBeGreaterThan(0);
      for (const s of statements) {
        const actions = ([] as string[]).concat(s.Action);
        for (const action of actions) {
          expect(action, id).not.toMatch(/\*|Scan|CreateTable|DeleteTable/);
        }
        for (const resource of ([] as unknown[]).concat(s.Resource)) expect(resource, id).not.toBe('*');
      }
    }
  });

  it('runs the email worker on EmailQueue in batches of 10 with partial failures, 6x visibility and a DLQ', () => {
    const worker = template.Resources.EmailWorkerFunction?.Properties as Record<string, any>;
    const event = Object.values(worker.Events as Record<string, any>)[0];
    expect(event).toMatchObject({
      Type: 'SQS',
      Properties: {
        Queue: { 'Fn::GetAtt': ['EmailQueue', 'Arn'] },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      },
    });
    const queue = template.Resources.EmailQueue?.Properties as Record<string, any>;
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * worker.Timeout);
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': ['EmailDeadLetterQueue', 'Arn'] },
      maxReceiveCount: 5,
    });
    const alarm = template.Resources.EmailDeadLetterAlarm?.Properties as Record<string, any>;
    expect(alarm.Dimensions[0].Value).toEqual({ 'Fn::GetAtt': ['EmailDeadLetterQueue', 'QueueName'] });
    const statements = worker.Policies.flatMap((p: { Statement: unknown[] }) => p.Statement);
    const ses = statements.find((st: { Action: string[] }) =>
      [].concat(st.Action as never).some((a: string) => a.startsWith('ses:')),
    );
    expect(ses.Resource).toEqual({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation !Sub string, not JavaScript
      'Fn::Sub': 'arn:aws:ses:${AWS::Region}:${AWS::AccountId}:identity/${EmailSenderIdentity}',
    });
  });

  it('grants each function every table and queue its environment hands it (local runs do not enforce IAM)', () => {
    for (const [id, fn] of functionsOf(template)) {
      if (fn.Properties?.Role) continue;
      const granted = JSON.stringify(fn.Properties?.Policies);
      for (const [name, value] of Object.entries(functionEnvironment(template, fn))) {
        const ref = (value as { Ref?: string }).Ref;
        const type = ref && template.Resources[ref]?.Type;
        if (!ref || (type !== 'AWS::DynamoDB::Table' && type !== 'AWS::SQS::Queue')) continue;
        expect(granted, `${id}: ${name} -> ${ref}`).toContain(JSON.stringify({ 'Fn::GetAtt': [ref, 'Arn'] }));
      }
    }
    // Requests queue jobs only by writing the outbox; the relay alone sends to SQS.
    const granted = JSON.stringify(template.Resources.HttpFunction?.Properties?.Policies);
    expect(granted).not.toContain('sqs:SendMessage');
    expect(granted).toContain('dynamodb:BatchWriteItem');
  });

  it("S46: only MarkdownPublisherFunction may read the sites' GitHub tokens; the HTTP function may only write them", () => {
    for (const [id, fn] of functionsOf(template)) {
      const readsTokens = (
        fn.Properties?.Policies as { Statement: { Action: unknown; Resource: unknown }[] }[] | undefined
      )
        ?.flatMap((p) => p.Statement)
        .some(
          (s) =>
            JSON.stringify(s.Action).includes('GetSecretValue') &&
            JSON.stringify(s.Resource).includes('-publish/*'),
        );
      expect(Boolean(readsTokens), id).toBe(id === 'MarkdownPublisherFunction');
    }
    const http = JSON.stringify(template.Resources.HttpFunction?.Properties?.Policies);
    expect(http).toContain('secretsmanager:PutSecretValue');
  });

  it("S46: only the HTTP function and the daily reconciliation read sites' Stripe secrets; the reconciliation only the secret keys, and writes nothing to the Billing table", () => {
    const readers: Record<string, string> = {};
    for (const [id, fn] of functionsOf(template)) {
      const statements = (
        fn.Properties?.Policies as { Statement: { Action: unknown; Resource: unknown }[] }[] | undefined
      )?.flatMap((p) => p.Statement);
      const read = statements?.find(
        (s) =>
          JSON.stringify(s.Action).includes('GetSecretValue') &&
          JSON.stringify(s.Resource).includes('-stripe/'),
      );
      if (read) readers[id] = JSON.stringify(read.Resource);
    }
    expect(Object.keys(readers).sort()).toEqual(['BillingReconcileFunction', 'HttpFunction']);
    expect(readers.BillingReconcileFunction).toContain('-stripe/*/secret-key-*');
    const policies = (template.Resources.BillingReconcileFunction?.Properties?.Policies ?? []) as {
      Statement: { Action: unknown; Resource: unknown }[];
    }[];
    const onBilling = policies
      .flatMap((p) => p.Statement)
      .filter((s) => JSON.stringify(s.Resource).includes('BillingTable'))
      .map((s) => JSON.stringify(s.Action));
    expect(onBilling.join(' ')).toContain('dynamodb:Query');
    for (const write of ['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWrite']) {
      expect(
        onBilling.some((actions) => actions.includes(write)),
        write,
      ).toBe(false);
    }
  });

  it('S40: relays the outbox stream to the queues with per-record failures, retries for a day, and a DLQ', () => {
    const relay = template.Resources.OutboxRelayFunction?.Properties as Record<string, any>;
    const [event] = Object.values(relay.Events) as { Type: string; Properties: Record<string, any> }[];
    expect(event?.Type).toBe('DynamoDB');
    expect(event?.Properties.Stream).toEqual({ 'Fn::GetAtt': ['OutboxTable', 'StreamArn'] });
    expect(event?.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(event?.Properties.MaximumRetryAttempts).toBe(-1);
    expect(event?.Properties.DestinationConfig.OnFailure.Destination).toEqual({
      'Fn::GetAtt': ['OutboxDeadLetterQueue', 'Arn'],
    });
    const policies = JSON.stringify(relay.Policies);
    expect(policies).toContain('sqs:SendMessage');
    expect(policies).toContain(JSON.stringify({ 'Fn::GetAtt': ['EmailQueue', 'Arn'] }));
    expect(policies).toContain(JSON.stringify({ 'Fn::GetAtt': ['SmsQueue', 'Arn'] }));
  });
});
