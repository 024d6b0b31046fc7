// When a job runs next, by its schedule: apart from the job's validation so the every-minute scheduler stays small.
import { parseSchedule } from '../core/schedule-expression';

/** The next run after `after` (epoch seconds), or undefined. */
export function nextRunOf(
  schedule: { expression: string; timezone: string },
  after: number,
): number | undefined {
  const next = parseSchedule(schedule.expression, schedule.timezone).next(new Date(after * 1000));
  return next ? Math.floor(next.getTime() / 1000) : undefined;
}
