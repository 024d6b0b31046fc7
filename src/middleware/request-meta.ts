// Who sent the request, for throttling and audit: the client IP from Lambda's request context, never X-Forwarded-For (S9).
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import type { RequestMeta } from '../core/audit';

// Printable and short: user agents land in audit rows and logs.
const cleanUserAgent = (value: string | undefined) =>
  (value ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 256);

export function clientIp(c: Context<AppEnv>): string {
  const context = c.env?.event?.requestContext as
    | { http?: { sourceIp?: string }; identity?: { sourceIp?: string } }
    | undefined;
  return (
    context?.http?.sourceIp ??
    context?.identity?.sourceIp ??
    // The local node server: the socket's peer address.
    c.env?.incoming?.socket?.remoteAddress ??
    'unknown'
  );
}

export function requestMeta(c: Context<AppEnv>): RequestMeta {
  return {
    ip: clientIp(c),
    userAgent: cleanUserAgent(c.req.header('user-agent')),
    requestId: c.get('requestId'),
  };
}
