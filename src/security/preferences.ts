// Platform admins' alert preferences (seed 000): which rules reach them, from which severity, and by which channels:
// email (to their account, through the email queue), SMS (to a number of theirs, where SMS is set up) and a signed
// webhook (its secret made here, shown once, kept sealed). Without saved preferences: every rule from medium up,
// by email.
import { smsDelivery } from '../auth';
import { randomToken } from '../core/crypto';
import { type AlertPreferences, getAlertPreferences, setAlertPreferences } from '../core/db/admin-profile';
import { ValidationError } from '../core/errors';
import { checkUrlShape, OutboundError } from '../core/outbound/url-shape';
import { seal } from '../core/sealed';
import { SEVERITIES, type Severity } from '../core/security-events';
import { ALERT_RULE_NAMES } from './rules';

export const webhookSecretContext = (userId: string) => `alert-webhook:${userId}`;

const DEFAULT_PREFERENCES: AlertPreferences = {
  rules: [...ALERT_RULE_NAMES],
  minSeverity: 'medium',
  email: true,
};

export const preferencesOf = async (userId: string) =>
  (await getAlertPreferences(userId)) ?? DEFAULT_PREFERENCES;

export const severityRank = (s: string) => SEVERITIES.indexOf(s as Severity);

export type PreferencesInput = {
  rules: string[];
  minSeverity: string;
  email: boolean;
  smsTo: string;
  webhookUrl: string;
  /** A new signing secret even if the URL did not change. */
  newWebhookSecret?: boolean;
};

/** Saves the admin's preferences; answers the webhook's signing secret when one was made (shown this once). */
export async function savePreferences(
  userId: string,
  input: PreferencesInput,
): Promise<{ webhookSecret?: string }> {
  const errors: { field: string; message: string }[] = [];
  const rules = [...new Set(input.rules)];
  if (rules.some((r) => !(ALERT_RULE_NAMES as string[]).includes(r))) {
    errors.push({ field: 'rules', message: `one or more of ${ALERT_RULE_NAMES.join(', ')}` });
  }
  if (severityRank(input.minSeverity) < 0) {
    errors.push({ field: 'min_severity', message: `one of ${SEVERITIES.join(', ')}` });
  }
  const smsTo = input.smsTo.trim();
  if (smsTo && !/^\+[1-9]\d{6,14}$/.test(smsTo)) {
    errors.push({ field: 'sms_to', message: 'a phone number in international form, like +14155550100' });
  } else if (smsTo && !smsDelivery().enabled) {
    errors.push({ field: 'sms_to', message: 'SMS is not set up on this deployment' });
  }
  const webhookUrl = input.webhookUrl.trim();
  if (webhookUrl) {
    try {
      // S44: only a URL the outbound guard would fetch (https or http, a public host or address).
      checkUrlShape(webhookUrl);
      if (webhookUrl.length > 500) throw new OutboundError('bad_url', 'too long');
    } catch (error) {
      if (!(error instanceof OutboundError)) throw error;
      errors.push({ field: 'webhook_url', message: 'an http(s) URL of a public host' });
    }
  }
  if (errors.length) throw new ValidationError(errors);
  const current = await getAlertPreferences(userId);
  const keepSecret = webhookUrl && webhookUrl === current?.webhookUrl && !input.newWebhookSecret;
  const webhookSecret = webhookUrl && !keepSecret ? `whsec_${randomToken(24)}` : undefined;
  await setAlertPreferences(userId, {
    rules,
    minSeverity: input.minSeverity,
    email: input.email,
    smsTo: smsTo || undefined,
    webhookUrl: webhookUrl || undefined,
    webhookSecretSealed: webhookSecret
      ? await seal(webhookSecret, webhookSecretContext(userId))
      : keepSecret
        ? current?.webhookSecretSealed
        : undefined,
  });
  return { webhookSecret };
}
