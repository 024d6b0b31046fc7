// Reads the functions' own log groups (CloudWatch Logs' FilterLogEvents, which moto serves too), narrowly: a
// bounded time range, a page at a time, at most a few calls in flight. No log store of our own.
//
// The structured filters go to CloudWatch as a JSON filter pattern, so AWS scans only what matches; every line that
// comes back is checked again here, because moto ignores JSON patterns and because a tenant admin must never see
// another tenant's line, whatever the service returned.
import {
  CloudWatchLogsClient,
  type FilteredLogEvent,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { BadRequestError } from '../core/errors';
import { logsConfig } from './config';

export const LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type Level = (typeof LEVELS)[number];
/** Lines at `level` and above: WARN shows WARN, ERROR and CRITICAL. */
const AT_LEAST: Record<Level, string[]> = {
  DEBUG: ['DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL'],
  INFO: ['INFO', 'WARN', 'ERROR', 'CRITICAL'],
  WARN: ['WARN', 'ERROR', 'CRITICAL'],
  ERROR: ['ERROR', 'CRITICAL'],
};

export type LogQuery = {
  /** Function logical ids; empty means every function. */
  functions: string[];
  level?: Level;
  tenant?: string;
  requestId?: string;
  /** A case-sensitive substring of the line, as CloudWatch matches terms. */
  text?: string;
  /** Only HTTP requests answered 5xx and unhandled errors (the Errors page). */
  serverErrors?: boolean;
  from: number;
  to: number;
  /** The `next` of the previous page. */
  cursor?: string;
  /** Lines per function per page. */
  limit?: number;
  /** A tenant admin: only lines naming this tenant, and nothing else. */
  onlyTenant?: string;
};

export type LogLine = {
  id: string;
  timestamp: number;
  function: string;
  level?: string;
  message: string;
  requestId?: string;
  tenant?: string;
  feature?: string;
  status?: number;
  /** The whole line: its JSON fields, or the raw text of a non-JSON line (Lambda's START/END/REPORT). */
  fields?: Record<string, unknown>;
  raw: string;
};

export type LogPage = { lines: LogLine[]; next?: string; functions: string[] };

/** How many FilterLogEvents calls this process makes at once (Logs Insights allows 30 per account). */
const MAX_IN_FLIGHT = 3;
let inFlight = 0;
const waiting: (() => void)[] = [];

async function limited<T>(call: () => Promise<T>): Promise<T> {
  if (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => waiting.push(resolve));
  inFlight++;
  try {
    return await call();
  } finally {
    inFlight--;
    waiting.shift()?.();
  }
}

let client: CloudWatchLogsClient | undefined;
const logs = () => {
  client ??= new CloudWatchLogsClient({ maxAttempts: 2 });
  return client;
};

/** The JSON filter pattern for the structured filters (values are validated before they get here). */
export function filterPatternOf(q: LogQuery): string | undefined {
  const terms: string[] = [];
  const tenant = q.onlyTenant ?? q.tenant;
  if (tenant) terms.push(`$.tenant = "${tenant}"`);
  if (q.requestId) terms.push(`$.request_id = "${q.requestId}"`);
  if (q.level) terms.push(`(${AT_LEAST[q.level].map((l) => `$.level = "${l}"`).join(' || ')})`);
  if (q.serverErrors) terms.push('($.status >= 500 || $.message = "unhandled error")');
  if (terms.length) return `{ ${terms.join(' && ')} }`;
  // Only free text: CloudWatch's quoted-term pattern, which moto understands too.
  return q.text ? `"${q.text}"` : undefined;
}

function lineOf(event: FilteredLogEvent, fn: string): LogLine {
  const raw = event.message ?? '';
  let fields: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) fields = parsed;
  } catch {
    // Not one of ours: Lambda's START/END/REPORT, or a stray console line.
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    id: event.eventId ?? `${event.logStreamName}:${event.timestamp}`,
    timestamp: event.timestamp ?? 0,
    function: fn,
    level: str(fields?.level),
    message: str(fields?.message) ?? raw,
    requestId: str(fields?.request_id),
    tenant: str(fields?.tenant),
    feature: str(fields?.feature),
    status: typeof fields?.status === 'number' ? fields.status : undefined,
    fields,
    raw,
  };
}

/** The check every returned line passes, whatever the service did with the pattern. */
export function matches(line: LogLine, q: LogQuery): boolean {
  const tenant = q.onlyTenant ?? q.tenant;
  const structured = Boolean(tenant || q.requestId || q.level || q.serverErrors);
  if (!line.fields && (structured || q.onlyTenant)) return false;
  if (tenant && line.tenant !== tenant) return false;
  if (q.requestId && line.requestId !== q.requestId) return false;
  if (q.level && !AT_LEAST[q.level].includes(line.level ?? '')) return false;
  if (q.serverErrors && !((line.status ?? 0) >= 500 || line.message === 'unhandled error')) return false;
  if (q.text && !line.raw.includes(q.text)) return false;
  return line.timestamp >= q.from && line.timestamp <= q.to;
}

type Cursor = Record<string, string | null>;

/** A page link's position: each function's CloudWatch token, or null once that function has no more lines. */
function readCursor(text: string | undefined, functions: string[]): Cursor | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const entries = Object.entries(parsed as Record<string, unknown>);
      const valid = entries.every(
        ([fn, token]) =>
          functions.includes(fn) && (token === null || (typeof token === 'string' && token.length <= 4096)),
      );
      if (valid && entries.length > 0) return Object.fromEntries(entries) as Cursor;
    }
  } catch {
    // Falls through to the refusal below.
  }
  throw new BadRequestError('That page link is not valid; start from the first page', 'invalid_cursor');
}

/** One page: up to `limit` lines from each function asked for, merged in time order. */
export async function queryLogs(q: LogQuery): Promise<LogPage> {
  const { groups } = logsConfig();
  const functions = q.functions.length ? q.functions.filter((f) => groups.has(f)) : [...groups.keys()];
  const cursor = readCursor(q.cursor, functions);
  const pattern = filterPatternOf(q);
  const limit = q.limit ?? 50;
  const active = cursor ? functions.filter((f) => cursor[f] !== null && cursor[f] !== undefined) : functions;

  const pages = await Promise.all(
    active.map((fn) =>
      limited(() =>
        logs().send(
          new FilterLogEventsCommand({
            logGroupName: groups.get(fn),
            startTime: q.from,
            endTime: q.to,
            filterPattern: pattern,
            limit,
            nextToken: cursor?.[fn] ?? undefined,
          }),
        ),
      ).then(
        (out) => ({ fn, out }),
        (error: Error) => {
          // A group nothing has logged to yet does not exist; an expired token is a stale page link.
          if (error.name === 'ResourceNotFoundException') return { fn, out: { events: [] } };
          if (error.name === 'InvalidParameterException')
            throw new BadRequestError(
              'That page link has expired; start from the first page',
              'invalid_cursor',
            );
          throw error;
        },
      ),
    ),
  );
  const lines = pages
    .flatMap(({ fn, out }) => (out.events ?? []).map((e) => lineOf(e, fn)))
    .filter((line) => matches(line, q))
    // Stable: lines of one millisecond keep the order their group returned them in.
    .sort((a, b) => a.timestamp - b.timestamp);
  const next: Cursor = Object.fromEntries(
    pages
      .filter(({ out }) => 'nextToken' in out && out.nextToken)
      .map(({ fn, out }) => [fn, (out as { nextToken: string }).nextToken]),
  );
  return {
    lines,
    next: Object.keys(next).length ? Buffer.from(JSON.stringify(next)).toString('base64url') : undefined,
    functions,
  };
}
