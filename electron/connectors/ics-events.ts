/**
 * iCalendar (.ics) text → one SourceDocument per VEVENT (an `event`), VTODO (a `task`) and VJOURNAL (a `note`).
 * Pure: no file access; the connector (ics.ts) reads the file and hands the text here.
 *
 * Robustness (bad-inputs.md case 19) comes from not handing the whole file to a parser that fails as a unit:
 *
 * - Lines are unfolded and split into components here, tolerantly: an unreadable line is skipped, a missing
 *   END:VEVENT or END:VCALENDAR is recovered from, an event cut off at the end of the file is reported and skipped.
 *   Only a file with no iCalendar structure at all (or an empty one) fails as a whole (ItemReadError E_PARSE).
 * - Each VEVENT is read on its own, inside its own try/catch: a broken event (no or impossible DTSTART, …) is one
 *   E_PARSE issue at `file#UID` and the others are indexed. Smaller faults (an unreadable RRULE, an EXDATE with no
 *   date, an unknown TZID) degrade the event and add a W_ICS_* warning.
 * - Dates, TZID resolution and RRULE validation are done here, not by ical.js's global TimezoneService (shared
 *   mutable state) or its lenient RRULE reader. ical.js is used for what it is good at: VTIMEZONE offset rules,
 *   time arithmetic and RRULE iteration.
 * - Recurrence expansion is bounded four ways: a window around `now`, a cap on occurrences iterated per event, a cap
 *   on the iterator's internal steps per event (rules such as FREQ=SECONDLY;BYMONTH=2 spin millions of times
 *   inside one `next()`), and a wall-clock budget per file (E_PARSE_TIMEOUT: expansion stops, events are still
 *   indexed). The step and time checks run inside ical.js's loops through a RecurIterator subclass.
 *
 * Time zones: a TZID that is an IANA name is resolved through Intl (full tzdata history, correct even when the file
 * omits its VTIMEZONE, as EST5EDT files often do); any other TZID ("W. Europe Standard Time") through the file's
 * VTIMEZONE, else as the IANA zone of that Windows zone name; then an IANA name inside a prefixed TZID
 * ("/mozilla.org/…/Europe/Berlin"). Otherwise it is unknown: times are read as floating and one W_ICS_TIMEZONE
 * warning names it. Floating times and all-day dates are placed in `localTimeZone`; UTC times are shown in the
 * X-WR-TIMEZONE of the calendar the item is in (a file may hold several), else in `localTimeZone`.
 */
import { createHash } from 'node:crypto';
import ICAL from 'ical.js';
import { NO_END } from '../../shared/types.js';
import { htmlToPlainText } from './html.js';
import { ItemReadError, type ItemIssue, type ItemIssueCode, type SourceDocument } from './types.js';
import {
  MONTH_NAMES,
  daysInMonth,
  describeRecurrence,
  parseIcalDate,
  parseRecurrenceRule,
  recurFromRule,
  type IcalDate,
  type RecurrenceRule,
  type WeekdayCode,
} from './recurrence-text.js';

// ---------------------------------------------------------------------------------------------------------------
// Public types

export interface IcsOptions {
  /** Absolute path of the file: SourceDocument.path and the prefix of every issue path. */
  path: string;
  /** Prepended to every document id (the connector uses the unit key, so equal UIDs in two files never clash). */
  idPrefix?: string;
  /** "Now" for the occurrence window, epoch ms. Default Date.now(). */
  now?: number;
  /** IANA zone for floating times and all-day dates, and for showing UTC times. Default 'UTC'. */
  localTimeZone?: string;
  /** Upcoming occurrences kept in metadata per recurring event. Default 10. */
  maxOccurrences?: number;
  /** Half-width of the occurrence window around `now`, in days. Default 366. */
  windowDays?: number;
  /** Occurrences iterated per event at most. Default 1000. */
  maxIterations?: number;
  /** Internal iterator steps per event at most (catches rules that spin without producing). Default 50 000. */
  maxSteps?: number;
  /** Wall-clock budget for recurrence expansion per file, ms. Default 2000. */
  budgetMs?: number;
  /** Monotonic clock in ms for the budget. Default performance.now. */
  clock?: () => number;
}

export type IcsItem = { type: 'doc'; doc: SourceDocument } | { type: 'issue'; issue: ItemIssue };

export interface ContentLine {
  /** Upper-cased property name. */
  name: string;
  /** Upper-cased parameter names → values (quotes removed, RFC 6868 ^-escapes decoded). */
  params: Record<string, string[]>;
  value: string;
  /** The unfolded line as written. */
  raw: string;
  /** 1-based physical line where it starts. */
  line: number;
}

export interface RawComponent {
  name: string;
  props: ContentLine[];
  children: RawComponent[];
  line: number;
}

/** The structure of a file: what `scanCalendar` found, before any event is interpreted. */
export interface ScannedCalendar {
  path: string;
  /** Properties of the (first) VCALENDAR: X-WR-TIMEZONE, X-WR-CALNAME… */
  calendarProps: ContentLine[];
  /**
   * The properties of the VCALENDAR each event, task and journal entry is in: a file may hold several (exports
   * concatenated), each with its own X-WR-CALNAME. An item outside any VCALENDAR is not in it.
   */
  itemCalendars: Map<RawComponent, ContentLine[]>;
  /** Complete VEVENTs (closed, or implicitly closed by the next BEGIN:VEVENT), in file order. */
  events: RawComponent[];
  /** Complete VTODOs (tasks), in file order. */
  todos: RawComponent[];
  /** Complete VJOURNALs (journal entries), in file order. */
  journals: RawComponent[];
  /** VEVENTs, VTODOs and VJOURNALs still open at the end of the file (the file was cut off). */
  truncatedEvents: RawComponent[];
  timezones: RawComponent[];
  /** File-level structure warnings (W_ICS_INVALID). */
  issues: ItemIssue[];
}

export const UNTITLED_EVENT = '(untitled event)';
export const UNTITLED_TASK = '(untitled task)';
export const UNTITLED_JOURNAL = '(untitled journal entry)';

/** The components that become documents; one never contains another, so a BEGIN of one inside another closes it. */
const ITEM_COMPONENTS = new Set(['VEVENT', 'VTODO', 'VJOURNAL']);

const DEFAULTS = {
  maxOccurrences: 10,
  windowDays: 366,
  maxIterations: 1000,
  maxSteps: 50_000,
  budgetMs: 2000,
};

const DAY_MS = 86_400_000;
/** Components nested deeper than this are treated as junk (a fuzzed file can nest BEGINs without end). */
const MAX_DEPTH = 16;
/** Per-event caps on list properties, so one event cannot hold a million EXDATEs. */
const MAX_DATE_VALUES = 5000;
const MAX_RULES = 8;
const MAX_ATTENDEES_IN_TEXT = 100;
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

// ---------------------------------------------------------------------------------------------------------------
// Lines

interface PhysicalLine {
  text: string;
  line: number;
}

function unfold(text: string): PhysicalLine[] {
  const out: PhysicalLine[] = [];
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const parts = body.split(/\r\n|\n|\r/);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const first = part.charCodeAt(0);
    // RFC 5545 §3.1: CRLF followed by one space or tab is a fold; the whitespace character is removed.
    if ((first === 0x20 || first === 0x09) && out.length > 0) {
      out[out.length - 1].text += part.slice(1);
    } else {
      out.push({ text: part, line: i + 1 });
    }
  }
  return out;
}

/** Unfolds RFC 5545 content lines (CRLF, LF or CR line ends; a leading space or tab continues a line). */
export function unfoldLines(text: string): string[] {
  return unfold(text).map((l) => l.text);
}

/**
 * Splits `NAME;PARAM=a,"b;c":value`. Returns null for a line that is not a content line. Never throws; linear.
 */
export function parseContentLine(raw: string, line = 0): ContentLine | null {
  let i = 0;
  const n = raw.length;
  while (i < n && isNameChar(raw.charCodeAt(i))) i++;
  if (i === 0 || i >= n) return null;
  const name = raw.slice(0, i).toUpperCase();
  let params: Record<string, string[]> = NO_PARAMS;
  while (i < n && raw[i] === ';') {
    if (params === NO_PARAMS) params = {};
    i++;
    const start = i;
    while (i < n && isNameChar(raw.charCodeAt(i))) i++;
    const pname = raw.slice(start, i).toUpperCase();
    if (pname === '') return null;
    const values: string[] = [];
    if (raw[i] === '=') {
      i++;
      for (;;) {
        if (raw[i] === '"') {
          const close = raw.indexOf('"', i + 1);
          if (close < 0) return null;
          values.push(decodeParam(raw.slice(i + 1, close)));
          i = close + 1;
        } else {
          const start2 = i;
          while (i < n && raw[i] !== ',' && raw[i] !== ';' && raw[i] !== ':') i++;
          values.push(decodeParam(raw.slice(start2, i)));
        }
        if (raw[i] === ',') {
          i++;
          continue;
        }
        break;
      }
    }
    (params[pname] ??= []).push(...values);
  }
  if (i >= n || raw[i] !== ':') return null;
  return { name, params, value: raw.slice(i + 1), raw, line };
}

/** Shared by every line without parameters (most of them); never written to. */
const NO_PARAMS: Record<string, string[]> = Object.freeze({});

function isNameChar(c: number): boolean {
  // A-Z a-z 0-9 '-' (iana-token / x-name); '_' and '.' are tolerated, some generators use them.
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95 || c === 46;
}

