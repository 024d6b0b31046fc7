// Auth responses carry tokens and personal data: no cache may keep them (S35).
import type { MiddlewareHandler } from 'hono';

export const noStore = (): MiddlewareHandler =>
  async function noStore(c, next) {
    await next();
    c.header('Cache-Control', 'no-store');
    c.header('Pragma', 'no-cache');
  };
