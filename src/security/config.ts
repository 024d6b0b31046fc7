// The alert rules' thresholds and what they watch (issue 17 §1), for the AlertsFunction.
import { configSlice, number, text } from '../core/config';

export const alertsConfig = configSlice(
  {
    /** Failed sign-ins of one site within five minutes that make an alert. */
    ALERT_FAILED_SIGN_INS: number(1, 1_000_000).or(50),
    /** 5xx answers (all sites) within five minutes that make an alert. */
    ALERT_SERVER_ERRORS: number(1, 1_000_000).or(10),
    /** After an alert is resolved, how long before its rule may notify again. */
    ALERT_COOLDOWN_MINUTES: number(0, 7 * 24 * 60).or(30),
    /** The dead-letter queues to watch: `name=url,name=url`. */
    ALERT_DLQ_URLS: text({
      max: 4000,
      pattern: /^[\w-]+=https?:\/\/[^\s,=]+(,[\w-]+=https?:\/\/[^\s,=]+)*$/,
      message: 'must be name=url pairs separated by commas',
    }),
  },
  (e) => ({
    failedSignIns: e.ALERT_FAILED_SIGN_INS,
    serverErrors: e.ALERT_SERVER_ERRORS,
    cooldownMs: e.ALERT_COOLDOWN_MINUTES * 60_000,
    deadLetterQueues: (e.ALERT_DLQ_URLS ?? '')
      .split(',')
      .filter(Boolean)
      .map((pair) => {
        const [name = '', url = ''] = pair.split('=');
        return { name, url };
      }),
  }),
);
