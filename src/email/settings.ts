// A site's email settings: its sender (within the deployment's SES identity), reply-to, and POST /email/send budget.
import * as z from 'zod';
import { int, nested, tenantSettings } from '../core/tenant-settings';
import { emailConfig } from './config';

/** The address in `Name <address>` or a bare address, lower-cased; undefined when there is none. */
const addressOf = (from: string) =>
  (
    /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(from)?.[1] ??
    (/^[^<>\s]+@[^<>\s]+$/.test(from.trim()) ? from.trim() : '')
  ).toLowerCase() || undefined;

/**
 * Whether a sender is one this deployment may send as: within its verified SES identity (that address, or any
 * address of that domain or its subdomains). Without a configured identity, anything well-formed.
 */
export function isAllowedSender(from: string, identity = emailConfig().senderIdentity): boolean {
  const address = addressOf(from);
  if (!address) return false;
  if (!identity) return true;
  if (identity.includes('@')) return address === identity;
  const domain = address.slice(address.lastIndexOf('@') + 1);
  return domain === identity || domain.endsWith(`.${identity}`);
}

export const emailSettings = tenantSettings({
  email: nested({
    /** Sender, e.g. "Acme <no-reply@acme.example>"; outside the SES identity it falls back to EMAIL_FROM. */
    from: z
      .string()
      .min(3)
      .max(320)
      .refine((from) => isAllowedSender(from))
      .optional()
      .catch(undefined),
    reply_to: z.email().optional().catch(undefined),
    /** POST /email/send budget per hour. */
    send_per_hour: int(1, 100_000, 200),
  }),
});
