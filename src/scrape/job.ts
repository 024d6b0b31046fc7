// A scrape job as a site defines it (API and console alike): URLs, a schedule, fields to extract, ignore rules,
// where to notify, and how long to keep results. Everything is checked here with answers that say what is wrong:
// a selector that does not parse, a schedule AWS would refuse, a URL we would never fetch (S44).
import { parse as parseSelector } from 'css-what';
import * as z from 'zod';
import { checkUrlShape, OutboundError } from '../core/outbound/url-shape';
import { parseSchedule, ScheduleExpressionError } from '../core/schedule-expression';

export const FIELD_TYPES = ['text', 'number', 'price', 'url', 'list'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const LIMITS = { urls: 10, fields: 20, ignore: 20, emails: 10, jobsPerSite: 50 } as const;

const selector = z
  .string()
  .trim()
  .min(1)
  .max(300)
  .refine(
    (text) => {
      try {
        parseSelector(text);
        return true;
      } catch {
        return false;
      }
    },
    { error: 'is not a valid CSS selector' },
  );

const fetchableUrl = z
  .string()
  .trim()
  .max(2000)
  .superRefine((text, ctx) => {
    try {
      checkUrlShape(text);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: error instanceof OutboundError ? error.message : 'is not a URL',
      });
    }
  });

export const fieldRule = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,39}$/, 'letters, digits and _, starting with a letter (at most 40)'),
  selector,
  type: z.enum(FIELD_TYPES, `one of ${FIELD_TYPES.join(', ')}`),
  /** Read this attribute instead of the text (url fields default to href, then src). */
  attribute: z
    .string()
    .regex(/^[a-z][a-z0-9_:-]{0,39}$/i, 'an attribute name')
    .optional(),
});
export type FieldRule = z.infer<typeof fieldRule>;

export const ignoreRule = z.union([
  /** Elements to drop before anything is read (a clock, an ad slot). */
  z.strictObject({ selector }),
  /** Lines of text containing this are left out of the comparison. */
  z.strictObject({ text: z.string().min(1).max(200) }),
  /** Text matching this is left out of the comparison. */
  z.strictObject({
    regex: z
      .string()
      .min(1)
      .max(200)
      .refine(
        (source) => {
          try {
            new RegExp(source, 'g');
            return true;
          } catch {
            return false;
          }
        },
        { error: 'is not a valid regular expression' },
      ),
  }),
]);
export type IgnoreRule = z.infer<typeof ignoreRule>;

export const scheduleInput = z
  .strictObject({
    expression: z.string().trim().min(1).max(200),
    timezone: z.string().trim().min(1).max(64).default('UTC'),
  })
  .superRefine((s, ctx) => {
    try {
      parseSchedule(s.expression, s.timezone);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        path: ['expression'],
        message: error instanceof ScheduleExpressionError ? error.message : 'is not a schedule',
      });
    }
  });

export const jobInput = z.strictObject({
  name: z.string().trim().min(1).max(100),
  urls: z.array(fetchableUrl).min(1).max(LIMITS.urls),
  schedule: scheduleInput,
  fields: z
    .array(fieldRule)
    .max(LIMITS.fields)
    .default([])
    .refine((fields) => new Set(fields.map((f) => f.name)).size === fields.length, {
      error: 'field names must be unique',
    }),
  ignore: z.array(ignoreRule).max(LIMITS.ignore).default([]),
  notify: z
    .strictObject({
      emails: z.array(z.email()).max(LIMITS.emails).default([]),
      webhook_url: fetchableUrl.optional(),
    })
    .default({ emails: [] }),
  retention_days: z.number().int().min(1).max(365).default(30),
  /** Failed runs in a row before one "failing" notice. */
  failure_threshold: z.number().int().min(1).max(20).default(3),
  enabled: z.boolean().default(true),
});
export type JobInput = z.infer<typeof jobInput>;

/** A job as stored and shown: the definition plus its state. */
export type ScrapeJob = JobInput & {
  id: string;
  tenantId: string;
  createdAt: string;
  updatedAt: string;
  /** Sealed under the data key; shown once when made (S46-like: write-only). */
  webhookSecretSealed?: string;
  state: JobState;
};

export type PageValues = { url: string; fields: Record<string, FieldValue>; textHash: string; text: string };
export type FieldValue = string | number | string[] | { amount: number; currency: string } | null;

export type JobState = {
  /** Epoch seconds of the next scheduled run; absent when disabled or the schedule is over. */
  nextRun?: number;
  runId?: string;
  runningUntil?: number;
  lastRunAt?: string;
  lastStatus?: 'ok' | 'failed';
  consecutiveFailures: number;
  failingNotified: boolean;
  /** What the last successful run saw, to compare the next one with. */
  baseline?: PageValues[];
};