/** RFC 6868: ^n newline, ^' double quote, ^^ caret. */
function decodeParam(v: string): string {
  if (!v.includes('^')) return v;
  return v.replace(/\^(n|N|'|\^)/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c === "'" ? '"' : '^'));
}

function param(cl: ContentLine, name: string): string | undefined {
  const v = cl.params[name]?.[0];
  return v === undefined ? undefined : v.trim();
}

/** TEXT value unescaping (RFC 5545 §3.3.11), lenient about `\:` which some generators write. */
export function unescapeText(v: string): string {
  if (!v.includes('\\')) return v;
  return v.replace(/\\([\\;,nN:])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** Splits a multi-valued TEXT property on unescaped commas, then unescapes each value. */
function splitTextList(v: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '\\' && i + 1 < v.length) {
      cur += c + v[i + 1];
      i++;
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out.map((s) => unescapeText(s).trim()).filter((s) => s !== '');
}

// ---------------------------------------------------------------------------------------------------------------
// Structure

/**
 * Splits the file into components. Throws ItemReadError('E_PARSE') when the text is empty or has no iCalendar
 * structure (no BEGIN:VCALENDAR and no BEGIN:VEVENT), so the engine keeps what was indexed from it before.
 */
export function scanCalendar(text: string, path: string): ScannedCalendar {
  const lines = unfold(text);
  const scan: ScannedCalendar = {
    path,
    calendarProps: [],
    itemCalendars: new Map(),
    events: [],
    todos: [],
    journals: [],
    truncatedEvents: [],
    timezones: [],
    issues: [],
  };
  const stack: RawComponent[] = [];
  let calendar: RawComponent | null = null;
  let sawCalendar = false;
  let sawEvent = false;
  let nonBlank = 0;
  let unreadable = 0;
  let firstUnreadable = 0;
  let unclosed = 0;
  let strayEnds = 0;

  const close = (c: RawComponent) => {
    const parent = stack.length > 0 ? stack[stack.length - 1] : null;
    if (ITEM_COMPONENTS.has(c.name)) {
      for (let k = stack.length - 1; k >= 0; k--) {
        if (stack[k].name !== 'VCALENDAR') continue;
        scan.itemCalendars.set(c, stack[k].props);
        break;
      }
    }
    if (c.name === 'VEVENT') scan.events.push(c);
    else if (c.name === 'VTODO') scan.todos.push(c);
    else if (c.name === 'VJOURNAL') scan.journals.push(c);
    else if (c.name === 'VTIMEZONE') scan.timezones.push(c);
    else if ((c.name === 'STANDARD' || c.name === 'DAYLIGHT') && parent?.name === 'VTIMEZONE') parent.children.push(c);
  };
  const junk = (line: number) => {
    unreadable++;
    if (firstUnreadable === 0) firstUnreadable = line;
  };

  for (const { text: raw, line } of lines) {
    if (raw.trim() === '') continue;
    nonBlank++;
    const cl = parseContentLine(raw, line);
    if (!cl) {
      junk(line);
      continue;
    }
    if (cl.name === 'BEGIN') {
      const name = cl.value.trim().toUpperCase();
      if (name === '' || stack.length >= MAX_DEPTH) {
        junk(line);
        continue;
      }
      if (ITEM_COMPONENTS.has(name)) {
        sawEvent = true;
        const open = stack.findIndex((c) => ITEM_COMPONENTS.has(c.name));
        if (open >= 0) {
          // An event, task or journal entry begun inside another: the previous one lacks its END. Close it here.
          while (stack.length > open) {
            const c = stack.pop()!;
            unclosed++;
            close(c);
          }
        }
      }
      const comp: RawComponent = { name, props: [], children: [], line };
      if (name === 'VCALENDAR') {
        sawCalendar = true;
        calendar ??= comp;
      }
      stack.push(comp);
      continue;
    }
    if (cl.name === 'END') {
      const name = cl.value.trim().toUpperCase();
      let idx = -1;
      for (let k = stack.length - 1; k >= 0; k--) {
        if (stack[k].name === name) {
          idx = k;
          break;
        }
      }
      if (idx < 0) {
        strayEnds++;
        continue;
      }
      while (stack.length > idx + 1) {
        unclosed++;
        close(stack.pop()!);
      }
      close(stack.pop()!);
      continue;
    }
    if (stack.length === 0) {
      junk(line);
      continue;
    }
    stack[stack.length - 1].props.push(cl);
  }

  if (nonBlank === 0) throw new ItemReadError('E_PARSE', 'This .ics file is empty.');
  if (!sawCalendar && !sawEvent) {
    throw new ItemReadError(
      'E_PARSE',
      'This file is not an iCalendar (.ics) file: it has no BEGIN:VCALENDAR or BEGIN:VEVENT.',
    );
  }

  let calendarOpen = false;
  while (stack.length > 0) {
    const c = stack.pop()!;
    if (ITEM_COMPONENTS.has(c.name)) scan.truncatedEvents.unshift(c);
    else if (c.name === 'VCALENDAR') calendarOpen = true;
  }
  scan.calendarProps = calendar ? calendar.props : [];

  const problems: string[] = [];
  if (!sawCalendar) problems.push('it has no BEGIN:VCALENDAR');
  if (calendarOpen) problems.push('it ends without END:VCALENDAR (cut off?); the complete events were read');
  if (unclosed > 0) problems.push(`${unclosed} component${unclosed > 1 ? 's were' : ' was'} not closed properly`);
  if (strayEnds > 0) problems.push(`${strayEnds} END line${strayEnds > 1 ? 's' : ''} without a matching BEGIN`);
  if (unreadable > 0) {
    problems.push(
      `${unreadable} line${unreadable > 1 ? 's' : ''} could not be read and ${unreadable > 1 ? 'were' : 'was'} skipped (first at line ${firstUnreadable})`,
    );
  }
  if (problems.length > 0) {
    scan.issues.push({
      path,
      code: 'W_ICS_INVALID',
      message: `This calendar file is malformed: ${problems.join('; ')}.`,
      severity: 'warning',
    });
  }
  return scan;
}

// ---------------------------------------------------------------------------------------------------------------
// Time zones

/**
 * An IANA zone computed through Intl, usable wherever ical.js expects a Timezone. formatToParts costs ~10 µs, so
 * offsets are cached per UTC day (a day whose two ends have the same offset has no transition inside it; a day
 * that does is computed exactly every time). Instances are shared by every file.
 */
class IntlTimezone extends ICAL.Timezone {
  static readonly #instances = new Map<string, IntlTimezone>();

  static for(name: string): IntlTimezone {
    let tz = IntlTimezone.#instances.get(name);
    if (!tz) {
      if (IntlTimezone.#instances.size >= 256) IntlTimezone.#instances.clear();
      tz = new IntlTimezone(name);
      IntlTimezone.#instances.set(name, tz);
    }
    return tz;
  }

  readonly ianaName: string;
  readonly #format: Intl.DateTimeFormat;
  /** UTC day number → offset (ms) for the whole day, or null when the offset changes during that day. */
  readonly #days = new Map<number, number | null>();

  private constructor(ianaName: string) {
    super({ tzid: ianaName });
    this.ianaName = ianaName;
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone: ianaName,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
  }

  /** Offset (seconds) of a wall-clock time in this zone. */
  override utcOffset(tt: ICAL.Time): number {
    return this.wallOffset(utcMs(tt.year, tt.month, tt.day, tt.hour, tt.minute, tt.second)) / 1000;
  }

  /** Offset (ms) of a wall-clock time given as "ms since epoch if it were UTC". */
  wallOffset(wall: number): number {
    const first = this.offsetAt(wall);
    const second = this.offsetAt(wall - first);
    return second === first ? first : second;
  }

  /** Offset (ms) in effect at an instant. */
  offsetAt(epochMs: number): number {
    const day = Math.floor(epochMs / DAY_MS);
    const known = this.#days.get(day);
    if (typeof known === 'number') return known;
    if (known === null) return this.#exactOffset(epochMs);
    const a = this.#exactOffset(day * DAY_MS);
    const b = this.#exactOffset((day + 1) * DAY_MS - 1000);
    if (this.#days.size > 100_000) this.#days.clear();
    this.#days.set(day, a === b ? a : null);
    return a === b ? a : this.#exactOffset(epochMs);
  }

  wallAt(epochMs: number): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
    const d = new Date(Math.floor(epochMs / 1000) * 1000 + this.offsetAt(epochMs));
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
    };
  }

  #exactOffset(epochMs: number): number {
    const f: Record<string, string> = {};
    for (const p of this.#format.formatToParts(new Date(epochMs))) f[p.type] = p.value;
    const year = f.era === 'BC' || f.era === 'B' ? 1 - Number(f.year) : Number(f.year);
    const wall = utcMs(year, Number(f.month), Number(f.day), Number(f.hour) % 24, Number(f.minute), Number(f.second));
    return wall - Math.floor(epochMs / 1000) * 1000;
  }
}

/** Date.UTC without the 0–99 → 1900s year mapping. */
function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second);
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

/**
 * Windows zone names (Outlook, Exchange) → IANA, CLDR's windowsZones.xml "001" entries. A file's own VTIMEZONE wins:
 * this is for files made from Exchange data (Microsoft Graph, sync tools, some invitations) that name the zone
 * without defining it, whose times were read as local time, hours off for anyone not in that zone.
 */
const WINDOWS_ZONES: Readonly<Record<string, string>> = {
  'Dateline Standard Time': 'Etc/GMT+12',
  'UTC-11': 'Etc/GMT+11',
  'Aleutian Standard Time': 'America/Adak',
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Marquesas Standard Time': 'Pacific/Marquesas',
  'Alaskan Standard Time': 'America/Anchorage',
  'UTC-09': 'Etc/GMT+9',
  'Pacific Standard Time (Mexico)': 'America/Tijuana',
  'UTC-08': 'Etc/GMT+8',
  'Pacific Standard Time': 'America/Los_Angeles',
  'US Mountain Standard Time': 'America/Phoenix',
  'Mountain Standard Time (Mexico)': 'America/Mazatlan',
  'Mountain Standard Time': 'America/Denver',
  'Yukon Standard Time': 'America/Whitehorse',
  'Central America Standard Time': 'America/Guatemala',
  'Central Standard Time': 'America/Chicago',
  'Easter Island Standard Time': 'Pacific/Easter',
  'Central Standard Time (Mexico)': 'America/Mexico_City',
  'Canada Central Standard Time': 'America/Regina',
  'SA Pacific Standard Time': 'America/Bogota',
  'Eastern Standard Time (Mexico)': 'America/Cancun',
  'Eastern Standard Time': 'America/New_York',
  'Haiti Standard Time': 'America/Port-au-Prince',
  'Cuba Standard Time': 'America/Havana',
  'US Eastern Standard Time': 'America/Indiana/Indianapolis',
  'Turks And Caicos Standard Time': 'America/Grand_Turk',
  'Paraguay Standard Time': 'America/Asuncion',
  'Atlantic Standard Time': 'America/Halifax',
  'Venezuela Standard Time': 'America/Caracas',
  'Central Brazilian Standard Time': 'America/Cuiaba',
  'SA Western Standard Time': 'America/La_Paz',
  'Pacific SA Standard Time': 'America/Santiago',
  'Newfoundland Standard Time': 'America/St_Johns',
  'Tocantins Standard Time': 'America/Araguaina',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'SA Eastern Standard Time': 'America/Cayenne',
  'Argentina Standard Time': 'America/Argentina/Buenos_Aires',
  'Greenland Standard Time': 'America/Nuuk',
  'Montevideo Standard Time': 'America/Montevideo',
  'Magallanes Standard Time': 'America/Punta_Arenas',
  'Saint Pierre Standard Time': 'America/Miquelon',
  'Bahia Standard Time': 'America/Bahia',
  'UTC-02': 'Etc/GMT+2',
  'Azores Standard Time': 'Atlantic/Azores',
  'Cape Verde Standard Time': 'Atlantic/Cape_Verde',
  UTC: 'Etc/UTC',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'Sao Tome Standard Time': 'Africa/Sao_Tome',
  'Morocco Standard Time': 'Africa/Casablanca',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Romance Standard Time': 'Europe/Paris',
  'Central European Standard Time': 'Europe/Warsaw',
  'W. Central Africa Standard Time': 'Africa/Lagos',
  'Jordan Standard Time': 'Asia/Amman',
  'GTB Standard Time': 'Europe/Bucharest',
  'Middle East Standard Time': 'Asia/Beirut',
  'Egypt Standard Time': 'Africa/Cairo',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'Syria Standard Time': 'Asia/Damascus',
  'West Bank Standard Time': 'Asia/Hebron',
  'South Africa Standard Time': 'Africa/Johannesburg',
  'FLE Standard Time': 'Europe/Kyiv',
  'Israel Standard Time': 'Asia/Jerusalem',
  'South Sudan Standard Time': 'Africa/Juba',
  'Kaliningrad Standard Time': 'Europe/Kaliningrad',
  'Sudan Standard Time': 'Africa/Khartoum',
  'Libya Standard Time': 'Africa/Tripoli',
  'Namibia Standard Time': 'Africa/Windhoek',
  'Arabic Standard Time': 'Asia/Baghdad',
  'Turkey Standard Time': 'Europe/Istanbul',
  'Arab Standard Time': 'Asia/Riyadh',
  'Belarus Standard Time': 'Europe/Minsk',
  'Russian Standard Time': 'Europe/Moscow',
  'E. Africa Standard Time': 'Africa/Nairobi',
  'Iran Standard Time': 'Asia/Tehran',
  'Arabian Standard Time': 'Asia/Dubai',
  'Astrakhan Standard Time': 'Europe/Astrakhan',
  'Azerbaijan Standard Time': 'Asia/Baku',
  'Russia Time Zone 3': 'Europe/Samara',
  'Mauritius Standard Time': 'Indian/Mauritius',
  'Saratov Standard Time': 'Europe/Saratov',
  'Georgian Standard Time': 'Asia/Tbilisi',
  'Volgograd Standard Time': 'Europe/Volgograd',
  'Caucasus Standard Time': 'Asia/Yerevan',
  'Afghanistan Standard Time': 'Asia/Kabul',
  'West Asia Standard Time': 'Asia/Tashkent',
  'Ekaterinburg Standard Time': 'Asia/Yekaterinburg',
  'Pakistan Standard Time': 'Asia/Karachi',
  'Qyzylorda Standard Time': 'Asia/Qyzylorda',
  'India Standard Time': 'Asia/Kolkata',
  'Sri Lanka Standard Time': 'Asia/Colombo',
  'Nepal Standard Time': 'Asia/Kathmandu',
  'Central Asia Standard Time': 'Asia/Bishkek',
  'Bangladesh Standard Time': 'Asia/Dhaka',
  'Omsk Standard Time': 'Asia/Omsk',
  'Myanmar Standard Time': 'Asia/Yangon',
  'SE Asia Standard Time': 'Asia/Bangkok',
  'Altai Standard Time': 'Asia/Barnaul',
  'W. Mongolia Standard Time': 'Asia/Hovd',
  'North Asia Standard Time': 'Asia/Krasnoyarsk',
  'N. Central Asia Standard Time': 'Asia/Novosibirsk',
  'Tomsk Standard Time': 'Asia/Tomsk',
  'China Standard Time': 'Asia/Shanghai',
  'North Asia East Standard Time': 'Asia/Irkutsk',
  'Singapore Standard Time': 'Asia/Singapore',
  'W. Australia Standard Time': 'Australia/Perth',
  'Taipei Standard Time': 'Asia/Taipei',
  'Ulaanbaatar Standard Time': 'Asia/Ulaanbaatar',
  'Aus Central W. Standard Time': 'Australia/Eucla',
  'Transbaikal Standard Time': 'Asia/Chita',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'North Korea Standard Time': 'Asia/Pyongyang',
  'Korea Standard Time': 'Asia/Seoul',
  'Yakutsk Standard Time': 'Asia/Yakutsk',
  'Cen. Australia Standard Time': 'Australia/Adelaide',
  'AUS Central Standard Time': 'Australia/Darwin',
  'E. Australia Standard Time': 'Australia/Brisbane',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'West Pacific Standard Time': 'Pacific/Port_Moresby',
  'Tasmania Standard Time': 'Australia/Hobart',
  'Vladivostok Standard Time': 'Asia/Vladivostok',
  'Lord Howe Standard Time': 'Australia/Lord_Howe',
  'Bougainville Standard Time': 'Pacific/Bougainville',
  'Russia Time Zone 10': 'Asia/Srednekolymsk',
  'Magadan Standard Time': 'Asia/Magadan',
  'Norfolk Standard Time': 'Pacific/Norfolk',
  'Sakhalin Standard Time': 'Asia/Sakhalin',
  'Central Pacific Standard Time': 'Pacific/Guadalcanal',
  'Russia Time Zone 11': 'Asia/Kamchatka',
  'New Zealand Standard Time': 'Pacific/Auckland',
  'UTC+12': 'Etc/GMT-12',
  'Fiji Standard Time': 'Pacific/Fiji',
  'Chatham Islands Standard Time': 'Pacific/Chatham',
  'UTC+13': 'Etc/GMT-13',
  'Tonga Standard Time': 'Pacific/Tongatapu',
  'Samoa Standard Time': 'Pacific/Apia',
  'Line Islands Standard Time': 'Pacific/Kiritimati',
};

const ianaNames = new Map<string, boolean>();

/** Whether Intl knows the zone (cached: constructing a DateTimeFormat costs tens of microseconds). */
function isIanaZone(name: string): boolean {
  if (name === '' || name.length > 100) return false;
  let known = ianaNames.get(name);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name });
      known = true;
    } catch {
      known = false;
    }
    if (ianaNames.size >= 1024) ianaNames.clear();
    ianaNames.set(name, known);
  }
  return known;
}

interface Zone {
  tz: ICAL.Timezone;
  /** Shown after times, e.g. "(Europe/Paris)"; null for floating times. */
  label: string | null;
  kind: 'utc' | 'vtimezone' | 'intl' | 'floating';
}

function utcZone(): Zone {
  return { tz: ICAL.Timezone.utcTimezone, label: 'UTC', kind: 'utc' };
}

function zoneFromName(name: string, label: string | null, kind: Zone['kind']): Zone {
  if (name === 'UTC' || name === 'Etc/UTC') return { tz: ICAL.Timezone.utcTimezone, label, kind };
  return { tz: IntlTimezone.for(name), label, kind };
}

