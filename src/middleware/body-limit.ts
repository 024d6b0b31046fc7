// Refuses bodies over the configured size with 413, before any handler reads or hashes them (S5).
import type { MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import { PayloadTooLargeError } from '../core/errors';

export const bodyLimit = ({ maxBytes }: { maxBytes: number }): MiddlewareHandler => {
  if (!Number.isInteger(maxBytes) || maxBytes <= 0)
    throw new Error('bodyLimit: maxBytes must be a positive integer');
  return honoBodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new PayloadTooLargeError(maxBytes);
    },
  });
};
