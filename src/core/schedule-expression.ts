// EventBridge Scheduler's schedule expressions (rate, cron, at), read the way AWS reads them, with a time zone:
// the local platform fires template schedules with it, and features check users' schedules against it.
//   rate(5 minutes)    rate(1 hour)    rate(2 days)
//   cron(minutes hours day-of-month month day-of-week year)   e.g. cron(0 9 ? * MON-FRI *)
//   at(2027-01-31T09:00:00)
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html

export class ScheduleExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleExpressionError';
  }
}

export type Schedule = {
  readonly expression: string;
  /** The first time strictly after `after` this schedule fires, or undefined when it never will again. */
  next(after: Date): Date | undefined;
};

const fail = (message: string): never => {
  throw new ScheduleExpressionError(message);
};

const MINUTE = 60_000;
const DAY = 86_400_000;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
/** How far ahead next() looks: AWS accepts years up to 2199, but a schedule that is idle for 5 years is gone. */
const HORIZON_DAYS = 5 * 366;

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Reads a schedule expression; throws ScheduleExpressionError naming what is wrong. */
export function parseSchedule(expression: string, timeZone = 'UTC'): Schedule {
  if (!isTimeZone(timeZone)) fail(`unknown time zone "${timeZone}"`);
  const text = expression.trim();
  const match = /^(rate|cron|at)\((.*)\)$/s.exec(text);
  if (!match) return fail('must be rate(...), cron(...) or at(...)');
  const [, kind, body = ''] = match;
  if (kind === 'rate') return rateSchedule(text, body);
  if (kind === 'at') return atSchedule(text, body, timeZone);
  return cronSchedule(text, body, timeZone);
}

function rateSchedule(expression: string, body: string): Schedule {
  const m = /^\s*(\d{1,7})\s+(minute|minutes|hour|hours|day|days)\s*$/.exec(body);
  if (!m)
    return fail('rate(...) takes a whole number and a unit: rate(5 minutes), rate(1 hour), rate(2 days)');
  const value = Number(m[1]);
  const unit = m[2] as string;
  if (value < 1) fail('a rate must be at least 1');
  // AWS insists on the singular for 1 and the plural otherwise.
  if ((value === 1) !== !unit.endsWith('s'))
    fail(`say rate(${value} ${value === 1 ? unit.replace(/s$/, '') : `${unit.replace(/s$/, '')}s`})`);
  const period = value * (unit.startsWith('minute') ? MINUTE : unit.startsWith('hour') ? 60 * MINUTE : DAY);
  // A rate schedule counts from its creation; locally (and for our own checks) from the epoch, minute-aligned.
  return { expression, next: (after) => new Date((Math.floor(after.getTime() / period) + 1) * period) };
}

function atSchedule(expression: string, body: string, timeZone: string): Schedule {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body.trim());
  if (!m) return fail('at(...) takes a local date and time: at(2027-01-31T09:00:00)');
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as number[];
  const when = zonedToUtc({ year, month, day, hour, minute, second }, timeZone);
  const check = new Date(Date.UTC(year as number, (month as number) - 1, day, hour, minute, second));
  if (check.getUTCMonth() !== (month as number) - 1 || check.getUTCDate() !== day || (hour as number) > 23) {
    fail(`at(${body.trim()}) is not a real date and time`);
  }
  return { expression, next: (after) => (when > after.getTime() ? new Date(when) : undefined) };
}

type LocalTime = { year: number; month: number; day: number; hour: number; minute: number; second?: number };

const offsetFormats = new Map<string, Intl.DateTimeFormat>();
/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
function zoneOffset(utc: number, timeZone: string): number {
  let format = offsetFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(utc)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - Math.floor(utc / 1000) * 1000;
}

/** A wall-clock time in a zone as an instant (in a DST gap, the instant an hour later, as clocks do). */
function zonedToUtc(t: LocalTime, timeZone: string): number {
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second ?? 0);
  const first = wall - zoneOffset(wall, timeZone);
  return wall - zoneOffset(first, timeZone);
}

function localDate(utc: number, timeZone: string): Date {
  // A Date whose UTC fields are the zone's wall-clock fields: calendar arithmetic without zone rules.
  return new Date(utc + zoneOffset(utc, timeZone));
}

type Field = { values: Set<number>; any: boolean };

function parseField(text: string, name: string, min: number, max: number, names: string[] = []): Field {
  if (text === '*') return { values: range(min, max, 1), any: true };
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m) fail(`${name}: cannot read "${part}"`);
    const [, span = '', stepText] = m as RegExpExecArray;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) fail(`${name}: a step must be at least 1`);
    let low: number;
    let high: number;
    if (span === '*') [low, high] = [min, max];
    else if (span.includes('-')) {
      const [a = '', b = ''] = span.split('-');
      [low, high] = [fieldValue(a, name, min, max, names), fieldValue(b, name, min, max, names)];
      if (low > high) fail(`${name}: range ${span} runs backwards`);
    } else {
      low = fieldValue(span, name, min, max, names);
      high = stepText === undefined ? low : max;
    }
    for (const v of range(low, high, step)) values.add(v);
  }
  return { values, any: false };
}

