// Who sent the request, for throttling, audit and IP allowlists: the client IP from Lambda's request context, never
// X-Forwarded-For (S9, S48), unless the deployment names the proxies in front of it (TRUSTED_PROXY_CIDRS, e.g. a
// CloudFront distribution's ranges): then the first address in X-Forwarded-For, from the right, that is not one of them.

import { type BlockList, isIP } from 'node:net';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import type { RequestMeta } from '../core/audit';
import { clientIpConfig } from './client-ip-config';

// Printable and short: user agents land in audit rows and logs.
const cleanUserAgent = (value: string | undefined) =>
  (value ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 256);

const isTrusted = (list: BlockList, address: string) => {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
};

/** The address behind our trusted proxies, read right to left; a malformed hop ends the walk at the last good one. */
export function behindProxies(list: BlockList, peer: string, forwarded: string | undefined): string {
  let client = peer;
  const hops = (forwarded ?? '').split(',').map((hop) => hop.trim());
  while (isTrusted(list, client) && hops.length > 0) {
    const next = hops.pop() as string;
    if (isIP(next) === 0) break;
    client = next;
  }
  return client;
}

export function clientIp(c: Context<AppEnv>): string {
  const context = c.env?.event?.requestContext as
    | { http?: { sourceIp?: string }; identity?: { sourceIp?: string } }
    | undefined;
  const peer =
    context?.http?.sourceIp ??
    context?.identity?.sourceIp ??
    // The local node server: the socket's peer address.
    c.env?.incoming?.socket?.remoteAddress ??
    'unknown';
  const proxies = clientIpConfig().trustedProxies;
  return proxies ? behindProxies(proxies, peer, c.req.header('x-forwarded-for')) : peer;
}

export function requestMeta(c: Context<AppEnv>): RequestMeta {
  return {
    ip: clientIp(c),
    userAgent: cleanUserAgent(c.req.header('user-agent')),
    requestId: c.get('requestId'),
  };
}
