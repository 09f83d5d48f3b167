import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import {
  UNREADABLE_RULE_TEXT,
  describeRecurrence,
  listWords,
  ordinalWord,
  parseIcalDate,
  parseRecurrenceRule,
  recurFromRule,
} from '../../../electron/connectors/recurrence-text.js';

/** Monday 3 February 2025, 10:00 (floating). */
const MONDAY = ICAL.Time.fromData({ year: 2025, month: 2, day: 3, hour: 10, minute: 0, second: 0 });
/** 15 March 2024, an all-day date. */
const MARCH_15 = ICAL.Time.fromData({ year: 2024, month: 3, day: 15, isDate: true });

describe('describeRecurrence: words for RRULEs', () => {
  // [rule, words without DTSTART, words with DTSTART = Monday 3 Feb 2025 10:00]
  const table: [string, string, string][] = [
    ['FREQ=DAILY', 'Every day (daily)', 'Every day (daily)'],
    ['FREQ=DAILY;INTERVAL=3', 'Every 3 days', 'Every 3 days'],
    ['FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR', 'Every weekday', 'Every weekday'],
    [
      'FREQ=DAILY;INTERVAL=2;BYDAY=MO,FR',
      'Every 2 days on Monday and Friday (every other day)',
      'Every 2 days on Monday and Friday (every other day)',
    ],
    [
      'FREQ=DAILY;BYMONTH=1,2',
      'Every day in January and February (daily)',
      'Every day in January and February (daily)',
    ],
    [
      'FREQ=DAILY;BYHOUR=9,17;BYMINUTE=30',
      'Every day at 09:30 and 17:30 (daily)',
      'Every day at 09:30 and 17:30 (daily)',
    ],
    ['FREQ=DAILY;BYHOUR=9,17', 'Every day at 09:00 and 17:00 (daily)', 'Every day at 09:00 and 17:00 (daily)'],
    ['FREQ=WEEKLY', 'Every week (weekly)', 'Every week on Monday (weekly)'],
    ['FREQ=WEEKLY;BYDAY=MO', 'Every week on Monday (weekly)', 'Every week on Monday (weekly)'],
    [
      'FREQ=WEEKLY;BYDAY=TH,TU',
      'Every week on Tuesday and Thursday (weekly)',
      'Every week on Tuesday and Thursday (weekly)',
    ],
    [
      'FREQ=WEEKLY;BYDAY=MO,WE,FR',
      'Every week on Monday, Wednesday and Friday (weekly)',
      'Every week on Monday, Wednesday and Friday (weekly)',
    ],
    ['FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', 'Every weekday', 'Every weekday'],
    ['FREQ=WEEKLY;BYDAY=SU,MO,TU,WE,TH,FR,SA', 'Every day (daily)', 'Every day (daily)'],
    [
      'FREQ=WEEKLY;BYDAY=SA,SU',
      'Every week on Saturday and Sunday (weekly)',
      'Every week on Saturday and Sunday (weekly)',
    ],
    ['FREQ=WEEKLY;INTERVAL=2', 'Every 2 weeks (every other week)', 'Every 2 weeks on Monday (every other week)'],
    [
      'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;UNTIL=20250630',
      'Every 2 weeks on Tuesday and Thursday (every other week), until 30 June 2025',
      'Every 2 weeks on Tuesday and Thursday (every other week), until 30 June 2025',
    ],
    ['FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,TU,WE,TH,FR', 'Every 3 weeks on weekdays', 'Every 3 weeks on weekdays'],
    ['FREQ=MONTHLY', 'Every month (monthly)', 'Every month on the 3rd (monthly)'],
    ['FREQ=MONTHLY;BYMONTHDAY=15', 'Every month on the 15th (monthly)', 'Every month on the 15th (monthly)'],
    [
      'FREQ=MONTHLY;BYMONTHDAY=1,15',
      'Every month on the 1st and 15th (monthly)',
      'Every month on the 1st and 15th (monthly)',
    ],
    ['FREQ=MONTHLY;BYMONTHDAY=-1', 'Every month on the last day (monthly)', 'Every month on the last day (monthly)'],
    [
      'FREQ=MONTHLY;BYMONTHDAY=-2',
      'Every month on the second-to-last day (monthly)',
      'Every month on the second-to-last day (monthly)',
    ],
    [
      'FREQ=MONTHLY;BYMONTHDAY=1,-1',
      'Every month on the 1st and the last day (monthly)',
      'Every month on the 1st and the last day (monthly)',
    ],
    [
      'FREQ=MONTHLY;BYDAY=1MO',
      'Every month on the first Monday (monthly)',
      'Every month on the first Monday (monthly)',
    ],
    [
      'FREQ=MONTHLY;BYDAY=+2TU',
      'Every month on the second Tuesday (monthly)',
      'Every month on the second Tuesday (monthly)',
    ],
    ['FREQ=MONTHLY;BYDAY=-1FR', 'Every month on the last Friday (monthly)', 'Every month on the last Friday (monthly)'],
    [
      'FREQ=MONTHLY;BYDAY=-2WE',
      'Every month on the second-to-last Wednesday (monthly)',
      'Every month on the second-to-last Wednesday (monthly)',
    ],
    [
      'FREQ=MONTHLY;BYDAY=1MO,3MO',
      'Every month on the first Monday and the third Monday (monthly)',
      'Every month on the first Monday and the third Monday (monthly)',
    ],
    [
      'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
      'Every month on the last weekday (monthly)',
      'Every month on the last weekday (monthly)',
    ],
    [
      'FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1',
      'Every month on the first weekend day (monthly)',
      'Every month on the first weekend day (monthly)',
    ],
    [
      'FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13',
      'Every month on Friday the 13th (monthly)',
      'Every month on Friday the 13th (monthly)',
    ],
    [
      'FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15',
      'Every 3 months on the 15th (quarterly)',
      'Every 3 months on the 15th (quarterly)',
    ],
    ['FREQ=MONTHLY;INTERVAL=6;BYDAY=1SU', 'Every 6 months on the first Sunday', 'Every 6 months on the first Sunday'],
    ['FREQ=YEARLY', 'Every year (yearly)', 'Every year on 3 February (yearly)'],
    ['FREQ=YEARLY;INTERVAL=2', 'Every 2 years (every other year)', 'Every 2 years on 3 February (every other year)'],
    ['FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=4', 'Every year on 4 July (yearly)', 'Every year on 4 July (yearly)'],
    [
      'FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
      'Every year on the last Sunday of March (yearly)',
      'Every year on the last Sunday of March (yearly)',
    ],
    [
      'FREQ=YEARLY;BYMONTH=11;BYDAY=4TH',
      'Every year on the fourth Thursday of November (yearly)',
      'Every year on the fourth Thursday of November (yearly)',
    ],
    ['FREQ=YEARLY;BYMONTH=6', 'Every year in June (yearly)', 'Every year on 3 June (yearly)'],
    [
      'FREQ=YEARLY;BYMONTH=1,7',
      'Every year in January and July (yearly)',
      'Every year on the 3rd of January and July (yearly)',
    ],
    [
      'FREQ=YEARLY;BYYEARDAY=100,-1',
      'Every year on day 100 and the last day of the year (yearly)',
      'Every year on day 100 and the last day of the year (yearly)',
    ],
    [
      'FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO',
      'Every year in week 20 on Monday (yearly)',
      'Every year in week 20 on Monday (yearly)',
    ],
    [
      'FREQ=YEARLY;BYDAY=20MO',
      'Every year on the 20th Monday of the year (yearly)',
      'Every year on the 20th Monday of the year (yearly)',
    ],
    ['FREQ=HOURLY', 'Every hour', 'Every hour'],
    ['FREQ=HOURLY;INTERVAL=2', 'Every 2 hours', 'Every 2 hours'],
    ['FREQ=HOURLY;BYDAY=MO,TU,WE,TH,FR', 'Every hour on weekdays', 'Every hour on weekdays'],
    ['FREQ=MINUTELY', 'Every minute', 'Every minute'],
    ['FREQ=MINUTELY;INTERVAL=15', 'Every 15 minutes', 'Every 15 minutes'],
    [
      'FREQ=MINUTELY;INTERVAL=15;BYHOUR=9,10',
      'Every 15 minutes during hours 9 and 10',
      'Every 15 minutes during hours 9 and 10',
    ],
    ['FREQ=SECONDLY', 'Every second', 'Every second'],
    ['FREQ=SECONDLY;INTERVAL=30', 'Every 30 seconds', 'Every 30 seconds'],
    ['FREQ=SECONDLY;BYMONTH=2', 'Every second in February', 'Every second in February'],
    ['FREQ=DAILY;COUNT=10', 'Every day (daily), 10 times', 'Every day (daily), 10 times'],
    ['FREQ=DAILY;COUNT=1', 'Every day (daily), once', 'Every day (daily), once'],
    [
      'FREQ=WEEKLY;BYDAY=MO;UNTIL=20250630T215959Z',
      'Every week on Monday (weekly), until 30 June 2025',
      'Every week on Monday (weekly), until 30 June 2025',
    ],
    ['freq=weekly;byday=mo', 'Every week on Monday (weekly)', 'Every week on Monday (weekly)'],
    ['FREQ=WEEKLY;BYDAY=MO;', 'Every week on Monday (weekly)', 'Every week on Monday (weekly)'],
    [
      'FREQ=MONTHLY;BYSETPOS=1,-1;BYDAY=MO',
      'Every month on the first and last Monday (monthly)',
      'Every month on the first and last Monday (monthly)',
    ],
    [
      'FREQ=YEARLY;BYMONTH=3;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR',
      'Every year on the last weekday of March (yearly)',
      'Every year on the last weekday of March (yearly)',
    ],
    [
      'FREQ=DAILY;BYSETPOS=1',
      'Every day, only the first of each day (daily)',
      'Every day, only the first of each day (daily)',
    ],
  ];

  it.each(table)('%s → "%s"', (rule, bare, withStart) => {
    expect(describeRecurrence(rule)).toBe(bare);
    expect(describeRecurrence(rule, { start: MONDAY })).toBe(withStart);
  });

  it('uses an all-day DTSTART for the implied day and month', () => {
    expect(describeRecurrence('FREQ=YEARLY', { start: MARCH_15 })).toBe('Every year on 15 March (yearly)');
    expect(describeRecurrence('FREQ=MONTHLY', { start: MARCH_15 })).toBe('Every month on the 15th (monthly)');
    expect(describeRecurrence('FREQ=WEEKLY', { start: MARCH_15 })).toBe('Every week on Friday (weekly)');
  });

  it('accepts an ICAL.Recur and a parsed rule', () => {
    expect(describeRecurrence(ICAL.Recur.fromString('FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH'))).toBe(
      'Every 2 weeks on Tuesday and Thursday (every other week)',
    );
    const parsed = parseRecurrenceRule('FREQ=MONTHLY;BYDAY=-1FR');
    if (!parsed.ok) throw new Error(parsed.error);
    expect(describeRecurrence(parsed.rule)).toBe('Every month on the last Friday (monthly)');
  });

  it('lets the caller format UNTIL (e.g. in the event time zone)', () => {
    const words = describeRecurrence('FREQ=DAILY;UNTIL=20250630T230000Z', {
      formatUntil: (u) => `${u.toICALString()} in some zone`,
    });
    expect(words).toBe('Every day (daily), until 20250630T230000Z in some zone');
  });

  it('says so when the rule cannot be read', () => {
    for (const bad of [
      '',
      'FREQ=FORTNIGHTLY',
      'BYDAY=MO',
      'FREQ=WEEKLY;BYDAY=1MO',
      'FREQ=YEARLY;BYMONTHDAY=31;BYMONTH=2',
    ]) {
      expect(describeRecurrence(bad)).toBe(UNREADABLE_RULE_TEXT);
    }
  });
});

