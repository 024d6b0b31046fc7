// Committing a batch of files to a site's repository in one commit with the Git Data API (blobs, a tree on the
// head's tree, a commit, then a fast-forward of the branch), not the contents API (one commit per file, and 409s
// on stale SHAs). Files whose blob is already there are skipped, removed files are deleted, and a batch that
// changes nothing makes no commit (so a duplicate delivery makes none). A ref race (409/422) re-reads the head and
// tries again; Retry-After and the secondary limits are waited out; a refused token is a PublishAuthError, which
// the caller records and does not retry.
import { createHash } from 'node:crypto';
import { Octokit } from '@octokit/rest';

export type RepoTarget = { owner: string; repo: string; branch: string; token: string };
export type FileChange = { path: string; content: Buffer } | { path: string; delete: true };
export type CommitResult = { sha: string; url: string; changed: number } | { sha?: undefined; changed: 0 };

export class PublishAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublishAuthError';
  }
}

/** Content that survives the trip as a JSON string (valid UTF-8 without NUL): pages, CSS, text. */
const isText = (content: Buffer) =>
  !content.includes(0) && Buffer.from(content.toString('utf8'), 'utf8').equals(content);

export const gitBlobSha = (content: Buffer) =>
  createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]))
    .digest('hex');

const REF_RETRIES = 4;
const MAX_WAIT_MS = 60_000;
type HttpError = {
  status?: number;
  response?: { headers?: Record<string, string | undefined> };
  message?: string;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits out GitHub's rate limits (primary and secondary) and turns 401/403 into PublishAuthError. */
async function withLimits<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const e = error as HttpError;
      const headers = e.response?.headers ?? {};
      const retryAfter = Number(headers['retry-after']);
      const limited =
        e.status === 429 ||
        (e.status === 403 && (Number.isFinite(retryAfter) || headers['x-ratelimit-remaining'] === '0'));
      if (limited && attempt < 3) {
        const reset = Number(headers['x-ratelimit-reset']) * 1000 - Date.now();
        const wait = Number.isFinite(retryAfter)
          ? retryAfter * 1000
          : Number.isFinite(reset)
            ? reset
            : 60_000;
        // Secondary limits ask for at least a minute between bursts; never wait longer than the function can.
        await sleep(Math.min(Math.max(wait, 1000 * 2 ** attempt), MAX_WAIT_MS));
        continue;
      }
      if (e.status === 401)
        throw new PublishAuthError('GitHub refused the token (401): set a new one in the console');
      if (e.status === 403 && !limited) {
        throw new PublishAuthError(
          'The token may not write to this repository (403): give it contents: write',
        );
      }
      throw error;
    }
  }
}

export function githubClient(token: string, baseUrl?: string) {
  // Octokit would print every refused call to the console; ours decides what is worth a line (never the token).
  const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  return new Octokit({ auth: token, baseUrl, log: quiet, userAgent: 'lambdalith-publisher/1.0' });
}

export async function commitFiles(
  target: RepoTarget,
  changes: FileChange[],
  message: string,
  baseUrl?: string,
): Promise<CommitResult> {
  const gh = githubClient(target.token, baseUrl);
  const { owner, repo, branch } = target;
  for (let attempt = 1; ; attempt++) {
    const ref = await withLimits(() => gh.rest.git.getRef({ owner, repo, ref: `heads/${branch}` }));
    const head = ref.data.object.sha;
    const commit = await withLimits(() => gh.rest.git.getCommit({ owner, repo, commit_sha: head }));
    const tree = await withLimits(() =>
      gh.rest.git.getTree({ owner, repo, tree_sha: commit.data.tree.sha, recursive: 'true' }),
    );
    const existing = new Map(tree.data.tree.map((entry) => [entry.path as string, entry.sha as string]));
    type Entry = { path: string; mode: '100644'; type: 'blob'; sha?: string | null; content?: string };
    const entries: Entry[] = [];
    for (const change of changes) {
      if ('delete' in change) {
        if (existing.has(change.path))
          entries.push({ path: change.path, mode: '100644', type: 'blob', sha: null });
        continue;
      }
      const sha = gitBlobSha(change.content);
      if (existing.get(change.path) === sha) continue;
      // Text goes inside the tree request itself: a batch of pages is two content-creating requests, not one per
      // file, which keeps a large upload under GitHub's secondary limit (about 80 a minute).
      if (isText(change.content)) {
        entries.push({
          path: change.path,
          mode: '100644',
          type: 'blob',
          content: change.content.toString('utf8'),
        });
        continue;
      }
      const blob = await withLimits(() =>
        gh.rest.git.createBlob({
          owner,
          repo,
          content: change.content.toString('base64'),
          encoding: 'base64',
        }),
      );
      entries.push({ path: change.path, mode: '100644', type: 'blob', sha: blob.data.sha });
    }
    if (entries.length === 0) return { changed: 0 };
    const newTree = await withLimits(() =>
      gh.rest.git.createTree({ owner, repo, base_tree: commit.data.tree.sha, tree: entries }),
    );
    const created = await withLimits(() =>
      gh.rest.git.createCommit({ owner, repo, message, tree: newTree.data.sha, parents: [head] }),
    );
    try {
      await withLimits(() =>
        gh.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: created.data.sha, force: false }),
      );
      return { sha: created.data.sha, url: created.data.html_url, changed: entries.length };
    } catch (error) {
      const status = (error as HttpError).status;
      // Someone else moved the branch: build again on the new head.
      if ((status === 409 || status === 422) && attempt < REF_RETRIES) continue;
      throw error;
    }
  }
}
