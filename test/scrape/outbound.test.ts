// S44: server-side fetches of tenant-supplied URLs connect only to checked public addresses, on every redirect hop,
// over http(s) on 80/443, bounded in size and time. Names are made to resolve to private addresses through the
// resolver hook, as DNS rebinding would.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublicAddress } from '../../src/core/outbound/addresses';
import { OutboundError, outboundFetch, type Resolver } from '../../src/core/outbound/fetch';
import { outboundPolicy } from '../../src/core/outbound/policy';

const strict = { allowLoopback: false };
const loopbackOk = { allowLoopback: true };
let base = '';
let port = 0;
const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (url === '/ok') return res.writeHead(200).end('fine');
  if (url === '/gzip') return res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('zipped body'));
  if (url === '/br')
    return res.writeHead(200, { 'content-encoding': 'br' }).end(brotliCompressSync('brotli body'));
  if (url === '/to-metadata')
    return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
  if (url === '/to-internal-name') return res.writeHead(301, { location: 'http://internal.test/' }).end();
  if (url.startsWith('/loop/')) {
    const n = Number(url.slice(6));
    return res.writeHead(302, { location: `/loop/${n + 1}` }).end();
  }
  if (url === '/slow') return void setTimeout(() => res.writeHead(200).end('late'), 3000);
  if (url === '/huge') {
    res.writeHead(200);
    const chunk = Buffer.alloc(64 * 1024, 97);
    let sent = 0;
    const pump = () => {
      while (sent < 200 && res.write(chunk)) sent++;
      if (sent >= 200) res.end();
      else res.once('drain', pump);
    };
    return pump();
  }
  if (url === '/bomb')
    return res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(20 * 1024 * 1024)));
  res.writeHead(404).end();
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://localhost:${port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundError);
  return (error as OutboundError).code;
};
/** A resolver that answers every name with these addresses (rebinding, split-horizon DNS, a hostile zone). */
const resolvesTo =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('S44: outbound fetches', () => {
  it('refuses private, loopback, link-local, CGNAT, multicast and reserved addresses, v4, v6 and mapped', () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '240.0.0.1',
      '255.255.255.255',
      '198.18.0.1',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      'fd12:3456::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:a9fe:a9fe',
      '0:0:0:0:0:ffff:10.0.0.1',
      '64:ff9b::a9fe:a9fe',
      '2002:a9fe:a9fe::1',
      '2001:db8::1',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isPublicAddress(address), address).toBe(true);
    }
  });

  it('resolves the name itself and refuses a name that points at a private address (DNS rebinding)', async () => {
    for (const address of ['10.0.0.7', '169.254.169.254', '127.0.0.1', '::1', '::ffff:192.168.0.1']) {
      expect(
        await refusal(
          outboundFetch('http://shop.example/', { policy: strict, resolver: resolvesTo(address) }),
        ),
      ).toBe('blocked_address');
    }
    // Every answer is checked: documentation and private addresses together leave nothing to connect to.
    expect(
      await refusal(
        outboundFetch('http://shop.example/', {
          policy: strict,
          resolver: resolvesTo('192.0.2.1', '10.0.0.1'),
          connectTimeoutMs: 300,
          totalTimeoutMs: 1000,
        }),
      ),
    ).toBe('blocked_address');
  });

  it('refuses IP literals of private ranges, in any spelling', async () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://127.0.0.1/',
      'http://[::1]/',
      'http://[::ffff:169.254.169.254]/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://10.1/',
    ]) {
      expect(await refusal(outboundFetch(url, { policy: strict })), url).toBe('blocked_address');
    }
  });

  it('checks every redirect hop: a public page redirecting to the metadata service or an internal name is refused', async () => {
    expect(await refusal(outboundFetch(`${base}/to-metadata`, { policy: loopbackOk }))).toBe(
      'blocked_address',
    );
    const internal: Resolver = async (host) =>
      host === 'internal.test' ? [{ address: '10.0.0.9', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
    expect(
      await refusal(outboundFetch(`${base}/to-internal-name`, { policy: loopbackOk, resolver: internal })),
    ).toBe('blocked_address');
  });

  it('follows at most 5 redirects', async () => {
    const five = await outboundFetch(`${base}/loop/0`, { policy: loopbackOk, maxRedirects: 5 }).catch(
      (e) => e,
    );
    expect(five).toBeInstanceOf(OutboundError);
    expect((five as OutboundError).code).toBe('too_many_redirects');
  });

  it('allows only http and https on ports 80 and 443', async () => {
    for (const url of [
      'ftp://example.com/',
      'file:///etc/passwd',
      'gopher://x/',
      'http://example.com:8080/',
      'https://user:pw@example.com/',
    ]) {
      expect(await refusal(outboundFetch(url, { policy: strict })), url).toBe('bad_url');
    }
    // Loopback on another port only where the policy allows loopback (tests, make dev).
    expect(await refusal(outboundFetch(`${base}/ok`, { policy: strict }))).toBe('bad_url');
    expect((await outboundFetch(`${base}/ok`, { policy: loopbackOk })).body.toString()).toBe('fine');
  });

  it('gives up on a slow server and caps the body, after decompression too', async () => {
    expect(await refusal(outboundFetch(`${base}/slow`, { policy: loopbackOk, totalTimeoutMs: 500 }))).toBe(
      'timeout',
    );
    expect(
      await refusal(outboundFetch(`${base}/huge`, { policy: loopbackOk, maxBytes: 5 * 1024 * 1024 })),
    ).toBe('too_large');
    expect(await refusal(outboundFetch(`${base}/bomb`, { policy: loopbackOk }))).toBe('too_large');
  });

  it('decodes gzip and brotli', async () => {
    expect((await outboundFetch(`${base}/gzip`, { policy: loopbackOk })).body.toString()).toBe('zipped body');
    expect((await outboundFetch(`${base}/br`, { policy: loopbackOk })).body.toString()).toBe('brotli body');
  });

  it('a deployed function may not allow loopback: the setting is refused in Lambda', () => {
    expect(
      outboundPolicy.problems({ OUTBOUND_ALLOW_LOOPBACK: 'true', AWS_LAMBDA_FUNCTION_NAME: 'prod-scraper' }),
    ).toEqual(['OUTBOUND_ALLOW_LOOPBACK is for local use only; a deployed function may not fetch loopback']);
    expect(
      outboundPolicy.problems({ OUTBOUND_ALLOW_LOOPBACK: 'false', AWS_LAMBDA_FUNCTION_NAME: 'prod-scraper' }),
    ).toEqual([]);
  });
});
