// Committing to GitHub through the real Octokit against the local fake Git Data API: one commit per batch,
// unchanged files skipped (a repeat makes no commit), deletes, a ref race retried on the new head, rate limits
// waited out, and a refused token reported, not retried.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeGitHub } from '../../src/dev/fake-github';
import { commitFiles, PublishAuthError } from '../../src/publish/github';

const github = createFakeGitHub();
let server: ReturnType<typeof serve>;
let baseUrl = '';
const TOKEN = 'github_pat_test';

beforeAll(async () => {
  server = serve({ fetch: github.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dev/github/api`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let n = 0;
function repo() {
  const name = `site-${++n}`;
  github.createRepo('acme', name, 'main', TOKEN);
  return { owner: 'acme', repo: name, branch: 'main', token: TOKEN };
}
const file = (path: string, text: string) => ({ path, content: Buffer.from(text) });

describe('commits through the Git Data API', () => {
  it('commits 50 files in one commit; the same batch again makes no commit', async () => {
    const target = repo();
    const files = Array.from({ length: 50 }, (_, i) => file(`site/page-${i}.html`, `<p>${i}</p>`));
    const first = await commitFiles(target, files, 'Publish 50 pages', baseUrl);
    expect(first.changed).toBe(50);
    expect(github.history('acme', target.repo, 'main')).toHaveLength(2);
    expect(github.filesAt('acme', target.repo, 'main').size).toBe(50);
    // Text rides inside the tree: two content-creating requests for 50 pages (GitHub's secondary limit is ~80/min).
    const posts = github.calls.filter((c) => c.method === 'POST' && c.path.includes(`/${target.repo}/`));
    expect(posts.map((c) => c.path.split('/git/')[1])).toEqual(['trees', 'commits']);
    const again = await commitFiles(target, files, 'Publish 50 pages', baseUrl);
    expect(again).toEqual({ changed: 0 });
    expect(github.history('acme', target.repo, 'main')).toHaveLength(2);
  });

  it('sends binary files as blobs, byte for byte', async () => {
    const target = repo();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x01]);
    expect((await commitFiles(target, [{ path: 'img/a.png', content: png }], 'image', baseUrl)).changed).toBe(
      1,
    );
    expect(github.filesAt('acme', target.repo, 'main').get('img/a.png')?.equals(png)).toBe(true);
    expect(
      github.calls.some((c) => c.method === 'POST' && c.path.endsWith(`/${target.repo}/git/blobs`)),
    ).toBe(true);
  });

  it('skips unchanged files, writes changed ones and deletes removed ones, in one commit', async () => {
    const target = repo();
    await commitFiles(
      target,
      [file('a.html', 'A'), file('b.html', 'B'), file('c.html', 'C')],
      'first',
      baseUrl,
    );
    const second = await commitFiles(
      target,
      [
        file('a.html', 'A'),
        file('b.html', 'B2'),
        { path: 'c.html', delete: true },
        { path: 'never.html', delete: true },
      ],
      'second',
      baseUrl,
    );
    expect(second.changed).toBe(2);
    const files = github.filesAt('acme', target.repo, 'main');
    expect([...files.keys()].sort()).toEqual(['a.html', 'b.html']);
    expect(files.get('b.html')?.toString()).toBe('B2');
  });

  it('retries on a ref race (422 not a fast-forward) on top of the new head', async () => {
    const target = repo();
    github.failNext(422, { match: /^PATCH .*\/git\/refs\// });
    const result = await commitFiles(target, [file('x.html', 'x')], 'raced', baseUrl);
    expect(result.changed).toBe(1);
    expect(github.filesAt('acme', target.repo, 'main').get('x.html')?.toString()).toBe('x');
    github.failNext(409, { match: /^PATCH .*\/git\/refs\//, times: 2 });
    expect((await commitFiles(target, [file('y.html', 'y')], 'raced twice', baseUrl)).changed).toBe(1);
  });

  it('waits out Retry-After on a secondary rate limit, then succeeds', async () => {
    const target = repo();
    github.failNext(403, { headers: { 'retry-after': '1' }, match: /^POST .*\/git\/trees/ });
    const started = Date.now();
    expect((await commitFiles(target, [file('r.html', 'r')], 'limited', baseUrl)).changed).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('a bad token is a PublishAuthError at once (no retry storm); a 403 without rate-limit headers too', async () => {
    const target = repo();
    const before = github.calls.length;
    const bad = await commitFiles({ ...target, token: 'wrong' }, [file('z.html', 'z')], 'x', baseUrl).catch(
      (e) => e,
    );
    expect(bad).toBeInstanceOf(PublishAuthError);
    expect((bad as Error).message).toMatch(/401/);
    expect(github.calls.length - before).toBe(1);
    github.failNext(403, { match: /^GET .*\/git\/ref\// });
    const forbidden = await commitFiles(target, [file('z.html', 'z')], 'x', baseUrl).catch((e) => e);
    expect(forbidden).toBeInstanceOf(PublishAuthError);
    expect((forbidden as Error).message).toMatch(/403/);
  });
});
