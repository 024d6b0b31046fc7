// Which audit events are security events, and how serious (issue 17 §1; Auth0's security center and Keycloak's
// events are the anchors): lockouts and refresh-token reuse, admins signing in from new addresses, changes to keys,
// roles, second factors, allowlists and lockdowns, failed step-ups, server errors and the alerts themselves. Each
// is copied into the platform-wide security feed as it is audited (core/audit.ts).
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The feed's kinds of security event (its filter), one per line of the table below. */
export const CATEGORIES = [
  'lockout',
  'token_reuse',
  'new_admin_address',
  'key_change',
  'role_change',
  'mfa_reset',
  'allowlist_change',
  'lockdown',
  'step_up_failed',
  'server_error',
  'billing_drift',
  'alert',
] as const;
export type Category = (typeof CATEGORIES)[number];

export type SecurityClass = { category: Category; severity: Severity };

type Detail = Record<string, string | number | boolean> | undefined;

const fixed = (category: Category, severity: Severity) => () => ({ category, severity });
/** An admin's lockout is worse than a user's: someone may be after the console. */
const lockout = (detail: Detail): SecurityClass => ({
  category: 'lockout',
  severity: detail?.admin === true ? 'high' : 'medium',
});

const CLASSES: Record<string, (detail: Detail, outcome: string) => SecurityClass | undefined> = {
  authn_login_lock: lockout,
  authn_mfa_lock: lockout,
  authn_token_reuse: fixed('token_reuse', 'high'),
  admin_login_new_ip: fixed('new_admin_address', 'medium'),
  admin_api_key_created: fixed('key_change', 'low'),
  admin_api_key_rotated: fixed('key_change', 'medium'),
  admin_api_key_revoked: fixed('key_change', 'low'),
  admin_user_roles_changed: fixed('role_change', 'high'),
  admin_user_reset_mfa: fixed('mfa_reset', 'high'),
  admin_ip_allowlist_added: fixed('allowlist_change', 'medium'),
  admin_ip_allowlist_removed: fixed('allowlist_change', 'medium'),
  security_lockdown_engaged: fixed('lockdown', 'critical'),
  security_lockdown_lifted: fixed('lockdown', 'medium'),
  admin_step_up: (_, outcome) =>
    outcome === 'failure' ? { category: 'step_up_failed', severity: 'low' } : undefined,
  http_server_error: fixed('server_error', 'low'),
  billing_reconcile_drift: fixed('billing_drift', 'high'),
  security_alert_opened: (detail) => ({
    category: 'alert',
    severity: SEVERITIES.includes(detail?.severity as Severity) ? (detail?.severity as Severity) : 'medium',
  }),
};

/** The event's class in the security feed, or undefined when it is not a security event. */
export function securityClassOf(event: string, outcome: string, detail: Detail): SecurityClass | undefined {
  return CLASSES[event]?.(detail, outcome);
}
