// Server-side fetches of URLs a tenant supplied (scrape jobs, webhooks), with S44's guard: http(s) on ports 80 and
// 443 only; the host name is resolved once by us and the connection goes to exactly the address we checked (so a
// DNS answer that changes between check and connect, "rebinding", cannot reach a private address); every redirect
// hop is checked again; at most 5 redirects; connect and total timeouts; the body is capped after decompression
// (a zip bomb stops at the cap). Loopback can be allowed for tests and `make dev` only (outbound/policy.ts).
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { isLoopbackAddress, isPublicAddress } from './addresses';
import { type OutboundPolicy, outboundPolicy } from './policy';
import { checkUrlShape, OutboundError } from './url-shape';

export { checkUrlShape, OutboundError, type OutboundErrorCode } from './url-shape';

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

export type OutboundRequest = {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  maxBytes?: number;
  connectTimeoutMs?: number;
  totalTimeoutMs?: number;
  maxRedirects?: number;
  /** Tests: how names resolve (defaults to the system resolver). */
  resolver?: Resolver;
  policy?: OutboundPolicy;
};

export type OutboundResponse = {
  status: number;
  headers: Headers;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
  redirects: number;
};

export const USER_AGENT =
  'lambdalith-scraper/1.0 (+https://github.com/lambdalith; polite: robots.txt, 1 req/s per host)';
const MB = 1024 * 1024;
const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/** An address we may connect to under the policy. */
function allowed(address: string, policy: OutboundPolicy): boolean {
  return isPublicAddress(address) || (policy.allowLoopback && isLoopbackAddress(address));
}

/** Resolves the host and keeps only addresses we may connect to; blocked_address when none is left. */
async function checkedAddresses(host: string, policy: OutboundPolicy, resolver: Resolver) {
  const bare = host.replace(/^\[|\]$/g, '');
  const found = isIP(bare) ? [{ address: bare, family: isIP(bare) }] : await resolver(bare).catch(() => []);
  if (found.length === 0) throw new OutboundError('network', `cannot resolve ${host}`);
  const usable = found.filter((a) => allowed(a.address, policy));
  if (usable.length === 0) throw new OutboundError('blocked_address', `${host} is not a public address`);
  return usable;
}

/** A connection pool whose every connection goes to an address checked just now (see checkedAddresses). */
function pinnedAgent(policy: OutboundPolicy, resolver: Resolver, connectTimeoutMs: number) {
  const lookup: LookupFunction = (hostname, options, callback) => {
    checkedAddresses(hostname, policy, resolver).then(
      (addresses) => {
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, '', 4),
    );
  };
  return new Agent({ connect: { lookup, timeout: connectTimeoutMs }, connections: 4 });
}

export async function outboundFetch(raw: string, request: OutboundRequest = {}): Promise<OutboundResponse> {
  const policy = request.policy ?? outboundPolicy();
  const resolver = request.resolver ?? systemResolver;
  const maxBytes = request.maxBytes ?? 5 * MB;
  const maxRedirects = request.maxRedirects ?? 5;
  const deadline = AbortSignal.timeout(request.totalTimeoutMs ?? 20_000);
  const agent = pinnedAgent(policy, resolver, request.connectTimeoutMs ?? 5_000);
  try {
    let url = checkUrlShape(raw, policy);
    for (let redirects = 0; ; redirects++) {
      // An IP literal never goes through lookup: it is checked here instead.
      await checkedAddresses(url.hostname, policy, resolver);
      const response = await undiciFetch(url, {
        method: request.method ?? 'GET',
        headers: { 'user-agent': USER_AGENT, ...request.headers },
        body: request.body,
        redirect: 'manual',
        signal: deadline,
        dispatcher: agent,
      }).catch((error: Error) => {
        throw asOutboundError(error, deadline);
      });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        if (redirects >= maxRedirects) {
          throw new OutboundError('too_many_redirects', `more than ${maxRedirects} redirects`);
        }
        url = checkUrlShape(new URL(location, url).href, policy);
        continue;
      }
      const body = await readCapped(response.body, maxBytes, deadline);
      return {
        status: response.status,
        headers: response.headers as Headers,
        body,
        url: url.href,
        redirects,
      };
    }
  } finally {
    void agent.close();
  }
}

async function readCapped(
  stream: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  deadline: AbortSignal,
): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += chunk.byteLength;
      if (size > maxBytes) {
        await stream.cancel().catch(() => {});
        throw new OutboundError('too_large', `the body is over ${Math.round(maxBytes / MB)} MB`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    throw asOutboundError(error as Error, deadline);
  }
  return Buffer.concat(chunks);
}

function asOutboundError(error: Error, deadline: AbortSignal): OutboundError {
  if (error instanceof OutboundError) return error;
  const cause = (error as { cause?: Error }).cause;
  if (cause instanceof OutboundError) return cause;
  if (deadline.aborted || error.name === 'TimeoutError' || /timeout/i.test(cause?.name ?? '')) {
    return new OutboundError('timeout', 'the server took too long');
  }
  return new OutboundError('network', cause?.message ?? error.message);
}
