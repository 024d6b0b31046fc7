// TRUSTED_PROXY_CIDRS (S48): the proxies in front of the Function URL whose X-Forwarded-For may be believed. Read
// and checked at init; apart from request-meta.ts so the init check loads only this.
import { BlockList, isIP } from 'node:net';
import { configSlice, text } from '../core/config';

type Range = { address: string; prefix: number; family: 'ipv4' | 'ipv6' };

/** `a.b.c.d/n` or `x::/n` (or one address); undefined when it is neither. */
function rangeOf(text: string): Range | undefined {
  const [address = '', prefix, extra] = text.trim().split('/');
  const family = isIP(address) === 4 ? 'ipv4' : isIP(address) === 6 ? 'ipv6' : undefined;
  const bits = family === 'ipv4' ? 32 : 128;
  const length = prefix === undefined ? bits : /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
  return family && extra === undefined && length >= 0 && length <= bits
    ? { address, prefix: length, family }
    : undefined;
}

export const clientIpConfig = configSlice(
  { TRUSTED_PROXY_CIDRS: text({ max: 4000 }) },
  (e) => ({ trustedProxies: proxyList(e.TRUSTED_PROXY_CIDRS) }),
  (env) =>
    (env.TRUSTED_PROXY_CIDRS ?? '')
      .split(',')
      .filter((range) => env.TRUSTED_PROXY_CIDRS && !rangeOf(range))
      .map((range) => `TRUSTED_PROXY_CIDRS: "${range.trim().slice(0, 60)}" is not an IPv4/IPv6 CIDR range`),
);

function proxyList(ranges: string | undefined): BlockList | undefined {
  if (!ranges) return undefined;
  const list = new BlockList();
  for (const range of ranges.split(',').map(rangeOf)) {
    if (range) list.addSubnet(range.address, range.prefix, range.family);
  }
  return list;
}