function fieldValue(text: string, name: string, min: number, max: number, names: string[]): number {
  const named = names.indexOf(text.toUpperCase());
  const value = named >= 0 ? named + min : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(
      `${name}: "${text}" is not between ${min} and ${max}${names.length ? ` (or ${names[0]}-${names.at(-1)})` : ''}`,
    );
  }
  return value;
}

function range(low: number, high: number, step: number): Set<number> {
  const out = new Set<number>();
  for (let v = low; v <= high; v += step) out.add(v);
  return out;
}

type DayRule = (date: Date) => boolean;

const daysInMonth = (date: Date) =>
  new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();

/** Day-of-month: numbers, ranges and steps, L (last day), nW (weekday nearest n), LW (last weekday). */
function dayOfMonthRule(text: string): DayRule {
  if (text === 'L') return (d) => d.getUTCDate() === daysInMonth(d);
  const weekday = /^(\d{1,2}|L)W$/.exec(text);
  if (weekday) {
    const target =
      weekday[1] === 'L' ? undefined : fieldValue(weekday[1] as string, 'day-of-month', 1, 31, []);
    return (d) => {
      const last = daysInMonth(d);
      const wanted = Math.min(target ?? last, last);
      const dow = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), wanted)).getUTCDay();
      // Saturday moves to Friday (or Monday when that leaves the month); Sunday to Monday (or Friday).
      let day = wanted;
      if (dow === 6) day = wanted === 1 ? 3 : wanted - 1;
      if (dow === 0) day = wanted === last ? wanted - 2 : wanted + 1;
      return d.getUTCDate() === day;
    };
  }
  const field = parseField(text, 'day-of-month', 1, 31);
  return (d) => field.values.has(d.getUTCDate());
}

/** Day-of-week (1-7, SUN=1): numbers, names, ranges, nL (last such weekday of the month), n#k (k-th one). */
function dayOfWeekRule(text: string): DayRule {
  const last = /^([1-7]|[A-Za-z]{3})L$/.exec(text);
  if (last) {
    const dow = fieldValue(last[1] as string, 'day-of-week', 1, 7, WEEKDAYS) - 1;
    return (d) => d.getUTCDay() === dow && d.getUTCDate() + 7 > daysInMonth(d);
  }
  const nth = /^([1-7]|[A-Za-z]{3})#([1-5])$/.exec(text);
  if (nth) {
    const dow = fieldValue(nth[1] as string, 'day-of-week', 1, 7, WEEKDAYS) - 1;
    const k = Number(nth[2]);
    return (d) => d.getUTCDay() === dow && Math.ceil(d.getUTCDate() / 7) === k;
  }
  const field = parseField(text, 'day-of-week', 1, 7, WEEKDAYS);
  return (d) => field.values.has(d.getUTCDay() + 1);
}

function cronSchedule(expression: string, body: string, timeZone: string): Schedule {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) {
    fail(
      'cron(...) takes six fields: minutes hours day-of-month month day-of-week year, e.g. cron(0 9 ? * MON-FRI *)',
    );
  }
  const [minText, hourText, domText, monthText, dowText, yearText] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if ((domText === '?') === (dowText === '?'))
    fail('cron(...): exactly one of day-of-month and day-of-week must be ?');
  const minutes = [...parseField(minText, 'minutes', 0, 59).values].sort((a, b) => a - b);
  const hours = [...parseField(hourText, 'hours', 0, 23).values].sort((a, b) => a - b);
  const months = parseField(monthText, 'month', 1, 12, MONTHS).values;
  const years = parseField(yearText, 'year', 1970, 2199).values;
  const dayRule = domText === '?' ? dayOfWeekRule(dowText) : dayOfMonthRule(domText);

  return {
    expression,
    next(after) {
      const start = localDate(after.getTime(), timeZone);
      const firstDay = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
      for (let i = 0; i <= HORIZON_DAYS; i++) {
        const day = new Date(firstDay + i * DAY);
        if (!years.has(day.getUTCFullYear()) || !months.has(day.getUTCMonth() + 1) || !dayRule(day)) continue;
        for (const hour of hours) {
          for (const minute of minutes) {
            const when = zonedToUtc(
              {
                year: day.getUTCFullYear(),
                month: day.getUTCMonth() + 1,
                day: day.getUTCDate(),
                hour,
                minute,
              },
              timeZone,
            );
            if (when > after.getTime()) return new Date(when);
          }
        }
      }
      return undefined;
    },
  };
}
