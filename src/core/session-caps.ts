// How many live sessions a user may hold: per site for API sessions (setting sessions.max_live), five console
// sessions per admin (seed 002). A new sign-in beyond the cap ends the oldest.
import type { SessionKind } from './db/sessions';
import type { Tenant } from './db/tenants';
import { siteSettings } from './tenant-settings';

export const CONSOLE_SESSIONS_PER_ADMIN = 5;

export const sessionCap = (kind: SessionKind, tenant: Tenant) =>
  kind === 'admin' ? CONSOLE_SESSIONS_PER_ADMIN : siteSettings(tenant).sessions.max_live;
