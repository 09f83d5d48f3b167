import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import ICAL from 'ical.js';
import { describe, expect, it, vi } from 'vitest';
import {
  UNTITLED_EVENT,
  UNTITLED_TASK,
  parseContentLine,
  readIcsText,
  scanCalendar,
  unfoldLines,
  type IcsItem,
  type IcsOptions,
} from '../../../electron/connectors/ics-events.js';
import { ItemReadError, type ItemIssue, type SourceDocument } from '../../../electron/connectors/types.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/ics/', import.meta.url));
const fixture = (name: string) => readFileSync(`${FIXTURES}${name}`, 'utf8');

/** Monday 10 February 2025, 12:00 UTC. */
const NOW = Date.UTC(2025, 1, 10, 12);
const BASE: IcsOptions = { path: '/cal/test.ics', now: NOW, localTimeZone: 'Europe/Paris' };

/** Fixed seed: CI runs are reproducible; a failing seed printed by fast-check becomes a regression case here. */
const FC = { seed: 20250210, numRuns: 1000 };

interface Result {
  docs: SourceDocument[];
  issues: ItemIssue[];
  byUid: (uid: string) => SourceDocument;
}

function read(text: string, opts: Partial<IcsOptions> = {}): Result {
  const items = readIcsText(text, { ...BASE, ...opts });
  return split(items);
}

function split(items: IcsItem[]): Result {
  const docs = items.flatMap((i) => (i.type === 'doc' ? [i.doc] : []));
  const issues = items.flatMap((i) => (i.type === 'issue' ? [i.issue] : []));
  return {
    docs,
    issues,
    byUid: (uid) => {
      const doc = docs.find((d) => d.id === uid);
      if (!doc) throw new Error(`no document ${uid}; have ${docs.map((d) => d.id).join(', ')}`);
      return doc;
    },
  };
}

/** A minimal calendar around some VEVENT lines. */
function calendar(...events: string[][]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN'];
  for (const e of events) lines.push('BEGIN:VEVENT', ...e, 'END:VEVENT');
  lines.push('END:VCALENDAR');
  return lines.join('\r\n');
}

const firstLine = (d: SourceDocument) => d.content.split('\n')[0];
const line = (d: SourceDocument, label: string) => d.content.split('\n').find((l) => l.startsWith(`${label}: `));
const meta = (d: SourceDocument) => d.metadata as Record<string, unknown>;

describe('unfoldLines and parseContentLine', () => {
  it('unfolds CRLF + space, LF + tab and CR-only line ends, and drops a BOM', () => {
    expect(unfoldLines('\uFEFFSUMMARY:Hello\r\n  world\r\nDESCRIPTION:a\n\tb\rLOCATION:x')).toEqual([
      'SUMMARY:Hello world',
      'DESCRIPTION:ab',
      'LOCATION:x',
    ]);
  });

  it('joins a name folded away from its value (the pyparsing/Mozilla sample writes "VERSION\\r\\n :2.0")', () => {
    expect(unfoldLines('VERSION\r\n :2.0\r\nX\r\n ;MEMBER=a\r\n :v')).toEqual(['VERSION:2.0', 'X;MEMBER=a:v']);
  });

  it('round-trips: unfolding a folded line gives the line back', () => {
    const noBreaks = fc.string({ unit: 'grapheme', maxLength: 300 }).filter((s) => !/[\r\n]/.test(s));
    fc.assert(
      fc.property(noBreaks, fc.integer({ min: 1, max: 75 }), fc.constantFrom('\r\n', '\n'), (s, width, eol) => {
        const chars = [...s];
        const pieces: string[] = [];
        for (let i = 0; i < chars.length; i += width) pieces.push(chars.slice(i, i + width).join(''));
        const folded = `X:${pieces.join(`${eol} `)}`;
        expect(unfoldLines(folded)).toEqual([`X:${s}`]);
      }),
      FC,
    );
  });

  it('splits names, quoted and multi-valued parameters, and values containing colons', () => {
    expect(parseContentLine('ATTENDEE;CN="Doe, Jane";ROLE=REQ-PARTICIPANT:mailto:jane@example.com')).toMatchObject({
      name: 'ATTENDEE',
      params: { CN: ['Doe, Jane'], ROLE: ['REQ-PARTICIPANT'] },
      value: 'mailto:jane@example.com',
    });
    expect(parseContentLine('x-member;member="a@x","b@x":v')).toMatchObject({
      name: 'X-MEMBER',
      params: { MEMBER: ['a@x', 'b@x'] },
    });
    expect(parseContentLine("ATTENDEE;CN=^'Q^' ^^ x^nY:mailto:q@x")?.params.CN).toEqual(['"Q" ^ x\nY']);
    expect(parseContentLine('URL:https://example.com/a?b=c')?.value).toBe('https://example.com/a?b=c');
    expect(parseContentLine('DESCRIPTION:')?.value).toBe('');
  });

  it('rejects what is not a content line', () => {
    for (const bad of [
      '',
      'no colon here',
      ':value',
      'NAME;:v',
      'A;B="unterminated:v',
      'SUMMARY Hello',
      'DT START:1',
    ]) {
      expect(parseContentLine(bad), bad).toBeNull();
    }
  });
});

describe('a Google Calendar export', () => {
  const r = read(fixture('google-export.ics'));
  const WEEKLY = '7kq2v1b0ff3p9d8s6r4t2u0w@google.com';

  it('gives one document per VEVENT, overrides included, and no issues', () => {
    expect(r.issues).toEqual([]);
    expect(r.docs.map((d) => d.title)).toEqual([
      'Point hebdo produit',
      'Point hebdo produit (décalé)',
      'Congés de printemps',
      'Entretien candidat — développeuse senior',
      'Daily standup',
      'Anniversaire de Camille 🎂',
    ]);
    expect(r.docs.every((d) => d.docType === 'event' && d.path === BASE.path)).toBe(true);
  });

  it('places a TZID event in its zone and describes it', () => {
    const d = r.byUid(WEEKLY);
    expect(d.timestamp).toBe(Date.UTC(2025, 1, 3, 9)); // 10:00 in Paris (CET)
    expect(firstLine(d)).toBe('Monday 3 February 2025, 10:00–11:00 (Europe/Paris)');
    expect(line(d, 'Repeats')).toBe('Repeats: Every week on Monday (weekly), until 30 June 2025');
    expect(line(d, 'Location')).toBe('Location: Salle Lumière, 3e étage, 12 rue de la Paix, Paris');
    expect(line(d, 'Organizer')).toBe('Organizer: Alice Martin <alice.martin@example.com>');
    expect(line(d, 'Status')).toBe('Status: Confirmed');
    expect(d.author).toBe('Alice Martin <alice.martin@example.com>');
    // CN folded mid-word, CN equal to the address, and the organizer listed again: names and emails, no duplicates.
    expect(d.participants).toEqual([
      'Alice Martin <alice.martin@example.com>',
      'Bob Okafor <bob.okafor@example.com>',
      'chloe@example.com',
    ]);
    expect(meta(d)).toMatchObject({
      uid: WEEKLY,
      start: '2025-02-03T09:00:00Z',
      end: '2025-02-03T10:00:00Z',
      allDay: false,
      timeZone: 'Europe/Paris',
      rrule: 'FREQ=WEEKLY;BYDAY=MO;UNTIL=20250630T215959Z',
      calendar: 'Équipe Produit',
    });
  });

  it('unfolds and unescapes a long UTF-8 DESCRIPTION', () => {
    const d = r.byUid(WEEKLY);
    expect(d.content).toContain(
      "Point hebdomadaire de l'équipe produit : revue des tickets, décisions de la semaine, et démo rapide.\n\nOrdre du jour :\n- Métriques\n- Roadmap T2\n- Questions ouvertes (café ☕ offert)",
    );
  });

  it('lists the next occurrences: EXDATE removed, the overridden one moved, DST followed', () => {
    const m = meta(r.byUid(WEEKLY));
    expect(m.previousOccurrence).toBe('2025-02-10T09:00:00Z');
    expect(m.occurrences).toEqual([
      // 17 Feb is an EXDATE
      '2025-02-24T09:00:00Z',
      '2025-03-03T09:00:00Z',
      '2025-03-11T14:00:00Z', // 10 Mar moved to Tue 11 Mar 15:00 by the override
      '2025-03-17T09:00:00Z',
      '2025-03-24T09:00:00Z',
      '2025-03-31T08:00:00Z', // still 10:00 in Paris, now CEST
      '2025-04-07T08:00:00Z',
      '2025-04-14T08:00:00Z',
      '2025-04-21T08:00:00Z',
      '2025-04-28T08:00:00Z',
    ]);
  });

  it('indexes an overridden occurrence (RECURRENCE-ID) as its own document', () => {
    const d = r.byUid(`${WEEKLY}#2025-03-10T09:00:00Z`);
    expect(d.title).toBe('Point hebdo produit (décalé)');
    expect(d.timestamp).toBe(Date.UTC(2025, 2, 11, 14));
    expect(firstLine(d)).toBe('Tuesday 11 March 2025, 15:00–16:00 (Europe/Paris)');
    expect(d.content).toContain(
      'One occurrence of a repeating event, originally Monday 10 March 2025, 10:00 (Europe/Paris)',
    );
    expect(d.content).toContain('Décalé au mardi à cause du séminaire.');
    expect(meta(d).recurrenceId).toBe('2025-03-10T09:00:00Z');
  });

  it('reads a multi-day all-day event (VALUE=DATE, exclusive DTEND)', () => {
    const d = r.byUid('0f1e2d3c4b5a69788796a5b4c3d2e1f0@google.com');
    expect(firstLine(d)).toBe('All day: Monday 14 April 2025 – Friday 18 April 2025');
    expect(d.timestamp).toBe(Date.UTC(2025, 3, 13, 22)); // midnight in the local zone (Paris, CEST)
    expect(meta(d)).toMatchObject({
      start: '2025-04-14',
      end: '2025-04-19',
      allDay: true,
      timeZone: null,
      location: null,
    });
    expect(d.content).not.toContain('Location:'); // empty LOCATION and DESCRIPTION say nothing
  });

  it('shows a UTC event in the calendar zone, reduces an HTML description to text, maps CATEGORIES to tags', () => {
    const d = r.byUid('1a2b3c4d5e6f@google.com');
    expect(firstLine(d)).toBe('Wednesday 5 February 2025, 14:30–15:15 (Europe/Paris)');
    expect(d.timestamp).toBe(Date.UTC(2025, 1, 5, 13, 30));
    expect(d.participants).toEqual(['Bob Okafor <bob.okafor@example.com>', 'Dr. Zoë Ünal <zoe.unal@example.org>']);
    expect(d.content).toContain("Grille d'évaluation");
    expect(d.content).toContain('Voir le document partagé.');
    expect(d.content).not.toContain('<b>');
    expect(d.tags).toEqual(['Recrutement', 'Entretiens']);
    expect(line(d, 'Categories')).toBe('Categories: Recrutement, Entretiens');
    expect(line(d, 'URL')).toBe('URL: https://calendar.example.com/event/1a2b3c4d5e6f');
    expect(line(d, 'Status')).toBe('Status: Tentative');
  });

  it('brings a series that started long ago up to now (every weekday since 2024)', () => {
    const d = r.byUid('standup-2024@google.com');
    expect(line(d, 'Repeats')).toBe('Repeats: Every weekday');
    expect(meta(d).occurrences).toEqual([
      '2025-02-11T08:00:00Z',
      '2025-02-12T08:00:00Z',
      '2025-02-13T08:00:00Z',
      '2025-02-14T08:00:00Z',
      '2025-02-17T08:00:00Z',
      '2025-02-18T08:00:00Z',
      '2025-02-19T08:00:00Z',
      '2025-02-20T08:00:00Z',
      '2025-02-21T08:00:00Z',
      '2025-02-24T08:00:00Z',
    ]);
    expect(meta(d).previousOccurrence).toBe('2025-02-10T08:00:00Z');
    expect(meta(d).occurrencesTruncated).toBeUndefined();
  });

  it('keeps a yearly all-day birthday to the window', () => {
    const d = r.byUid('birthday-camille@google.com');
    expect(firstLine(d)).toBe('All day: Thursday 15 March 1990');
    expect(line(d, 'Repeats')).toBe('Repeats: Every year on 15 March (yearly)');
    expect(meta(d).occurrences).toEqual(['2025-03-15']);
    expect(meta(d).previousOccurrence).toBe('2024-03-15');
  });
});

