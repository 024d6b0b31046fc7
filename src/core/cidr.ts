// CIDR ranges for IP allowlists and trusted proxies (S48): IPv4 and IPv6, validated and written one canonical way,
// and matched with node's BlockList. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address it carries.
import { BlockList, isIP, SocketAddress } from 'node:net';
import { expandIPv6, mappedIPv4 } from './outbound/addresses';

export type Cidr = { network: string; prefix: number; family: 4 | 6 };

const toBigInt = (address: string, family: 4 | 6): bigint =>
  family === 4
    ? address.split('.').reduce((n, part) => (n << 8n) | BigInt(part), 0n)
    : (expandIPv6(address) ?? []).reduce((n, group) => (n << 16n) | BigInt(group), 0n);

function fromBigInt(value: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => (value >> shift) & 255n).join('.');
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) =>
    ((value >> shift) & 0xffffn).toString(16),
  );
  return new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
}

/** A range as written by a person (`203.0.113.0/24`, `2001:db8::/32`, or one address), or why it is not one. */
export function parseCidr(raw: string): Cidr | { problem: string } {
  const text = raw.trim();
  const [address = '', prefixText, extra] = text.split('/');
  const family = isIP(address) as 0 | 4 | 6;
  if (extra !== undefined || family === 0 || address.includes('%')) {
    return { problem: `"${text.slice(0, 60)}" is not an IPv4 or IPv6 address or CIDR range` };
  }
  if (family === 6 && mappedIPv4(address)) {
    return { problem: `write "${text.slice(0, 60)}" as the IPv4 range it maps (e.g. 192.0.2.0/24)` };
  }
  const bits = family === 4 ? 32 : 128;
  const prefix =
    prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix >= 0 && prefix <= bits))
    return { problem: `"${text.slice(0, 60)}": the prefix must be 0 to ${bits}` };
  const value = toBigInt(address, family);
  const hostBits = (1n << BigInt(bits - prefix)) - 1n;
  if ((value & hostBits) !== 0n) {
    const network = fromBigInt(value & ~hostBits, family);
    return { problem: `"${text.slice(0, 60)}" has host bits set: did you mean ${network}/${prefix}?` };
  }
  return { network: fromBigInt(value, family), prefix, family };
}

export const formatCidr = (c: Cidr) => `${c.network}/${c.prefix}`;

/** One matcher for a list of canonical ranges. */
export function cidrMatcher(ranges: readonly string[]): (ip: string) => boolean {
  const list = new BlockList();
  for (const range of ranges) {
    const parsed = parseCidr(range);
    if ('problem' in parsed) continue; // stored lists were validated when saved
    list.addSubnet(parsed.network, parsed.prefix, parsed.family === 4 ? 'ipv4' : 'ipv6');
  }
  return (ip) => {
    const address = mappedIPv4(ip) ?? ip;
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}
