// The security feature's public face for the console: admins' alert preferences and the rules they choose from.
// The AlertsFunction's own entry (handlers/alerts.ts) imports the evaluation directly, so the HTTP function never
// bundles the webhook client.
export { type PreferencesInput, preferencesOf, savePreferences } from './preferences';
export { ALERT_RULE_NAMES, ALERT_RULES, type AlertRule } from './rules';
