// The security feature's public face: the alert rules and their evaluation (AlertsFunction), and admins' alert
// preferences (the console's account page).
export { alertsConfig } from './config';
export { DEFAULT_PREFERENCES, type PreferencesInput, preferencesOf, savePreferences } from './preferences';
export { ALERT_RULE_NAMES, ALERT_RULES, type AlertRule } from './rules';
export { evaluateAlerts } from './run';
