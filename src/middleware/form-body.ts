// Server-rendered forms post application/x-www-form-urlencoded; anything else is a 415, and fields read as strings.
import type { Context } from 'hono';
import { UnsupportedMediaTypeError } from '../core/errors';

/** A getter for the posted fields: a missing or repeated field reads as ''. */
export async function readForm(c: Context): Promise<(name: string) => string> {
  if (!/^application\/x-www-form-urlencoded/i.test(c.req.header('content-type') ?? '')) {
    throw new UnsupportedMediaTypeError('application/x-www-form-urlencoded');
  }
  const body = await c.req.parseBody();
  return (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
}
