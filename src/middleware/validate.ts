// Reads a JSON body (or the query) and validates it with a zod schema: 400 when it is not JSON, 422 with field
// messages when invalid.
import type { Context } from 'hono';
import type * as z from 'zod';
import { ValidationError } from '../core/errors';
import { readJsonBody } from './json-body';

export async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  return validated(schema, await readJsonBody(c), 'body');
}

/** The query string, validated the same way (422 naming the parameter). */
export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return validated(schema, c.req.query(), 'query');
}

function validated<S extends z.ZodType>(schema: S, input: unknown, whole: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map((issue) => ({ field: issue.path.join('.') || whole, message: issue.message })),
    );
  }
  return result.data;
}
