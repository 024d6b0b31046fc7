// A site's GitHub token in Secrets Manager (S46): the console writes it and never shows it again; only the
// publisher function may read it (IAM). Never logged.
import { siteSecrets } from '../core/site-secrets';
import { publishConfig } from './config';

const tokens = siteSecrets(() => publishConfig().secretPrefix);

/** Stores (or replaces) the site's token. */
export const saveToken = (tenantId: string, token: string) => tokens.save(tenantId, token);
/** Whether the site has a token (the console says so without reading it). */
export const hasToken = (tenantId: string) => tokens.has(tenantId);
/** The publisher's read, fresh each batch (a rotated token works at once). */
export const readToken = (tenantId: string) => tokens.read(tenantId);