describe('an Outlook export', () => {
  const r = read(fixture('outlook-export.ics'));
  const BUDGET =
    '040000008200E00074C5B7101A82E00800000000A0B1C2D3E4F5D901000000000000000010000000F1E2D3C4B5A6978812345678';

  it('resolves Windows zone names through the VTIMEZONE blocks, DST included', () => {
    expect(r.issues).toEqual([]);
    const d = r.byUid(BUDGET);
    expect(d.timestamp).toBe(Date.UTC(2025, 0, 14, 10));
    expect(firstLine(d)).toBe('Tuesday 14 January 2025, 11:00–12:00 (W. Europe Standard Time)');
    expect(line(d, 'Repeats')).toBe('Repeats: Every month on the second Tuesday (monthly), 12 times');
    const occ = meta(d).occurrences as string[];
    expect(occ.slice(0, 3)).toEqual(['2025-02-11T10:00:00Z', '2025-03-11T10:00:00Z', '2025-04-08T09:00:00Z']);
    expect(occ).toHaveLength(10);
    const ny = r.docs.find((x) => x.title === 'Call with New York office')!;
    expect(ny.timestamp).toBe(Date.UTC(2025, 2, 6, 14)); // 09:00 EST, three days before the DST change
    expect(firstLine(ny)).toBe('Thursday 6 March 2025, 09:00–10:00 (Eastern Standard Time)');
  });

  it('unfolds a tab-folded DESCRIPTION and falls back to X-ALT-DESC HTML', () => {
    expect(r.byUid(BUDGET).content).toContain('Please bring the updated forecast.');
    const ny = r.docs.find((x) => x.title === 'Call with New York office')!;
    expect(ny.content).toContain('Agenda: Q1 hiring');
    expect(ny.content).toContain('Dial-in: +1 555 0100');
    expect(r.byUid(BUDGET).participants).toEqual([
      'Linus Svensson <linus.svensson@contoso.com>',
      'Ada Lovelace <ada@contoso.com>',
    ]);
  });

  it('describes a yearly all-day holiday', () => {
    const d = r.byUid('holiday-us-0704@contoso.com');
    expect(firstLine(d)).toBe('All day: Friday 4 July 2025');
    expect(line(d, 'Repeats')).toBe('Repeats: Every year on 4 July (yearly)');
    expect(meta(d).occurrences).toEqual(['2025-07-04']);
  });
});

describe('a real-world file: pyparsing/examples/mozilla.ics', () => {
  it('reads its folded names, all-day dates and monthly rule', () => {
    const r = read(fixture('real/mozilla-pyparsing.ics'));
    expect(r.issues).toEqual([]);
    expect(r.docs).toHaveLength(1);
    const d = r.docs[0];
    expect(d).toMatchObject({ id: '153ed0e0-1dd2-11b2-9d71-96da104537a4', title: 'Test event', tags: ['Personal'] });
    expect(firstLine(d)).toBe('All day: Wednesday 14 July 2004 – Saturday 14 August 2004');
    expect(line(d, 'Repeats')).toBe('Repeats: Every month on the 14th (monthly), until 14 September 2004');
    expect(line(d, 'Location')).toBe('Location: Somewhere over the rainbow');
    expect(meta(d)).toMatchObject({ occurrences: [], previousOccurrence: null }); // long over
  });
});