/**
 * Reads the file's VTIMEZONEs through ical.js, skipping any that is malformed or would expand badly. Definitions
 * are cached across files by their text (Outlook repeats the same blocks in every export), and observances that
 * start before 1970 are moved to 1970: Outlook writes `DTSTART:16010101T000000`, which makes ical.js expand four
 * centuries of transitions (~100 ms per zone) for rules that only describe the present anyway.
 */
function buildVtimezone(comp: RawComponent, tzid: string): ICAL.Timezone | null {
  if (comp.children.length === 0 || !comp.children.every(isSaneObservance)) return null;
  const text = ['BEGIN:VTIMEZONE', ...comp.props.map((p) => p.raw)];
  for (const child of comp.children) {
    text.push(`BEGIN:${child.name}`);
    for (const p of child.props) text.push(p.name === 'DTSTART' ? clampObservanceStart(p, child) : p.raw);
    text.push(`END:${child.name}`);
  }
  text.push('END:VTIMEZONE');
  const key = createHash('sha256').update(text.join('\n')).digest('hex');
  const cached = vtimezoneCache.get(key);
  if (cached !== undefined) return cached;
  let tz: ICAL.Timezone | null;
  try {
    const component = new ICAL.Component(ICAL.parse(text.join('\r\n')) as unknown[]);
    tz = new ICAL.Timezone({ component, tzid });
    // Probe once: a definition that throws here would throw for every event using it.
    tz.utcOffset(ICAL.Time.fromData({ year: 2020, month: 6, day: 1, hour: 12, minute: 0, second: 0 }));
  } catch {
    tz = null; // not usable: the TZID falls back to its IANA name, else it is reported as unknown
  }
  if (vtimezoneCache.size >= VTIMEZONE_CACHE_SIZE) vtimezoneCache.delete(vtimezoneCache.keys().next().value!);
  vtimezoneCache.set(key, tz);
  return tz;
}

const VTIMEZONE_CACHE_SIZE = 64;
const vtimezoneCache = new Map<string, ICAL.Timezone | null>();

function clampObservanceStart(p: ContentLine, observance: RawComponent): string {
  const d = parseIcalDate(p.value);
  const open = observance.props.some((x) => x.name === 'RRULE' && !/UNTIL=|COUNT=/i.test(x.value));
  if (!d || d.year >= 1970 || !open || observance.props.some((x) => x.name === 'RDATE')) return p.raw;
  return `DTSTART:1970${pad(d.month)}${pad(Math.min(d.day, 28))}T${pad(d.hour)}${pad(d.minute)}${pad(d.second)}`;
}

/** A STANDARD/DAYLIGHT block ical.js can expand in bounded time: offsets, a DTSTART, at most a YEARLY rule. */
function isSaneObservance(c: RawComponent): boolean {
  const get = (n: string) => c.props.filter((p) => p.name === n);
  const offset = /^[+-]\d{4}(\d{2})?$/;
  if (!get('TZOFFSETTO').every((p) => offset.test(p.value.trim())) || get('TZOFFSETTO').length !== 1) return false;
  if (!get('TZOFFSETFROM').every((p) => offset.test(p.value.trim()))) return false;
  const start = get('DTSTART');
  if (start.length !== 1 || !parseIcalDate(start[0].value)) return false;
  for (const r of get('RRULE')) {
    const parsed = parseRecurrenceRule(r.value);
    if (!parsed.ok || parsed.rule.freq !== 'YEARLY') return false;
  }
  const rdates = get('RDATE').reduce((n, p) => n + p.value.split(',').length, 0);
  return rdates <= 1000;
}

// ---------------------------------------------------------------------------------------------------------------
// Per-file context

class StepLimitError extends Error {}
class BudgetError extends Error {}

/** Set while one event's recurrence is being expanded; ical.js's loops call it through GuardedIterator. */
let activeGuard: ((weight: number) => void) | null = null;

class GuardedIterator extends ICAL.RecurIterator {
  override check_contracting_rules(): boolean {
    activeGuard?.(1);
    return super.check_contracting_rules();
  }

  override expand_year_days(aYear: number): number {
    activeGuard?.(32);
    return super.expand_year_days(aYear);
  }

  override increment_month(): void {
    activeGuard?.(1);
    super.increment_month();
  }
}

class FileContext {
  readonly path: string;
  readonly idPrefix: string;
  readonly now: number;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly maxOccurrences: number;
  readonly maxIterations: number;
  readonly maxSteps: number;
  readonly budgetMs: number;
  readonly clock: () => number;
  readonly local: Zone;
  /**
   * Where UTC times are shown: the X-WR-TIMEZONE of the calendar of the item being read or written, else the local
   * zone. Set by `enterCalendarOf` rather than passed along: items are read and written one at a time, and every
   * function that words a time would otherwise need the item too.
   */
  display: Zone;
  readonly #localDisplay: Zone;
  /** The first VCALENDAR's: the calendar of items outside any. */
  readonly #fileCalendar: CalendarInfo;
  readonly #itemCalendars: Map<RawComponent, ContentLine[]>;
  /** By the VCALENDAR's properties: a file of one calendar reads its name and zone once, not once per item. */
  readonly #calendars = new Map<ContentLine[], CalendarInfo>();
  /** VTIMEZONE components by TZID; built into ICAL.Timezone only when an event uses them. */
  readonly #vtimezones = new Map<string, RawComponent>();
  readonly unknownTzids = new Map<string, number>();
  readonly #zones = new Map<string, Zone | null>();
  spentMs = 0;
  budgetExhausted = false;
  budgetReported = false;

  constructor(scan: ScannedCalendar, opts: IcsOptions) {
    this.path = opts.path;
    this.idPrefix = opts.idPrefix ?? '';
    this.now = opts.now ?? Date.now();
    const windowMs = (opts.windowDays ?? DEFAULTS.windowDays) * DAY_MS;
    this.windowStart = this.now - windowMs;
    this.windowEnd = this.now + windowMs;
    this.maxOccurrences = opts.maxOccurrences ?? DEFAULTS.maxOccurrences;
    this.maxIterations = opts.maxIterations ?? DEFAULTS.maxIterations;
    this.maxSteps = opts.maxSteps ?? DEFAULTS.maxSteps;
    this.budgetMs = opts.budgetMs ?? DEFAULTS.budgetMs;
    this.clock = opts.clock ?? (() => performance.now());
    const localName = opts.localTimeZone && isIanaZone(opts.localTimeZone) ? opts.localTimeZone : 'UTC';
    this.local = zoneFromName(localName, null, 'floating');
    for (const comp of scan.timezones) {
      const tzid = comp.props.find((p) => p.name === 'TZID')?.value.trim();
      if (tzid && !this.#vtimezones.has(tzid)) this.#vtimezones.set(tzid, comp);
    }
    this.#localDisplay = zoneFromName(localName, localName, 'intl');
    this.#itemCalendars = scan.itemCalendars;
    this.#fileCalendar = this.#calendarFrom(scan.calendarProps);
    this.display = this.#fileCalendar.display;
  }

  #calendarFrom(props: ContentLine[]): CalendarInfo {
    let calendar = this.#calendars.get(props);
    if (calendar === undefined) {
      const zoneName = calendarValue(props, 'X-WR-TIMEZONE');
      calendar = {
        name: calendarValue(props, 'X-WR-CALNAME'),
        display: (zoneName ? this.resolveTzid(zoneName) : null) ?? this.#localDisplay,
      };
      this.#calendars.set(props, calendar);
    }
    return calendar;
  }

  /** The calendar an item is in. */
  calendarOf(item: RawComponent): CalendarInfo {
    const props = this.#itemCalendars.get(item);
    return props ? this.#calendarFrom(props) : this.#fileCalendar;
  }

  /** Shows UTC times in the zone of the calendar `item` is in, until another item's calendar is entered. */
  enterCalendarOf(item: RawComponent): void {
    this.display = this.calendarOf(item).display;
  }

  /** The zone for a TZID parameter, or null when it is unknown. */
  resolveTzid(raw: string): Zone | null {
    const tzid = raw.trim();
    if (this.#zones.has(tzid)) return this.#zones.get(tzid)!;
    let zone: Zone | null = null;
    // An IANA name is resolved through Intl even when the file defines it: the same rules (VTIMEZONEs are generated
    // from tzdata), with the full history, and much faster than expanding the VTIMEZONE.
    if (isIanaZone(tzid)) zone = zoneFromName(tzid, tzid, 'intl');
    else {
      const comp = this.#vtimezones.get(tzid);
      const defined = comp ? buildVtimezone(comp, tzid) : null;
      if (defined) zone = { tz: defined, label: tzid, kind: 'vtimezone' };
      else {
        const windows = Object.hasOwn(WINDOWS_ZONES, tzid) ? WINDOWS_ZONES[tzid] : undefined;
        if (windows !== undefined && isIanaZone(windows)) zone = zoneFromName(windows, tzid, 'intl');
      }
    }
    if (zone === null) {
      // "/mozilla.org/20050126_1/Europe/Berlin", "/freeassociation.sourceforge.net/Tzfile/Europe/Berlin"…
      const segments = tzid.split('/').filter((s) => s !== '');
      for (let k = 0; k < segments.length && k < 6 && zone === null; k++) {
        const candidate = segments.slice(k).join('/');
        if (isIanaZone(candidate)) zone = zoneFromName(candidate, candidate, 'intl');
      }
    }
    this.#zones.set(tzid, zone);
    return zone;
  }
}

/** What a VCALENDAR says about the items in it. */
interface CalendarInfo {
  /** X-WR-CALNAME */
  name: string | null;
  /** Where UTC times are shown: the calendar's X-WR-TIMEZONE when known, else the local zone. */
  display: Zone;
}

function calendarValue(calendarProps: ContentLine[], name: string): string | null {
  const v = calendarProps.find((p) => p.name === name)?.value;
  const text = v === undefined ? '' : unescapeText(v).trim();
  return text === '' ? null : text;
}

// ---------------------------------------------------------------------------------------------------------------
// Events

/** Calendar fields as written (or as computed in the value's zone). */
interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  isDate: boolean;
}

/**
 * A DATE or DATE-TIME placed in time. Plain fields rather than ICAL.Time, which costs microseconds to create
 * and normalise; ical.js objects are only made for recurrence expansion.
 */
interface EventTime {
  f: Fields;
  epochMs: number;
  zone: Zone;
}

interface Person {
  name: string | null;
  email: string | null;
}

/** What events, tasks and journal entries have alike. */
interface ItemFields {
  raw: RawComponent;
  uid: string;
  /** uid, or uid#recurrence-id: unique inside the file once de-duplicated. */
  localId: string;
  summary: string | null;
  description: string | null;
  location: string | null;
  url: string | null;
  status: string | null;
  categories: string[];
  organizer: Person | null;
  attendees: Person[];
}

interface ParsedEvent extends ItemFields {
  start: EventTime;
  end: EventTime | null;
  allDay: boolean;
  recurrenceId: EventTime | null;
  /** RANGE=THISANDFUTURE on the RECURRENCE-ID: the change applies to the later occurrences too. */
  thisAndFuture: boolean;
  rules: { raw: string; rule: RecurrenceRule; until: ICAL.Time | null }[];
  /** Every RRULE value as written, readable or not. */
  rawRules: string[];
  rdates: EventTime[];
  exdates: EventTime[];
  warnings: Map<ItemIssueCode, string[]>;
}

class BrokenEvent extends Error {}

function first(raw: RawComponent, name: string): ContentLine | undefined {
  return raw.props.find((p) => p.name === name);
}

function all(raw: RawComponent, name: string): ContentLine[] {
  return raw.props.filter((p) => p.name === name);
}

function textValue(raw: RawComponent, name: string): string | null {
  const cl = first(raw, name);
  if (!cl) return null;
  const v = unescapeText(cl.value).trim();
  return v === '' ? null : v;
}

/** The UID as written, or a stable stand-in computed from the event's own lines. */
function uidOf(raw: RawComponent): string {
  const uid = first(raw, 'UID')?.value.trim();
  if (uid) return uid;
  // DTSTAMP and friends change on every export of an unchanged event; leave them out of the identity.
  const volatile = new Set(['DTSTAMP', 'LAST-MODIFIED', 'SEQUENCE', 'CREATED']);
  const h = createHash('sha256');
  for (const p of raw.props) if (!volatile.has(p.name)) h.update(p.raw).update('\n');
  return `nouid-${h.digest('hex').slice(0, 20)}`;
}

/** Epoch ms of wall-clock fields in a zone. */
function epochFor(zone: Zone, f: Fields): number {
  const wall = utcMs(f.year, f.month, f.day, f.hour, f.minute, f.second);
  if (zone.tz === ICAL.Timezone.utcTimezone) return wall;
  if (zone.tz instanceof IntlTimezone) return wall - zone.tz.wallOffset(wall);
  // A VTIMEZONE is expanded year by year from its start; far-off years (a fuzzed 9999) use a nearby year's rules.
  const year = Math.min(Math.max(f.year, 1900), 2200);
  const probe = year === f.year ? f : { ...f, year, day: Math.min(f.day, daysInMonth(year, f.month)) };
  const offsetMs =
    utcMs(probe.year, probe.month, probe.day, probe.hour, probe.minute, probe.second) -
    icalTime(probe, zone).toUnixTime() * 1000;
  return wall - Math.round(offsetMs);
}

/** A date-time's fields as UTC reads them. */
function utcFieldsOf(d: Date): Fields {
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    isDate: false,
  };
}

/** Wall-clock fields of an instant in a zone. */
function wallIn(epochMs: number, zone: Zone): Fields {
  if (zone.tz instanceof IntlTimezone) return { ...zone.tz.wallAt(epochMs), isDate: false };
  const utc = utcFieldsOf(new Date(Math.floor(epochMs / 1000) * 1000));
  if (zone.tz === ICAL.Timezone.utcTimezone) return utc;
  const t = icalTime(utc, utcZone()).convertToZone(zone.tz);
  return { year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second, isDate: false };
}

