// The error bodies every route shares: {"detail", "code"}, and 422's field list.
import * as z from 'zod';

export const errorResponse = z.object({ detail: z.string(), code: z.string() });
export const validationErrorResponse = errorResponse.extend({
  errors: z.array(z.object({ field: z.string(), message: z.string() })),
});
