// The shape of a URL we may fetch (S44): http(s), ports 80 and 443, no credentials. Apart from fetch.ts so the
// HTTP function can check job URLs without loading the HTTP client.
import { type OutboundPolicy, outboundPolicy } from './policy';

export type OutboundErrorCode =
  | 'bad_url'
  | 'blocked_address'
  | 'too_many_redirects'
  | 'too_large'
  | 'timeout'
  | 'network';

export class OutboundError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundError';
  }
  /** Worth trying again later: the network or the server, not the URL. */
  get transient(): boolean {
    return this.code === 'timeout' || this.code === 'network';
  }
}

/** The URL, if its scheme and port are allowed; throws bad_url otherwise. Loopback ports are free where allowed. */
export function checkUrlShape(raw: string, policy: OutboundPolicy = outboundPolicy()): URL {
  if (!URL.canParse(raw)) throw new OutboundError('bad_url', 'not a URL');
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundError('bad_url', 'only http and https URLs can be fetched');
  }
  if (url.username || url.password) throw new OutboundError('bad_url', 'URLs with credentials are refused');
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const loopbackName = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (port !== 80 && port !== 443 && !(policy.allowLoopback && loopbackName)) {
    throw new OutboundError('bad_url', 'only ports 80 and 443 can be fetched');
  }
  return url;
}
