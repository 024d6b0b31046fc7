// Security alerts (issue 17 §1): one item per rule and scope (a site, a queue, a lockdown) in the AuditLog table's
// `~alerts` partition, so a rule that keeps firing is one alert, not a flood (deduplication). A resolved alert that
// fires again opens again, but notifies only once its cooldown since the last notice has passed. Writes are
// conditional on a version, so two evaluations at once cannot both open (and notify) the same alert.
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '../config';
import { sha256Hex } from '../crypto';
import type { Severity } from '../security-events';
import { documentClient } from './client';
import { conditionally, isConditionFailed } from './conditions';

const ALERTS_PARTITION = '~alerts';
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
// Resolved alerts are kept this long after their last firing, for the record.
const RETAIN_SECONDS = 90 * 86_400;

export type Alert = {
  id: string;
  rule: string;
  /** What it is about: a site id, a queue, a lockdown scope, or `*`. */
  scope: string;
  severity: Severity;
  summary: string;
  status: AlertStatus;
  /** ISO times. */
  firstAt: string;
  lastAt: string;
  firedCount: number;
  notifiedAt?: string;
  acknowledgedBy?: string;
  acknowledgedAt?: string;
  resolvedBy?: string;
  resolvedAt?: string;
  version: number;
};

export type Firing = { rule: string; scope: string; severity: Severity; summary: string };

const table = () => tables().audit;
const alertIdOf = (rule: string, scope: string) => sha256Hex(`${rule}|${scope}`).slice(0, 20);
const keyOf = (id: string) => ({ tenant_id: ALERTS_PARTITION, event_key: `alert#${id}` });

export async function getAlert(id: string): Promise<Alert | undefined> {
  if (!/^[0-9a-f]{20}$/.test(id)) return undefined;
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: keyOf(id), ConsistentRead: true }),
  );
  return Item?.alert as Alert | undefined;
}

/** Every alert (at most a few hundred: one per rule and scope), most recently fired first. */
export async function listAlerts(statuses?: AlertStatus[]): Promise<Alert[]> {
  const alerts: Alert[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await documentClient.send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: 'tenant_id = :t AND begins_with(event_key, :alert)',
        ExpressionAttributeValues: { ':t': ALERTS_PARTITION, ':alert': 'alert#' },
        ExclusiveStartKey: start,
      }),
    );
    alerts.push(...(out.Items ?? []).map((i) => i.alert as Alert));
    start = out.LastEvaluatedKey;
  } while (start);
  return alerts
    .filter((a) => !statuses || statuses.includes(a.status))
    .sort((a, b) => b.lastAt.localeCompare(a.lastAt));
}

/** Writes the alert if it is still at `expected` (its version; 0 for a new one). */
async function store(alert: Alert, expected: number): Promise<boolean> {
  return conditionally(() =>
    documentClient.send(
      new PutCommand({
        TableName: table(),
        Item: {
          ...keyOf(alert.id),
          alert,
          version: alert.version,
          ttl: Math.floor(Date.parse(alert.lastAt) / 1000) + RETAIN_SECONDS,
        },
        ConditionExpression: expected === 0 ? 'attribute_not_exists(event_key)' : 'version = :v',
        ExpressionAttributeValues: expected === 0 ? undefined : { ':v': expected },
      }),
    ),
  );
}

/** One more firing of an alert that is open or acknowledged; undefined when it is not (any more). */
async function countFiring(id: string, summary: string, now: string): Promise<Alert | undefined> {
  try {
    const out = await documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: keyOf(id),
        UpdateExpression:
          'SET #a.#last = :now, #a.#summary = :summary, #a.#fired = #a.#fired + :one, #a.#v = #a.#v + :one, #v = #v + :one, #ttl = :ttl',
        ConditionExpression: '#a.#status IN (:open, :acknowledged)',
        ExpressionAttributeNames: {
          '#a': 'alert',
          '#last': 'lastAt',
          '#summary': 'summary',
          '#fired': 'firedCount',
          '#v': 'version',
          '#status': 'status',
          '#ttl': 'ttl',
        },
        ExpressionAttributeValues: {
          ':now': now,
          ':summary': summary,
          ':one': 1,
          ':open': 'open',
          ':acknowledged': 'acknowledged',
          // An alert that keeps firing is kept as long as it does.
          ':ttl': Math.floor(Date.parse(now) / 1000) + RETAIN_SECONDS,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return out.Attributes?.alert as Alert;
  } catch (error) {
    if (isConditionFailed(error)) return undefined;
    throw error;
  }
}

/**
 * A rule fired: opens its alert (or reopens a resolved one), or adds to the one already open. `notify` says whether
 * this firing should reach people: a new opening, outside the cooldown since the last notice.
 */
export async function raiseAlert(
  firing: Firing,
  nowMs: number,
  cooldownMs: number,
): Promise<{ alert: Alert; opened: boolean; notify: boolean }> {
  const id = alertIdOf(firing.rule, firing.scope);
  const now = new Date(nowMs).toISOString();
  // Each round either wins or finds the alert changed by another evaluation (at most one opening wins).
  for (let round = 0; round < 10; round++) {
    const current = await getAlert(id);
    const expected = current?.version ?? 0;
    if (!current || current.status === 'resolved') {
      const notify = !current?.notifiedAt || nowMs - Date.parse(current.notifiedAt) >= cooldownMs;
      const alert: Alert = {
        id,
        ...firing,
        status: 'open',
        firstAt: now,
        lastAt: now,
        firedCount: 1,
        notifiedAt: notify ? now : current?.notifiedAt,
        version: expected + 1,
      };
      if (await store(alert, expected)) return { alert, opened: true, notify };
    } else {
      // Already open or acknowledged: counted in place, atomically, however many evaluations arrive at once.
      const counted = await countFiring(id, firing.summary, now);
      if (counted) return { alert: counted, opened: false, notify: false };
    }
  }
  throw new Error(`alert ${id} kept changing under this evaluation`);
}

/** Acknowledges or resolves an alert (from the states `from`); undefined when there is no such alert. */
export async function setAlertStatus(
  id: string,
  status: 'acknowledged' | 'resolved',
  by: string,
  nowMs: number,
): Promise<Alert | undefined> {
  for (let round = 0; round < 5; round++) {
    const current = await getAlert(id);
    if (!current) return undefined;
    if (current.status === 'resolved' || current.status === status) return current;
    const at = new Date(nowMs).toISOString();
    const alert: Alert = {
      ...current,
      status,
      ...(status === 'acknowledged'
        ? { acknowledgedBy: by, acknowledgedAt: at }
        : { resolvedBy: by, resolvedAt: at }),
      version: current.version + 1,
    };
    if (await store(alert, current.version)) return alert;
  }
  throw new Error(`alert ${id} kept changing`);
}
