// Where each function logs: LOG_GROUPS, `<logical id>=<log group>` pairs from template.yaml (the same names
// locally, where make dev ships every function's lines into moto's CloudWatch Logs).
import { configSlice, text } from '../core/config';

export const logsConfig = configSlice(
  {
    LOG_GROUPS: text({
      max: 4000,
      pattern: /^\w+=[\w./#-]+(,\w+=[\w./#-]+)*$/,
      message: 'must be <function>=<log group> pairs, comma-separated',
    }),
  },
  (e) => ({
    /** Log group by function logical id, in the template's order. */
    groups: new Map(
      (e.LOG_GROUPS ?? '').split(',').flatMap((pair) => {
        const [fn, group] = pair.split('=');
        return fn && group ? [[fn, group] as const] : [];
      }),
    ),
  }),
);
