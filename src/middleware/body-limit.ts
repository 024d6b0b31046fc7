// Refuses bodies over the configured size with 413, before any handler reads or hashes them (S5).
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../app-env';
import { PayloadTooLargeError } from '../core/errors';

// Lambda's Function URL takes at most 6 MB; a local client sending more is not worth waiting for.
const DRAIN_BYTES = 8 * 1024 * 1024;
const DRAIN_MS = 3_000;

/**
 * Under Node's server (make dev), answering before the body is read makes the server close the socket while the
 * client is still sending, and the client sees "other side closed" instead of our 413. So read the rest first,
 * within a bound; past it (or when the stream is already taken), the answer says Connection: close.
 */
async function drained(body: ReadableStream<Uint8Array> | null): Promise<boolean> {
  if (!body || body.locked) return false;
  const reader = body.getReader();
  const deadline = Date.now() + DRAIN_MS;
  let bytes = 0;
  try {
    while (Date.now() < deadline && bytes <= DRAIN_BYTES) {
      const { done, value } = await reader.read();
      if (done) return true;
      bytes += value.length;
    }
    return false;
  } catch {
    return false;
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

export const bodyLimit = ({ maxBytes }: { maxBytes: number }): MiddlewareHandler<AppEnv> => {
  if (!Number.isInteger(maxBytes) || maxBytes <= 0)
    throw new Error('bodyLimit: maxBytes must be a positive integer');
  return honoBodyLimit({
    maxSize: maxBytes,
    onError: async (c: Context<AppEnv>) => {
      if (c.env?.incoming && !(await drained(c.req.raw.body))) c.header('Connection', 'close');
      throw new PayloadTooLargeError(maxBytes);
    },
  }) as MiddlewareHandler<AppEnv>;
};