function icalTime(f: Fields, zone: Zone): ICAL.Time {
  return new ICAL.Time(
    { year: f.year, month: f.month, day: f.day, hour: f.hour, minute: f.minute, second: f.second, isDate: f.isDate },
    zone.tz,
  );
}

function fieldsOf(t: ICAL.Time): Fields {
  return {
    year: t.year,
    month: t.month,
    day: t.day,
    hour: t.hour,
    minute: t.minute,
    second: t.second,
    isDate: t.isDate,
  };
}

function addDays(f: Fields, days: number): Fields {
  const d = new Date(utcMs(f.year, f.month, f.day) + days * DAY_MS);
  return { ...f, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** 0 = Sunday … 6 = Saturday. */
function weekday(f: { year: number; month: number; day: number }): number {
  return new Date(utcMs(f.year, f.month, f.day)).getUTCDay();
}

function at(f: Fields, zone: Zone): EventTime {
  return { f, epochMs: epochFor(zone, f), zone };
}

function toEventTime(d: IcalDate, tzid: string | undefined, ctx: FileContext): EventTime {
  let zone: Zone;
  if (d.isDate) zone = ctx.local;
  else if (d.utc) zone = utcZone();
  else if (tzid) {
    const resolved = ctx.resolveTzid(tzid);
    if (resolved) zone = resolved;
    else {
      ctx.unknownTzids.set(tzid, (ctx.unknownTzids.get(tzid) ?? 0) + 1);
      // Read as floating, and show the TZID as written next to the wall-clock time.
      zone = { tz: ctx.local.tz, label: tzid, kind: 'floating' };
    }
  } else zone = ctx.local;
  const f: Fields = {
    year: d.year,
    month: d.month,
    day: d.day,
    hour: d.hour,
    minute: d.minute,
    second: d.second,
    isDate: d.isDate,
  };
  return at(f, zone);
}

function warn(ev: { warnings: Map<ItemIssueCode, string[]> }, code: ItemIssueCode, message: string): void {
  const list = ev.warnings.get(code);
  if (list) {
    if (!list.includes(message)) list.push(message);
  } else ev.warnings.set(code, [message]);
}

/** Reads a list of DATE / DATE-TIME values (EXDATE, RDATE); bad or empty values are warnings. */
function dateList(raw: RawComponent, name: 'EXDATE' | 'RDATE', ctx: FileContext, ev: ParsedEvent): EventTime[] {
  const out: EventTime[] = [];
  let bad = 0;
  for (const cl of all(raw, name)) {
    const tzid = param(cl, 'TZID');
    const values = cl.value.split(',').map((v) => v.trim());
    if (values.every((v) => v === '')) {
      bad++;
      continue;
    }
    for (const v of values) {
      if (out.length >= MAX_DATE_VALUES) break;
      // RDATE;VALUE=PERIOD: "start/end" or "start/duration"; the start is the occurrence.
      const d = parseIcalDate(name === 'RDATE' ? v.split('/')[0] : v);
      if (!d) {
        bad++;
        continue;
      }
      out.push(toEventTime(d, tzid, ctx));
    }
  }
  if (bad > 0) warn(ev, 'W_ICS_INVALID', `${bad} ${name} value${bad > 1 ? 's' : ''} without a valid date ignored`);
  return out;
}

function person(cl: ContentLine): Person | null {
  let value = cl.value.trim();
  if (/^mailto:/i.test(value)) value = value.slice(7).trim();
  const email = /^[^\s@<>]+@[^\s@<>]+$/.test(value) ? value : null;
  let name = param(cl, 'CN') ?? null;
  if (name !== null) {
    name = name.replace(/^"+|"+$/g, '').trim();
    if (name === '' || (email !== null && name.toLowerCase() === email.toLowerCase())) name = null;
  }
  if (name === null && email === null) return null;
  return { name, email };
}

function formatPerson(p: Person): string {
  if (p.name && p.email) return `${p.name} <${p.email}>`;
  return p.name ?? p.email ?? '';
}

function looksLikeHtml(s: string): boolean {
  return /<(br|p|div|span|a|b|i|u|strong|em|ul|ol|li|html|body|table|tr|td|font|h[1-6])\b[^>]*>/i.test(s);
}

function descriptionOf(raw: RawComponent): string | null {
  const plain = textValue(raw, 'DESCRIPTION');
  const html = plain === null ? all(raw, 'X-ALT-DESC').find((p) => /html/i.test(param(p, 'FMTTYPE') ?? '')) : undefined;
  const source = plain ?? (html ? unescapeText(html.value) : null);
  return source === null ? null : plainDescription(source);
}

/** Longest DURATION accepted; beyond it the value is treated as invalid. */
const MAX_DURATION_DAYS = 3660;

/** A positive RFC 5545 DURATION split into nominal days and exact seconds; null when malformed or too long. */
function parseDuration(raw: string): { days: number; seconds: number } | null {
  const v = raw.trim().toUpperCase();
  const m = /^\+?P(?:(\d{1,7})W|(?:(\d{1,7})D)?(?:T(?=\d)(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,9})S)?)?)$/.exec(v);
  if (!m || /^\+?P$/.test(v)) return null;
  const [w, d, h, min, sec] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  const days = w * 7 + d;
  const seconds = h * 3600 + min * 60 + sec;
  return days + seconds / 86_400 > MAX_DURATION_DAYS ? null : { days, seconds };
}

/** The ORGANIZER, and the ATTENDEEs once each. */
function peopleOf(raw: RawComponent): { organizer: Person | null; attendees: Person[] } {
  const org = first(raw, 'ORGANIZER');
  const attendees: Person[] = [];
  const seen = new Set<string>();
  for (const a of all(raw, 'ATTENDEE')) {
    const p = person(a);
    if (!p) continue;
    const key = (p.email ?? p.name ?? '').toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    attendees.push(p);
  }
  return { organizer: org ? person(org) : null, attendees };
}

/** `start` + a DURATION; null when that is not after `start`. */
function afterDuration(start: EventTime, dur: { days: number; seconds: number }): EventTime | null {
  // Nominal days (RFC 5545 §3.3.6) move the wall clock, so a DST change keeps 10:00 at 10:00; hours are exact.
  const day = at(addDays(start.f, dur.days), start.zone);
  const epochMs = day.epochMs + (start.f.isDate ? 0 : dur.seconds * 1000);
  if (epochMs <= start.epochMs) return null;
  return start.f.isDate ? day : { f: wallIn(epochMs, start.zone), epochMs, zone: start.zone };
}

/** Interprets one VEVENT. Throws BrokenEvent for an event that cannot be placed in time. */
function parseEvent(raw: RawComponent, ctx: FileContext): ParsedEvent {
  ctx.enterCalendarOf(raw); // an Outlook all-day date is midnight where its UTC times are shown
  const uid = uidOf(raw);
  const warnings = new Map<ItemIssueCode, string[]>();

  const dtstart = first(raw, 'DTSTART');
  if (!dtstart) throw new BrokenEvent('This event has no start date (DTSTART); it is not indexed.');
  const writtenStart = parseIcalDate(dtstart.value);
  if (!writtenStart) {
    throw new BrokenEvent(`This event's start date "${clip(dtstart.value)}" is not a valid date; it is not indexed.`);
  }
  const allDayDates = outlookAllDayDates(raw, dtstart, writtenStart, ctx);
  const startDate = allDayDates?.start ?? writtenStart;
  const start = toEventTime(startDate, param(dtstart, 'TZID'), ctx);
  if (!Number.isFinite(start.epochMs)) {
    throw new BrokenEvent("This event's start date cannot be placed in time; it is not indexed.");
  }

  const ev: ParsedEvent = {
    raw,
    uid,
    localId: uid,
    summary: textValue(raw, 'SUMMARY')?.replace(/\s+/g, ' ') ?? null,
    description: descriptionOf(raw),
    location: textValue(raw, 'LOCATION')?.replace(/\s*\n\s*/g, ', ') ?? null,
    url: first(raw, 'URL')?.value.trim() || null,
    status: textValue(raw, 'STATUS'),
    categories: [...new Set(all(raw, 'CATEGORIES').flatMap((c) => splitTextList(c.value)))],
    ...peopleOf(raw),
    start,
    end: null,
    allDay: startDate.isDate,
    recurrenceId: null,
    thisAndFuture: false,
    rules: [],
    rawRules: [],
    rdates: [],
    exdates: [],
    warnings,
  };

  // End: DTEND, else DURATION, else none (RFC: a date lasts one day, a date-time is an instant).
  const dtend = first(raw, 'DTEND');
  const duration = first(raw, 'DURATION');
  if (dtend) {
    const d = allDayDates?.end ?? parseIcalDate(dtend.value);
    if (!d) warn(ev, 'W_ICS_INVALID', `end date "${clip(dtend.value)}" is not a valid date and was ignored`);
    else if (d.isDate !== startDate.isDate) {
      warn(ev, 'W_ICS_INVALID', 'end date and start date are of different kinds (date vs date-time); end ignored');
    } else {
      const end = toEventTime(d, param(dtend, 'TZID'), ctx);
      if (end.epochMs < start.epochMs) warn(ev, 'W_ICS_INVALID', 'end is before start and was ignored');
      else if (end.epochMs > start.epochMs) ev.end = end;
    }
  } else if (duration) {
    const dur = parseDuration(duration.value);
    if (dur === null) warn(ev, 'W_ICS_INVALID', `duration "${clip(duration.value)}" is not valid and was ignored`);
    else ev.end = afterDuration(start, dur);
  }

  const rid = first(raw, 'RECURRENCE-ID');
  if (rid) {
    const d = parseIcalDate(rid.value);
    if (d) {
      ev.recurrenceId = toEventTime(d, param(rid, 'TZID'), ctx);
      ev.localId = `${uid}#${isoOf(ev.recurrenceId)}`;
      ev.thisAndFuture = param(rid, 'RANGE')?.toUpperCase() === 'THISANDFUTURE';
    } else warn(ev, 'W_ICS_INVALID', `RECURRENCE-ID "${clip(rid.value)}" is not a valid date and was ignored`);
  }

  for (const cl of all(raw, 'RRULE').slice(0, MAX_RULES)) {
    ev.rawRules.push(cl.value.trim());
    const parsed = parseRecurrenceRule(cl.value);
    for (const w of parsed.warnings) warn(ev, 'W_ICS_RRULE', `repeat rule: ${w}`);
    if (!parsed.ok) {
      warn(
        ev,
        'W_ICS_RRULE',
        `the repeat rule "${clip(cl.value)}" could not be read (${parsed.error}); only the first occurrence is indexed`,
      );
      continue;
    }
    ev.rules.push({ raw: cl.value.trim(), rule: parsed.rule, until: zonedUntil(parsed.rule, start) });
  }
  ev.exdates = dateList(raw, 'EXDATE', ctx, ev);
  ev.rdates = dateList(raw, 'RDATE', ctx, ev);
  return ev;
}

/**
 * The dates of an event Outlook marks all-day (X-MICROSOFT-CDO-ALLDAYEVENT) but writes as midnight date-times in a
 * zone, read as the VALUE=DATE dates they stand for; otherwise "00:00 – 00:00" on two days. Null when the event is not
 * marked so or a time is not midnight where it is shown (then the times as written are all there is to go by).
 */
function outlookAllDayDates(
  raw: RawComponent,
  dtstart: ContentLine,
  start: IcalDate,
  ctx: FileContext,
): { start: IcalDate; end: IcalDate | null } | null {
  if (start.isDate) return null;
  const flag = first(raw, 'X-MICROSOFT-CDO-ALLDAYEVENT') ?? first(raw, 'X-MICROSOFT-MSNCALENDAR-ALLDAYEVENT');
  if (flag?.value.trim().toUpperCase() !== 'TRUE') return null;
  const startDay = midnightDate(start, param(dtstart, 'TZID'), ctx);
  if (startDay === null) return null;
  const dtend = first(raw, 'DTEND');
  if (!dtend) return { start: startDay, end: null };
  const end = parseIcalDate(dtend.value);
  const endDay = end && !end.isDate ? midnightDate(end, param(dtend, 'TZID'), ctx) : null;
  return endDay === null ? null : { start: startDay, end: endDay };
}

/** The date of a date-time that falls at 00:00:00 where it is shown (a UTC one in the calendar's zone), else null. */
function midnightDate(d: IcalDate, tzid: string | undefined, ctx: FileContext): IcalDate | null {
  const t = toEventTime(d, tzid, ctx);
  if (!Number.isFinite(t.epochMs)) return null;
  const f = shown(t, ctx).f;
  if (f.hour !== 0 || f.minute !== 0 || f.second !== 0) return null;
  return { year: f.year, month: f.month, day: f.day, hour: 0, minute: 0, second: 0, isDate: true, utc: false };
}

/**
 * UNTIL as an instant ical.js compares correctly: UTC stays UTC; a floating date-time is in the event's zone; a
 * DATE bounding a timed event (invalid per RFC, common in practice) means the end of that day.
 */
function zonedUntil(rule: RecurrenceRule, start: EventTime): ICAL.Time | null {
  const u = rule.until;
  if (!u) return null;
  if (u.utc) return icalTime({ ...u, isDate: false }, utcZone());
  if (u.isDate && !start.f.isDate)
    return icalTime({ ...u, hour: 23, minute: 59, second: 59, isDate: false }, start.zone);
  if (!u.isDate && start.f.isDate) return icalTime({ ...u, hour: 0, minute: 0, second: 0, isDate: true }, start.zone);
  return icalTime({ ...u }, start.zone);
}

// ---------------------------------------------------------------------------------------------------------------
// Recurrence expansion

interface Expansion {
  next: EventTime[];
  previous: EventTime | null;
  truncated: boolean;
  issues: { code: ItemIssueCode; message: string }[];
}