describe('times, zones and all-day dates', () => {
  it('places an all-day date at midnight in the local zone', () => {
    const text = calendar(['UID:a', 'DTSTART;VALUE=DATE:20250203', 'SUMMARY:Offsite']);
    expect(read(text, { localTimeZone: 'America/New_York' }).docs[0].timestamp).toBe(Date.UTC(2025, 1, 3, 5));
    const utc = read(text, { localTimeZone: undefined }).docs[0];
    expect(utc.timestamp).toBe(Date.UTC(2025, 1, 3));
    expect(firstLine(utc)).toBe('All day: Monday 3 February 2025');
  });

  it('resolves an IANA TZID without a VTIMEZONE, and old Mozilla-prefixed TZIDs', () => {
    const r = read(
      calendar(
        ['UID:la', 'DTSTART;TZID=America/Los_Angeles:20250710T090000', 'SUMMARY:LA'],
        ['UID:moz', 'DTSTART;TZID=/mozilla.org/20050126_1/Europe/Berlin:20250115T080000', 'SUMMARY:Berlin'],
      ),
    );
    expect(r.issues).toEqual([]);
    expect(r.byUid('la').timestamp).toBe(Date.UTC(2025, 6, 10, 16)); // PDT
    expect(firstLine(r.byUid('la'))).toBe('Thursday 10 July 2025, 09:00 (America/Los_Angeles)');
    expect(r.byUid('moz').timestamp).toBe(Date.UTC(2025, 0, 15, 7));
  });

  it('reads floating times in the local zone and keeps them zone-less in metadata', () => {
    const d = read(calendar(['UID:f', 'DTSTART:20250203T100000', 'DTEND:20250203T103000', 'SUMMARY:Floating'])).docs[0];
    expect(d.timestamp).toBe(Date.UTC(2025, 1, 3, 9));
    expect(firstLine(d)).toBe('Monday 3 February 2025, 10:00–10:30');
    expect(meta(d)).toMatchObject({ start: '2025-02-03T10:00:00', end: '2025-02-03T10:30:00', timeZone: null });
  });

  it('takes the end from DURATION (nominal days across a DST change), and spans days in words', () => {
    const r = read(
      calendar(
        ['UID:d1', 'DTSTART;TZID=Europe/Paris:20250329T100000', 'DURATION:P1DT2H', 'SUMMARY:Across DST'],
        ['UID:d2', 'DTSTART;VALUE=DATE:20250203', 'DURATION:P3D', 'SUMMARY:Three days'],
      ),
    );
    const d1 = r.byUid('d1');
    expect(meta(d1).end).toBe('2025-03-30T10:00:00Z'); // 12:00 CEST on the 30th
    expect(firstLine(d1)).toBe('Saturday 29 March 2025, 10:00 – Sunday 30 March 2025, 12:00 (Europe/Paris)');
    expect(firstLine(r.byUid('d2'))).toBe('All day: Monday 3 February 2025 – Wednesday 5 February 2025');
  });

  it('ignores an end before the start, or an impossible DURATION, with a warning', () => {
    const r = read(
      calendar(
        ['UID:e1', 'DTSTART:20250203T100000Z', 'DTEND:20250203T090000Z', 'SUMMARY:Backwards'],
        ['UID:e2', 'DTSTART:20250203T100000Z', 'DURATION:P99999999W', 'SUMMARY:Forever'],
      ),
    );
    expect(r.docs.map((d) => meta(d).end)).toEqual([null, null]);
    expect(r.issues.map((i) => [i.path, i.code, i.severity])).toEqual([
      ['/cal/test.ics#e1', 'W_ICS_INVALID', 'warning'],
      ['/cal/test.ics#e2', 'W_ICS_INVALID', 'warning'],
    ]);
  });

  it('writes weekdays and months out in full, so "December" or "Thursday" finds an event', () => {
    // The index stems words, and "Dec" is not a form of "December": abbreviated dates were found only by the
    // abbreviation. Full names are what a person types, and still read well in a result.
    const r = read(
      calendar(
        ['UID:t', 'DTSTART;TZID=Europe/Paris:20251204T100000', 'DTEND;TZID=Europe/Paris:20251204T110000'],
        ['UID:a', 'DTSTART;VALUE=DATE:20251224', 'DTEND;VALUE=DATE:20251227'],
        ['UID:o', 'RECURRENCE-ID:20251208T090000Z', 'DTSTART:20251209T090000Z', 'SUMMARY:Moved'],
      ),
    );
    expect(firstLine(r.byUid('t'))).toBe('Thursday 4 December 2025, 10:00–11:00 (Europe/Paris)');
    expect(firstLine(r.byUid('a'))).toBe('All day: Wednesday 24 December 2025 – Friday 26 December 2025');
    expect(r.byUid('o#2025-12-08T09:00:00Z').content).toContain('originally Monday 8 December 2025, 10:00');
  });

  it('says in the title that an event or occurrence is cancelled, where every search result shows it', () => {
    // A result shows its title and a snippet around the match; a cancelled meeting whose match is in its
    // description looked like one that happens, next to its series under the same title.
    const r = read(
      calendar(
        ['UID:s', 'DTSTART:20250210T090000Z', 'RRULE:FREQ=WEEKLY', 'SUMMARY:Design review'],
        [
          'UID:s',
          'RECURRENCE-ID:20250217T090000Z',
          'DTSTART:20250217T090000Z',
          'STATUS:CANCELLED',
          'SUMMARY:Design review',
        ],
        ['UID:l', 'DTSTART:20250212T120000Z', 'STATUS:cancelled', 'SUMMARY:Lunch with Sam'],
        ['UID:o', 'DTSTART:20250213T120000Z', 'STATUS:CANCELLED', 'SUMMARY:Canceled: Board meeting'],
        ['UID:u', 'DTSTART:20250214T120000Z', 'STATUS:CANCELLED'],
      ),
    );
    expect(r.docs.map((d) => d.title)).toEqual([
      'Design review',
      'Cancelled: Design review',
      'Cancelled: Lunch with Sam',
      'Canceled: Board meeting', // Outlook already says so
      `Cancelled: ${UNTITLED_EVENT}`,
    ]);
  });

  it("reads Outlook's all-day events written as midnight date-times as all-day, on their own days", () => {
    // Outlook marks them X-MICROSOFT-CDO-ALLDAYEVENT:TRUE and writes midnight in its zone: they read "00:00 – 00:00".
    const outlook = (uid: string, ...lines: string[]) => [`UID:${uid}`, ...lines, 'X-MICROSOFT-CDO-ALLDAYEVENT:TRUE'];
    const zoned = (name: string, value: string) => `${name};TZID=W. Europe Standard Time:${value}`;
    const r = read(
      calendar(
        outlook('one', zoned('DTSTART', '20250225T000000'), zoned('DTEND', '20250226T000000'), 'SUMMARY:Carnival'),
        outlook('three', zoned('DTSTART', '20250303T000000'), zoned('DTEND', '20250306T000000'), 'SUMMARY:Fair'),
        outlook(
          'weekly',
          zoned('DTSTART', '20250211T000000'),
          zoned('DTEND', '20250212T000000'),
          'RRULE:FREQ=WEEKLY;COUNT=3',
          zoned('EXDATE', '20250218T000000'),
          'SUMMARY:Bins',
        ),
        // In UTC, as some Exchange exports write it: midnight in the calendar's zone (here the local one).
        outlook('utc', 'DTSTART:20250306T230000Z', 'DTEND:20250307T230000Z', 'SUMMARY:Holiday'),
        outlook('timed', zoned('DTSTART', '20250225T090000'), zoned('DTEND', '20250225T100000'), 'SUMMARY:Call'),
      ),
      { localTimeZone: 'Europe/Berlin' },
    );
    expect(r.issues).toEqual([]);
    const carnival = r.byUid('one');
    expect(firstLine(carnival)).toBe('All day: Tuesday 25 February 2025');
    expect(meta(carnival)).toMatchObject({ allDay: true, start: '2025-02-25', end: '2025-02-26', timeZone: null });
    expect(firstLine(r.byUid('three'))).toBe('All day: Monday 3 March 2025 – Wednesday 5 March 2025');
    const bins = r.byUid('weekly');
    expect(firstLine(bins)).toBe('All day: Tuesday 11 February 2025');
    expect(meta(bins).occurrences).toEqual(['2025-02-11', '2025-02-25']); // the EXDATE removed the 18th
    expect(firstLine(r.byUid('utc'))).toBe('All day: Friday 7 March 2025');
    expect(firstLine(r.byUid('timed'))).toBe('Tuesday 25 February 2025, 09:00–10:00 (W. Europe Standard Time)');
  });

  it('titles an event without SUMMARY "(untitled event)"', () => {
    expect(read(calendar(['UID:u', 'DTSTART:20250203T100000Z'])).docs[0].title).toBe(UNTITLED_EVENT);
  });
});

describe('a file of several calendars', () => {
  // Exports concatenated into one file: each VCALENDAR has its own X-WR-CALNAME.
  const named = (name: string | null, ...items: string[]) =>
    [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      ...(name === null ? [] : [`X-WR-CALNAME:${name}`]),
      ...items,
      'END:VCALENDAR',
    ].join('\r\n');

  it('gives each event and task the name of the calendar it is in', () => {
    const text = [
      named('Work', 'BEGIN:VEVENT\r\nUID:w\r\nDTSTART:20250203T100000Z\r\nSUMMARY:Standup\r\nEND:VEVENT'),
      named(
        'Family',
        'BEGIN:VEVENT\r\nUID:f\r\nDTSTART:20250208T100000Z\r\nSUMMARY:Zoo\r\nEND:VEVENT',
        'BEGIN:VTODO\r\nUID:t\r\nSUMMARY:Buy tickets\r\nEND:VTODO',
      ),
      named(null, 'BEGIN:VEVENT\r\nUID:n\r\nDTSTART:20250209T100000Z\r\nSUMMARY:Unnamed\r\nEND:VEVENT'),
    ].join('\r\n');
    const r = read(text);
    expect(r.issues).toEqual([]);
    expect(r.docs.map((d) => [d.title, meta(d).calendar])).toEqual([
      ['Standup', 'Work'],
      ['Zoo', 'Family'],
      ['Unnamed', undefined],
      ['Buy tickets', 'Family'],
    ]);
  });

  it('writes the calendar name in the text of events and tasks, so "family dentist" finds them, once', () => {
    const text = [
      named(
        'Family',
        'BEGIN:VEVENT\r\nUID:d\r\nDTSTART:20250203T100000Z\r\nSUMMARY:Dentist\r\nLOCATION:Main St\r\nEND:VEVENT',
        'BEGIN:VTODO\r\nUID:t\r\nSUMMARY:Book the dentist\r\nEND:VTODO',
      ),
      // An invitation saved as a calendar of its own is often named after its one event: no second line for it.
      named('Team offsite', 'BEGIN:VEVENT\r\nUID:o\r\nDTSTART:20250208T100000Z\r\nSUMMARY:Team Offsite\r\nEND:VEVENT'),
    ].join('\r\n');
    const { byUid } = read(text);
    expect(byUid('d').content).toBe(
      ['Monday 3 February 2025, 11:00 (Europe/Paris)', 'Calendar: Family', 'Location: Main St'].join('\n'),
    );
    expect(byUid('t').content).toBe('Calendar: Family');
    expect(byUid('o').content).not.toContain('Calendar:');
  });

  it("shows each calendar's UTC times in its own X-WR-TIMEZONE, else in the local zone", () => {
    const zoned = (zone: string | null, ...items: string[]) =>
      ['BEGIN:VCALENDAR', ...(zone === null ? [] : [`X-WR-TIMEZONE:${zone}`]), ...items, 'END:VCALENDAR'].join('\r\n');
    const call = (uid: string) =>
      `BEGIN:VEVENT\r\nUID:${uid}\r\nDTSTART:20250203T150000Z\r\nSUMMARY:Call\r\nEND:VEVENT`;
    const text = [
      zoned('Europe/Paris', call('paris')),
      zoned('America/New_York', call('ny'), 'BEGIN:VTODO\r\nUID:t\r\nDUE:20250203T150000Z\r\nEND:VTODO'),
      zoned(null, call('local')),
    ].join('\r\n');
    const { byUid } = read(text, { localTimeZone: 'Asia/Tokyo' });
    expect(firstLine(byUid('paris'))).toBe('Monday 3 February 2025, 16:00 (Europe/Paris)');
    expect(firstLine(byUid('ny'))).toBe('Monday 3 February 2025, 10:00 (America/New_York)');
    expect(firstLine(byUid('t'))).toBe('Due: Monday 3 February 2025, 10:00 (America/New_York)');
    expect(firstLine(byUid('local'))).toBe('Tuesday 4 February 2025, 00:00 (Asia/Tokyo)');
  });
});

