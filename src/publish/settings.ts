// A site's publishing settings (the console edits them): where pages go and how they look. The token is not here:
// it lives in Secrets Manager (token.ts), written by the console and read only by the publisher (S46).
import * as z from 'zod';
import { nested, tenantSettings } from '../core/tenant-settings';

export const publishSettings = tenantSettings({
  publish: nested({
    enabled: z.boolean().catch(false),
    /** owner/repo */
    repo: z
      .string()
      .regex(/^[\w.-]{1,100}\/[\w.-]{1,100}$/)
      .optional()
      .catch(undefined),
    branch: z
      .string()
      .regex(/^[\w./-]{1,100}$/)
      .catch('main'),
    /** Folder in the repository the site lives in ("" for the root). */
    folder: z
      .string()
      .regex(/^([\w.-]+(\/[\w.-]+)*)?$/)
      .refine((f) => !f.split('/').includes('..'))
      .catch(''),
    base_url: z.string().url().optional().catch(undefined),
    /** The page layout (layout.ts); empty means the default. */
    layout: z.string().max(50_000).catch(''),
  }),
});

export type PublishSettings = ReturnType<typeof publishSettings>['publish'];
