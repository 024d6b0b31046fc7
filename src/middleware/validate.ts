// Reads a JSON body and validates it with a zod schema: 400 when it is not JSON, 422 with field messages when invalid.
import type { Context } from 'hono';
import type * as z from 'zod';
import { ValidationError } from '../core/errors';
import { readJsonBody } from './json-body';

export async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const result = schema.safeParse(await readJsonBody(c));
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map((issue) => ({ field: issue.path.join('.') || 'body', message: issue.message })),
    );
  }
  return result.data;
}