describe('recurrences', () => {
  it('adds RDATEs, honours a date-only EXDATE on a timed event, and drops a cancelled override', () => {
    const r = read(
      calendar(
        [
          'UID:r',
          'DTSTART:20250210T090000Z',
          'RRULE:FREQ=DAILY;COUNT=5',
          'EXDATE;VALUE=DATE:20250212',
          'RDATE:20250301T090000Z,20250302T090000Z',
          'SUMMARY:Series',
        ],
        ['UID:r', 'RECURRENCE-ID:20250213T090000Z', 'DTSTART:20250213T090000Z', 'STATUS:CANCELLED', 'SUMMARY:Series'],
      ),
      { now: Date.UTC(2025, 1, 10, 8) },
    );
    expect(meta(r.byUid('r')).occurrences).toEqual([
      '2025-02-10T09:00:00Z',
      '2025-02-11T09:00:00Z',
      '2025-02-14T09:00:00Z',
      '2025-03-01T09:00:00Z',
      '2025-03-02T09:00:00Z',
    ]);
    expect(line(r.byUid('r#2025-02-13T09:00:00Z'), 'Status')).toBe('Status: Cancelled');
  });

  it('applies an override to its all-day occurrence when its RECURRENCE-ID is a midnight date-time (Outlook)', () => {
    // Outlook writes the RECURRENCE-ID (and EXDATE) of an all-day series' occurrence as local midnight. Matched by
    // instant, it replaced nothing: the moved occurrence was listed at both its old and its new date.
    const r = read(
      calendar(
        [
          'UID:bins',
          'DTSTART;VALUE=DATE:20250211',
          'DTEND;VALUE=DATE:20250212',
          'RRULE:FREQ=WEEKLY;COUNT=4',
          'EXDATE;TZID=W. Europe Standard Time:20250218T000000',
          'SUMMARY:Bin collection',
        ],
        [
          'UID:bins',
          'RECURRENCE-ID;TZID=W. Europe Standard Time:20250225T000000',
          'DTSTART;VALUE=DATE:20250226',
          'DTEND;VALUE=DATE:20250227',
          'SUMMARY:Bin collection (Wednesday)',
        ],
        ['UID:timed', 'DTSTART:20250211T090000Z', 'RRULE:FREQ=DAILY;COUNT=3', 'SUMMARY:Timed'],
        ['UID:timed', 'RECURRENCE-ID;VALUE=DATE:20250212', 'DTSTART:20250212T150000Z', 'STATUS:CANCELLED'],
      ),
    );
    expect(meta(r.byUid('bins')).occurrences).toEqual(['2025-02-11', '2025-02-26', '2025-03-04']);
    expect(meta(r.byUid('timed')).occurrences).toEqual(['2025-02-11T09:00:00Z', '2025-02-13T09:00:00Z']);
  });

  it('applies a RANGE=THISANDFUTURE override to the later occurrences too, and says so', () => {
    const r = read(
      calendar(
        ['UID:s', 'DTSTART;TZID=Europe/Paris:20250212T100000', 'RRULE:FREQ=WEEKLY;COUNT=8', 'SUMMARY:Sync'],
        [
          'UID:s',
          'RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Paris:20250305T100000',
          'DTSTART;TZID=Europe/Paris:20250306T140000',
          'SUMMARY:Sync (Thursdays)',
        ],
        ['UID:c', 'DTSTART;VALUE=DATE:20250211', 'RRULE:FREQ=DAILY;COUNT=5', 'SUMMARY:Course'],
        [
          'UID:c',
          'RECURRENCE-ID;VALUE=DATE;RANGE=THISANDFUTURE:20250213',
          'DTSTART;VALUE=DATE:20250213',
          'STATUS:CANCELLED',
        ],
      ),
    );
    expect(meta(r.byUid('s')).occurrences).toEqual([
      '2025-02-12T09:00:00Z',
      '2025-02-19T09:00:00Z',
      '2025-02-26T09:00:00Z',
      '2025-03-06T13:00:00Z',
      '2025-03-13T13:00:00Z',
      '2025-03-20T13:00:00Z',
      '2025-03-27T13:00:00Z',
      '2025-04-03T12:00:00Z', // still 14:00 in Paris, after the change to summer time
    ]);
    expect(r.byUid('s#2025-03-05T09:00:00Z').content).toContain(
      'This and later occurrences of a repeating event, originally from Wednesday 5 March 2025, 10:00 (Europe/Paris)',
    );
    expect(meta(r.byUid('c')).occurrences).toEqual(['2025-02-11', '2025-02-12']);
  });

  it("shows a UTC RECURRENCE-ID in the occurrence's own zone, so old and new times read alike", () => {
    const d = read(
      calendar([
        'UID:la',
        'RECURRENCE-ID:20250212T170000Z',
        'DTSTART;TZID=America/Los_Angeles:20250212T130000',
        'DTEND;TZID=America/Los_Angeles:20250212T140000',
        'SUMMARY:Workshop (afternoon)',
      ]),
    ).docs[0];
    expect(d.content.split('\n').slice(0, 2)).toEqual([
      'Wednesday 12 February 2025, 13:00–14:00 (America/Los_Angeles)',
      'One occurrence of a repeating event, originally Wednesday 12 February 2025, 09:00 (America/Los_Angeles)',
    ]);
  });

  it('keeps the wall-clock time when a long-running series is brought forward across a DST change', () => {
    const d = read(calendar(['UID:w', 'DTSTART;TZID=Europe/Paris:20200106T100000', 'RRULE:FREQ=WEEKLY;BYDAY=MO']), {
      now: Date.UTC(2025, 2, 20),
      maxOccurrences: 3,
    }).docs[0];
    expect(meta(d)).toMatchObject({
      previousOccurrence: '2025-03-17T09:00:00Z',
      occurrences: ['2025-03-24T09:00:00Z', '2025-03-31T08:00:00Z', '2025-04-07T08:00:00Z'],
    });
  });

  it('expands "last weekday of the month" (BYSETPOS) series started years ago without ical.js', () => {
    // ical.js walks every day of every month since DTSTART for BYSETPOS: ~0.5 s for a series from 2015, so a few
    // of them (Outlook's "last weekday", "first weekend day") used up the file's budget and the events after them
    // lost their upcoming occurrences.
    const next = vi.spyOn(ICAL.RecurIterator.prototype, 'next');
    try {
      const r = read(
        calendar(
          [
            'UID:last-weekday',
            'DTSTART;TZID=Europe/Paris:20150130T160000',
            'RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
          ],
          ['UID:first-weekend', 'DTSTART;VALUE=DATE:20150301', 'RRULE:FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1'],
          ['UID:second-or-last', 'DTSTART:20160209T090000Z', 'RRULE:FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2,-1;BYMONTH=2,3'],
        ),
        { maxOccurrences: 4 },
      );
      expect(meta(r.byUid('last-weekday'))).toMatchObject({
        previousOccurrence: '2025-01-31T15:00:00Z',
        occurrences: ['2025-02-28T15:00:00Z', '2025-03-31T14:00:00Z', '2025-04-30T14:00:00Z', '2025-05-30T14:00:00Z'],
      });
      expect(meta(r.byUid('first-weekend')).occurrences).toEqual([
        '2025-03-01',
        '2025-04-05',
        '2025-05-03',
        '2025-06-01',
      ]);
      expect(meta(r.byUid('second-or-last')).occurrences).toEqual([
        '2025-02-11T09:00:00Z',
        '2025-02-25T09:00:00Z',
        '2025-03-11T09:00:00Z',
        '2025-03-25T09:00:00Z',
      ]);
      expect(next).not.toHaveBeenCalled();
    } finally {
      next.mockRestore();
    }
  });

  it('reads a negative BYMONTHDAY in a DAILY rule as RFC 5545 says (ical.js skips it)', () => {
    const d = read(calendar(['UID:m', 'DTSTART:20250131T090000Z', 'RRULE:FREQ=DAILY;BYMONTHDAY=1,-1']), {
      maxOccurrences: 4,
    }).docs[0];
    expect(meta(d).occurrences).toEqual([
      '2025-02-28T09:00:00Z',
      '2025-03-01T09:00:00Z',
      '2025-03-31T09:00:00Z',
      '2025-04-01T09:00:00Z',
    ]);
  });

  it('expands like plain ical.js iteration from DTSTART (fast path, fast-forward and ical.js path agree)', () => {
    const rules = fc.oneof(
      fc.record({
        freq: fc.constant('DAILY'),
        extra: fc.constantFrom(
          '',
          ';BYDAY=MO,WE,FR',
          ';BYDAY=SA,SU',
          ';BYMONTH=1,2,7',
          // not BYMONTHDAY=-1: ical.js ignores negative days in DAILY rules (see the test below)
          ';BYMONTHDAY=1,15',
          ';BYDAY=FR;BYMONTHDAY=13',
        ),
      }),
      fc.record({
        freq: fc.constant('WEEKLY'),
        extra: fc.constantFrom(
          '',
          ';BYDAY=TU,TH',
          ';BYDAY=MO;WKST=SU',
          ';BYDAY=SU,SA;WKST=MO',
          ';BYDAY=MO,TU,WE,TH,FR',
          ';BYMONTH=3,4',
        ),
      }),
      fc.record({
        freq: fc.constant('MONTHLY'),
        extra: fc.constantFrom(
          '',
          ';BYMONTHDAY=31',
          ';BYMONTHDAY=-1',
          ';BYMONTHDAY=1,15',
          ';BYDAY=2TU',
          ';BYDAY=-1FR',
          ';BYDAY=5MO',
          ';BYDAY=MO',
          ';BYDAY=1MO,3MO',
          ';BYMONTHDAY=10;BYMONTH=1,4,7,10',
          ';BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
          ';BYDAY=SA,SU;BYSETPOS=1',
          ';BYDAY=MO,WE;BYSETPOS=2,-2',
          ';BYDAY=FR;BYSETPOS=5',
          ';BYDAY=TH;BYSETPOS=-1;BYMONTH=3,9',
        ),
      }),
      fc.record({
        freq: fc.constant('YEARLY'),
        extra: fc.constantFrom(
          '',
          ';BYMONTH=3;BYDAY=-1SU',
          ';BYMONTH=2;BYMONTHDAY=29',
          ';BYMONTH=1,7;BYMONTHDAY=1,15',
          ';BYMONTH=11;BYDAY=4TH',
          ';BYMONTH=6',
        ),
      }),
    );
    const ends = fc.constantFrom(
      '',
      '',
      ';COUNT=5',
      ';COUNT=700',
      ';UNTIL=20250601T000000Z',
      ';UNTIL=20260101T000000Z',
    );
    fc.assert(
      fc.property(
        rules,
        fc.integer({ min: 1, max: 3 }),
        ends,
        fc.date({ min: new Date(Date.UTC(2016, 0, 1)), max: new Date(Date.UTC(2025, 1, 9)), noInvalidDate: true }),
        fc.boolean(),
        ({ freq, extra }, interval, end, start, allDay) => {
          const s = start.toISOString().replace(/[-:]/g, '').slice(0, 15);
          const dtstart = allDay ? `DTSTART;VALUE=DATE:${s.slice(0, 8)}` : `DTSTART:${s.slice(0, 11)}0000Z`;
          const rrule = `FREQ=${freq};INTERVAL=${interval}${extra}${end}`;
          const doc = read(calendar(['UID:p', dtstart, `RRULE:${rrule}`]), { localTimeZone: 'UTC' }).docs[0];
          expect(meta(doc).occurrences, `${dtstart} ${rrule}`).toEqual(reference(rrule, dtstart.split(':')[1], allDay));
        },
      ),
      { seed: FC.seed, numRuns: 150 },
    );
  });
});

