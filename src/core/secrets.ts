// Secret strings from Secrets Manager, fetched once per container; the SDK loads only when a secret is named.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { REQUEST_PATH_LIMITS } from './aws-limits';
import type { SecretSource } from './config';

const fetched = new Map<string, Promise<string>>();
let client: SecretsManagerClient | undefined;

/** A secret's value: given directly, or fetched (once) from Secrets Manager by name or ARN. */
export function resolveSecret(source: SecretSource, label: string): Promise<string> {
  if (source.value) return Promise.resolve(source.value);
  if (!source.secretName)
    return Promise.reject(new Error(`${label}: no value and no secret name configured`));
  return getSecretString(source.secretName);
}

export function getSecretString(secretId: string): Promise<string> {
  let pending = fetched.get(secretId);
  if (!pending) {
    pending = fetchSecretString(secretId);
    // A failed fetch (throttling, network) must not poison the container: the next call retries.
    pending.catch(() => fetched.delete(secretId));
    fetched.set(secretId, pending);
  }
  return pending;
}

async function fetchSecretString(secretId: string): Promise<string> {
  const sdk = await import('@aws-sdk/client-secrets-manager');
  client ??= new sdk.SecretsManagerClient(REQUEST_PATH_LIMITS);
  const out = await client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
  if (!out.SecretString) throw new Error(`Secret ${secretId} has no string value`);
  return out.SecretString;
}
