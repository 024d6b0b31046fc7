// Records security events (S42) to the AuditLog table and the structured log, never failing the request over it.
// Those the security feed lists (core/security-events.ts) are also copied into it, with their severity.
import { clock } from './clock';
import { type AuditOutcome, putAuditEvent } from './db/audit-log';
import { logger } from './log';
import { securityClassOf } from './security-events';

export type RequestMeta = { ip: string; userAgent: string; requestId?: string };

export type AuditInput = {
  tenantId: string;
  event: string;
  outcome: AuditOutcome;
  userId?: string;
  detail?: Record<string, string | number | boolean>;
};

export async function audit(meta: RequestMeta, input: AuditInput): Promise<void> {
  const entry = { ...input, ...meta, time: new Date(clock.now()).toISOString() };
  logger.info('audit', {
    audit_event: entry.event,
    outcome: entry.outcome,
    tenant: entry.tenantId,
    user_id: entry.userId,
    ip: entry.ip,
    request_id: entry.requestId,
    detail: entry.detail,
  });
  const security = securityClassOf(entry.event, entry.outcome, entry.detail);
  try {
    // The feed's writer loads only when there is a security event to write (rare on the sign-in path).
    await Promise.all([
      putAuditEvent(entry),
      security &&
        import('./db/security-log').then((feed) => feed.putSecurityEvent({ ...entry, ...security })),
    ]);
  } catch (error) {
    // The log line above is the fallback record; an audit outage must not lock users out.
    logger.error('audit write failed', { audit_event: entry.event, error: error as Error });
  }
}
