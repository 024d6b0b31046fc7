// Records security events (S42) to the AuditLog table and the structured log, never failing the request over it.
import { clock } from './clock';
import { type AuditOutcome, putAuditEvent } from './db/audit-log';
import { logger } from './log';

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
  try {
    await putAuditEvent(entry);
  } catch (error) {
    // The log line above is the fallback record; an audit outage must not lock users out.
    logger.error('audit write failed', { audit_event: entry.event, error: error as Error });
  }
}