describe('parseRecurrenceRule: validation', () => {
  it('reads every part', () => {
    const r = parseRecurrenceRule(
      'FREQ=MONTHLY;INTERVAL=2;COUNT=5;WKST=SU;BYDAY=1MO,-1FR,WE;BYMONTHDAY=1,-1;BYMONTH=1,6;BYHOUR=9;BYMINUTE=30;BYSECOND=0;BYSETPOS=1',
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings).toEqual([]);
    expect(r.rule).toMatchObject({
      freq: 'MONTHLY',
      interval: 2,
      count: 5,
      wkst: 'SU',
      byDay: [
        { day: 'MO', ordinal: 1 },
        { day: 'FR', ordinal: -1 },
        { day: 'WE', ordinal: 0 },
      ],
      byMonthDay: [1, -1],
      byMonth: [1, 6],
      byHour: [9],
      byMinute: [30],
      bySecond: [0],
      bySetPos: [1],
    });
  });

  it('reads UNTIL as a date, a floating date-time or a UTC date-time', () => {
    const until = (v: string) => {
      const r = parseRecurrenceRule(`FREQ=DAILY;UNTIL=${v}`);
      return r.ok ? r.rule.until : null;
    };
    expect(until('20250630')).toMatchObject({ year: 2025, month: 6, day: 30, isDate: true, utc: false });
    expect(until('20250630T100000')).toMatchObject({ hour: 10, isDate: false, utc: false });
    expect(until('20250630T215959Z')).toMatchObject({ hour: 21, minute: 59, second: 59, utc: true });
  });

  // [rule, error contains]
  const invalid: [string, string][] = [
    ['', 'empty'],
    ['BYDAY=MO', 'no FREQ'],
    ['FREQ=FORTNIGHTLY', 'unknown frequency'],
    ['FREQ=DAILY;FREQ=WEEKLY', 'twice'],
    ['FREQ=DAILY;INTERVAL=x', 'INTERVAL'],
    ['FREQ=DAILY;INTERVAL=-2', 'INTERVAL'],
    ['FREQ=DAILY;COUNT=0', 'COUNT'],
    ['FREQ=DAILY;COUNT=ten', 'COUNT'],
    ['FREQ=DAILY;UNTIL=2025-13-01', 'UNTIL'],
    ['FREQ=DAILY;UNTIL=20250230', 'UNTIL'],
    ['FREQ=DAILY;UNTIL=', 'UNTIL'],
    ['FREQ=WEEKLY;WKST=XX', 'WKST'],
    ['FREQ=WEEKLY;BYDAY=MONDAY', 'BYDAY'],
    ['FREQ=MONTHLY;BYDAY=0MO', 'BYDAY'],
    ['FREQ=MONTHLY;BYMONTHDAY=0', 'BYMONTHDAY'],
    ['FREQ=MONTHLY;BYMONTHDAY=32', 'BYMONTHDAY'],
    ['FREQ=YEARLY;BYMONTH=13', 'BYMONTH'],
    ['FREQ=YEARLY;BYMONTH=-1', 'BYMONTH'],
    ['FREQ=DAILY;BYHOUR=24', 'BYHOUR'],
    ['FREQ=YEARLY;BYWEEKNO=60', 'BYWEEKNO'],
    ['FREQ=MONTHLY;BYWEEKNO=20', 'only allowed in a YEARLY'],
    ['FREQ=DAILY;BYYEARDAY=100', 'only allowed in a YEARLY'],
    ['FREQ=YEARLY;BYYEARDAY=100;BYMONTH=4', 'cannot be combined'],
    ['FREQ=YEARLY;BYWEEKNO=20;BYMONTHDAY=1', 'cannot be combined'],
    ['FREQ=WEEKLY;BYMONTHDAY=1', 'not allowed in a WEEKLY'],
    ['FREQ=WEEKLY;BYDAY=1MO', 'MONTHLY or YEARLY'],
    ['FREQ=MONTHLY;BYDAY=6MO', 'at most 5'],
    ['FREQ=YEARLY;BYMONTHDAY=31;BYMONTH=2', 'never matches'],
    ['FREQ=YEARLY;BYMONTHDAY=31;BYMONTH=4,6,9,11', 'never matches'],
    ['FREQ=MONTHLY;BYMONTHDAY=30,31;BYMONTH=2', 'never matches'],
  ];

  it.each(invalid)('rejects %j', (rule, error) => {
    const r = parseRecurrenceRule(rule);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(error);
  });

  it('keeps a rule with unknown parts, doubled RRULE: prefix or INTERVAL=0, with warnings', () => {
    const cases: [string, string][] = [
      ['RRULE:FREQ=WEEKLY;BYDAY=MO', 'RRULE:'],
      ['FREQ=DAILY;X-FOO=BAR', 'X-FOO'],
      ['FREQ=DAILY;GARBAGE', 'GARBAGE'],
      ['FREQ=DAILY;INTERVAL=0', 'INTERVAL=0'],
      ['FREQ=DAILY;COUNT=3;UNTIL=20250101', 'both COUNT and UNTIL'],
    ];
    for (const [rule, warning] of cases) {
      const r = parseRecurrenceRule(rule);
      expect(r.ok, rule).toBe(true);
      expect(r.warnings.join(' '), rule).toContain(warning);
    }
  });

  it('accepts the 29th of February (a leap-year rule) and the 30th of "April or May"', () => {
    expect(parseRecurrenceRule('FREQ=YEARLY;BYMONTHDAY=29;BYMONTH=2').ok).toBe(true);
    expect(parseRecurrenceRule('FREQ=YEARLY;BYMONTHDAY=31;BYMONTH=4,5').ok).toBe(true);
  });

  it('round-trips through ICAL.Recur', () => {
    const r = parseRecurrenceRule('FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=SU;COUNT=4');
    if (!r.ok) throw new Error(r.error);
    const recur = recurFromRule(r.rule);
    expect(recur.freq).toBe('WEEKLY');
    expect(recur.interval).toBe(2);
    expect(recur.count).toBe(4);
    expect(recur.parts.BYDAY).toEqual(['TU', 'TH']);
    const it = recur.iterator(ICAL.Time.fromData({ year: 2025, month: 2, day: 4, hour: 9, minute: 0, second: 0 }));
    const days: string[] = [];
    for (let t = it.next(); t; t = it.next()) days.push(t.toString().slice(0, 10));
    expect(days).toEqual(['2025-02-04', '2025-02-06', '2025-02-18', '2025-02-20']);
  });
});

