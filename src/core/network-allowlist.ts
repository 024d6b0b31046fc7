// IP allowlists in force (issue 17 §3, S48): the console's, and a site's for requests made with its API keys (a key's
// own list, when it has one, instead of the site's). The lists come with the control item every warm container
// already re-reads every few seconds, so a check costs no DynamoDB call of its own; the matching code loads only
// where a list exists, so sites without one pay nothing for it.
import type { AllowlistEntry } from './db/revocations';
import { ForbiddenError } from './errors';
import type { ResolvedApiKey, TenantResolver } from './tenants';

const notAllowedFrom = () =>
  new ForbiddenError('Requests from your network address are not allowed here', 'ip_not_allowed');

const matchers = new WeakMap<AllowlistEntry[], (ip: string) => boolean>();

/** Whether `ip` is inside one of the entries; no entries means no restriction. */
export async function allowsAddress(entries: AllowlistEntry[] | undefined, ip: string): Promise<boolean> {
  if (!entries) return true;
  let matches = matchers.get(entries);
  if (!matches) {
    const { cidrMatcher } = await import('./cidr');
    matches = cidrMatcher(entries.map((e) => e.cidr));
    matchers.set(entries, matches);
  }
  return matches(ip);
}

/** The list that governs a request made with this key: the key's own, else its site's. */
async function keyAllowlist(resolver: TenantResolver, resolved: ResolvedApiKey) {
  return (
    (await resolver.allowlist(`key:${resolved.apiKey.keyHash}`)) ??
    (await resolver.allowlist(`tenant:${resolved.tenant.id}`))
  );
}

export async function assertKeyNetwork(resolver: TenantResolver, resolved: ResolvedApiKey, ip: string) {
  if (!(await allowsAddress(await keyAllowlist(resolver, resolved), ip))) throw notAllowedFrom();
}

export async function assertConsoleNetwork(resolver: TenantResolver, ip: string) {
  if (!(await allowsAddress(await resolver.allowlist('console'), ip))) throw notAllowedFrom();
}
