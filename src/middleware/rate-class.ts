// Where the rate-limit classes are counted (core/rate-classes.ts): hosted pages and OAuth callbacks in `public`, per
// client address with the deployment's budget (these requests name no site until their token or state is read).
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import { enforceRateClass } from '../core/rate-classes';
import { clientIp } from './request-meta';

export const publicRateClass = (): MiddlewareHandler<AppEnv> =>
  async function publicRateClass(c, next) {
    await enforceRateClass(c, 'public', { id: 'public' }, clientIp(c));
    await next();
  };
