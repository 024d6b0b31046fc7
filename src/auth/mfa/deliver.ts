// Sends a one-time code by SMS or email, within S25's rate limits (per user, per number, per site).

import { clock } from '../../core/clock';
import type { Tenant } from '../../core/db/tenants';
import type { CodePurpose } from '../../core/db/user-factors';
import type { User } from '../../core/db/users';
import { ServiceUnavailableError } from '../../core/errors';
import { logger } from '../../core/log';
import { enforceRateLimit, enforceRateLimits } from '../../core/rate-limit';
import { keyedDigest } from '../../core/sealed';
import { productNameOf } from '../../core/tenant-settings';
import { enqueueTenantEmail } from '../../email';
import { enqueueSms } from '../../sms';
import { smsDelivery } from './config';
import { CODE_SECONDS, issueCode } from './one-time-codes';
import { mfaSettings } from './settings';

const CODES_PER_USER = { max: 5, windowSeconds: 900 };
const SMS_PER_NUMBER = { name: 'mfa-sms-number', max: 10, windowSeconds: 3_600 };

export const smsAvailable = () => smsDelivery().enabled;

/** What a client may show: "+*******4567", "a***@example.com". */
export const maskPhone = (phone: string) => `+${'*'.repeat(Math.max(phone.length - 5, 1))}${phone.slice(-4)}`;
export const maskEmail = (email: string) => {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}***@${domain}`;
};

const couldNotSend = (error: unknown, channel: string) => {
  logger.error(`${channel} code not queued`, { error: error as Error });
  return new ServiceUnavailableError('Could not send the code; try again shortly', 'code_not_sent');
};

export async function sendCodeBySms(tenant: Tenant, user: User, phone: string, purpose: CodePurpose) {
  // Twilio was unconfigured since the user enrolled: say so rather than queue a text nobody can send.
  if (!smsAvailable())
    throw new ServiceUnavailableError('SMS codes are not available right now', 'sms_unavailable');
  // All three or none: a text refused by the site's budget must not use up the user's or the number's.
  await enforceRateLimits(tenant, [
    { limit: { name: 'mfa-sms-user', ...CODES_PER_USER }, subject: user.userId },
    // Keyed, so the limiter's table does not list phone numbers.
    { limit: SMS_PER_NUMBER, subject: await keyedDigest(`phone\n${phone}`) },
    {
      limit: { name: 'mfa-sms-site', max: mfaSettings(tenant).mfa_sms_per_hour, windowSeconds: 3_600 },
      subject: 'all',
    },
  ]);
  const code = await issueCode(user.userId, purpose);
  const text = `${code} is your ${productNameOf(tenant)} verification code. It expires in ${CODE_SECONDS / 60} minutes.`;
  try {
    await enqueueSms(tenant.id, { to: phone, text }, clock.seconds() + CODE_SECONDS);
  } catch (error) {
    throw couldNotSend(error, 'SMS');
  }
  return { sent_to: maskPhone(phone), expires_in: CODE_SECONDS };
}

export async function sendCodeByEmail(tenant: Tenant, user: User, purpose: CodePurpose) {
  await enforceRateLimit(tenant, { name: 'mfa-email-user', ...CODES_PER_USER }, user.userId);
  const code = await issueCode(user.userId, purpose);
  try {
    await enqueueTenantEmail(tenant, 'mfa_code', user.email, { code, expires_minutes: CODE_SECONDS / 60 });
  } catch (error) {
    throw couldNotSend(error, 'email');
  }
  return { sent_to: maskEmail(user.email), expires_in: CODE_SECONDS };
}