/**
 * Occurrences in [NOW, NOW + 366 days], at most 10, by plain ical.js iteration from DTSTART (UTC or date), minus
 * the impossible dates ical.js normalises into the next month (see matchesMonthParts).
 */
function reference(rrule: string, value: string, allDay: boolean): string[] {
  const t = allDay
    ? ICAL.Time.fromData({ year: +value.slice(0, 4), month: +value.slice(4, 6), day: +value.slice(6, 8), isDate: true })
    : ICAL.Time.fromData(
        {
          year: +value.slice(0, 4),
          month: +value.slice(4, 6),
          day: +value.slice(6, 8),
          hour: +value.slice(9, 11),
          minute: 0,
          second: 0,
        },
        ICAL.Timezone.utcTimezone,
      );
  const it = ICAL.Recur.fromString(rrule).iterator(t);
  const out: string[] = [];
  for (let i = 0; i < 200_000 && out.length < 10; i++) {
    const o = it.next();
    if (!o) break;
    const ms = Date.UTC(o.year, o.month - 1, o.day, o.hour, o.minute, o.second);
    if (ms > NOW + 366 * 86_400_000) break;
    // ical.js yields DTSTART first even when it does not match the rule; later impossible dates are dropped.
    const isStart = o.year === t.year && o.month === t.month && o.day === t.day;
    if (ms < NOW || (!isStart && !monthPartsMatch(rrule, o))) continue;
    out.push(allDay ? o.toString().slice(0, 10) : new Date(ms).toISOString().replace('.000Z', 'Z'));
  }
  return out;
}

function monthPartsMatch(rrule: string, o: ICAL.Time): boolean {
  const part = (name: string) => new RegExp(`(?:^|;)${name}=([^;]+)`).exec(rrule)?.[1].split(',').map(Number) ?? [];
  const months = part('BYMONTH');
  const days = part('BYMONTHDAY');
  const last = ICAL.Time.daysInMonth(o.month, o.year);
  if (months.length > 0 && !months.includes(o.month)) return false;
  return days.length === 0 || days.some((d) => (d > 0 ? d : last + d + 1) === o.day);
}

describe('bad inputs (bad-inputs.md case 19)', () => {
  it('a broken RRULE degrades its event to one occurrence; others (RRULE:RRULE:, unknown parts) still recur', () => {
    const path = '/cal/invalid-rrule.ics';
    const r = read(fixture('bad/invalid-rrule.ics'), { path });
    expect(r.docs.map((d) => d.id)).toEqual([
      'rrule-doubled@example.com',
      'rrule-garbage@example.com',
      'rrule-xparam@example.com',
      'rrule-unknown-part@example.com',
      'plain@example.com',
    ]);
    expect(r.issues.map((i) => [i.path, i.code, i.severity])).toEqual([
      [`${path}#rrule-doubled@example.com`, 'W_ICS_RRULE', 'warning'],
      [`${path}#rrule-garbage@example.com`, 'W_ICS_RRULE', 'warning'],
      [`${path}#rrule-unknown-part@example.com`, 'W_ICS_RRULE', 'warning'],
    ]);
    expect(r.issues[1].message).toContain('unknown frequency "FORTNIGHTLY"');
    const garbage = r.byUid('rrule-garbage@example.com');
    expect(line(garbage, 'Repeats')).toBe('Repeats: by a rule that could not be read (FREQ=FORTNIGHTLY;BYDAY=TU)');
    expect(meta(garbage)).toMatchObject({ rrule: 'FREQ=FORTNIGHTLY;BYDAY=TU' });
    expect(meta(garbage).occurrences).toBeUndefined();
    expect(line(r.byUid('rrule-doubled@example.com'), 'Repeats')).toBe('Repeats: Every week on Monday (weekly)');
    expect(meta(r.byUid('rrule-doubled@example.com')).occurrences).toHaveLength(10);
    expect(line(r.byUid('rrule-xparam@example.com'), 'Repeats')).toBe('Repeats: Every weekday');
    expect(line(r.byUid('rrule-unknown-part@example.com'), 'Repeats')).toBe('Repeats: Every day (daily), 3 times');
  });

  it('an EXDATE without a date is a warning; the valid EXDATEs still apply', () => {
    const path = '/cal/exdate-empty.ics';
    const r = read(fixture('bad/exdate-empty.ics'), { path, now: Date.UTC(2025, 0, 1) });
    expect(r.docs).toHaveLength(1);
    expect(r.issues).toEqual([
      {
        path: `${path}#exdate-empty@example.com`,
        code: 'W_ICS_INVALID',
        severity: 'warning',
        message: '2 EXDATE values without a valid date ignored.',
      },
    ]);
    expect(meta(r.docs[0]).occurrences).toEqual([
      '2025-01-02T06:20:00Z',
      // 3 Jan excluded
      '2025-01-04T06:20:00Z',
      '2025-01-05T06:20:00Z',
      '2025-01-06T06:20:00Z',
    ]);
  });

  it('an unknown TZID is read as floating with one W_ICS_TIMEZONE; EST5EDT and prefixed names resolve', () => {
    const path = '/cal/unknown-tzid.ics';
    const r = read(fixture('bad/unknown-tzid.ics'), { path });
    expect(r.docs).toHaveLength(3);
    expect(r.byUid('est5edt@example.com').timestamp).toBe(Date.UTC(2025, 0, 15, 14));
    expect(firstLine(r.byUid('est5edt@example.com'))).toBe('Wednesday 15 January 2025, 09:00–10:00 (EST5EDT)');
    const custom = r.byUid('custom-tz@example.com');
    expect(custom.timestamp).toBe(Date.UTC(2025, 0, 15, 13)); // 14:00 read as local Paris time
    expect(firstLine(custom)).toBe('Wednesday 15 January 2025, 14:00–15:00 (Customized Time Zone)');
    expect(meta(custom)).toMatchObject({ start: '2025-01-15T14:00:00', timeZone: 'Customized Time Zone' });
    expect(r.byUid('mozilla-prefix@example.com').timestamp).toBe(Date.UTC(2025, 0, 15, 7));
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ path, code: 'W_ICS_TIMEZONE', severity: 'warning' });
    expect(r.issues[0].message).toContain('"Customized Time Zone"');
  });

  it('a Windows zone name without a VTIMEZONE is read as that zone (Exchange/Graph-made files omit the block)', () => {
    const r = read(fixture('bad/windows-tzid-no-vtimezone.ics'));
    const [berlin, seattle, india] = r.docs;
    expect(berlin.timestamp).toBe(Date.UTC(2025, 6, 7, 8)); // 10:00 CEST
    expect(firstLine(berlin)).toBe('Monday 7 July 2025, 10:00–11:30 (W. Europe Standard Time)');
    expect(meta(berlin)).toMatchObject({ start: '2025-07-07T08:00:00Z', timeZone: 'W. Europe Standard Time' });
    expect(seattle.timestamp).toBe(Date.UTC(2025, 0, 15, 17)); // 09:00 PST
    expect(meta(seattle).occurrences).toContain('2025-03-12T16:00:00Z'); // 09:00 PDT, after the US change
    expect(india.timestamp).toBe(Date.UTC(2025, 0, 15, 4)); // 09:30 IST, UTC+05:30
    expect(r.issues).toEqual([]);
  });

  it('a file cut off mid-write: the complete events are indexed, the cut one is reported', () => {
    const path = '/cal/missing-end.ics';
    const r = read(fixture('bad/missing-end.ics'), { path });
    expect(r.docs.map((d) => d.title)).toEqual(['Complete one', 'Complete two']);
    expect(r.issues.map((i) => [i.path, i.code, i.severity])).toEqual([
      [path, 'W_ICS_INVALID', 'warning'],
      [`${path}#cut-off@example.com`, 'E_PARSE', 'error'],
    ]);
    expect(r.issues[0].message).toContain('END:VCALENDAR');
  });

  it('a broken event is one issue and the others are indexed', () => {
    const path = '/cal/bad-dtstart.ics';
    const r = read(fixture('bad/bad-dtstart.ics'), { path });
    expect(r.docs.map((d) => d.title)).toEqual(['Good before', 'Good after']);
    expect(r.issues.map((i) => [i.path, i.code, i.severity])).toEqual([
      [`${path}#bad-dtstart@example.com`, 'E_PARSE', 'error'],
      [`${path}#no-dtstart@example.com`, 'E_PARSE', 'error'],
    ]);
  });

  it('a file that is not iCalendar, or empty, is one E_PARSE for the file', () => {
    for (const name of ['bad/garbage.ics', 'bad/empty.ics']) {
      const text = fixture(name);
      expect(() => scanCalendar(text, name)).toThrow(ItemReadError);
      try {
        readIcsText(text, BASE);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(ItemReadError);
        expect((err as ItemReadError).code).toBe('E_PARSE');
      }
    }
    expect(() => readIcsText('   \r\n\r\n', BASE)).toThrow(/empty/);
  });

  it('FREQ=SECONDLY with no COUNT/UNTIL terminates, and so does a sub-daily rule that spins', () => {
    const r = read(fixture('bad/secondly.ics'), { now: Date.UTC(2025, 6, 10, 12) });
    expect(r.docs.map((d) => d.title)).toEqual(['Every second forever', 'Every second of February', 'Still indexed']);
    const every = r.byUid('secondly@example.com');
    expect(meta(every).occurrences).toEqual(Array.from({ length: 10 }, (_, i) => `2025-07-10T12:00:0${i}Z`));
    expect(line(every, 'Repeats')).toBe('Repeats: Every second');
    // In July the next February second is months of iterator steps away: cut by the step limit.
    const feb = r.byUid('secondly-february@example.com');
    expect(meta(feb).occurrencesTruncated).toBe(true);
    expect(r.issues.map((i) => [i.path.split('#')[1], i.code])).toEqual([
      ['secondly-february@example.com', 'W_ICS_RRULE'],
    ]);
  });

  it('YEARLY rules that never match (or rarely) neither loop nor produce nonsense', () => {
    const r = read(fixture('bad/yearly-loop.ics'));
    expect(r.docs).toHaveLength(3);
    const feb31 = r.byUid('feb31@example.com');
    expect(meta(feb31).occurrences).toBeUndefined();
    expect(r.issues.find((i) => i.path.endsWith('#feb31@example.com'))?.message).toContain('never matches');
    expect(meta(r.byUid('first-monday-mid-april@example.com'))).toMatchObject({
      occurrences: [],
      occurrencesTruncated: true,
    });
    expect(meta(r.byUid('leap-day@example.com'))).toMatchObject({ occurrences: [], previousOccurrence: '2024-02-29' });
  });

  it('over the per-file time budget: one E_PARSE_TIMEOUT, every event still indexed, expansion stopped', () => {
    let t = 0;
    const clock = () => (t += 1000); // each look at the clock costs a second
    const events = Array.from({ length: 4 }, (_, i) => [
      `UID:s${i}`,
      'DTSTART:20250101T090000Z',
      'RRULE:FREQ=DAILY',
      `SUMMARY:S${i}`,
    ]);
    const r = read(calendar(...events), { clock, budgetMs: 2000 });
    expect(r.docs.map((d) => d.id)).toEqual(['s0', 's1', 's2', 's3']);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ path: BASE.path, code: 'E_PARSE_TIMEOUT', severity: 'warning' });
    expect(meta(r.byUid('s3'))).toMatchObject({ occurrences: [], occurrencesTruncated: true });
  });

  it('stops iterating at the occurrence cap', () => {
    const d = read(calendar(['UID:c', 'DTSTART:20200101T090000Z', 'RRULE:FREQ=DAILY;COUNT=100000']), {
      maxIterations: 50,
    }).docs[0];
    expect(meta(d)).toMatchObject({ occurrences: [], occurrencesTruncated: true });
  });

  it('recovers from a missing END:VEVENT, junk lines and stray ENDs', () => {
    const text = [
      'junk before the calendar',
      'BEGIN:VCALENDAR',
      'BEGIN:VEVENT',
      'UID:one',
      'DTSTART:20250203T100000Z',
      'this line is not a content line',
      'SUMMARY:One',
      'BEGIN:VEVENT',
      'UID:two',
      'DTSTART:20250204T100000Z',
      'SUMMARY:Two',
      'END:VALARM',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const r = read(text);
    expect(r.docs.map((d) => d.title)).toEqual(['One', 'Two']);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ path: BASE.path, code: 'W_ICS_INVALID', severity: 'warning' });
    expect(r.issues[0].message).toMatch(
      /1 component was not closed properly.*1 END line.*2 lines could not be read.*first at line 1/,
    );
  });

  it('reads VEVENTs outside a VCALENDAR, with a warning', () => {
    const r = read('BEGIN:VEVENT\r\nUID:bare\r\nDTSTART:20250203T100000Z\r\nEND:VEVENT\r\n');
    expect(r.docs.map((d) => d.id)).toEqual(['bare']);
    expect(r.issues[0].message).toContain('no BEGIN:VCALENDAR');
  });

  it('keeps two events with the same UID apart, with a warning', () => {
    const r = read(
      calendar(
        ['UID:dup', 'DTSTART:20250203T100000Z', 'SUMMARY:A'],
        ['UID:dup', 'DTSTART:20250204T100000Z', 'SUMMARY:B'],
      ),
    );
    expect(r.docs.map((d) => [d.id, d.title])).toEqual([
      ['dup', 'A'],
      ['dup~2', 'B'],
    ]);
    expect(r.issues.map((i) => [i.path, i.code])).toEqual([['/cal/test.ics#dup~2', 'W_ICS_INVALID']]);
  });

  it('gives an event without UID a stable id that ignores DTSTAMP', () => {
    const idOf = (stamp: string, summary: string) =>
      read(calendar([`DTSTAMP:${stamp}`, 'DTSTART:20250203T100000Z', `SUMMARY:${summary}`])).docs[0].id;
    const a = idOf('20250101T000000Z', 'Lunch');
    expect(a).toMatch(/^nouid-[0-9a-f]{20}$/);
    expect(idOf('20250301T000000Z', 'Lunch')).toBe(a);
    expect(idOf('20250101T000000Z', 'Dinner')).not.toBe(a);
  });

  it('prefixes ids when asked (the connector passes the file key)', () => {
    expect(read(calendar(['UID:x', 'DTSTART:20250203T100000Z']), { idPrefix: 'work.ics#' }).docs[0].id).toBe(
      'work.ics#x',
    );
  });
});

