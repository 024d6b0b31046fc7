// Creates the first platform admin (npm run admin:create, and make dev) in the reserved platform tenant.

import { passwordProblem } from '../auth';
import { getTenant, newTenant, putTenant, type Tenant } from '../core/db/tenants';
import { createUser, getUser, newUser, type User, userIdOf } from '../core/db/users';
import { hashPassword } from '../core/passwords';
import { PLATFORM_TENANT } from '../core/roles';

export { PLATFORM_TENANT };

export async function ensurePlatformTenant(): Promise<Tenant> {
  const existing = await getTenant(PLATFORM_TENANT.clientId, PLATFORM_TENANT.siteId);
  if (existing) return existing;
  // Console operators get the stricter NIST length.
  const tenant = newTenant({ ...PLATFORM_TENANT, settings: { password_min_length: 15 } });
  await putTenant(tenant);
  return tenant;
}

export class BootstrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootstrapError';
  }
}

/** Creates a platform admin; refuses an address that already has a console account, and weak passwords. */
export async function createPlatformAdmin({
  email,
  password,
  name = '',
}: {
  email: string;
  password: string;
  name?: string;
}): Promise<User> {
  const normalised = email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(normalised))
    throw new BootstrapError(`not an email address: ${email}`);
  const problem = await passwordProblem(password, { minLength: 15, email: normalised });
  if (problem) throw new BootstrapError(`password ${problem}`);
  await ensurePlatformTenant();
  const userId = userIdOf(PLATFORM_TENANT.clientId, PLATFORM_TENANT.siteId, normalised);
  if (await getUser(userId)) throw new BootstrapError(`${normalised} already has a console account`);
  const user = newUser(PLATFORM_TENANT, {
    email: normalised,
    name,
    passwordHash: await hashPassword(password),
    roles: ['platform_admin'],
    emailVerified: true,
  });
  if (!(await createUser(user))) throw new BootstrapError(`${normalised} already has a console account`);
  return user;
}
