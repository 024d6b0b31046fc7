// A site's third-party credentials in Secrets Manager (S46): the console writes one and can tell whether it is set,
// never shows it again; only the function that uses it may read it (IAM, per name prefix). Never logged.
import { REQUEST_PATH_LIMITS } from './aws-limits';

let sm: import('@aws-sdk/client-secrets-manager').SecretsManagerClient | undefined;
/** The SDK loads on first use (only the pages and functions that handle credentials need it), one client kept. */
async function client() {
  const sdk = await import('@aws-sdk/client-secrets-manager');
  sm ??= new sdk.SecretsManagerClient(REQUEST_PATH_LIMITS);
  return { sdk, sm };
}

const isMissing = (error: unknown) => (error as Error).name === 'ResourceNotFoundException';

/** The credentials under one name prefix (a secret per site, and per provider where a site has several). */
export function siteSecrets(prefix: () => string) {
  const nameOf = (tenantId: string, suffix?: string) =>
    `${prefix()}${tenantId.replace('#', '/')}${suffix ? `/${suffix}` : ''}`;
  return {
    /** Stores (or replaces) the credential. */
    async save(tenantId: string, value: string, suffix?: string): Promise<void> {
      const { sdk, sm } = await client();
      const name = nameOf(tenantId, suffix);
      try {
        await sm.send(new sdk.PutSecretValueCommand({ SecretId: name, SecretString: value }));
      } catch (error) {
        if (!isMissing(error)) throw error;
        await sm.send(new sdk.CreateSecretCommand({ Name: name, SecretString: value }));
      }
    },
    /** Whether one is set, without reading it. */
    async has(tenantId: string, suffix?: string): Promise<boolean> {
      const { sdk, sm } = await client();
      try {
        await sm.send(new sdk.DescribeSecretCommand({ SecretId: nameOf(tenantId, suffix) }));
        return true;
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    },
    /** The using function's read, fresh each time (a rotated credential works at once). */
    async read(tenantId: string, suffix?: string): Promise<string | undefined> {
      const { sdk, sm } = await client();
      try {
        const out = await sm.send(new sdk.GetSecretValueCommand({ SecretId: nameOf(tenantId, suffix) }));
        return out.SecretString;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
  };
}
