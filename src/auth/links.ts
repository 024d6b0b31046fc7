// Links in emails: the tenant's own page when it set one, else our hosted page under PUBLIC_BASE_URL (S20).
import { httpConfig } from '../http-config';

export function linkWithToken(
  tenantUrl: string | undefined,
  hostedPath: string,
  token: string,
): string | undefined {
  const publicBase = httpConfig().publicBaseUrl;
  const base = tenantUrl ?? (publicBase ? `${publicBase}${hostedPath}` : undefined);
  if (!base) return undefined;
  const url = new URL(base);
  url.searchParams.set('token', token);
  return url.toString();
}