/** A calendar around components given with their own BEGIN/END lines (VTODO, VJOURNAL, VEVENT). */
/** The Monday `week` weeks after Monday 13 January 2025, as an iCalendar date. */
function dateOfWeek(week: number): string {
  return new Date(Date.UTC(2025, 0, 13 + week * 7)).toISOString().slice(0, 10).replaceAll('-', '');
}

function components(...parts: [name: string, lines: string[]][]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN'];
  for (const [name, body] of parts) lines.push(`BEGIN:${name}`, ...body, `END:${name}`);
  lines.push('END:VCALENDAR');
  return lines.join('\r\n');
}

describe('tasks (VTODO)', () => {
  it('a Thunderbird task list: each VTODO is a task with its dates, status, progress and priority in words', () => {
    const r = read(fixture('thunderbird-tasks.ics'));
    expect(r.issues).toEqual([]);
    expect(r.docs.map((d) => [d.docType, d.title])).toEqual([
      ['task', 'Renew passport'],
      ['task', 'Done: Get biometric photos'],
      ['task', 'Water the plants'],
      ['task', 'Cancelled: Book ski trip'],
      ['task', 'Call grandma about the birthday party'],
    ]);
    const passport = r.byUid('8f3c2a71-5b1e-4c0d-9a6f-2e7d1b4c9a10');
    expect(passport.content).toBe(
      [
        'Due: Tuesday 1 December 2026, 17:00 (Europe/Berlin)',
        'Starts: Monday 23 November 2026, 09:00 (Europe/Berlin)',
        'Status: In progress',
        'Progress: 40% complete',
        'Priority: High',
        'Location: Bürgeramt Mitte',
        'Categories: Personal, Paperwork',
        '',
        'Bring two biometric photos and the old passport.',
        'Appointment number 4711.',
      ].join('\n'),
    );
    // The alarm's own DESCRIPTION belongs to the alarm, not to the task.
    expect(passport.content).not.toContain('Default Mozilla Description');
    expect(passport.timestamp).toBe(Date.UTC(2026, 11, 1, 16)); // the due time
    expect(passport.tags).toEqual(['Personal', 'Paperwork']);
    expect(meta(passport)).toMatchObject({
      uid: '8f3c2a71-5b1e-4c0d-9a6f-2e7d1b4c9a10',
      due: '2026-12-01T16:00:00Z',
      start: '2026-11-23T08:00:00Z',
      status: 'IN-PROCESS',
      percentComplete: 40,
      priority: 1,
    });
    const grandma = r.byUid('5d8b1c47-9e3a-4b26-8f70-a4c2e9d6b013');
    expect(line(grandma, 'Status')).toBe('Status: Needs action');
    expect(line(grandma, 'Organizer')).toBe('Organizer: Anna Schmidt <anna@example.org>');
    expect(grandma.participants).toEqual(['Ben Weber <ben@example.org>']);
    expect(grandma.timestamp).toBe(Date.UTC(2026, 10, 15, 18, 30)); // no date: when it was created
  });

  it('says in the title that a task is done or cancelled, and names the parent of a subtask', () => {
    const r = read(fixture('thunderbird-tasks.ics'));
    const photos = r.byUid('c41d9e02-7a3b-4f58-8e21-6b0f3a9d5c77');
    expect(photos.content).toBe(
      [
        'Due: Wednesday 25 November 2026',
        'Status: Completed on Tuesday 24 November 2026, 16:12 (Europe/Paris)',
        'Priority: Medium',
        'Subtask of: Renew passport',
      ].join('\n'),
    );
    expect(meta(photos)).toMatchObject({
      relatedTo: '8f3c2a71-5b1e-4c0d-9a6f-2e7d1b4c9a10',
      completed: '2026-11-24T15:12:00Z',
    });
    const ski = r.byUid('e90a6b35-4d21-4c7f-a0b8-5f2e6c1d7b94');
    expect(ski.content).toBe('Status: Cancelled');
    expect(ski.timestamp).toBe(Date.UTC(2026, 10, 1, 12));
    const twice = read(
      components(
        ['VTODO', ['UID:t', 'SUMMARY:Done: tax return', 'STATUS:COMPLETED']],
        ['VTODO', ['UID:u', 'SUMMARY:Cancelled trip', 'STATUS:CANCELLED']],
      ),
    );
    expect(twice.docs.map((d) => d.title)).toEqual(['Done: tax return', 'Cancelled trip']);
  });

  it('describes a repeating task in words and does not expand it', () => {
    const plants = read(fixture('thunderbird-tasks.ics')).byUid('2b7e9f14-0c6d-4a83-b5e2-91d8c7a3f046');
    expect(line(plants, 'Repeats')).toBe('Repeats: Every week on Monday (weekly)');
    expect(line(plants, 'Priority')).toBe('Priority: Low');
    expect(meta(plants)).toMatchObject({ rrule: 'FREQ=WEEKLY;BYDAY=MO' });
    expect(meta(plants)).not.toHaveProperty('occurrences');
    const until = read(
      components([
        'VTODO',
        ['UID:r', 'SUMMARY:Report', 'DUE;VALUE=DATE:20250203', 'RRULE:FREQ=MONTHLY;UNTIL=20250601'],
      ]),
    ).docs[0];
    expect(line(until, 'Repeats')).toBe('Repeats: Every month on the 3rd (monthly), until 1 June 2025');
  });

  it('keeps a repeating task one document, with the occurrences ticked off (Thunderbird) in its text', () => {
    // Thunderbird ticks off one occurrence by adding a VTODO with the task's UID and a RECURRENCE-ID: each was a
    // "Done: Water the plants" document of its own, one more every week.
    const r = read(fixture('thunderbird-tasks.ics'));
    const plants = r.docs.filter((d) => d.title.includes('Water the plants'));
    expect(plants.map((d) => [d.id, d.title])).toEqual([['2b7e9f14-0c6d-4a83-b5e2-91d8c7a3f046', 'Water the plants']]);
    expect(plants[0].content).toBe(
      [
        'Due: Monday 30 November 2026, 20:00 (Europe/Berlin)',
        'Starts: Monday 30 November 2026, 08:00 (Europe/Berlin)',
        'Repeats: Every week on Monday (weekly)',
        'Occurrence of Monday 30 November 2026, 08:00 (Europe/Berlin): Completed on Monday 30 November 2026, 20:02 (Europe/Paris)',
        'Occurrence of Monday 7 December 2026, 08:00 (Europe/Berlin): Completed on Monday 7 December 2026, 18:30 (Europe/Paris)',
        'Priority: Low',
        '',
        'Monday 7 December 2026: Used the new fertiliser on the ficus.',
      ].join('\n'),
    );
    expect(meta(plants[0]).changedOccurrences).toEqual(['2026-11-30T07:00:00Z', '2026-12-07T07:00:00Z']);
    // Due again every week without end: a date filter for what is upcoming takes it.
    expect(plants[0].timestampEnd).toBeGreaterThan(Date.UTC(9999, 0, 1));
    const once = r.docs.find((d) => d.docType === 'task' && !d.metadata?.rrule);
    expect(once?.timestampEnd).toBeUndefined();
    expect(r.issues).toEqual([]);
  });

  it('spans a repeating task with COUNT or UNTIL to its last due date; a done or cancelled one has no span', () => {
    const task = (uid: string, ...lines: string[]): [string, string[]] => [
      'VTODO',
      [`UID:${uid}`, 'SUMMARY:Weekly report', ...lines],
    ];
    const { byUid } = read(
      components(
        task('counted', 'DTSTART:20250203T090000Z', 'DUE:20250203T170000Z', 'RRULE:FREQ=WEEKLY;COUNT=3'),
        task('until', 'DUE:20250203T170000Z', 'RRULE:FREQ=DAILY;UNTIL=20250301T170000Z'),
        task('undue', 'DTSTART:20250203T090000Z', 'RRULE:FREQ=MONTHLY;COUNT=2'),
        task('done', 'DUE:20250203T170000Z', 'RRULE:FREQ=WEEKLY;COUNT=3', 'STATUS:COMPLETED'),
        task('cancelled', 'DUE:20250203T170000Z', 'RRULE:FREQ=WEEKLY;COUNT=3', 'STATUS:CANCELLED'),
      ),
    );
    const span = (uid: string) => [byUid(uid).timestamp, byUid(uid).timestampEnd];
    // Due 8 hours after it starts, every week, three times: the third is due on the 17th at 17:00.
    expect(span('counted')).toEqual([Date.UTC(2025, 1, 3, 17), Date.UTC(2025, 1, 17, 17)]);
    expect(span('until')).toEqual([Date.UTC(2025, 1, 3, 17), Date.UTC(2025, 2, 1, 17)]);
    expect(span('undue')).toEqual([Date.UTC(2025, 1, 3, 9), Date.UTC(2025, 2, 3, 9)]);
    expect(span('done')).toEqual([Date.UTC(2025, 1, 3, 17), undefined]);
    expect(span('cancelled')).toEqual([Date.UTC(2025, 1, 3, 17), undefined]);
  });

  it('counts the older occurrences of a long-repeating task, and keeps an occurrence without its task', () => {
    const occurrence = (day: string, ...lines: string[]): [string, string[]] => [
      'VTODO',
      ['UID:bins', `RECURRENCE-ID;VALUE=DATE:${day}`, ...lines],
    ];
    const r = read(
      components(
        ['VTODO', ['UID:bins', 'SUMMARY:Take out the bins', 'DTSTART;VALUE=DATE:20250106', 'RRULE:FREQ=WEEKLY']],
        ...Array.from({ length: 11 }, (_, i) => occurrence(dateOfWeek(i), 'STATUS:COMPLETED')),
        occurrence('20250331', 'SUMMARY:Take out the bins and the glass', 'STATUS:NEEDS-ACTION'),
        ['VTODO', ['UID:elsewhere', 'RECURRENCE-ID;VALUE=DATE:20250203', 'SUMMARY:Orphan', 'STATUS:COMPLETED']],
      ),
    );
    expect(r.docs.map((d) => d.title)).toEqual(['Take out the bins', 'Done: Orphan']);
    const bins = r.byUid('bins').content.split('\n');
    expect(bins[2]).toBe('12 occurrences changed; the latest 10:');
    expect(bins[3]).toBe('Occurrence of Monday 27 January 2025: Completed');
    expect(bins[12]).toBe('Occurrence of Monday 31 March 2025: Take out the bins and the glass, Needs action');
  });

  it('an Apple Reminders list: all-day due dates, zones, a COMPLETED date without STATUS, undated reminders', () => {
    const path = '/cal/reminders.ics';
    const r = read(fixture('apple-reminders.ics'), { path });
    expect(r.docs.map((d) => d.title)).toEqual([
      'Buy oat milk',
      'Pick up dry cleaning',
      'Done: Return library books',
      'Try the new bakery',
      'Fix the bike',
    ]);
    const milk = r.byUid('6A1F2C3D-8E9B-4A7C-B1D2-3E4F5A6B7C8D');
    expect(milk.content).toBe('Due: Tuesday 1 December 2026\nPriority: Low\nCalendar: Groceries & Errands');
    expect(milk.timestamp).toBe(Date.UTC(2026, 10, 30, 23)); // midnight in Europe/Paris
    expect(meta(milk)).toMatchObject({ due: '2026-12-01', calendar: 'Groceries & Errands' });
    const cleaning = r.byUid('9B2C4D6E-1F3A-4B5C-8D7E-6F5A4B3C2D1E');
    expect(firstLine(cleaning)).toBe('Due: Friday 4 December 2026, 17:30 (America/New_York)');
    expect(line(cleaning, 'URL')).toBe('URL: https://cleaners.example.com/order/88');
    expect(cleaning.content).toContain('\n\nTicket 88, two shirts');
    const books = r.byUid('3E4F5A6B-7C8D-4E9F-A0B1-C2D3E4F5A6B7');
    expect(line(books, 'Status')).toBe('Status: Completed on Thursday 26 November 2026, 15:10 (Europe/Paris)');
    expect(r.byUid('7C8D9E0F-1A2B-4C3D-8E4F-5A6B7C8D9E0F').timestamp).toBe(Date.UTC(2026, 10, 21, 10));
    // Malformed values are one warning at file#UID; the task is kept with what could be read.
    const bike = r.byUid('0F1E2D3C-4B5A-4968-8776-5A4B3C2D1E0F');
    expect(bike.content).toBe('Calendar: Groceries & Errands');
    expect(bike.timestamp).toBe(Date.UTC(2026, 10, 20, 10));
    expect(r.issues).toEqual([
      {
        path: `${path}#0F1E2D3C-4B5A-4968-8776-5A4B3C2D1E0F`,
        code: 'W_ICS_INVALID',
        severity: 'warning',
        message:
          'Due date "someday" is not a valid date and was ignored; percent complete "half" is not a number from 0 to 100 and was ignored; priority "high" is not a number from 0 to 9 and was ignored.',
      },
    ]);
  });

  it('takes the due date from DTSTART + DURATION, reads priority 0 as none, and titles a task without SUMMARY', () => {
    const r = read(
      components([
        'VTODO',
        ['UID:d', 'DTSTART;TZID=Europe/Paris:20250203T090000', 'DURATION:PT2H', 'PRIORITY:0', 'DTSTART:x'],
      ]),
    );
    const d = r.byUid('d');
    expect(d.title).toBe(UNTITLED_TASK);
    expect(firstLine(d)).toBe('Due: Monday 3 February 2025, 11:00 (Europe/Paris)');
    expect(line(d, 'Priority')).toBeUndefined();
    expect(r.issues).toEqual([]);
  });

  it('sits beside events in one file, ids never clash, and a task cut off at the end is reported', () => {
    const path = '/cal/mixed.ics';
    const text = [
      'BEGIN:VCALENDAR',
      'BEGIN:VEVENT',
      'UID:same',
      'DTSTART:20250203T100000Z',
      'SUMMARY:Meeting',
      'END:VEVENT',
      'BEGIN:VTODO',
      'UID:same',
      'SUMMARY:Prepare the meeting',
      'END:VTODO',
      'BEGIN:VTODO',
      'UID:cut',
      'SUMMARY:Half written',
    ].join('\r\n');
    const r = read(text, { path });
    expect(r.docs.map((d) => [d.id, d.docType, d.title])).toEqual([
      ['same', 'event', 'Meeting'],
      ['same~2', 'task', 'Prepare the meeting'],
    ]);
    expect(r.issues.map((i) => [i.path, i.code])).toEqual([
      [path, 'W_ICS_INVALID'],
      [`${path}#same~2`, 'W_ICS_INVALID'],
      [`${path}#cut`, 'E_PARSE'],
    ]);
    expect(r.issues[2].message).toBe('This task is cut off at the end of the file (no END:VTODO); it is not indexed.');
  });

  it('a file of tasks alone is a calendar, not "not iCalendar"', () => {
    expect(read('BEGIN:VTODO\r\nUID:bare\r\nSUMMARY:Alone\r\nEND:VTODO\r\n').docs.map((d) => d.title)).toEqual([
      'Alone',
    ]);
  });
});