const FIXED_PERIOD_SECONDS: Partial<Record<RecurrenceRule['freq'], number>> = {
  SECONDLY: 1,
  MINUTELY: 60,
  HOURLY: 3600,
  DAILY: 86_400,
  WEEKLY: 604_800,
};

/**
 * Moves the start of a rule forward by whole periods to a little before `target`, so a daily meeting that
 * started in 2015 (or a FREQ=SECONDLY rule) reaches "now" in a handful of iterations. Only where it is exact:
 * - never with COUNT, which counts from the real start;
 * - SECONDLY…WEEKLY: the BY parts are absolute (weekday, month, hour…) or tied to the week grid, which a shift by
 *   whole periods preserves;
 * - MONTHLY: with no BY parts (the implied day of month is written out as BYMONTHDAY), or with BYDAY / BYMONTHDAY,
 *   which are relative to each month;
 * - YEARLY: with no BY parts (month and day written out), or with BYMONTH plus BYMONTHDAY or BYDAY.
 * Occurrences skipped this way are all before the window.
 */
function fastForward(
  rule: RecurrenceRule,
  start: EventTime,
  target: number,
): { start: ICAL.Time; rule: RecurrenceRule } | null {
  if (rule.count !== null || target <= start.epochMs) return null;
  const fixed = FIXED_PERIOD_SECONDS[rule.freq];
  if (fixed !== undefined) {
    if (start.f.isDate && fixed < 86_400) return null;
    const periodMs = fixed * 1000 * rule.interval;
    const periods = Math.floor((target - start.epochMs) / periodMs) - 2;
    if (periods < 1) return null;
    const seconds = periods * fixed * rule.interval;
    const t = icalTime(start.f, start.zone);
    t.adjust(Math.floor(seconds / 86_400), 0, 0, seconds % 86_400);
    return { start: t, rule };
  }
  const timeParts = rule.bySecond.length + rule.byMinute.length + rule.byHour.length;
  const yearParts = rule.byYearDay.length + rule.byWeekNo.length;
  let explicit: RecurrenceRule;
  if (rule.freq === 'MONTHLY') {
    if (yearParts > 0 || rule.bySetPos.length > 0 || timeParts > 0) return null;
    const noDay = rule.byDay.length === 0 && rule.byMonthDay.length === 0;
    if (noDay && rule.byMonth.length > 0) return null;
    explicit = noDay ? { ...rule, byMonthDay: [start.f.day] } : rule;
  } else {
    if (yearParts > 0 || rule.bySetPos.length > 0 || timeParts > 0) return null;
    const none = rule.byMonth.length === 0 && rule.byDay.length === 0 && rule.byMonthDay.length === 0;
    if (none) explicit = { ...rule, byMonth: [start.f.month], byMonthDay: [start.f.day] };
    else if (rule.byMonth.length > 0 && (rule.byMonthDay.length > 0 || rule.byDay.length > 0)) explicit = rule;
    else return null;
  }
  const monthsPerPeriod = (rule.freq === 'MONTHLY' ? 1 : 12) * rule.interval;
  const t = new Date(target);
  const diff = t.getUTCFullYear() * 12 + t.getUTCMonth() - (start.f.year * 12 + start.f.month - 1);
  const periods = Math.floor(diff / monthsPerPeriod) - 2;
  if (periods < 1) return null;
  const total = start.f.year * 12 + (start.f.month - 1) + periods * monthsPerPeriod;
  const shifted: Fields = { ...start.f, year: Math.floor(total / 12), month: (total % 12) + 1, day: 1 };
  return { start: icalTime(shifted, start.zone), rule: explicit };
}

/**
 * Whether an occurrence is on a month and day the rule allows. ical.js can yield impossible dates normalised into
 * the next month: FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29 started in a common year gives 1 March until it reaches a
 * leap year.
 */
function matchesMonthParts(rule: RecurrenceRule, f: Fields): boolean {
  if (rule.byMonth.length > 0 && !rule.byMonth.includes(f.month)) return false;
  if (rule.byMonthDay.length > 0) {
    const last = daysInMonth(f.year, f.month);
    if (!rule.byMonthDay.some((d) => (d > 0 ? d : last + d + 1) === f.day)) return false;
  }
  return true;
}

function dateKey(f: Fields): string {
  return `${f.year}-${pad(f.month)}-${pad(f.day)}`;
}

/**
 * Exact expansion without ical.js for the rule shapes real calendars use (DAILY/WEEKLY with plain BYDAY, MONTHLY
 * and YEARLY by day of month or by (numbered) weekday in the month, MONTHLY by a position among weekdays (BYSETPOS),
 * BYMONTH as a filter, INTERVAL, COUNT, UNTIL), when DTSTART is itself an occurrence of the rule. ical.js takes
 * 20–300 µs per occurrence (a MONTHLY;BYDAY=2TU series started in 1995 is 0.1 s); this is plain date arithmetic, and
 * an open-ended series jumps straight to the window. Everything else, and a DTSTART out of step with its rule
 * (whose expansion RFC 5545 leaves undefined), goes to ical.js. A property test checks both paths agree.
 *
 * Yields wall-clock fields in DTSTART's zone, in order, DTSTART first (unless skipped), and returns when the
 * rule ends; the caller stops at the window, UNTIL or its caps.
 */
function simpleOccurrences(
  rule: RecurrenceRule,
  start: Fields,
  skipToDay: number | null,
  endDay: number,
): Generator<Fields> | null {
  if (
    rule.bySecond.length + rule.byMinute.length + rule.byHour.length + rule.byYearDay.length + rule.byWeekNo.length >
    0
  ) {
    return null;
  }
  const numbered = rule.byDay.some((d) => d.ordinal !== 0);
  // BYSETPOS only in the shape ical.js gives its RFC meaning, a position among a month's weekdays ("last weekday",
  // "first weekend day"); there ical.js walks every day of every month since DTSTART, ~0.5 s for a series from 2015.
  if (
    rule.bySetPos.length > 0 &&
    (rule.freq !== 'MONTHLY' || rule.byDay.length === 0 || numbered || rule.byMonthDay.length > 0)
  ) {
    return null;
  }
  const weekdays = rule.byDay.map((d) => WEEKDAY_CODES.indexOf(d.day));
  let period: (k: number) => number[]; // day numbers of period k, ascending
  let periodStart: (k: number) => number; // first day number of period k
  let firstPeriod: number;
  const startDay = dayNumber(start);

  const inMonth = (year: number, month: number): number[] => {
    const len = daysInMonth(year, month);
    const first = dayNumber({ year, month, day: 1 });
    let days: number[];
    if (rule.byMonthDay.length > 0) days = rule.byMonthDay.map((d) => (d > 0 ? d : len + d + 1));
    else if (rule.byDay.length > 0) {
      const firstWeekday = new Date(first * DAY_MS).getUTCDay();
      days = [];
      for (const { day, ordinal } of rule.byDay) {
        const wd = WEEKDAY_CODES.indexOf(day);
        const firstOf = 1 + ((wd - firstWeekday + 7) % 7);
        const all: number[] = [];
        for (let d = firstOf; d <= len; d += 7) all.push(d);
        if (ordinal === 0) days.push(...all);
        else {
          const pick = ordinal > 0 ? all[ordinal - 1] : all[all.length + ordinal];
          if (pick !== undefined) days.push(pick);
        }
      }
    } else days = [start.day];
    return [...new Set(days.filter((d) => d >= 1 && d <= len))].sort((a, b) => a - b).map((d) => first + d - 1);
  };
  const atSetPositions = (days: number[]): number[] => {
    if (rule.bySetPos.length === 0) return days;
    const picked = rule.bySetPos.map((p) => (p > 0 ? days[p - 1] : days[days.length + p]));
    return [...new Set(picked.filter((d) => d !== undefined))].sort((a, b) => a - b);
  };
  const monthAllowed = (day: number) => rule.byMonth.length === 0 || rule.byMonth.includes(fieldsOfDay(day).month);

  switch (rule.freq) {
    case 'DAILY': {
      if (numbered) return null;
      const step = rule.interval;
      period = (k) => {
        const day = startDay + k * step;
        const f = fieldsOfDay(day);
        if (weekdays.length > 0 && !weekdays.includes(new Date(day * DAY_MS).getUTCDay())) return [];
        if (rule.byMonthDay.length > 0) {
          const len = daysInMonth(f.year, f.month);
          if (!rule.byMonthDay.some((d) => (d > 0 ? d : len + d + 1) === f.day)) return [];
        }
        return monthAllowed(day) ? [day] : [];
      };
      periodStart = (k) => startDay + k * step;
      firstPeriod = skipToDay === null ? 0 : Math.floor((skipToDay - startDay) / step);
      break;
    }
    case 'WEEKLY': {
      if (numbered) return null;
      const wkst = WEEKDAY_CODES.indexOf(rule.wkst ?? 'MO');
      const days = weekdays.length > 0 ? weekdays : [new Date(startDay * DAY_MS).getUTCDay()];
      const offsets = [...new Set(days.map((d) => (d - wkst + 7) % 7))].sort((a, b) => a - b);
      const week0 = startDay - ((new Date(startDay * DAY_MS).getUTCDay() - wkst + 7) % 7);
      const step = 7 * rule.interval;
      period = (k) => offsets.map((o) => week0 + k * step + o).filter(monthAllowed);
      periodStart = (k) => week0 + k * step;
      firstPeriod = skipToDay === null ? 0 : Math.floor((skipToDay - week0) / step);
      break;
    }
    case 'MONTHLY': {
      if (rule.byMonthDay.length > 0 && rule.byDay.length > 0) return null;
      const month0 = start.year * 12 + start.month - 1;
      period = (k) => {
        const m = month0 + k * rule.interval;
        const year = Math.floor(m / 12);
        const month = (m % 12) + 1;
        return rule.byMonth.length > 0 && !rule.byMonth.includes(month) ? [] : atSetPositions(inMonth(year, month));
      };
      periodStart = (k) => {
        const m = month0 + k * rule.interval;
        return dayNumber({ year: Math.floor(m / 12), month: (m % 12) + 1, day: 1 });
      };
      if (skipToDay === null) firstPeriod = 0;
      else {
        const t = fieldsOfDay(skipToDay);
        firstPeriod = Math.floor((t.year * 12 + t.month - 1 - month0) / rule.interval);
      }
      break;
    }
    case 'YEARLY': {
      if (rule.byMonthDay.length > 0 && rule.byDay.length > 0) return null;
      if (rule.byMonth.length === 0 && (rule.byMonthDay.length > 0 || rule.byDay.length > 0)) return null;
      const months = rule.byMonth.length > 0 ? [...rule.byMonth].sort((a, b) => a - b) : [start.month];
      period = (k) => months.flatMap((month) => inMonth(start.year + k * rule.interval, month));
      periodStart = (k) => dayNumber({ year: start.year + k * rule.interval, month: 1, day: 1 });
      firstPeriod = skipToDay === null ? 0 : Math.floor((fieldsOfDay(skipToDay).year - start.year) / rule.interval);
      break;
    }
    default:
      return null;
  }
  // DTSTART must be an occurrence of its own rule; otherwise ical.js decides.
  const own = period(0);
  if (!own.includes(startDay)) return null;
  const first = Math.max(0, firstPeriod - 2);
  const time = { hour: start.hour, minute: start.minute, second: start.second, isDate: start.isDate };
  const count = rule.count;
  return (function* () {
    let n = 0;
    for (let k = first; periodStart(k) <= endDay; k++) {
      activeGuard?.(1);
      for (const day of period(k)) {
        if (k === 0 && day < startDay) continue;
        yield { ...fieldsOfDay(day), ...time };
        if (count !== null && ++n >= count) return;
      }
    }
  })();
}

const WEEKDAY_CODES: readonly WeekdayCode[] = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

function dayNumber(f: { year: number; month: number; day: number }): number {
  return Math.floor(utcMs(f.year, f.month, f.day) / DAY_MS);
}

