// The Sentry envelope protocol, just enough to send one error event: no SDK (the Node SDK would bring
// OpenTelemetry and its own instrumentation into every function), so nothing is captured that is not chosen here.
// https://develop.sentry.dev/sdk/data-model/envelopes/
import { randomBytes } from 'node:crypto';
import type { ErrorContext } from './error-reporting';

const TIMEOUT_MS = 3_000;
const MAX_FRAMES = 30;

/**
 * Messages can quote what they were given; anything shaped like an email, a JWT, a bearer token or a long
 * secret is replaced before it leaves (S43).
 */
export function scrub(text: string): string {
  return text
    .replace(/[^\s@"'<>]+@[^\s@"'<>]+\.[a-z]{2,}/gi, '[email]')
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[jwt]')
    .replace(/(bearer|basic)\s+\S+/gi, '$1 [redacted]')
    .replace(/\b[\w-]{32,}\b/g, '[redacted]')
    .slice(0, 1000);
}

type Frame = { function?: string; filename?: string; lineno?: number; colno?: number; in_app: boolean };

/** V8 stack lines, innermost last (Sentry's order). Only code locations: a stack carries no values. */
function framesOf(stack: string | undefined): Frame[] {
  const frames: Frame[] = [];
  for (const line of (stack ?? '').split('\n').slice(1)) {
    const m = /^\s*at (?:(.+?) \()?(.+?):(\d+):(\d+)\)?$/.exec(line);
    if (!m) continue;
    const filename = m[2] as string;
    frames.push({
      function: m[1],
      filename,
      lineno: Number(m[3]),
      colno: Number(m[4]),
      in_app: !filename.includes('node_modules') && !filename.startsWith('node:'),
    });
  }
  return frames.slice(0, MAX_FRAMES).reverse();
}

export function envelopeFor(dsn: URL, error: unknown, context: ErrorContext, now = Date.now()): string {
  const e = error instanceof Error ? error : new Error(String(error));
  const eventId = randomBytes(16).toString('hex');
  const tags = Object.fromEntries(
    Object.entries({
      request_id: context.requestId,
      tenant: context.tenant,
      route: context.route,
      feature: context.feature,
      job: context.job,
      function: process.env.AWS_LAMBDA_FUNCTION_NAME ?? process.env.LAMBDALITH_FUNCTION,
    }).filter(([, value]) => value),
  );
  const event = {
    event_id: eventId,
    timestamp: now / 1000,
    platform: 'node',
    level: 'error',
    logger: 'lambdalith',
    tags,
    exception: {
      values: [{ type: e.name, value: scrub(e.message), stacktrace: { frames: framesOf(e.stack) } }],
    },
  };
  const header = { event_id: eventId, sent_at: new Date(now).toISOString(), dsn: dsn.toString() };
  return `${JSON.stringify(header)}\n${JSON.stringify({ type: 'event' })}\n${JSON.stringify(event)}\n`;
}

/** Posts one event to the DSN's project; a refusal is an error the caller logs. */
export async function sendEnvelope(dsnText: string, error: unknown, context: ErrorContext): Promise<void> {
  const dsn = new URL(dsnText);
  const projectId = dsn.pathname.split('/').pop();
  const base = `${dsn.protocol}//${dsn.host}${dsn.pathname.slice(0, dsn.pathname.lastIndexOf('/'))}`;
  const response = await fetch(`${base}/api/${projectId}/envelope/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-sentry-envelope',
      'x-sentry-auth': `Sentry sentry_version=7, sentry_key=${dsn.username}, sentry_client=lambdalith/1`,
    },
    body: envelopeFor(dsn, error, context),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`error tracker answered ${response.status}`);
}
