// What `jarvis-sync status` says about the next run. The CLI reads the index without the scheduler, so a run it
// cannot time is the one the app or the daemon makes once it starts.
import { describe, expect, it } from 'vitest';
import {
  formatConnectorList,
  formatItemErrors,
  formatSearchResults,
  formatStatusLine,
  pad,
  terminalSafe,
} from '../../../electron/headless/format.js';
import { NO_END, type ItemError, type SearchHit } from '../../../shared/types.js';
import { MIN, NOW, connector } from '../../main/fixtures.js';

const nextRun = (overrides: Parameters<typeof connector>[0]) =>
  formatStatusLine(connector(overrides), NOW).find((l) => l.includes('next run:'));

describe('formatStatusLine: state', () => {
  const stateOf = (overrides: Parameters<typeof connector>[0]) => formatStatusLine(connector(overrides), NOW)[1];

  it('says "paused" once, and "(paused)" only beside another state', () => {
    // Before: "Notes (notes) — folder — paused (paused)".
    expect(stateOf({ state: 'paused', paused: true })).toBe('Notes (notes) — folder — paused');
    expect(stateOf({ state: 'syncing', paused: true })).toBe('Notes (notes) — folder — syncing (paused)');
  });
});

describe('formatStatusLine: next run', () => {
  it('a planned run: when', () => {
    expect(nextRun({ nextRunAt: NOW + 55 * MIN })).toBe('  next run:      in 55 min');
  });

  it('never synced: its first sync comes when the app or daemon starts, or with `sync`', () => {
    expect(nextRun({ lastSuccessAt: null, lastAttemptAt: null, nextRunAt: null })).toBe(
      '  next run:      first sync: 10 s after the app or daemon starts (or `jarvis-sync sync notes`)',
    );
  });

  it('overdue (the app was not running): due, not "5 min ago"', () => {
    expect(nextRun({ lastSuccessAt: NOW - 65 * MIN, nextRunAt: NOW - 5 * MIN })).toBe(
      '  next run:      due: 10 s after the app or daemon starts (or `jarvis-sync sync notes`)',
    );
  });

  it('while the daemon has the data folder open: its schedule, not a time guessed from the last success', () => {
    // Before, a failing connector showed "in 59 min" while the daemon's retry came in 10 s.
    const line = formatStatusLine(connector({ nextRunAt: NOW + 59 * MIN }), NOW, 'the daemon').find((l) =>
      l.includes('next run:'),
    );
    expect(line).toBe('  next run:      as the daemon schedules it (its dashboard shows when)');
  });

  it('paused, the connector or all syncing: paused, whatever the time', () => {
    expect(nextRun({ paused: true, nextRunAt: NOW - 5 * MIN })).toBe('  next run:      paused');
    expect(nextRun({ state: 'paused', nextRunAt: null })).toBe('  next run:      paused');
  });
});

