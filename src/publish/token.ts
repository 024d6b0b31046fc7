// A site's GitHub token in Secrets Manager (S46): the console writes it and never shows it again; only the
// publisher function may read it (IAM). Never logged.
import { REQUEST_PATH_LIMITS } from '../core/aws-limits';
import { publishConfig } from './config';

const secretName = (tenantId: string) => `${publishConfig().secretPrefix}${tenantId.replace('#', '/')}`;

let sm: import('@aws-sdk/client-secrets-manager').SecretsManagerClient | undefined;
/** The SDK loads on first use (only the console's publishing page and the publisher need it), one client kept. */
async function client() {
  const sdk = await import('@aws-sdk/client-secrets-manager');
  sm ??= new sdk.SecretsManagerClient(REQUEST_PATH_LIMITS);
  return { sdk, sm };
}

/** Stores (or replaces) the site's token. */
export async function saveToken(tenantId: string, token: string): Promise<void> {
  const { sdk, sm } = await client();
  try {
    await sm.send(new sdk.PutSecretValueCommand({ SecretId: secretName(tenantId), SecretString: token }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    await sm.send(new sdk.CreateSecretCommand({ Name: secretName(tenantId), SecretString: token }));
  }
}

/** Whether the site has a token (the console says so without reading it). */
export async function hasToken(tenantId: string): Promise<boolean> {
  const { sdk, sm } = await client();
  try {
    await sm.send(new sdk.DescribeSecretCommand({ SecretId: secretName(tenantId) }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return false;
    throw error;
  }
}

/** The publisher's read, fresh each batch (a rotated token works at once). */
export async function readToken(tenantId: string): Promise<string | undefined> {
  const { sdk, sm } = await client();
  try {
    const out = await sm.send(new sdk.GetSecretValueCommand({ SecretId: secretName(tenantId) }));
    return out.SecretString;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}
