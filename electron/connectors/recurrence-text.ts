/**
 * RRULE (RFC 5545 §3.3.10) → plain words, plus the strict rule parser the .ics reader relies on.
 *
 * `parseRecurrenceRule` validates every part itself instead of trusting ICAL.Recur.fromString, which accepts
 * unknown parts silently and lets rules through that later throw or loop inside the iterator (BYWEEKNO with
 * BYMONTHDAY, ordinal BYDAY in a WEEKLY rule, "the 31st of February"…). Unknown part names are warnings (the
 * rest of the rule is used, as real exports contain them: `RRULE:RRULE:FREQ=…`, `X-…=…`); a known part with a bad
 * value makes the whole rule invalid, because guessing would describe and expand something the author did not
 * write.
 *
 * `describeRecurrence` is pure and English-only, in the words people search with: "Every week on Monday (weekly)",
 * "Every 2 weeks on Tuesday and Thursday (every other week), until 30 June 2025", "Every month on the last Friday
 * (monthly)", "Every weekday", "Every year on 3 February (yearly)", ", 10 times".
 */
import ICAL from 'ical.js';

export type Frequency = 'SECONDLY' | 'MINUTELY' | 'HOURLY' | 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
export type WeekdayCode = 'SU' | 'MO' | 'TU' | 'WE' | 'TH' | 'FR' | 'SA';

export interface ByDay {
  day: WeekdayCode;
  /** 0: every such weekday in the period; 1 first, 2 second, -1 last, … (MONTHLY / YEARLY only). */
  ordinal: number;
}

/** A validated RRULE. Empty arrays mean "part absent". */
export interface RecurrenceRule {
  freq: Frequency;
  interval: number;
  count: number | null;
  /** As written: a DATE, a UTC DATE-TIME (`Z`) or a floating DATE-TIME (zone left to the caller). */
  until: IcalDate | null;
  bySecond: number[];
  byMinute: number[];
  byHour: number[];
  byDay: ByDay[];
  byMonthDay: number[];
  byYearDay: number[];
  byWeekNo: number[];
  byMonth: number[];
  bySetPos: number[];
  wkst: WeekdayCode | null;
}

export type RecurrenceParse =
  { ok: true; rule: RecurrenceRule; warnings: string[] } | { ok: false; error: string; warnings: string[] };

/** A DATE or DATE-TIME value exactly as written (no zone applied). */
export interface IcalDate {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  isDate: boolean;
  /** Written with a trailing `Z`. */
  utc: boolean;
}

export interface DescribeOptions {
  /** DTSTART: supplies the implied weekday / day / month ("Every Monday", "Monthly on day 15"). */
  start?: ICAL.Time | null;
  /** Formats UNTIL; defaults to its date as written ("30 June 2025"). */
  formatUntil?: (until: ICAL.Time) => string;
}

const FREQUENCIES: readonly Frequency[] = ['SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'];
const WEEKDAYS: readonly WeekdayCode[] = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const WEEKDAY_NAMES: Record<WeekdayCode, string> = {
  SU: 'Sunday',
  MO: 'Monday',
  TU: 'Tuesday',
  WE: 'Wednesday',
  TH: 'Thursday',
  FR: 'Friday',
  SA: 'Saturday',
};
export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;
/** Days per month in a leap year: the most any month can have. */
const MAX_MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Longest RRULE value looked at; real rules are well under 200 characters. */
const MAX_RULE_LENGTH = 4096;

// ---------------------------------------------------------------------------------------------------------------
// Dates

const DATE_RE = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/;
const EXTENDED_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(Z)?)?$/;

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return MAX_MONTH_DAYS[month - 1] ?? 0;
}

/**
 * Parses an iCalendar DATE (`20250203`) or DATE-TIME (`20250203T100000`, `…Z`) strictly: null for anything else,
 * including impossible dates (30 Feb) and years before 1000 (JavaScript's Date maps years 0–99 to 1900–1999).
 * The extended form `2025-02-03T10:00:00` some generators write is accepted too.
 */
