// A local stand-in for GitHub's Git Data API (refs, commits, trees, blobs), for the tests and `make dev` only (S50):
// the real Octokit talks to it over HTTP, it keeps real state (blob ids are git's own SHA-1s, so "unchanged" means
// what it means on GitHub), refuses wrong tokens with 401, refuses a ref update that is not a fast-forward with 422,
// and can be told to fail the next calls (409, 403 with Retry-After) so retries are tested for real. /dev/github
// browses the commits and serves the committed files.
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { escapeHtml } from '../core/html';
import { gitBlobSha } from '../publish/github';

type Blob = { content: Buffer };
type TreeEntry = { path: string; mode: string; type: 'blob'; sha: string };
type Commit = { sha: string; tree: string; parents: string[]; message: string; date: string };
type Repo = { token: string; refs: Map<string, string> };

const sha1 = (data: string | Buffer) => createHash('sha1').update(data).digest('hex');

export function createFakeGitHub() {
  const blobs = new Map<string, Blob>();
  const trees = new Map<string, TreeEntry[]>();
  const commits = new Map<string, Commit>();
  const repos = new Map<string, Repo>();
  const failures: { status: number; headers?: Record<string, string>; match?: RegExp }[] = [];
  const calls: { method: string; path: string }[] = [];

  const putTree = (entries: TreeEntry[]) => {
    const sorted = [...entries].sort((a, b) => a.path.localeCompare(b.path));
    const sha = sha1(`tree ${JSON.stringify(sorted)}`);
    trees.set(sha, sorted);
    return sha;
  };
  const putCommit = (tree: string, parents: string[], message: string) => {
    const date = new Date().toISOString();
    const sha = sha1(`commit ${tree} ${parents.join(',')} ${message} ${date} ${Math.random()}`);
    commits.set(sha, { sha, tree, parents, message, date });
    return sha;
  };

  /** A repository whose `branch` starts with one empty commit; `token` is the only one it accepts. */
  function createRepo(owner: string, repo: string, branch: string, token: string) {
    const initial = putCommit(putTree([]), [], 'Initial commit');
    repos.set(`${owner}/${repo}`, { token, refs: new Map([[`heads/${branch}`, initial]]) });
  }

  const app = new Hono();
  const api = new Hono();

  api.use('/repos/:owner/:repo/*', async (c, next) => {
    calls.push({ method: c.req.method, path: c.req.path });
    const failure = failures.findIndex((f) => !f.match || f.match.test(`${c.req.method} ${c.req.path}`));
    if (failure >= 0) {
      const [f] = failures.splice(failure, 1);
      return c.json({ message: 'injected failure' }, (f?.status ?? 500) as 500, f?.headers);
    }
    const repo = repos.get(`${c.req.param('owner')}/${c.req.param('repo')}`);
    const token = (c.req.header('authorization') ?? '').replace(/^(token|bearer)\s+/i, '');
    if (!repo) return c.json({ message: 'Not Found' }, 404);
    if (token !== repo.token) return c.json({ message: 'Bad credentials' }, 401);
    c.set('repo' as never, repo as never);
    await next();
  });
  const repoOf = (c: { get: (k: never) => unknown }) => c.get('repo' as never) as Repo;

  api.get('/repos/:owner/:repo/git/ref/*', (c) => {
    const ref = c.req.path.split('/git/ref/')[1] as string;
    const sha = repoOf(c).refs.get(decodeURIComponent(ref));
    if (!sha) return c.json({ message: 'Not Found' }, 404);
    return c.json({ ref: `refs/${ref}`, object: { sha, type: 'commit' } });
  });
  api.get('/repos/:owner/:repo/git/commits/:sha', (c) => {
    const commit = commits.get(c.req.param('sha'));
    if (!commit) return c.json({ message: 'Not Found' }, 404);
    return c.json({
      sha: commit.sha,
      message: commit.message,
      tree: { sha: commit.tree },
      parents: commit.parents.map((sha) => ({ sha })),
    });
  });
  api.get('/repos/:owner/:repo/git/trees/:sha', (c) => {
    const tree = trees.get(c.req.param('sha'));
    if (!tree) return c.json({ message: 'Not Found' }, 404);
    return c.json({ sha: c.req.param('sha'), tree, truncated: false });
  });
  api.post('/repos/:owner/:repo/git/blobs', async (c) => {
    const body = (await c.req.json()) as { content: string; encoding?: string };
    const content = Buffer.from(body.content, body.encoding === 'base64' ? 'base64' : 'utf8');
    const sha = gitBlobSha(content);
    blobs.set(sha, { content });
    return c.json({ sha, url: `blob/${sha}` }, 201);
  });
  api.post('/repos/:owner/:repo/git/trees', async (c) => {
    const body = (await c.req.json()) as {
      base_tree?: string;
      tree: { path: string; mode: string; type: 'blob'; sha?: string | null; content?: string }[];
    };
    const entries = new Map(
      (body.base_tree ? (trees.get(body.base_tree) ?? []) : []).map((e) => [e.path, e]),
    );
    for (const entry of body.tree) {
      if (typeof entry.content === 'string') {
        const content = Buffer.from(entry.content, 'utf8');
        const sha = gitBlobSha(content);
        blobs.set(sha, { content });
        entries.set(entry.path, { path: entry.path, mode: entry.mode, type: 'blob', sha });
      } else if (entry.sha === null) entries.delete(entry.path);
      else if (entry.sha === undefined) return c.json({ message: 'a tree entry needs sha or content' }, 422);
      else if (!blobs.has(entry.sha)) return c.json({ message: `unknown blob ${entry.sha}` }, 422);
      else entries.set(entry.path, { path: entry.path, mode: entry.mode, type: 'blob', sha: entry.sha });
    }
    const sha = putTree([...entries.values()]);
    return c.json({ sha, tree: trees.get(sha) }, 201);
  });
  api.post('/repos/:owner/:repo/git/commits', async (c) => {
    const body = (await c.req.json()) as { message: string; tree: string; parents: string[] };
    if (!trees.has(body.tree)) return c.json({ message: 'unknown tree' }, 422);
    const sha = putCommit(body.tree, body.parents, body.message);
    return c.json({ sha, html_url: `${new URL(c.req.url).origin}/dev/github/commit/${sha}` }, 201);
  });
  api.patch('/repos/:owner/:repo/git/refs/*', async (c) => {
    const ref = decodeURIComponent(c.req.path.split('/git/refs/')[1] as string);
    const body = (await c.req.json()) as { sha: string; force?: boolean };
    const repo = repoOf(c);
    const current = repo.refs.get(ref);
    const commit = commits.get(body.sha);
    if (!current || !commit) return c.json({ message: 'Reference does not exist' }, 422);
    if (!body.force && !commit.parents.includes(current)) {
      return c.json({ message: 'Update is not a fast forward' }, 422);
    }
    repo.refs.set(ref, body.sha);
    return c.json({ ref: `refs/${ref}`, object: { sha: body.sha, type: 'commit' } });
  });

  app.route('/dev/github/api', api);

  /** The files at a branch's head, as a path -> content map. */
  function filesAt(owner: string, repo: string, branch: string): Map<string, Buffer> {
    const head = repos.get(`${owner}/${repo}`)?.refs.get(`heads/${branch}`);
    const tree = head ? trees.get(commits.get(head)?.tree ?? '') : undefined;
    return new Map((tree ?? []).map((e) => [e.path, blobs.get(e.sha)?.content ?? Buffer.alloc(0)]));
  }

  /** The branch's commits, newest first. */
  function history(owner: string, repo: string, branch: string): Commit[] {
    const out: Commit[] = [];
    let sha = repos.get(`${owner}/${repo}`)?.refs.get(`heads/${branch}`);
    while (sha && out.length < 200) {
      const commit = commits.get(sha);
      if (!commit) break;
      out.push(commit);
      sha = commit.parents[0];
    }
    return out;
  }

  app.get('/dev/github', (c) => {
    const sections = [...repos].map(([name, repo]) =>
      [...repo.refs.keys()].map((ref) => {
        const [owner, r] = name.split('/') as [string, string];
        const branch = ref.replace(/^heads\//, '');
        const files = [...filesAt(owner, r, branch).keys()];
        return `<h2>${escapeHtml(name)} · ${escapeHtml(branch)}</h2><ul>${history(owner, r, branch)
          .map(
            (cm) =>
              `<li><code>${cm.sha.slice(0, 7)}</code> ${escapeHtml(cm.message)} <small>${cm.date}</small></li>`,
          )
          .join('')}</ul><h3>Files</h3><ul>${files
          .map(
            (f) =>
              `<li><a href="/dev/github/${escapeHtml(name)}/${escapeHtml(branch)}/${escapeHtml(f)}">${escapeHtml(f)}</a></li>`,
          )
          .join('')}</ul>`;
      }),
    );
    return c.html(
      `<!doctype html><title>Local GitHub</title><h1>Local GitHub (make dev only)</h1>${sections.flat().join('') || '<p>No repositories.</p>'}`,
    );
  });
  app.get('/dev/github/:owner/:repo/:branch/*', (c) => {
    const path = decodeURIComponent(
      c.req.path
        .split(`/${c.req.param('branch')}/`)
        .slice(1)
        .join(`/${c.req.param('branch')}/`),
    );
    const file = filesAt(c.req.param('owner'), c.req.param('repo'), c.req.param('branch')).get(path);
    if (!file) return c.text('Not found', 404);
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:",
    );
    return c.body(file.toString('utf8'), 200, {
      'content-type': path.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
    });
  });

  return {
    app,
    createRepo,
    filesAt,
    history,
    calls,
    /** The next matching calls fail with this status (and headers), once each. */
    failNext: (
      status: number,
      options: { headers?: Record<string, string>; match?: RegExp; times?: number } = {},
    ) => {
      for (let i = 0; i < (options.times ?? 1); i++)
        failures.push({ status, headers: options.headers, match: options.match });
    },
  };
}

export type FakeGitHub = ReturnType<typeof createFakeGitHub>;