describe('journal entries (VJOURNAL)', () => {
  it('are notes titled by their summary, else by the first words of their text, with the date in words', () => {
    const r = read(
      components(
        [
          'VJOURNAL',
          [
            'UID:j1',
            'DTSTART;VALUE=DATE:20250203',
            'SUMMARY:Sprint retrospective',
            'DESCRIPTION:What went well: the demo.',
            'DESCRIPTION:To change: fewer meetings.',
            'CATEGORIES:Work',
            'STATUS:FINAL',
          ],
        ],
        [
          'VJOURNAL',
          [
            'UID:j2',
            'CREATED:20250110T080000Z',
            'DESCRIPTION:Walked along the river this morning\\, saw two herons and a kingfisher near the old mill bridge.',
          ],
        ],
        ['VJOURNAL', ['UID:j3', 'STATUS:CANCELLED', 'SUMMARY:Draft idea']],
      ),
    );
    expect(r.issues).toEqual([]);
    const retro = r.byUid('j1');
    expect(retro).toMatchObject({ docType: 'note', title: 'Sprint retrospective', tags: ['Work'] });
    expect(retro.content).toBe(
      [
        'Date: Monday 3 February 2025',
        'Status: Final',
        'Categories: Work',
        '',
        'What went well: the demo.',
        '',
        'To change: fewer meetings.',
      ].join('\n'),
    );
    expect(retro.timestamp).toBe(Date.UTC(2025, 1, 2, 23));
    expect(meta(retro)).toMatchObject({ component: 'VJOURNAL', date: '2025-02-03' });
    const walk = r.byUid('j2');
    expect(walk).toMatchObject({
      docType: 'note',
      title: 'Walked along the river this morning, saw two herons and…',
    });
    expect(walk.timestamp).toBe(Date.UTC(2025, 0, 10, 8));
    expect(r.byUid('j3').title).toBe('Cancelled: Draft idea');
  });
});

