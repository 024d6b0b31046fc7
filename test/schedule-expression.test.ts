// Schedule expressions read as EventBridge Scheduler reads them: rate, cron (AWS's six fields, with ? L W #) and
// at, in a time zone; a bad one is refused with a message that says what is wrong.
import { describe, expect, it } from 'vitest';
import { parseSchedule, ScheduleExpressionError } from '../src/core/schedule-expression';

const at = (iso: string) => new Date(iso);
const nexts = (expression: string, from: string, count: number, zone = 'UTC') => {
  const schedule = parseSchedule(expression, zone);
  const out: string[] = [];
  let t: Date | undefined = at(from);
  for (let i = 0; i < count && t; i++) {
    t = schedule.next(t);
    if (t) out.push(t.toISOString());
  }
  return out;
};

describe('schedule expressions', () => {
  it('rate: minute-aligned periods, singular for 1 and plural otherwise, as AWS insists', () => {
    expect(nexts('rate(1 minute)', '2026-11-29T10:00:30Z', 2)).toEqual([
      '2026-11-29T10:01:00.000Z',
      '2026-11-29T10:02:00.000Z',
    ]);
    expect(nexts('rate(5 minutes)', '2026-11-29T10:03:00Z', 1)).toEqual(['2026-11-29T10:05:00.000Z']);
    expect(nexts('rate(2 hours)', '2026-11-29T11:00:00Z', 1)).toEqual(['2026-11-29T12:00:00.000Z']);
    expect(() => parseSchedule('rate(1 minutes)')).toThrow('say rate(1 minute)');
    expect(() => parseSchedule('rate(5 minute)')).toThrow('say rate(5 minutes)');
    expect(() => parseSchedule('rate(0 minutes)')).toThrow(ScheduleExpressionError);
    expect(() => parseSchedule('rate(5 weeks)')).toThrow(/whole number and a unit/);
  });

  it('cron: every weekday at 09:00 in a zone, across a DST change', () => {
    // Europe/Berlin leaves summer time on 2026-10-25: 09:00 local is 07:00Z before and 08:00Z after.
    expect(nexts('cron(0 9 ? * MON-FRI *)', '2026-10-22T12:00:00Z', 3, 'Europe/Berlin')).toEqual([
      '2026-10-23T07:00:00.000Z',
      '2026-10-26T08:00:00.000Z',
      '2026-10-27T08:00:00.000Z',
    ]);
  });

  it('cron: steps, lists, L, W, # and names', () => {
    expect(nexts('cron(0/15 * * * ? *)', '2026-11-29T10:07:00Z', 2)).toEqual([
      '2026-11-29T10:15:00.000Z',
      '2026-11-29T10:30:00.000Z',
    ]);
    expect(nexts('cron(0 12 L * ? *)', '2027-02-01T00:00:00Z', 1)).toEqual(['2027-02-28T12:00:00.000Z']);
    // 2027-05-15 is a Saturday: the nearest weekday is Friday the 14th.
    expect(nexts('cron(0 8 15W * ? *)', '2027-05-01T00:00:00Z', 1)).toEqual(['2027-05-14T08:00:00.000Z']);
    // The second Tuesday of December 2026 is the 8th; the last Friday of November 2026 the 27th.
    expect(nexts('cron(30 6 ? DEC 3#2 *)', '2026-11-29T00:00:00Z', 1)).toEqual(['2026-12-08T06:30:00.000Z']);
    expect(nexts('cron(0 18 ? * 6L 2026)', '2026-11-01T00:00:00Z', 2)).toEqual([
      '2026-11-27T18:00:00.000Z',
      '2026-12-25T18:00:00.000Z',
    ]);
    expect(nexts('cron(0 0 1 JAN,JUL ? *)', '2026-11-29T00:00:00Z', 2)).toEqual([
      '2027-01-01T00:00:00.000Z',
      '2027-07-01T00:00:00.000Z',
    ]);
    // A year that is over never fires again.
    expect(parseSchedule('cron(0 0 1 1 ? 2020)').next(at('2026-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('at: once, at a local time', () => {
    const once = parseSchedule('at(2027-01-31T09:00:00)', 'America/New_York');
    expect(once.next(at('2027-01-01T00:00:00Z'))?.toISOString()).toBe('2027-01-31T14:00:00.000Z');
    expect(once.next(at('2027-02-01T00:00:00Z'))).toBeUndefined();
    expect(() => parseSchedule('at(2027-02-30T09:00:00)')).toThrow(/not a real date/);
  });

  it('refuses what AWS refuses, saying what is wrong', () => {
    for (const [expression, message] of [
      ['every 5 minutes', /rate\(\.\.\.\), cron\(\.\.\.\) or at/],
      ['cron(0 9 * * *)', /six fields/],
      ['cron(0 9 * * MON *)', /exactly one of day-of-month and day-of-week must be \?/],
      ['cron(60 9 ? * MON *)', /minutes: "60" is not between 0 and 59/],
      ['cron(0 9 ? * FUNDAY *)', /day-of-week/],
      ['cron(0 5-2 ? * MON *)', /runs backwards/],
    ] as const) {
      expect(() => parseSchedule(expression), expression).toThrow(message);
    }
    expect(() => parseSchedule('rate(1 hour)', 'Mars/Olympus_Mons')).toThrow(/unknown time zone/);
  });
});
