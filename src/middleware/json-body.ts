// JSON routes: refuse other content types with 415 and turn any unparseable body into a clean 400.
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import { BadRequestError, UnsupportedMediaTypeError } from '../core/errors';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;\s*charset=utf-8\s*)?$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Whether the request carries a body (the seed's logout and refresh send none). Node's server hands every
 * POST a body stream, even an empty one, so on it HTTP/1.1's rule decides: a body needs Content-Length > 0
 * or Transfer-Encoding. Elsewhere (Lambda, app.request) the Request knows whether it has one.
 */
export function hasBody(c: Context<AppEnv>): boolean {
  const length = c.req.header('content-length');
  if (length !== undefined) return Number(length) > 0;
  if (c.req.header('transfer-encoding') !== undefined) return true;
  return c.env?.incoming ? false : c.req.raw.body !== null;
}
// Deeper JSON is never a legitimate request here, and would overflow the stack of whatever walks it later.
const MAX_DEPTH = 32;

/** A request that carries a body must say it is JSON (415 otherwise). Body-less POSTs (logout) pass. */
export const jsonOnly = (): MiddlewareHandler<AppEnv> =>
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
  if (nestingDepth(text) > MAX_DEPTH) {
    throw new BadRequestError(`JSON nesting deeper than ${MAX_DEPTH} levels`, 'malformed_json');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError('Request body is not valid JSON', 'malformed_json');
  }
}

/** The deepest bracket nesting outside strings, found in one pass (bodies are capped by bodyLimit). */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return deepest;
}