export function parseIcalDate(raw: string): IcalDate | null {
  const value = raw.trim().toUpperCase();
  const m = DATE_RE.exec(value) ?? EXTENDED_DATE_RE.exec(value);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const isDate = m[4] === undefined;
  const hour = isDate ? 0 : Number(m[4]);
  const minute = isDate ? 0 : Number(m[5]);
  // A leap second (60) is legal in iCalendar but not in ECMAScript dates.
  const second = isDate ? 0 : Math.min(Number(m[6]), 59);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59) return null;
  return { year, month, day, hour, minute, second, isDate, utc: !isDate && m[7] === 'Z' };
}

/** UNTIL as written, as an ICAL.Time: UTC when it ends in Z, floating otherwise. */
function untilTime(d: IcalDate): ICAL.Time {
  const { year, month, day, hour, minute, second, isDate } = d;
  return ICAL.Time.fromData(
    { year, month, day, hour, minute, second, isDate },
    d.utc ? ICAL.Timezone.utcTimezone : undefined,
  );
}

function formatDateWords(t: { year: number; month: number; day: number }): string {
  return `${t.day} ${MONTH_NAMES[t.month - 1]} ${t.year}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

export function parseRecurrenceRule(input: string): RecurrenceParse {
  const warnings: string[] = [];
  let text = input.trim();
  if (text.length > MAX_RULE_LENGTH) return { ok: false, error: 'the rule is implausibly long', warnings };
  // Seen in exports: "RRULE:RRULE:FREQ=…" (node-ical #70) and "RRULE:;FREQ=…".
  while (/^RRULE:/i.test(text)) {
    text = text.slice(6);
    warnings.push('the rule repeats its own "RRULE:" name');
  }
  if (text === '') return { ok: false, error: 'the rule is empty', warnings };

  const rule: RecurrenceRule = {
    freq: 'DAILY',
    interval: 1,
    count: null,
    until: null,
    bySecond: [],
    byMinute: [],
    byHour: [],
    byDay: [],
    byMonthDay: [],
    byYearDay: [],
    byWeekNo: [],
    byMonth: [],
    bySetPos: [],
    wkst: null,
  };
  let freq: Frequency | null = null;
  const seen = new Set<string>();
  const fail = (error: string): RecurrenceParse => ({ ok: false, error, warnings });

  for (const segment of text.split(';')) {
    const part = segment.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) {
      warnings.push(`unknown rule part "${clip(part)}" ignored`);
      continue;
    }
    const name = part.slice(0, eq).trim().toUpperCase();
    const value = part.slice(eq + 1).trim();
    if (seen.has(name)) return fail(`${name} appears twice`);
    seen.add(name);
    switch (name) {
      case 'FREQ': {
        const f = value.toUpperCase();
        if (!(FREQUENCIES as readonly string[]).includes(f)) return fail(`unknown frequency "${clip(value)}"`);
        freq = f as Frequency;
        break;
      }
      case 'INTERVAL': {
        const n = parseInteger(value);
        if (n === null || n < 0) return fail(`invalid INTERVAL "${clip(value)}"`);
        if (n === 0) warnings.push('INTERVAL=0 read as 1');
        rule.interval = Math.max(1, n);
        break;
      }
      case 'COUNT': {
        const n = parseInteger(value);
        if (n === null || n < 1) return fail(`invalid COUNT "${clip(value)}"`);
        rule.count = n;
        break;
      }
      case 'UNTIL': {
        const d = parseIcalDate(value);
        if (!d) return fail(`invalid UNTIL "${clip(value)}"`);
        rule.until = d;
        break;
      }
      case 'WKST': {
        const d = value.toUpperCase();
        if (!(WEEKDAYS as readonly string[]).includes(d)) return fail(`invalid WKST "${clip(value)}"`);
        rule.wkst = d as WeekdayCode;
        break;
      }
      case 'BYDAY': {
        const days: ByDay[] = [];
        for (const item of value.split(',')) {
          const m = /^([+-]?)(\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)$/.exec(item.trim().toUpperCase());
          if (!m) return fail(`invalid BYDAY "${clip(value)}"`);
          const ordinal = m[2] === undefined ? 0 : Number(m[2]) * (m[1] === '-' ? -1 : 1);
          if (m[2] !== undefined && (ordinal === 0 || Math.abs(ordinal) > 53))
            return fail(`invalid BYDAY "${clip(value)}"`);
          const day = m[3] as WeekdayCode;
          if (!days.some((d) => d.day === day && d.ordinal === ordinal)) days.push({ day, ordinal });
        }
        rule.byDay = days;
        break;
      }
      case 'BYSECOND':
      case 'BYMINUTE':
      case 'BYHOUR':
      case 'BYMONTHDAY':
      case 'BYYEARDAY':
      case 'BYWEEKNO':
      case 'BYMONTH':
      case 'BYSETPOS': {
        const spec = NUMERIC_PARTS[name];
        const list = parseIntegerList(value, spec.min, spec.max, spec.signed);
        if (!list) return fail(`invalid ${name} "${clip(value)}"`);
        rule[spec.key] = list;
        break;
      }
      default:
        warnings.push(`unknown rule part "${clip(name)}" ignored`);
    }
  }
  if (freq === null) return fail('the rule has no FREQ');
  rule.freq = freq;
  if (rule.count !== null && rule.until !== null) warnings.push('the rule has both COUNT and UNTIL');

  const conflict = structuralProblem(rule);
  if (conflict) return fail(conflict);
  return { ok: true, rule, warnings };
}

type NumericKey = 'bySecond' | 'byMinute' | 'byHour' | 'byMonthDay' | 'byYearDay' | 'byWeekNo' | 'byMonth' | 'bySetPos';

const NUMERIC_PARTS: Record<string, { key: NumericKey; min: number; max: number; signed: boolean }> = {
  BYSECOND: { key: 'bySecond', min: 0, max: 60, signed: false },
  BYMINUTE: { key: 'byMinute', min: 0, max: 59, signed: false },
  BYHOUR: { key: 'byHour', min: 0, max: 23, signed: false },
  BYMONTHDAY: { key: 'byMonthDay', min: 1, max: 31, signed: true },
  BYYEARDAY: { key: 'byYearDay', min: 1, max: 366, signed: true },
  BYWEEKNO: { key: 'byWeekNo', min: 1, max: 53, signed: true },
  BYMONTH: { key: 'byMonth', min: 1, max: 12, signed: false },
  BYSETPOS: { key: 'bySetPos', min: 1, max: 366, signed: true },
};

function parseInteger(value: string): number | null {
  if (!/^[+-]?\d{1,9}$/.test(value)) return null;
  return Number(value);
}

/** Signed lists allow -max..-min and min..max; unsigned lists min..max. Duplicates are dropped. */
function parseIntegerList(value: string, min: number, max: number, signed: boolean): number[] | null {
  const out: number[] = [];
  for (const item of value.split(',')) {
    const n = parseInteger(item.trim());
    if (n === null) return null;
    const abs = Math.abs(n);
    if (signed ? abs < min || abs > max : n < min || n > max) return null;
    if (!signed && item.trim().startsWith('-')) return null;
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

/** Combinations RFC 5545 forbids, that ical.js rejects at expansion time, or that can never produce a date. */
function structuralProblem(r: RecurrenceRule): string | null {
  if (r.byWeekNo.length > 0 && r.freq !== 'YEARLY') return 'BYWEEKNO is only allowed in a YEARLY rule';
  if (r.byYearDay.length > 0 && r.freq !== 'YEARLY') return 'BYYEARDAY is only allowed in a YEARLY rule';
  if (r.byYearDay.length > 0 && (r.byMonth.length > 0 || r.byWeekNo.length > 0 || r.byMonthDay.length > 0)) {
    return 'BYYEARDAY cannot be combined with BYMONTH, BYWEEKNO or BYMONTHDAY';
  }
  if (r.byWeekNo.length > 0 && r.byMonthDay.length > 0) return 'BYWEEKNO cannot be combined with BYMONTHDAY';
  if (r.byMonthDay.length > 0 && r.freq === 'WEEKLY') return 'BYMONTHDAY is not allowed in a WEEKLY rule';
  const ordinals = r.byDay.filter((d) => d.ordinal !== 0);
  if (ordinals.length > 0) {
    if (r.freq !== 'MONTHLY' && r.freq !== 'YEARLY') return `a numbered BYDAY ("1MO") needs a MONTHLY or YEARLY rule`;
    if (r.freq === 'MONTHLY' && ordinals.some((d) => Math.abs(d.ordinal) > 5))
      return 'a month has at most 5 of each weekday';
    if (r.freq === 'YEARLY' && r.byWeekNo.length > 0) return 'a numbered BYDAY cannot be combined with BYWEEKNO';
    if (r.freq === 'YEARLY' && r.byMonth.length > 0 && ordinals.some((d) => Math.abs(d.ordinal) > 5)) {
      return 'a month has at most 5 of each weekday';
    }
  }
  if (r.byMonthDay.length > 0 && r.byMonth.length > 0) {
    const possible = r.byMonth.some((month) => r.byMonthDay.some((d) => Math.abs(d) <= MAX_MONTH_DAYS[month - 1]));
    if (!possible) {
      return `the rule never matches a real date (day ${r.byMonthDay.join(', ')} of ${r.byMonth.map((m) => MONTH_NAMES[m - 1]).join(', ')})`;
    }
  }
  return null;
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

// ---------------------------------------------------------------------------------------------------------------
// ICAL.Recur bridge

/** Builds the ical.js form of a validated rule. `until` is the caller's (already zoned) ICAL.Time, if any. */
export function recurFromRule(rule: RecurrenceRule, until?: ICAL.Time | null): ICAL.Recur {
  const data: ConstructorParameters<typeof ICAL.Recur>[0] = { freq: rule.freq, interval: rule.interval };
  if (rule.count !== null) data.count = rule.count;
  const u = until ?? (rule.until ? untilTime(rule.until) : null);
  if (u) data.until = u;
  // ICAL weekday numbers: 1 = Sunday … 7 = Saturday.
  if (rule.wkst) data.wkst = WEEKDAYS.indexOf(rule.wkst) + 1;
  if (rule.bySecond.length) data.bysecond = rule.bySecond;
  if (rule.byMinute.length) data.byminute = rule.byMinute;
  if (rule.byHour.length) data.byhour = rule.byHour;
  if (rule.byDay.length) data.byday = rule.byDay.map((d) => (d.ordinal === 0 ? d.day : `${d.ordinal}${d.day}`));
  if (rule.byMonthDay.length) data.bymonthday = rule.byMonthDay;
  if (rule.byYearDay.length) data.byyearday = rule.byYearDay;
  if (rule.byWeekNo.length) data.byweekno = rule.byWeekNo;
  if (rule.byMonth.length) data.bymonth = rule.byMonth;
  if (rule.bySetPos.length) data.bysetpos = rule.bySetPos;
  return ICAL.Recur.fromData(data);
}

/** The reverse, for describing an ICAL.Recur someone already has. Invalid parts become a failed parse. */
export function ruleFromRecur(recur: ICAL.Recur): RecurrenceParse {
  return parseRecurrenceRule(recur.toString());
}

// ---------------------------------------------------------------------------------------------------------------
// Words

const UNIT: Record<Frequency, [string, string]> = {
  SECONDLY: ['second', 'seconds'],
  MINUTELY: ['minute', 'minutes'],
  HOURLY: ['hour', 'hours'],
  DAILY: ['day', 'days'],
  WEEKLY: ['week', 'weeks'],
  MONTHLY: ['month', 'months'],
  YEARLY: ['year', 'years'],
};
/**
 * The one word people use for a repeat every period, which "every month" does not match: the index stems "monthly" to
 * "monthli", not "month". Said after the phrase so that both "every month" and "monthly" find the event.
 */
const ADVERB: Partial<Record<Frequency, string>> = {
  DAILY: 'daily',
  WEEKLY: 'weekly',
  MONTHLY: 'monthly',
  YEARLY: 'yearly',
};
const WORKWEEK: readonly WeekdayCode[] = ['MO', 'TU', 'WE', 'TH', 'FR'];
const WEEKEND: readonly WeekdayCode[] = ['SA', 'SU'];
const ORDINAL_WORDS = ['', 'first', 'second', 'third', 'fourth', 'fifth'];

/** Fallback when the rule cannot be read at all. */
export const UNREADABLE_RULE_TEXT = 'Repeats (the rule could not be read)';

export function describeRecurrence(rrule: string | ICAL.Recur | RecurrenceRule, opts: DescribeOptions = {}): string {
  let rule: RecurrenceRule;
  if (typeof rrule === 'string' || rrule instanceof ICAL.Recur) {
    const parsed = typeof rrule === 'string' ? parseRecurrenceRule(rrule) : ruleFromRecur(rrule);
    if (!parsed.ok) return UNREADABLE_RULE_TEXT;
    rule = parsed.rule;
  } else {
    rule = rrule;
  }
  return describeRule(rule, opts);
}

function describeRule(r: RecurrenceRule, opts: DescribeOptions): string {
  const start = opts.start ?? null;
  const n = r.interval;
  const every = n === 1 ? `Every ${UNIT[r.freq][0]}` : `Every ${n} ${UNIT[r.freq][1]}`;
  const plainDays = r.byDay.filter((d) => d.ordinal === 0).map((d) => d.day);
  const numbered = r.byDay.filter((d) => d.ordinal !== 0);
  const usedSetPos = { value: false };
  let text: string;
  let colloquial = colloquialWords(r.freq, n);

  switch (r.freq) {
    case 'WEEKLY':
    case 'DAILY': {
      const days = r.freq === 'WEEKLY' && plainDays.length === 0 && start ? [weekdayOf(start)] : plainDays;
      if (days.length === 0) text = every;
      else if (n > 1) text = `${every} on ${dayListWords(days, true)}`;
      else {
        // Once a week on given weekdays, whether written DAILY;BYDAY or WEEKLY;BYDAY.
        const week = weekWords(days);
        text = week.text;
        colloquial = week.colloquial;
      }
      break;
    }
    case 'MONTHLY': {
      const on = monthlyPhrase(r, plainDays, numbered, start, usedSetPos);
      text = on ? `${every} on ${on}` : every;
      break;
    }
    case 'YEARLY': {
      const on = yearlyPhrase(r, plainDays, numbered, start, usedSetPos);
      text = on ? `${every} ${on}` : every;
      break;
    }
    default: {
      // HOURLY, MINUTELY, SECONDLY: the BY parts only filter.
      text = every;
      if (plainDays.length > 0) text += ` on ${dayListWords(plainDays, true)}`;
      if (r.byMonthDay.length > 0) text += ` on ${monthDaysWords(r.byMonthDay)}`;
      if (r.byHour.length > 0 && r.freq !== 'HOURLY')
        text += ` during hour${r.byHour.length > 1 ? 's' : ''} ${listWords(r.byHour.map(String))}`;
      if (r.byHour.length > 0 && r.freq === 'HOURLY') text += ` at ${listWords(r.byHour.map((h) => `${pad2(h)}:00`))}`;
      if (r.byMinute.length > 0 && r.freq === 'SECONDLY')
        text += ` during minute${r.byMinute.length > 1 ? 's' : ''} ${listWords(r.byMinute.map(String))}`;
    }
  }

  // Filters that the frequency phrase did not already say.
  if (r.byMonth.length > 0 && r.freq !== 'YEARLY') text += ` in ${listWords(r.byMonth.map((m) => MONTH_NAMES[m - 1]))}`;
  if (r.byMonthDay.length > 0 && r.freq === 'DAILY') text += ` on ${monthDaysWords(r.byMonthDay)}`;
  if (r.freq === 'DAILY' || r.freq === 'WEEKLY' || r.freq === 'MONTHLY' || r.freq === 'YEARLY') {
    const times = timesOfDay(r, start);
    if (times) text += ` at ${times}`;
  }
  if (r.bySetPos.length > 0 && !usedSetPos.value) {
    text += `, only the ${listWords(r.bySetPos.map(ordinalWord))} of each ${UNIT[r.freq][0]}`;
  }
  if (colloquial) text += ` (${colloquial})`;

  if (r.count !== null) text += r.count === 1 ? ', once' : `, ${r.count} times`;
  if (r.until) {
    const until = untilTime(r.until);
    text += `, until ${opts.formatUntil ? opts.formatUntil(until) : formatDateWords(r.until)}`;
  }
  return text;
}

/** "daily", "every other week", "quarterly": how people say a repeat, for the words they search with. */
function colloquialWords(freq: Frequency, interval: number): string | null {
  if (interval === 1) return ADVERB[freq] ?? null;
  if (freq === 'MONTHLY' && interval === 3) return 'quarterly';
  if (interval === 2 && ADVERB[freq] !== undefined) return `every other ${UNIT[freq][0]}`;
  return null;
}

/** Once a week on these weekdays: "Every week on Monday (weekly)", "Every weekday", "Every day (daily)". */
function weekWords(days: readonly WeekdayCode[]): { text: string; colloquial: string | null } {
  if (sameSet(days, WEEKDAYS)) return { text: 'Every day', colloquial: 'daily' };
  if (sameSet(days, WORKWEEK)) return { text: 'Every weekday', colloquial: null };
  return {
    text: `Every week on ${listWords(sortWeek(days).map((d) => WEEKDAY_NAMES[d]))}`,
    colloquial: 'weekly',
  };
}

function monthlyPhrase(
  r: RecurrenceRule,
  plainDays: WeekdayCode[],
  numbered: ByDay[],
  start: ICAL.Time | null,
  usedSetPos: { value: boolean },
): string {
  const pieces: string[] = [];
  if (
    plainDays.length === 1 &&
    numbered.length === 0 &&
    r.bySetPos.length === 0 &&
    r.byMonthDay.length === 1 &&
    r.byMonthDay[0] > 0
  ) {
    return `${WEEKDAY_NAMES[plainDays[0]]} the ${numericOrdinal(r.byMonthDay[0])}`; // "Friday the 13th"
  }
  if (plainDays.length > 0 && r.bySetPos.length > 0) {
    usedSetPos.value = true;
    pieces.push(`the ${listWords(r.bySetPos.map(ordinalWord))} ${daySetNoun(plainDays)}`);
  } else if (plainDays.length > 0) {
    pieces.push(`every ${dayListWords(plainDays)}`);
  }
  if (numbered.length > 0)
    pieces.push(listWords(numbered.map((d) => `the ${ordinalWord(d.ordinal)} ${WEEKDAY_NAMES[d.day]}`)));
  if (r.byMonthDay.length > 0) {
    const days = monthDaysWords(r.byMonthDay);
    if (pieces.length > 0) return `${pieces.join(' and ')}, when it falls on ${days}`;
    pieces.push(days);
  }
  if (pieces.length === 0 && start) pieces.push(`the ${numericOrdinal(start.day)}`);
  return pieces.join(' and ');
}

function yearlyPhrase(
  r: RecurrenceRule,
  plainDays: WeekdayCode[],
  numbered: ByDay[],
  start: ICAL.Time | null,
  usedSetPos: { value: boolean },
): string {
  const months = r.byMonth.map((m) => MONTH_NAMES[m - 1]);
  const monthList = listWords(months);
  if (r.byYearDay.length > 0) {
    const days = r.byYearDay.map((d) => (d === -1 ? 'the last day' : d < 0 ? `the ${ordinalWord(d)} day` : `day ${d}`));
    return `on ${listWords(days)} of the year`;
  }
  if (r.byWeekNo.length > 0) {
    const weeks = `in week${r.byWeekNo.length > 1 ? 's' : ''} ${listWords(r.byWeekNo.map(String))}`;
    const days = plainDays.length > 0 ? plainDays : start ? [weekdayOf(start)] : [];
    return days.length > 0 ? `${weeks} on ${dayListWords(days, true)}` : weeks;
  }
  if (numbered.length > 0) {
    const of = months.length > 0 ? ` of ${monthList}` : ' of the year';
    const phrase = `on ${listWords(numbered.map((d) => `the ${ordinalWord(d.ordinal)} ${WEEKDAY_NAMES[d.day]}`))}${of}`;
    return r.byMonthDay.length > 0 ? `${phrase}, when it falls on ${monthDaysWords(r.byMonthDay)}` : phrase;
  }
  if (plainDays.length > 0) {
    const inMonths = months.length > 0 ? ` in ${monthList}` : '';
    if (r.bySetPos.length > 0) {
      usedSetPos.value = true;
      const scope = months.length > 0 ? ` of ${monthList}` : ' of the year';
      return `on the ${listWords(r.bySetPos.map(ordinalWord))} ${daySetNoun(plainDays)}${scope}`;
    }
    const base = `on every ${dayListWords(plainDays)}${inMonths}`;
    return r.byMonthDay.length > 0 ? `${base}, when it falls on ${monthDaysWords(r.byMonthDay)}` : base;
  }
  if (r.byMonthDay.length > 0) {
    if (months.length === 1 && r.byMonthDay.length === 1 && r.byMonthDay[0] > 0)
      return `on ${r.byMonthDay[0]} ${months[0]}`;
    return months.length > 0
      ? `on ${monthDaysWords(r.byMonthDay)} of ${monthList}`
      : `on ${monthDaysWords(r.byMonthDay)} of every month`;
  }
  if (months.length > 0) {
    if (start)
      return months.length === 1
        ? `on ${start.day} ${months[0]}`
        : `on the ${numericOrdinal(start.day)} of ${monthList}`;
    return `in ${monthList}`;
  }
  return start ? `on ${start.day} ${MONTH_NAMES[start.month - 1]}` : '';
}

/** "at 09:00 and 17:30" for rules that set the time of day; null when the time comes from DTSTART alone. */
function timesOfDay(r: RecurrenceRule, start: ICAL.Time | null): string | null {
  if (r.byHour.length === 0 && r.byMinute.length === 0) return null;
  const hours = r.byHour.length > 0 ? r.byHour : start && !start.isDate ? [start.hour] : null;
  const minutes = r.byMinute.length > 0 ? r.byMinute : [start && !start.isDate ? start.minute : 0];
  if (hours === null) return `minute${minutes.length > 1 ? 's' : ''} ${listWords(minutes.map(String))} of each hour`;
  const total = hours.length * minutes.length;
  if (total > 6) return `${total} times a day`;
  const times: string[] = [];
  for (const h of [...hours].sort((a, b) => a - b))
    for (const m of [...minutes].sort((a, b) => a - b)) times.push(`${pad2(h)}:${pad2(m)}`);
  return listWords(times);
}

function weekdayOf(t: ICAL.Time): WeekdayCode {
  // ICAL.Time#dayOfWeek(): 1 = Sunday … 7 = Saturday.
  return WEEKDAYS[t.dayOfWeek() - 1];
}

function sortWeek(days: readonly WeekdayCode[]): WeekdayCode[] {
  const order = (d: WeekdayCode) => (WEEKDAYS.indexOf(d) + 6) % 7; // Monday first
  return [...new Set(days)].sort((a, b) => order(a) - order(b));
}

function sameSet(a: readonly WeekdayCode[], b: readonly WeekdayCode[]): boolean {
  const sa = new Set(a);
  return sa.size === b.length && b.every((d) => sa.has(d));
}

/** "Monday", "Tuesday and Thursday", "weekday" (MO–FR), "day" (all seven). `plural` gives "weekdays"/"days". */
function dayListWords(days: readonly WeekdayCode[], plural = false): string {
  if (sameSet(days, WORKWEEK)) return plural ? 'weekdays' : 'weekday';
  if (sameSet(days, WEEKDAYS)) return plural ? 'every day' : 'day';
  if (sameSet(days, WEEKEND)) return plural ? 'weekends' : 'Saturday and Sunday';
  return listWords(sortWeek(days).map((d) => WEEKDAY_NAMES[d]));
}

/** The noun for "the last ___" over a set of weekdays. */
function daySetNoun(days: readonly WeekdayCode[]): string {
  if (sameSet(days, WORKWEEK)) return 'weekday';
  if (sameSet(days, WEEKDAYS)) return 'day';
  if (sameSet(days, WEEKEND)) return 'weekend day';
  return sortWeek(days)
    .map((d) => WEEKDAY_NAMES[d])
    .join(' or ');
}

/** "the 15th", "the 1st and 15th", "the last day", "the 1st and the last day". */
function monthDaysWords(days: readonly number[]): string {
  const positive = days.filter((d) => d > 0).sort((a, b) => a - b);
  const negative = days.filter((d) => d < 0).sort((a, b) => b - a);
  const parts: string[] = [];
  if (positive.length > 0) parts.push(`the ${listWords(positive.map(numericOrdinal))}`);
  for (const d of negative) parts.push(d === -1 ? 'the last day' : `the ${ordinalWord(d)} day`);
  return listWords(parts);
}

export function ordinalWord(n: number): string {
  if (n === -1) return 'last';
  if (n < 0) return `${ordinalWord(-n)}-to-last`;
  if (n < ORDINAL_WORDS.length) return ORDINAL_WORDS[n];
  return numericOrdinal(n);
}

function numericOrdinal(n: number): string {
  const tens = n % 100;
  const suffix =
    tens >= 11 && tens <= 13 ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