describe('property: arbitrary input', () => {
  const TOKENS = [
    'BEGIN:VCALENDAR',
    'END:VCALENDAR',
    'BEGIN:VEVENT',
    'END:VEVENT',
    'BEGIN:VTODO',
    'END:VTODO',
    'BEGIN:VJOURNAL',
    'END:VJOURNAL',
    'DUE:20250204T100000Z',
    'DUE;VALUE=DATE:x',
    'COMPLETED:20250205T100000Z',
    'STATUS:COMPLETED',
    'PERCENT-COMPLETE:101',
    'PRIORITY:5',
    'RELATED-TO:same',
    'BEGIN:VTIMEZONE',
    'END:VTIMEZONE',
    'BEGIN:STANDARD',
    'END:STANDARD',
    'BEGIN:VALARM',
    'END:VALARM',
    'TZID:Fake/Zone',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    'DTSTART:19700329T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
    'UID:same',
    'UID:other',
    'DTSTART:20250203T100000Z',
    'DTSTART;TZID=Fake/Zone:20250203T100000',
    'DTSTART;TZID=Europe/Paris:20250203T100000',
    'DTSTART;VALUE=DATE:20250203',
    'DTSTART:99999999T999999',
    'DTEND:20250203T110000Z',
    'DURATION:PT1H',
    'DURATION:P',
    'RECURRENCE-ID:20250210T100000Z',
    'RRULE:FREQ=SECONDLY',
    'RRULE:FREQ=SECONDLY;BYMONTH=2',
    'RRULE:FREQ=YEARLY;BYMONTHDAY=31;BYMONTH=2',
    'RRULE:FREQ=YEARLY;BYDAY=1MO;BYMONTHDAY=15;BYMONTH=4',
    'RRULE:FREQ=WEEKLY;BYDAY=MO,TU',
    'RRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=3',
    'RRULE:RRULE:FREQ=DAILY',
    'RRULE:',
    'EXDATE:',
    'EXDATE;TZID=Europe/Paris:20250210T100000',
    'RDATE;VALUE=PERIOD:20250301T090000Z/PT1H',
    'SUMMARY:Hello\\, world',
    'DESCRIPTION:<p>Hi<br>there</p>',
    'ATTENDEE;CN="A, B":mailto:a@b',
    'ORGANIZER:mailto:',
    'CATEGORIES:a\\,b,c',
    'X-WR-TIMEZONE:Europe/Paris',
    ' folded continuation',
    '\tfolded with tab',
    '',
  ];
  const lineArb = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...TOKENS) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((s) => `X-${s}:${s}`) },
  );
  const fileArb = fc
    .tuple(fc.array(lineArb, { maxLength: 60 }), fc.constantFrom('\r\n', '\n', '\r'))
    .map(([lines, eol]) => lines.join(eol));
  // Small caps keep 1000 runs quick; the caps' own behaviour is tested above.
  const opts: Partial<IcsOptions> = { maxSteps: 5000, budgetMs: 500 };

  function check(text: string): void {
    let items: IcsItem[];
    try {
      items = readIcsText(text, { ...BASE, ...opts });
    } catch (err) {
      expect(err).toBeInstanceOf(ItemReadError);
      expect((err as ItemReadError).code).toBe('E_PARSE');
      return;
    }
    const ids = new Set<string>();
    for (const item of items) {
      if (item.type === 'issue') {
        expect(item.issue.path.startsWith(BASE.path)).toBe(true);
        expect(['error', 'warning']).toContain(item.issue.severity);
        continue;
      }
      const d = item.doc;
      expect(ids.has(d.id)).toBe(false);
      ids.add(d.id);
      expect(['event', 'task', 'note']).toContain(d.docType);
      expect(d.title.length).toBeGreaterThan(0);
      // Only an event needs a date; an undated task or journal entry has none.
      if (d.docType === 'event' || d.timestamp !== null) expect(Number.isFinite(d.timestamp)).toBe(true);
      expect(() => JSON.stringify(d.metadata)).not.toThrow();
    }
  }

  it('iCalendar-shaped noise never throws outside ItemReadError', () => {
    fc.assert(fc.property(fileArb, check), FC);
  });

  it('arbitrary strings never throw outside ItemReadError', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), check), FC);
  });
});

describe('how long an event lasts (timestampEnd), for date filters', () => {
  const event = (uid: string, ...lines: string[]) => [`UID:${uid}`, 'SUMMARY:Standup', ...lines];

  it('spans a single event from its start to its end, over days for a conference', () => {
    const { byUid } = read(
      calendar(
        event('talk', 'DTSTART:20250210T090000Z', 'DTEND:20250210T093000Z'),
        event('conf', 'DTSTART;VALUE=DATE:20250210', 'DTEND;VALUE=DATE:20250215'),
      ),
    );
    expect(byUid('talk').timestampEnd).toBe(Date.UTC(2025, 1, 10, 9, 30));
    const conf = byUid('conf');
    expect(conf.timestampEnd! - conf.timestamp!).toBe(5 * 86_400_000);
  });

  it('reaches the end of the last occurrence of a series, or no end for one that repeats forever', () => {
    const { byUid } = read(
      calendar(
        event('forever', 'DTSTART:20200106T090000Z', 'DTEND:20200106T091500Z', 'RRULE:FREQ=WEEKLY;BYDAY=MO'),
        event('counted', 'DTSTART:20250203T090000Z', 'DTEND:20250203T091500Z', 'RRULE:FREQ=WEEKLY;COUNT=3'),
        event('until', 'DTSTART:20250203T090000Z', 'DTEND:20250203T091500Z', 'RRULE:FREQ=DAILY;UNTIL=20250301T090000Z'),
      ),
    );
    // A weekly meeting since 2020 is still upcoming: "Upcoming" and "Past week" must both find it.
    expect(byUid('forever').timestampEnd).toBeGreaterThan(Date.UTC(9999, 0, 1));
    expect(byUid('counted').timestampEnd).toBe(Date.UTC(2025, 1, 17, 9, 15));
    expect(byUid('until').timestampEnd).toBe(Date.UTC(2025, 2, 1, 9, 15));
  });

  it('counts a rule that never yields within limits, and then gives it no end rather than hang or lose it', () => {
    const { byUid } = read(
      calendar(event('never', 'DTSTART:20250210T090000Z', 'RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=3')),
    );
    expect(byUid('never').timestampEnd).toBeGreaterThan(Date.UTC(9999, 0, 1));
  });
});