describe('parseIcalDate', () => {
  it('parses DATE and DATE-TIME values strictly', () => {
    expect(parseIcalDate('20250203')).toEqual({
      year: 2025,
      month: 2,
      day: 3,
      hour: 0,
      minute: 0,
      second: 0,
      isDate: true,
      utc: false,
    });
    expect(parseIcalDate('20250203T101500Z')).toMatchObject({ hour: 10, minute: 15, utc: true, isDate: false });
    expect(parseIcalDate(' 20250203T101500 ')).toMatchObject({ hour: 10, utc: false });
    expect(parseIcalDate('2025-02-03T10:15:00')).toMatchObject({ day: 3, hour: 10 });
    expect(parseIcalDate('20240229')).not.toBeNull();
    expect(parseIcalDate('20231231T235960')).toMatchObject({ second: 59 }); // leap second clamped
  });

  it('rejects impossible or foreign values', () => {
    for (const v of [
      '',
      'x',
      '2025020',
      '20250229',
      '20251301',
      '20250100',
      '20250203T240000',
      '20250203T106000',
      '00991231',
      '2025-02-03 10:00',
      '20250203T1015',
    ]) {
      expect(parseIcalDate(v), v).toBeNull();
    }
  });
});

describe('word helpers', () => {
  it('ordinals', () => {
    expect([1, 2, 3, 4, 5, 11, 12, 13, 21, 22, 23, 53, 101].map(ordinalWord)).toEqual([
      'first',
      'second',
      'third',
      'fourth',
      'fifth',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '23rd',
      '53rd',
      '101st',
    ]);
    expect([-1, -2, -3].map(ordinalWord)).toEqual(['last', 'second-to-last', 'third-to-last']);
  });

  it('lists', () => {
    expect(listWords([])).toBe('');
    expect(listWords(['a'])).toBe('a');
    expect(listWords(['a', 'b'])).toBe('a and b');
    expect(listWords(['a', 'b', 'c'])).toBe('a, b and c');
  });
});