// What the CLI prints for a human comes from files anyone can name: it must not drive the user's terminal.
describe('terminal escape injection', () => {
  const ESC = '\x1b';
  // Any character a terminal acts on: C0 (ESC, BEL, CR, LF, …), DEL, C1 (CSI U+009B, OSC U+009D), bidi controls.
  // eslint-disable-next-line no-control-regex
  const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
  const EVIL = `evil${ESC}[31mred${ESC}]0;pwned\x07\r\nforged line\x9b2J\u202egnp.exe\u2066x\u2069\x7f\0`;
  const hit = (over: Partial<SearchHit> = {}): SearchHit => ({
    docId: 'notes:a.md',
    title: 'Alpha',
    titleHighlights: [],
    timestampEnd: null,
    source: 'notes',
    docType: 'note',
    path: 'a.md',
    snippet: 'apples and pears',
    highlights: [],
    score: -1,
    timestamp: null,
    author: null,
    ...over,
  });
  const itemError = (over: Partial<ItemError> = {}): ItemError => ({
    connectorId: 'notes',
    path: 'a.md',
    code: 'unreadable',
    message: 'Permission denied',
    severity: 'error',
    firstSeen: NOW,
    lastSeen: NOW,
    attempts: 1,
    quarantined: false,
    ...over,
  });

  it('terminalSafe: every control shown, none left; plain text, and all other Unicode, untouched', () => {
    expect(terminalSafe(EVIL)).toBe('evil␛[31mred␛]0;pwned␇␍␊forged line<U+009B>2J<U+202E>gnp.exe<U+2066>x<U+2069>␡␀');
    expect(terminalSafe('\t\u0085\u009d\u202a\u202d')).toBe('␉<U+0085><U+009D><U+202A><U+202D>');
    const plain = 'Notes/Réunion — 会議 ✓ (2024).md';
    expect(terminalSafe(plain)).toBe(plain);
  });

  it('search: titles, paths, sources and snippets are made safe; the only escapes are the bold of a terminal', () => {
    const out = formatSearchResults(
      'q',
      [hit({ title: EVIL, path: `Notes/${EVIL}.md`, snippet: `a ${EVIL} b` })],
      false,
    );
    expect(out).not.toMatch(UNSAFE);
    expect(out.split('\n')).toHaveLength(4); // title, path, snippet, then the final newline: no forged line
    expect(out).toContain('1. evil␛[31mred␛]0;pwned␇␍␊forged line');
    expect(formatSearchResults('q', [hit({ path: null, docId: `x${ESC}c` })], false)).toContain('   x␛c\n');

    const snippet = `hit ${ESC}[2J and  more\nlines`;
    const coloured = formatSearchResults('hit', [hit({ snippet, highlights: [[0, 3]] })], true);
    expect(coloured).toContain(`   ${ESC}[1mhit${ESC}[22m ␛[2J and more lines\n`);
    expect(coloured.replaceAll(`${ESC}[1m`, '').replaceAll(`${ESC}[22m`, '')).not.toMatch(UNSAFE);
    // Unchanged for normal text.
    expect(formatSearchResults('pears', [hit({ highlights: [[11, 16]] })], true)).toBe(
      `1. Alpha  [notes · note]\n   a.md\n   apples and ${ESC}[1mpears${ESC}[22m\n`,
    );
    expect(formatSearchResults(`q${ESC}`, [], false)).toBe('No results for "q␛".\n');
    // Only words to leave out: nothing is looked for, and the user is told why.
    expect(formatSearchResults('-lisbon -"old draft"', [], false)).toBe(
      'No results for "-lisbon -"old draft"".\nA -word leaves out what has it: add a word to look for.\n',
    );
    expect(formatSearchResults('co-op -x', [], false)).toBe('No results for "co-op -x".\n');
    // A title's matched words are bold too; its unsafe characters are shown as they are elsewhere.
    expect(formatSearchResults('alpha', [hit({ title: `Alpha${ESC}`, titleHighlights: [[0, 5]] })], true)).toContain(
      `1. ${ESC}[1mAlpha${ESC}[22m␛  [notes · note]\n`,
    );
  });

  it('search: a mail or an event shows its day and author, as in the dashboard, so equal titles can be told apart', () => {
    const noon = new Date(2026, 11, 1, 12).getTime(); // local noon: the same day in any zone the tests run in
    const out = formatSearchResults(
      'review',
      [
        hit({ title: 'Quarterly review', docType: 'event', timestamp: noon, author: null }),
        hit({ title: 'Quarterly review', docType: 'email', timestamp: noon, author: `Ann ${ESC}[31mLee` }),
      ],
      false,
    );
    expect(out).toContain('1. Quarterly review  [notes · event · 2026-12-01]\n');
    expect(out).toContain('2. Quarterly review  [notes · email · 2026-12-01 · Ann ␛[31mLee]\n');
  });

  it('search: what lasts shows its first and last day, a series without end the day it started', () => {
    const day = (d: number, h = 0) => new Date(2026, 11, d, h).getTime();
    const dates = (timestamp: number, timestampEnd: number | null) =>
      /\[notes · event · (.*)\]/.exec(
        formatSearchResults('x', [hit({ docType: 'event', timestamp, timestampEnd })], false),
      )![1];
    expect(dates(day(3), day(6))).toBe('2026-12-03 – 2026-12-05'); // all day, to the next midnight
    expect(dates(day(3, 9), day(3, 10))).toBe('2026-12-03');
    expect(dates(day(3, 9), NO_END)).toBe('since 2026-12-03, repeating');
    expect(dates(day(3, 9), null)).toBe('2026-12-03');
  });

  it('errors: paths, codes and messages are made safe', () => {
    const out = formatItemErrors([itemError({ path: EVIL, message: `cannot read ${EVIL}`, code: `x${ESC}` })]);
    expect(out).not.toMatch(UNSAFE);
    expect(out.split('\n')).toHaveLength(3);
    expect(formatItemErrors([itemError({ attempts: 3, severity: 'warning' })])).toBe(
      'warning unreadable             a.md\n        Permission denied (seen 3 times)\n',
    );
  });

  it('list and status: connector names, paths and errors are made safe', () => {
    const c = connector({ name: EVIL, path: `/home/me/${EVIL}`, lastError: { code: 'io', message: EVIL } as never });
    const list = formatConnectorList([c]);
    expect(list).not.toMatch(UNSAFE);
    expect(list.split('\n')).toHaveLength(2);
    const status = formatStatusLine(c, NOW);
    for (const line of status) expect(line).not.toMatch(/[\n\r]/);
    for (const line of status) expect(line).not.toMatch(UNSAFE);
    expect(status[1]).toMatch(/^evil␛\[31mred/);
    expect(pad(`a${ESC}`, 4)).toBe('a␛  ');
  });
});
