// A site's billing settings (tenant settings `billing`): the currency balances are kept in, and whether a balance may
// go below zero (credit, S47). Stripe's account settings join these with the Stripe part of issue 18.
import * as z from 'zod';
import { nested, tenantSettings } from '../core/tenant-settings';

export const billingSettings = tenantSettings({
  billing: nested({
    /** ISO 4217, lower case as Stripe writes it; amounts are in its minor unit. */
    currency: z
      .string()
      .regex(/^[a-z]{3}$/)
      .catch('usd'),
    /** Charges may take a balance below zero (the site trusts its users to pay later). */
    allow_credit: z.boolean().catch(false),
    /** The Stripe prices the site sells (recurring ones start subscriptions at checkout). */
    price_ids: z
      .array(z.string().regex(/^price_[A-Za-z0-9]{4,100}$/))
      .max(20)
      .catch([]),
  }),
});
