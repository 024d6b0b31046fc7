// What an API key may open. Every route a key opens names the scope it needs; a key without it gets 403.
export const SCOPES = {
  auth: "sign-up, sign-in, password reset and the other /auth routes for the site's users",
  'email:send': 'POST /email/send: queue email to anyone, as the site',
  secrets: 'secret-message inboxes: look one up, send to it, read receipts',
  scrape: "the site's scrape jobs and their results",
  publish: 'markdown publishing uploads',
  'billing:charge': "charge a user's prepaid balance from the site's server",
} as const;

export type Scope = keyof typeof SCOPES;
export const SCOPE_NAMES = Object.keys(SCOPES) as Scope[];
export const isScope = (value: string): value is Scope => Object.hasOwn(SCOPES, value);

/** Keys made before scopes existed could only sign people in; they keep exactly that. */
export const LEGACY_KEY_SCOPES: Scope[] = ['auth'];
