// Brings up the whole local AWS side (DynamoDB Local, moto, tables, secrets) for make dev and the tests alike.
import { localAwsEnv } from './aws';
import {
  createBuckets,
  createLogGroups,
  createQueues,
  createTables,
  localNames,
  putSecrets,
  resolveFunctionEnv,
  verifySenderIdentity,
} from './provision';
import { checkPrerequisites, type Service, startDynamoDb, startMoto } from './services';
import { functionsOf, loadTemplate } from './template';

export type LocalPlatformOptions = {
  ports: { dynamodb: number; moto: number };
  /** Persist DynamoDB data here; in memory when absent. */
  dataDir?: string;
  /** Values for the template's Secrets Manager secrets, by logical id. */
  secretValues: Record<string, string>;
};

export type LocalPlatform = {
  /** The AWS endpoints of the local services (what every local process needs to reach them). */
  awsEnv: Record<string, string>;
  /** Each function's environment as Lambda would give it (its template variables, resolved locally) plus awsEnv. */
  functionEnv: Record<string, Record<string, string>>;
  /** Every function's variables at once: for tests, which run handlers of several functions in one process. */
  env: Record<string, string>;
  services: Service[];
  createdTables: string[];
  stop(): Promise<void>;
};

/**
 * Starts both services, points this process's AWS SDK at them (process.env), and creates every table and
 * secret of template.yaml. On any failure what was started is stopped again.
 */
export async function startLocalPlatform({
  ports,
  dataDir,
  secretValues,
}: LocalPlatformOptions): Promise<LocalPlatform> {
  checkPrerequisites();
  const services: Service[] = [];
  const stop = async () => {
    await Promise.all(services.map((s) => s.stop()));
  };
  try {
    const [dynamo, moto] = await Promise.allSettled([
      startDynamoDb({ port: ports.dynamodb, dataDir }),
      startMoto({ port: ports.moto }),
    ]);
    for (const s of [dynamo, moto]) if (s.status === 'fulfilled') services.push(s.value);
    for (const s of [dynamo, moto]) if (s.status === 'rejected') throw s.reason;

    const awsEnv = localAwsEnv(ports);
    Object.assign(process.env, awsEnv);
    const template = loadTemplate();
    const names = localNames(template, process.env);
    const createdTables = await createTables(template, names);
    await putSecrets(template, names, secretValues);
    await createQueues(template, names);
    await createBuckets(template, names);
    await createLogGroups(template, names);
    await verifySenderIdentity(template);

    const functionEnv = Object.fromEntries(
      functionsOf(template).map(([id, fn]) => [
        id,
        { ...awsEnv, ...resolveFunctionEnv(template, fn, names) },
      ]),
    );
    const env = Object.assign({}, ...Object.values(functionEnv)) as Record<string, string>;
    return { awsEnv, functionEnv, env, services, createdTables, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
