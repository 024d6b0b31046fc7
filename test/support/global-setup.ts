// Starts DynamoDB Local (in memory) and moto once for the whole run and creates template.yaml's resources.
import type { TestProject } from 'vitest/node';
import { startLocalPlatform } from '../../src/dev/local-platform';
import { generateSecretValues } from '../../src/dev/provision';
import { freePort } from '../../src/dev/services';
import { loadTemplate } from '../../src/dev/template';

declare module 'vitest' {
  export interface ProvidedContext {
    localEnv: Record<string, string>;
  }
}

export default async function setup(project: TestProject) {
  const ports = { dynamodb: await freePort(), moto: await freePort() };
  const platform = await startLocalPlatform({ ports, secretValues: generateSecretValues(loadTemplate()) });
  project.provide('localEnv', {
    ...platform.env,
    DYNAMODB_PORT: String(ports.dynamodb),
    MOTO_PORT: String(ports.moto),
    // Fast scrypt for tests; passwords.test.ts checks the production default separately (S4).
    SCRYPT_LOG_N: '10',
    SCRYPT_P: '1',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  return () => platform.stop();
}