function fieldsOfDay(day: number): { year: number; month: number; day: number } {
  const d = new Date(day * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Occurrences from ical.js, brought forward when that is exact, minus the impossible dates it can produce. */
function* icalOccurrences(
  rule: RecurrenceRule,
  until: ICAL.Time | null,
  start: EventTime,
  now: number,
): Generator<Fields> {
  const ff = fastForward(rule, start, now);
  const recur = recurFromRule(ff ? ff.rule : rule, until);
  const it = new GuardedIterator({ rule: recur, dtstart: ff ? ff.start : icalTime(start.f, start.zone) });
  for (;;) {
    const occ = it.next();
    if (!occ) return;
    const f = fieldsOf(occ);
    // ical.js yields DTSTART first whatever the rule says (RFC 5545 counts it); anything else must match.
    if (!matchesMonthParts(rule, f) && (ff !== null || dateKey(f) !== dateKey(start.f))) continue;
    yield f;
  }
}

function expand(ev: ParsedEvent, overrides: Map<string, ParsedEvent>, ctx: FileContext): Expansion {
  const result: Expansion = { next: [], previous: null, truncated: false, issues: [] };
  if (ctx.budgetExhausted) {
    result.truncated = true;
    return result;
  }
  const keyOf = (t: EventTime) => (ev.allDay ? dateKey(t.f) : String(t.epochMs));
  const excluded = new Set(ev.exdates.map(keyOf));
  const excludedDays = new Set(ev.exdates.filter((x) => x.f.isDate).map((x) => dateKey(x.f)));
  const isExcluded = (t: EventTime) => excluded.has(keyOf(t)) || (!ev.allDay && excludedDays.has(dateKey(t.f)));
  const candidates = new Map<string, EventTime>();
  let upcoming = 0;
  const limit = ctx.maxOccurrences + overrides.size;
  const consider = (t: EventTime): boolean => {
    if (t.epochMs < ctx.windowStart || t.epochMs > ctx.windowEnd || isExcluded(t)) return false;
    const k = keyOf(t);
    if (candidates.has(k)) return false;
    candidates.set(k, t);
    if (t.epochMs >= ctx.now) upcoming++;
    return upcoming >= limit;
  };

  const t0 = ctx.clock();
  const deadline = t0 + Math.max(0, ctx.budgetMs - ctx.spentMs);
  let steps = 0;
  let iterations = 0;
  activeGuard = (weight) => {
    steps += weight;
    if (steps > ctx.maxSteps) throw new StepLimitError();
    if ((steps & 1023) < weight && ctx.clock() > deadline) throw new BudgetError();
  };
  try {
    for (const { rule, until } of ev.rules) {
      const untilMs = until ? until.toUnixTime() * 1000 : null;
      if (untilMs !== null && untilMs < ctx.windowStart) continue;
      if (ev.start.epochMs > ctx.windowEnd) break;
      const endDay = Math.floor(Math.min(ctx.windowEnd, untilMs ?? Infinity) / DAY_MS) + 2;
      const skipTo = rule.count === null ? Math.floor(ctx.now / DAY_MS) : null;
      const source =
        simpleOccurrences(rule, ev.start.f, skipTo, endDay) ?? icalOccurrences(rule, until, ev.start, ctx.now);
      for (const f of source) {
        if (iterations >= ctx.maxIterations) {
          result.truncated = true;
          break;
        }
        iterations++;
        if ((iterations & 63) === 0 && ctx.clock() > deadline) throw new BudgetError();
        const t = at(f, ev.start.zone);
        if ((untilMs !== null && t.epochMs > untilMs) || t.epochMs > ctx.windowEnd) break;
        if (consider(t)) break;
      }
    }
  } catch (err) {
    result.truncated = true;
    if (err instanceof BudgetError) {
      ctx.budgetExhausted = true;
    } else if (err instanceof StepLimitError) {
      result.issues.push({
        code: 'W_ICS_RRULE',
        message: 'the repeat rule is too sparse or complex to expand within limits; some occurrences are not listed',
      });
    } else {
      const detail = err instanceof Error ? err.message : String(err);
      result.issues.push({ code: 'W_ICS_RRULE', message: `the repeat rule could not be expanded (${clip(detail)})` });
    }
  } finally {
    activeGuard = null;
    ctx.spentMs += ctx.clock() - t0;
  }
  if (ctx.spentMs > ctx.budgetMs) ctx.budgetExhausted = true;

  for (const r of ev.rdates) consider(r);

  // An overridden occurrence moves to the override's time, or disappears when the override is cancelled. One with
  // RANGE=THISANDFUTURE does the same to every later occurrence (the latest such override before it applies).
  const ranges = [...overrides.values()]
    .filter((o) => o.thisAndFuture && o.recurrenceId !== null)
    .sort((a, b) => a.recurrenceId!.epochMs - b.recurrenceId!.epochMs);
  const occurrences: EventTime[] = [];
  const datedUsed = new Set<string>();
  for (const [k, t] of candidates) {
    let o = overrides.get(k);
    if (!o && !ev.allDay && !datedUsed.has(dateKey(t.f))) {
      // An override that names only a date replaces the first occurrence on that day.
      o = overrides.get(dateKey(t.f));
      if (o) datedUsed.add(dateKey(t.f));
    }
    if (o) {
      if (!isCancelled(o)) occurrences.push(o.start);
      continue;
    }
    let range: ParsedEvent | undefined;
    for (const r of ranges) if (r.recurrenceId!.epochMs <= t.epochMs) range = r;
    if (!range) occurrences.push(t);
    else if (!isCancelled(range)) occurrences.push(movedLike(t, range.recurrenceId!, range.start));
  }
  occurrences.sort((a, b) => a.epochMs - b.epochMs);
  for (const t of occurrences) {
    if (t.epochMs < ctx.now) result.previous = t;
    else if (result.next.length < ctx.maxOccurrences) result.next.push(t);
  }
  return result;
}

function isCancelled(ev: ParsedEvent): boolean {
  return (ev.status ?? '').toUpperCase() === 'CANCELLED';
}

/**
 * `t` moved as `from` was moved to `to`: by whole days for dates, by wall-clock time in `t`'s zone otherwise, so a
 * series moved from 10:00 to 14:00 stays at 14:00 across a DST change. Unchanged when the kinds differ.
 */
function movedLike(t: EventTime, from: EventTime, to: EventTime): EventTime {
  if (from.f.isDate !== t.f.isDate || to.f.isDate !== t.f.isDate) return t;
  if (t.f.isDate) return at(addDays(t.f, dayNumber(to.f) - dayNumber(from.f)), t.zone);
  const wall = (x: EventTime) => {
    const f = wallIn(x.epochMs, t.zone);
    return utcMs(f.year, f.month, f.day, f.hour, f.minute, f.second);
  };
  const d = new Date(utcMs(t.f.year, t.f.month, t.f.day, t.f.hour, t.f.minute, t.f.second) + wall(to) - wall(from));
  return at(utcFieldsOf(d), t.zone);
}

// ---------------------------------------------------------------------------------------------------------------
// Text

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function clip(s: string, max = 60): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

/**
 * "Monday 3 February 2025". Names in full: the index stems words but does not expand abbreviations, so a date written
 * "Mon 3 Feb" was not found by "Monday" or "February", which is what people type.
 */
function dayWords(f: { year: number; month: number; day: number }): string {
  return `${WEEKDAY_NAMES[weekday(f)]} ${dateWords(f)}`;
}

/** "3 February 2025" */
function dateWords(f: { year: number; month: number; day: number }): string {
  return `${f.day} ${MONTH_NAMES[f.month - 1]} ${f.year}`;
}

function clockWords(f: Fields): string {
  return `${pad(f.hour)}:${pad(f.minute)}`;
}

/** The zone a timed value is shown in, and its wall-clock time there. UTC values are shown in the display zone. */
function shown(t: EventTime, ctx: FileContext): { f: Fields; zone: Zone } {
  if (t.zone.kind === 'utc' && ctx.display.tz !== ICAL.Timezone.utcTimezone) {
    return { f: wallIn(t.epochMs, ctx.display), zone: ctx.display };
  }
  return { f: t.f, zone: t.zone };
}

/**
 * "Monday 3 February 2025, 10:00–11:00 (Europe/Paris)", "All day: Monday 3 February 2025",
 * "All day: Monday 3 February 2025 – Wednesday 5 February 2025".
 */
function whenWords(ev: ParsedEvent, ctx: FileContext): string {
  if (ev.allDay) {
    const s = ev.start.f;
    if (ev.end) {
      const last = addDays(ev.end.f, -1); // DTEND of an all-day event is exclusive
      if (dateKey(last) > dateKey(s)) return `All day: ${dayWords(s)} – ${dayWords(last)}`;
    }
    return `All day: ${dayWords(s)}`;
  }
  const s = shown(ev.start, ctx);
  const label = s.zone.label ? ` (${s.zone.label})` : '';
  if (!ev.end) return `${dayWords(s.f)}, ${clockWords(s.f)}${label}`;
  const e =
    ev.end.zone === s.zone || (ev.end.zone.tz === s.zone.tz && ev.end.zone.kind === s.zone.kind)
      ? ev.end.f
      : wallIn(ev.end.epochMs, s.zone);
  if (dateKey(e) === dateKey(s.f)) return `${dayWords(s.f)}, ${clockWords(s.f)}–${clockWords(e)}${label}`;
  return `${dayWords(s.f)}, ${clockWords(s.f)} – ${dayWords(e)}, ${clockWords(e)}${label}`;
}

function momentWords(t: EventTime, ctx: FileContext): string {
  if (t.f.isDate) return dayWords(t.f);
  const s = shown(t, ctx);
  return `${dayWords(s.f)}, ${clockWords(s.f)}${s.zone.label ? ` (${s.zone.label})` : ''}`;
}

/** ISO 8601: a date for all-day values, UTC with Z for known instants, local wall-clock (no Z) for floating ones. */
function isoOf(t: EventTime): string {
  if (t.f.isDate) return dateKey(t.f);
  if (t.zone.kind === 'floating') {
    const x = t.f;
    return `${dateKey(x)}T${pad(x.hour)}:${pad(x.minute)}:${pad(x.second)}`;
  }
  return new Date(t.epochMs).toISOString().replace('.000Z', 'Z');
}

function statusWords(s: string): string {
  const known: Record<string, string> = { CONFIRMED: 'Confirmed', TENTATIVE: 'Tentative', CANCELLED: 'Cancelled' };
  return known[s.toUpperCase()] ?? s;
}

/** A RECURRENCE-ID written in UTC is shown in the zone of the occurrence it names, as the line above it is. */
function recurrenceIdWords(ev: ParsedEvent, ctx: FileContext): string {
  const rid = ev.recurrenceId!;
  const zone = ev.start.zone;
  if (rid.zone.kind !== 'utc' || rid.f.isDate || ev.start.f.isDate || zone.kind === 'utc') return momentWords(rid, ctx);
  const f = wallIn(rid.epochMs, zone);
  return `${dayWords(f)}, ${clockWords(f)}${zone.label ? ` (${zone.label})` : ''}`;
}

/** UNTIL as a date; a UTC instant is shown on the date it falls on where the item's `start` is shown. */
function untilWords(until: ICAL.Time, start: EventTime, ctx: FileContext): string {
  if (until.isDate || until.zone !== ICAL.Timezone.utcTimezone) return dateWords(until);
  const zone = start.f.isDate ? ctx.local : shown(start, ctx).zone;
  return dateWords(wallIn(until.toUnixTime() * 1000, zone));
}

/**
 * The SUMMARY, marked when the event or occurrence is cancelled: a search result shows its title and a snippet
 * around the match, so a cancelled meeting matched in its description looked like one that takes place.
 */
function titleOf(ev: ParsedEvent): string {
  const title = ev.summary ?? UNTITLED_EVENT;
  return isCancelled(ev) && !/^cancell?ed\b/i.test(title) ? `Cancelled: ${title}` : title;
}

/**
 * When an event's last occurrence ends, so that a search for what is upcoming (or dated within a past week) finds a
 * weekly meeting that started years ago, and a conference that began yesterday and ends on Friday. NO_END for a
 * series without an end, or one whose end cannot be worked out within limits: better listed than lost.
 */
function eventEnd(ev: ParsedEvent, ctx: FileContext): number {
  const length = Math.max(0, (ev.end?.epochMs ?? ev.start.epochMs) - ev.start.epochMs);
  let lastStart = lastRuleStart(ev.rules, ev.rawRules.length, ev.start, ctx);
  if (lastStart === null) return NO_END;
  for (const r of ev.rdates) lastStart = Math.max(lastStart, r.epochMs);
  return lastStart + length;
}

/**
 * The start of the last occurrence the rules of a series allow (UNTIL as written, COUNT counted); null when one of
 * its `rawRuleCount` rules could not be read, sets no end, or cannot be counted within limits.
 */
function lastRuleStart(
  rules: { rule: RecurrenceRule; until: ICAL.Time | null }[],
  rawRuleCount: number,
  start: EventTime,
  ctx: FileContext,
): number | null {
  if (rules.length < rawRuleCount) return null;
  let lastStart = start.epochMs;
  for (const { rule, until } of rules) {
    const last = until ? until.toUnixTime() * 1000 : lastCountedStart(rule, start, ctx);
    if (last === null) return null;
    lastStart = Math.max(lastStart, last);
  }
  return lastStart;
}

/** The start of the last occurrence of a rule with COUNT; null for a rule without one, or too long to count. */
function lastCountedStart(rule: RecurrenceRule, start: EventTime, ctx: FileContext): number | null {
  if (rule.count === null || rule.count > ctx.maxIterations) return null;
  let steps = 0;
  activeGuard = (weight) => {
    steps += weight;
    if (steps > ctx.maxSteps) throw new StepLimitError();
  };
  try {
    let last: Fields | null = null;
    let n = 0;
    for (const f of icalOccurrences(rule, null, start, -Infinity)) {
      last = f;
      if (++n >= rule.count) break;
    }
    return last === null ? null : at(last, start.zone).epochMs;
  } catch {
    return null;
  } finally {
    activeGuard = null;
  }
}

function buildDocument(ev: ParsedEvent, id: string, expansion: Expansion | null, ctx: FileContext): SourceDocument {
  ctx.enterCalendarOf(ev.raw);
  const calendar = ctx.calendarOf(ev.raw).name;
  const lines: string[] = [whenWords(ev, ctx)];
  if (ev.recurrenceId && ev.thisAndFuture) {
    lines.push(`This and later occurrences of a repeating event, originally from ${recurrenceIdWords(ev, ctx)}`);
  } else if (ev.recurrenceId) {
    lines.push(`One occurrence of a repeating event, originally ${recurrenceIdWords(ev, ctx)}`);
  }
  if (ev.rawRules.length > 0) {
    const start = icalTime(ev.start.f, ev.start.zone);
    const words = ev.rules.map(({ rule }) =>
      describeRecurrence(rule, { start, formatUntil: (u) => untilWords(u, ev.start, ctx) }),
    );
    if (words.length === 0) words.push(`by a rule that could not be read (${clip(ev.rawRules[0])})`);
    lines.push(`Repeats: ${words.join('; ')}`);
  }
  lines.push(...calendarLine(calendar, ev.summary));
  if (ev.location) lines.push(`Location: ${ev.location}`);
  lines.push(...peopleLines(ev));
  if (ev.url) lines.push(`URL: ${ev.url}`);
  if (ev.status) lines.push(`Status: ${statusWords(ev.status)}`);
  if (ev.categories.length > 0) lines.push(`Categories: ${ev.categories.join(', ')}`);
  let content = lines.join('\n');
  if (ev.description) content += `\n\n${ev.description}`;

  const metadata: Record<string, unknown> = {
    uid: ev.uid,
    start: isoOf(ev.start),
    end: ev.end ? isoOf(ev.end) : null,
    allDay: ev.allDay,
    timeZone: ev.allDay ? null : ev.start.zone.label,
    location: ev.location,
    rrule: ev.rawRules.length > 0 ? ev.rawRules.join('\n') : null,
  };
  if (ev.recurrenceId) metadata.recurrenceId = isoOf(ev.recurrenceId);
  if (ev.status) metadata.status = ev.status.toUpperCase();
  if (calendar) metadata.calendar = calendar;
  if (expansion) {
    metadata.occurrences = expansion.next.map(isoOf);
    metadata.previousOccurrence = expansion.previous ? isoOf(expansion.previous) : null;
    if (expansion.truncated) metadata.occurrencesTruncated = true;
  }

  return {
    id,
    title: titleOf(ev),
    content,
    docType: 'event',
    path: ctx.path,
    author: ev.organizer ? formatPerson(ev.organizer) : null,
    participants: ev.attendees.map(formatPerson),
    timestamp: ev.start.epochMs,
    timestampEnd: eventEnd(ev, ctx),
    tags: ev.categories,
    metadata,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Tasks (VTODO) and journal entries (VJOURNAL)

/**
 * A VTODO or VJOURNAL. Unlike an event, neither needs a date (a to-do list is mostly undated tasks), so a date that
 * cannot be read is a warning and the item is indexed without it; nothing in one makes it unreadable.
 */
interface ParsedEntry extends ItemFields {
  kind: 'task' | 'journal';
  start: EventTime | null;
  due: EventTime | null;
  completed: EventTime | null;
  created: EventTime | null;
  modified: EventTime | null;
  percent: number | null;
  priority: number | null;
  /** UID of the parent task (RELATED-TO with RELTYPE=PARENT, the default). */
  parent: string | null;
  recurrenceId: EventTime | null;
  rules: RecurrenceRule[];
  rawRules: string[];
  warnings: Map<ItemIssueCode, string[]>;
}

/** A DATE / DATE-TIME property that may be missing; an unreadable one is warned about and left out. */
function optionalTime(
  raw: RawComponent,
  name: string,
  label: string,
  ctx: FileContext,
  entry: ParsedEntry,
): EventTime | null {
  const cl = first(raw, name);
  if (!cl) return null;
  const d = parseIcalDate(cl.value);
  const t = d ? toEventTime(d, param(cl, 'TZID'), ctx) : null;
  if (t === null || !Number.isFinite(t.epochMs)) {
    warn(entry, 'W_ICS_INVALID', `${label} "${clip(cl.value)}" is not a valid date and was ignored`);
    return null;
  }
  return t;
}

function plainDescription(source: string): string | null {
  if (!looksLikeHtml(source)) return source;
  try {
    const { text } = htmlToPlainText(source);
    return text === '' ? null : text;
  } catch {
    return source;
  }
}

/** A journal entry may hold several DESCRIPTIONs (RFC 5545 §3.6.3): each is a paragraph of the entry. */
function journalText(raw: RawComponent): string | null {
  const parts = all(raw, 'DESCRIPTION')
    .map((cl) => unescapeText(cl.value).trim())
    .filter((v) => v !== '')
    .map(plainDescription)
    .filter((v): v is string => v !== null);
  return parts.length > 0 ? parts.join('\n\n') : descriptionOf(raw);
}

function parseEntry(raw: RawComponent, kind: ParsedEntry['kind'], ctx: FileContext): ParsedEntry {
  ctx.enterCalendarOf(raw);
  const uid = uidOf(raw);
  const entry: ParsedEntry = {
    kind,
    raw,
    uid,
    localId: uid,
    summary: textValue(raw, 'SUMMARY')?.replace(/\s+/g, ' ') ?? null,
    description: kind === 'journal' ? journalText(raw) : descriptionOf(raw),
    location: textValue(raw, 'LOCATION')?.replace(/\s*\n\s*/g, ', ') ?? null,
    url: first(raw, 'URL')?.value.trim() || null,
    status: textValue(raw, 'STATUS'),
    categories: [...new Set(all(raw, 'CATEGORIES').flatMap((c) => splitTextList(c.value)))],
    ...peopleOf(raw),
    start: null,
    due: null,
    completed: null,
    created: null,
    modified: null,
    percent: null,
    priority: null,
    parent: null,
    recurrenceId: null,
    rules: [],
    rawRules: [],
    warnings: new Map(),
  };
  entry.start = optionalTime(raw, 'DTSTART', kind === 'task' ? 'start date' : 'date', ctx, entry);
  entry.created = optionalTime(raw, 'CREATED', 'creation date', ctx, entry);
  entry.modified = optionalTime(raw, 'LAST-MODIFIED', 'last-modified date', ctx, entry);

  if (kind === 'task') {
    entry.due = optionalTime(raw, 'DUE', 'due date', ctx, entry);
    const duration = first(raw, 'DURATION');
    if (entry.due === null && duration && entry.start) {
      // RFC 5545 §3.6.2: DTSTART + DURATION is the other way of writing DUE.
      const dur = parseDuration(duration.value);
      if (dur === null) warn(entry, 'W_ICS_INVALID', `duration "${clip(duration.value)}" is not valid and was ignored`);
      else entry.due = afterDuration(entry.start, dur);
    }
    entry.completed = optionalTime(raw, 'COMPLETED', 'completion date', ctx, entry);
    const percent = first(raw, 'PERCENT-COMPLETE')?.value.trim();
    if (percent !== undefined) {
      if (/^\d{1,3}$/.test(percent) && Number(percent) <= 100) entry.percent = Number(percent);
      else
        warn(
          entry,
          'W_ICS_INVALID',
          `percent complete "${clip(percent)}" is not a number from 0 to 100 and was ignored`,
        );
    }
    const priority = first(raw, 'PRIORITY')?.value.trim();
    if (priority !== undefined) {
      // 0 is "undefined" (RFC 5545 §3.8.1.9): no priority.
      if (/^\d$/.test(priority)) entry.priority = Number(priority) === 0 ? null : Number(priority);
      else warn(entry, 'W_ICS_INVALID', `priority "${clip(priority)}" is not a number from 0 to 9 and was ignored`);
    }
    const related = all(raw, 'RELATED-TO').find((cl) => (param(cl, 'RELTYPE') ?? 'PARENT').toUpperCase() === 'PARENT');
    entry.parent = related?.value.trim() || null;
  }

  const rid = first(raw, 'RECURRENCE-ID');
  if (rid) {
    const d = parseIcalDate(rid.value);
    if (d) {
      entry.recurrenceId = toEventTime(d, param(rid, 'TZID'), ctx);
      entry.localId = `${uid}#${isoOf(entry.recurrenceId)}`;
    } else warn(entry, 'W_ICS_INVALID', `RECURRENCE-ID "${clip(rid.value)}" is not a valid date and was ignored`);
  }

  // Described, never expanded: a repeating task is one thing to do, and its next occurrences are the client's to make.
  for (const cl of all(raw, 'RRULE').slice(0, MAX_RULES)) {
    entry.rawRules.push(cl.value.trim());
    const parsed = parseRecurrenceRule(cl.value);
    for (const w of parsed.warnings) warn(entry, 'W_ICS_RRULE', `repeat rule: ${w}`);
    if (parsed.ok) entry.rules.push(parsed.rule);
    else warn(entry, 'W_ICS_RRULE', `the repeat rule "${clip(cl.value)}" could not be read (${parsed.error})`);
  }
  return entry;
}

function taskStatusWords(s: string): string {
  const known: Record<string, string> = {
    'NEEDS-ACTION': 'Needs action',
    'IN-PROCESS': 'In progress',
    COMPLETED: 'Completed',
    CANCELLED: 'Cancelled',
    DRAFT: 'Draft',
    FINAL: 'Final',
  };
  return known[s.toUpperCase()] ?? s;
}

/** RFC 5545 §3.8.1.9: 1–4 high, 5 medium, 6–9 low (the three levels task apps show). */
function priorityWords(p: number): string {
  return p <= 4 ? 'High' : p === 5 ? 'Medium' : 'Low';
}

function isDone(entry: ParsedEntry): boolean {
  const status = (entry.status ?? '').toUpperCase();
  // Some apps write only the COMPLETED date (and no STATUS) when a task is ticked off.
  return status === 'COMPLETED' || (status === '' && entry.completed !== null);
}

/**
 * A search result shows the title first and a snippet around the match, which often leaves out the Status line: a
 * ticked-off task matched in its notes read like one still to do, as a cancelled meeting did. So the title says
 * so; "Done:" rather than "Completed:", being shorter and the word task apps use for a ticked-off list. The
 * Status line keeps "Completed on <date>" for the when.
 */
function entryTitle(entry: ParsedEntry): string {
  let title = entry.summary;
  if (title === null && entry.kind === 'journal' && entry.description) {
    const words = entry.description.split(/\s+/).filter((w) => w !== '');
    const head = words.slice(0, 10).join(' ');
    title = clip(words.length > 10 ? `${head}…` : head);
  }
  title ??= entry.kind === 'task' ? UNTITLED_TASK : UNTITLED_JOURNAL;
  if ((entry.status ?? '').toUpperCase() === 'CANCELLED') {
    return /^cancell?ed\b/i.test(title) ? title : `Cancelled: ${title}`;
  }
  if (entry.kind === 'task' && isDone(entry)) return /^(done|completed):/i.test(title) ? title : `Done: ${title}`;
  return title;
}

/** Changed occurrences of a repeating task written out in its text; the earlier ones are only counted. */
const MAX_OCCURRENCES_IN_TEXT = 10;

/** What became of one occurrence of a repeating task: "Completed on …", "Cancelled", "Call the bank, due …". */
function occurrenceWords(o: ParsedEntry, task: ParsedEntry, ctx: FileContext): string {
  const parts: string[] = [];
  if (o.summary !== null && o.summary !== task.summary) parts.push(o.summary);
  if (isDone(o)) parts.push(`Completed${o.completed ? ` on ${momentWords(o.completed, ctx)}` : ''}`);
  else {
    if (o.status) parts.push(taskStatusWords(o.status));
    if (o.due) parts.push(`due ${momentWords(o.due, ctx)}`);
  }
  return parts.length > 0 ? parts.join(', ') : 'changed';
}

/** "Organizer: …" and "Attendees: …" (the first MAX_ATTENDEES_IN_TEXT, then how many more) of an item. */
function peopleLines(item: ItemFields): string[] {
  const lines: string[] = [];
  if (item.organizer) lines.push(`Organizer: ${formatPerson(item.organizer)}`);
  if (item.attendees.length > 0) {
    const names = item.attendees.slice(0, MAX_ATTENDEES_IN_TEXT).map(formatPerson);
    const more = item.attendees.length - names.length;
    lines.push(`Attendees: ${names.join(', ')}${more > 0 ? ` and ${more} more` : ''}`);
  }
  return lines;
}

function buildEntryDocument(
  entry: ParsedEntry,
  id: string,
  parentTitles: Map<string, string>,
  occurrences: ParsedEntry[],
  ctx: FileContext,
): SourceDocument {
  ctx.enterCalendarOf(entry.raw);
  const calendar = ctx.calendarOf(entry.raw).name;
  const lines: string[] = [];
  const isTask = entry.kind === 'task';
  if (isTask) {
    if (entry.due) lines.push(`Due: ${momentWords(entry.due, ctx)}`);
    if (entry.start) lines.push(`Starts: ${momentWords(entry.start, ctx)}`);
  } else if (entry.start) lines.push(`Date: ${momentWords(entry.start, ctx)}`);
  if (entry.recurrenceId) {
    lines.push(
      `One occurrence of a repeating ${entry.kind === 'task' ? 'task' : 'entry'}, originally ${momentWords(entry.recurrenceId, ctx)}`,
    );
  }
  if (entry.rawRules.length > 0) {
    const anchor = entry.start ?? entry.due;
    const words = entry.rules.map((rule) =>
      describeRecurrence(rule, {
        start: anchor ? icalTime(anchor.f, anchor.zone) : undefined,
        formatUntil: (u) => (anchor ? untilWords(u, anchor, ctx) : dateWords(u)),
      }),
    );
    if (words.length === 0) words.push(`by a rule that could not be read (${clip(entry.rawRules[0])})`);
    lines.push(`Repeats: ${words.join('; ')}`);
  }
  const listed = occurrences.slice(-MAX_OCCURRENCES_IN_TEXT);
  if (occurrences.length > listed.length) {
    lines.push(`${occurrences.length} occurrences changed; the latest ${listed.length}:`);
  }
  for (const o of listed) {
    lines.push(`Occurrence of ${momentWords(o.recurrenceId!, ctx)}: ${occurrenceWords(o, entry, ctx)}`);
  }
  if (isTask && isDone(entry)) {
    lines.push(`Status: Completed${entry.completed ? ` on ${momentWords(entry.completed, ctx)}` : ''}`);
  } else if (entry.status) lines.push(`Status: ${taskStatusWords(entry.status)}`);
  if (entry.percent !== null && !(entry.percent === 100 && isDone(entry))) {
    lines.push(`Progress: ${entry.percent}% complete`);
  }
  if (entry.priority !== null) lines.push(`Priority: ${priorityWords(entry.priority)}`);
  const parentTitle = entry.parent === null ? undefined : parentTitles.get(entry.parent);
  if (parentTitle !== undefined) lines.push(`Subtask of: ${parentTitle}`);
  lines.push(...calendarLine(calendar, entry.summary));
  if (entry.location) lines.push(`Location: ${entry.location}`);
  lines.push(...peopleLines(entry));
  if (entry.url) lines.push(`URL: ${entry.url}`);
  if (entry.categories.length > 0) lines.push(`Categories: ${entry.categories.join(', ')}`);
  const paragraphs = [lines.join('\n'), entry.description ?? ''];
  for (const o of listed) {
    if (o.description && o.description !== entry.description) {
      paragraphs.push(`${dayWords(o.recurrenceId!.f)}: ${o.description}`);
    }
  }
  const content = paragraphs.filter((p) => p !== '').join('\n\n');

  const iso = (t: EventTime | null) => (t ? isoOf(t) : null);
  const metadata: Record<string, unknown> = { uid: entry.uid, component: isTask ? 'VTODO' : 'VJOURNAL' };
  if (isTask) {
    Object.assign(metadata, {
      due: iso(entry.due),
      start: iso(entry.start),
      completed: iso(entry.completed),
      percentComplete: entry.percent,
      priority: entry.priority,
      relatedTo: entry.parent,
    });
  } else metadata.date = iso(entry.start);
  metadata.rrule = entry.rawRules.length > 0 ? entry.rawRules.join('\n') : null;
  if (entry.location) metadata.location = entry.location;
  if (entry.recurrenceId) metadata.recurrenceId = isoOf(entry.recurrenceId);
  if (occurrences.length > 0) metadata.changedOccurrences = occurrences.map((o) => isoOf(o.recurrenceId!));
  if (entry.status) metadata.status = entry.status.toUpperCase();
  if (calendar) metadata.calendar = calendar;

  const when = isTask ? (entry.due ?? entry.start) : entry.start;
  return {
    id,
    title: entryTitle(entry),
    content,
    docType: isTask ? 'task' : 'note',
    path: ctx.path,
    author: entry.organizer ? formatPerson(entry.organizer) : null,
    participants: entry.attendees.map(formatPerson),
    timestamp: (when ?? entry.created ?? entry.modified)?.epochMs ?? null,
    ...(isTask ? repeatingTaskSpan(entry, ctx) : {}),
    tags: entry.categories,
    metadata,
  };
}

/**
 * A repeating task still to do is due again at each occurrence: it lasts from its due date to the due date of its
 * last occurrence, or without end when its rules set none ("water the plants" every week since 2023), so "Upcoming"
 * lists it as it lists a repeating event. Occurrences are counted from DTSTART, else from DUE (which many apps write
 * alone), with DUE as far after each occurrence's start as it is after the task's.
 */
function repeatingTaskSpan(entry: ParsedEntry, ctx: FileContext): { timestampEnd?: number } {
  if (entry.recurrenceId !== null || entry.rawRules.length === 0) return {};
  const status = entry.status?.toUpperCase();
  if (status === 'COMPLETED' || status === 'CANCELLED') return {};
  const anchor = entry.start ?? entry.due;
  if (anchor === null) {
    const endless =
      entry.rules.length < entry.rawRules.length || entry.rules.some((r) => r.until === null && r.count === null);
    return endless ? { timestampEnd: NO_END } : {};
  }
  const rules = entry.rules.map((rule) => ({ rule, until: zonedUntil(rule, anchor) }));
  const lastStart = lastRuleStart(rules, entry.rawRules.length, anchor, ctx);
  if (lastStart === null) return { timestampEnd: NO_END };
  const dueAfterStart = entry.due ? Math.max(0, entry.due.epochMs - anchor.epochMs) : 0;
  return { timestampEnd: lastStart + dueAfterStart };
}

/**
 * "Calendar: Family", so "family dentist" finds the dentist in the Family calendar of a folder that holds Work's too;
 * none when the item is titled as its calendar (an invitation saved as a calendar of its own), which says it already.
 */
function calendarLine(calendar: string | null, summary: string | null): string[] {
  if (calendar === null || sameWords(calendar, summary ?? '')) return [];
  return [`Calendar: ${calendar}`];
}

function sameWords(a: string, b: string): boolean {
  return a.replace(/\s+/g, ' ').trim().toLowerCase() === b.replace(/\s+/g, ' ').trim().toLowerCase();
}

// ---------------------------------------------------------------------------------------------------------------
// Driver

/**
 * Recurrence key of an override: the instant (timed) or date (all-day) of the occurrence it replaces. Outlook writes
 * the RECURRENCE-ID of an all-day occurrence as midnight in a zone, and some writers a date for a timed one: those
 * are matched by the date as written, as EXDATE is.
 */
function overrideKey(ev: ParsedEvent, master: ParsedEvent): string | null {
  if (!ev.recurrenceId) return null;
  return ev.recurrenceId.f.isDate || master.allDay ? dateKey(ev.recurrenceId.f) : String(ev.recurrenceId.epochMs);
}

/**
 * Yields one doc per readable VEVENT (in file order), then per VTODO and VJOURNAL, and the issues found. Never
 * throws for anything in the text: unexpected failures inside one item become that item's E_PARSE issue.
 */
export function* calendarItems(scan: ScannedCalendar, opts: IcsOptions): Generator<IcsItem> {
  const ctx = new FileContext(scan, opts);
  for (const issue of scan.issues) yield { type: 'issue', issue };

  const parsed = new Map<RawComponent, ParsedEvent | BrokenEvent>();
  const parse = (raw: RawComponent): ParsedEvent | BrokenEvent => {
    let r = parsed.get(raw);
    if (r === undefined) {
      try {
        r = parseEvent(raw, ctx);
      } catch (err) {
        r =
          err instanceof BrokenEvent
            ? err
            : new BrokenEvent(`This event could not be read (${err instanceof Error ? err.message : String(err)}).`);
      }
      parsed.set(raw, r);
    }
    return r;
  };

  // Overrides (RECURRENCE-ID) by UID: a cheap pass over raw lines, parsed on demand.
  const overridesByUid = new Map<string, RawComponent[]>();
  for (const raw of scan.events) {
    if (!first(raw, 'RECURRENCE-ID')) continue;
    const uid = first(raw, 'UID')?.value.trim();
    if (!uid) continue;
    const list = overridesByUid.get(uid);
    if (list) list.push(raw);
    else overridesByUid.set(uid, [raw]);
  }

  const usedIds = new Map<string, number>();
  for (const raw of scan.events) {
    const ev = parse(raw);
    if (ev instanceof BrokenEvent) {
      yield issue(`${scan.path}#${brokenId(raw)}`, 'E_PARSE', ev.message, 'error');
      continue;
    }
    try {
      let localId = ev.localId;
      const n = (usedIds.get(localId) ?? 0) + 1;
      usedIds.set(localId, n);
      if (n > 1) {
        localId = `${localId}~${n}`;
        warn(
          ev,
          'W_ICS_INVALID',
          `another event in this file has the same UID${ev.recurrenceId ? ' and RECURRENCE-ID' : ''}; this one is indexed as "${localId}"`,
        );
      }
      let expansion: Expansion | null = null;
      if (ev.rules.length > 0 || ev.rdates.length > 0) {
        const overrides = new Map<string, ParsedEvent>();
        for (const o of overridesByUid.get(ev.uid) ?? []) {
          if (o === raw) continue;
          const po = parse(o);
          const k = po instanceof BrokenEvent ? null : overrideKey(po, ev);
          if (k !== null && !(po instanceof BrokenEvent)) overrides.set(k, po);
        }
        const wasExhausted = ctx.budgetExhausted;
        expansion = expand(ev, overrides, ctx);
        for (const i of expansion.issues) warn(ev, i.code, i.message);
        if (!wasExhausted && ctx.budgetExhausted && !ctx.budgetReported) {
          ctx.budgetReported = true;
          yield issue(
            scan.path,
            'E_PARSE_TIMEOUT',
            `Expanding repeating events took longer than ${ctx.budgetMs} ms; the events are indexed, but upcoming occurrences are not listed for some of them.`,
            'warning',
          );
        }
      }
      const doc = buildDocument(ev, `${ctx.idPrefix}${localId}`, expansion, ctx);
      for (const [code, messages] of ev.warnings) {
        yield issue(`${scan.path}#${localId}`, code, `${capitalise(messages.join('; '))}.`, 'warning');
      }
      yield { type: 'doc', doc };
    } catch (err) {
      yield issue(
        `${scan.path}#${ev.localId}`,
        'E_PARSE',
        `This event could not be read (${err instanceof Error ? err.message : String(err)}).`,
        'error',
      );
    }
  }

  yield* entryItems(scan, ctx, usedIds);

  for (const raw of scan.truncatedEvents) {
    yield issue(
      `${scan.path}#${brokenId(raw)}`,
      'E_PARSE',
      `This ${ITEM_NOUN[raw.name] ?? 'event'} is cut off at the end of the file (no END:${raw.name}); it is not indexed.`,
      'error',
    );
  }

  if (ctx.unknownTzids.size > 0) {
    const names = [...ctx.unknownTzids.keys()].map((n) => `"${clip(n, 80)}"`);
    yield issue(
      scan.path,
      'W_ICS_TIMEZONE',
      `Unknown time zone${names.length > 1 ? 's' : ''} ${names.join(', ')} (not a known zone name, and no usable VTIMEZONE in the file): those times are read as local ${ctx.local.tz.tzid} time.`,
      'warning',
    );
  }
}

const ITEM_NOUN: Record<string, string> = { VEVENT: 'event', VTODO: 'task', VJOURNAL: 'journal entry' };

/** The tasks' and journal entries' documents and issues. `usedIds` is shared with the events: ids never clash. */
function* entryItems(scan: ScannedCalendar, ctx: FileContext, usedIds: Map<string, number>): Generator<IcsItem> {
  // A subtask names its parent's title: what a person searches for is "the steps of <that task>", not a UID.
  const parentTitles = new Map<string, string>();
  for (const raw of scan.todos) {
    const uid = first(raw, 'UID')?.value.trim();
    const title = textValue(raw, 'SUMMARY')?.replace(/\s+/g, ' ');
    if (uid && title && !parentTitles.has(uid)) parentTitles.set(uid, title);
  }
  const occurrences = yield* taskOccurrences(scan, ctx);
  const lists: [RawComponent[], ParsedEntry['kind']][] = [
    [scan.todos, 'task'],
    [scan.journals, 'journal'],
  ];
  for (const [raws, kind] of lists) {
    for (const raw of raws) {
      if (occurrences.folded.has(raw)) continue;
      let localId = brokenId(raw);
      try {
        const entry = parseEntry(raw, kind, ctx);
        localId = entry.localId;
        const n = (usedIds.get(localId) ?? 0) + 1;
        usedIds.set(localId, n);
        if (n > 1) {
          localId = `${localId}~${n}`;
          warn(
            entry,
            'W_ICS_INVALID',
            `another item in this file has the same UID${entry.recurrenceId ? ' and RECURRENCE-ID' : ''}; this one is indexed as "${localId}"`,
          );
        }
        let changed: ParsedEntry[] = [];
        if (kind === 'task' && entry.recurrenceId === null) {
          changed = occurrences.byUid.get(entry.uid) ?? [];
          occurrences.byUid.delete(entry.uid); // a second task with this UID gets none of them
        }
        const doc = buildEntryDocument(entry, `${ctx.idPrefix}${localId}`, parentTitles, changed, ctx);
        for (const [code, messages] of entry.warnings) {
          yield issue(`${scan.path}#${localId}`, code, `${capitalise(messages.join('; '))}.`, 'warning');
        }
        yield { type: 'doc', doc };
      } catch (err) {
        yield issue(
          `${scan.path}#${localId}`,
          'E_PARSE',
          `This ${ITEM_NOUN[raw.name]} could not be read (${err instanceof Error ? err.message : String(err)}).`,
          'error',
        );
      }
    }
  }
}

/**
 * The changed occurrences (RECURRENCE-ID) of the repeating tasks in the file, by UID, with their own problems yielded.
 * Thunderbird and eM Client tick off one occurrence of a repeating task by adding such a VTODO (todoman #304), so a
 * weekly chore gained a "Done:" document of its own every week, which crowded out the task in search results. A
 * moved meeting stays an event of its own; an occurrence of a task is part of its task's one document.
 */
function* taskOccurrences(
  scan: ScannedCalendar,
  ctx: FileContext,
): Generator<IcsItem, { byUid: Map<string, ParsedEntry[]>; folded: Set<RawComponent> }> {
  const byUid = new Map<string, ParsedEntry[]>();
  const folded = new Set<RawComponent>();
  const repeating = new Set<string>();
  for (const raw of scan.todos) {
    const uid = first(raw, 'UID')?.value.trim();
    if (uid && !first(raw, 'RECURRENCE-ID') && first(raw, 'RRULE')) repeating.add(uid);
  }
  for (const raw of scan.todos) {
    const uid = first(raw, 'UID')?.value.trim();
    if (!uid || !repeating.has(uid) || !first(raw, 'RECURRENCE-ID')) continue;
    let entry: ParsedEntry;
    try {
      entry = parseEntry(raw, 'task', ctx);
    } catch {
      continue; // read on its own, where the failure is reported
    }
    if (entry.recurrenceId === null) continue;
    folded.add(raw);
    const list = byUid.get(uid);
    if (list) list.push(entry);
    else byUid.set(uid, [entry]);
    for (const [code, messages] of entry.warnings) {
      yield issue(`${scan.path}#${entry.localId}`, code, `${capitalise(messages.join('; '))}.`, 'warning');
    }
  }
  for (const list of byUid.values()) list.sort((a, b) => a.recurrenceId!.epochMs - b.recurrenceId!.epochMs);
  return { byUid, folded };
}

/** How an event that could not be read is named in its issue: its UID, and its RECURRENCE-ID as written. */
function brokenId(raw: RawComponent): string {
  const rid = first(raw, 'RECURRENCE-ID')?.value.trim();
  return rid ? `${uidOf(raw)}#${rid}` : uidOf(raw);
}

function issue(path: string, code: ItemIssueCode, message: string, severity: 'error' | 'warning'): IcsItem {
  return { type: 'issue', issue: { path, code, message, severity } };
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Whole-file convenience: scan + every item. Throws ItemReadError('E_PARSE') for a file that is not iCalendar. */
export function readIcsText(text: string, opts: IcsOptions): IcsItem[] {
  return [...calendarItems(scanCalendar(text, opts.path), opts)];
}
