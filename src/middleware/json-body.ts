// JSON routes: refuse other content types with 415 and turn any unparseable body into a clean 400.
import type { Context, MiddlewareHandler } from 'hono';
import { BadRequestError, UnsupportedMediaTypeError } from '../core/errors';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;\s*charset=utf-8\s*)?$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const hasBody = (c: Context) =>
  c.req.header('transfer-encoding') !== undefined || Number(c.req.header('content-length') ?? 0) > 0;

/** A request that carries a body must say it is JSON (415 otherwise). Body-less POSTs (logout) pass. */
export const jsonOnly = (): MiddlewareHandler =>
  async function jsonOnly(c, next) {
    if (hasBody(c) && !JSON_TYPE.test(c.req.header('content-type') ?? '')) {
      throw new UnsupportedMediaTypeError();
    }
    await next();
  };

/** The parsed body, or a 400 for empty, non-UTF-8, BOM-prefixed or malformed JSON. Never throws a 500. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.length === 0) throw new BadRequestError('Request body is empty', 'empty_body');
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw new BadRequestError('Request body must not start with a byte order mark', 'malformed_json');
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new BadRequestError('Request body is not valid UTF-8', 'malformed_json');
  }
  try {
    return JSON.parse(text);
  } catch {
    // Includes RangeError from absurd nesting: still the caller's fault, still a 400.
    throw new BadRequestError('Request body is not valid JSON', 'malformed_json');
  }
}
