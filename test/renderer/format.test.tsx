import { describe, expect, it, vi } from 'vitest';
import {
  excludePreviewText,
  estimateRemaining,
  formatAgo,
  formatBytes,
  formatDuration,
  formatIn,
  formatNumber,
  formatProgressCount,
  formatRemaining,
  formatSpan,
  readableError,
} from '../../renderer/format.js';
import { relativeToRoot } from '../../renderer/components/progress-bar.js';
import { splitHighlights } from '../../renderer/highlight.js';
import { replaceEqualDeep } from '../../renderer/store/share.js';
import { summarize } from '../../renderer/summary.js';
import { checkExcludes, checkMinutes, checkName } from '../../renderer/validation.js';
import { NO_END } from '../../shared/types.js';
import { buildState, idleConnector, pausedConnector } from './fixtures.js';

vi.mock('../../renderer/web-api.js', () => ({
  createWebApi: vi.fn(() => ({ fromWeb: true })),
}));

const MIN = 60_000;
const NOW = Date.UTC(2025, 5, 1, 12, 0);

describe('text formatting', () => {
  it('numbers have thousands separators; counts show "+" while still counting, "~" for an expected total', () => {
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatProgressCount({ done: 340, found: 1200, foundAll: true })).toBe('340 / 1,200');
    expect(formatProgressCount({ done: 340, found: 1200, foundAll: false })).toBe('340 / 1,200+');
    expect(formatProgressCount({ done: 340, found: 372, foundAll: false, expected: 50_000 })).toBe('340 / ~50,000');
    // More found than expected (files added since the count): what was found, still counting.
    expect(formatProgressCount({ done: 340, found: 1200, foundAll: false, expected: 1000 })).toBe('340 / 1,200+');
    expect(formatProgressCount({ done: 340, found: 1200, foundAll: true, expected: 50_000 })).toBe('340 / 1,200');
  });

  it("a result's date: its day, the first and last day of what lasts, since when a series without end repeats", () => {
    const day = (d: number, h = 0) => new Date(2026, 11, d, h).getTime();
    expect(formatSpan(day(3, 9), null)).toBe('Dec 3, 2026');
    expect(formatSpan(day(3, 9), day(3, 10))).toBe('Dec 3, 2026');
    expect(formatSpan(day(3), day(6))).toBe('Dec 3, 2026 – Dec 5, 2026'); // all day, to the next midnight
    expect(formatSpan(day(3, 9), NO_END)).toBe('since Dec 3, 2026, repeating');
  });

  it('past times', () => {
    expect(formatAgo(NOW - 10_000, NOW)).toBe('just now');
    expect(formatAgo(NOW + 5_000, NOW)).toBe('just now');
    expect(formatAgo(NOW - 50_000, NOW)).toBe('1 min ago');
    expect(formatAgo(NOW - 5 * MIN - 59_000, NOW)).toBe('5 min ago');
    expect(formatAgo(NOW - 125 * MIN, NOW)).toBe('2 h 5 min ago');
    expect(formatAgo(NOW - 12 * 60 * MIN, NOW)).toBe('12 h ago');
    expect(formatAgo(NOW - 30 * 60 * MIN, NOW)).toBe('yesterday');
    expect(formatAgo(NOW - 3 * 24 * 60 * MIN, NOW)).toBe('3 days ago');
    expect(formatAgo(NOW - 30 * 24 * 60 * MIN, NOW)).toMatch(/^on /);
  });

  it('future times', () => {
    expect(formatIn(NOW - MIN, NOW)).toBe('in a moment');
    expect(formatIn(NOW + 54 * MIN + 1, NOW)).toBe('in 55 min');
    expect(formatIn(NOW + 90 * MIN, NOW)).toBe('in 1 h 30 min');
    expect(formatIn(NOW + 24 * 60 * MIN, NOW)).toBe('tomorrow');
    expect(formatIn(NOW + 3 * 24 * 60 * MIN, NOW)).toBe('in 3 days');
  });

  it('durations and time left', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(3240)).toBe('3.2 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(63 * MIN)).toBe('1 h 3 min');
    expect(formatRemaining(30_000)).toBe('less than a minute left');
    expect(formatRemaining(12 * MIN)).toBe('about 12 min left');
    const p = { done: 100, found: 400, foundAll: true, startedAt: NOW - MIN };
    expect(estimateRemaining(p, NOW)).toBe(3 * MIN);
    expect(estimateRemaining({ ...p, foundAll: false }, NOW)).toBeNull();
    // A first sync: 100 of about 400 read in a minute, though the walk has found only a few ahead of them.
    expect(estimateRemaining({ ...p, found: 132, foundAll: false, expected: 400 }, NOW)).toBe(3 * MIN);
    expect(estimateRemaining({ ...p, startedAt: NOW - 2000 }, NOW)).toBeNull();
    // One large mailbox, a quarter read in a minute: three more, though no unit is done yet.
    const mailbox = { done: 0, found: 1, foundAll: true, startedAt: NOW - MIN, part: { done: 250, total: 1000 } };
    expect(estimateRemaining(mailbox, NOW)).toBe(3 * MIN);
    expect(estimateRemaining({ ...mailbox, part: undefined }, NOW)).toBeNull();
  });

  it('sizes of files being read', () => {
    expect(formatBytes(900)).toBe('900 bytes');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(312 * 1024 * 1024)).toBe('312 MB');
    expect(formatBytes(1024 ** 3)).toBe('1.0 GB');
  });

  it('errors read as one sentence, without transport noise', () => {
    expect(readableError(new Error("Error invoking remote method 'sync:pause': Error: disk full"))).toBe('disk full');
    expect(readableError(new Error("Error invoking remote method 'x': TypeError: bad id"))).toBe('bad id');
    expect(readableError('plain string')).toBe('plain string');
    expect(readableError({ message: 'from JSON' })).toBe('from JSON');
    expect(readableError(undefined)).toBe('Something went wrong.');
  });
});

describe('exclude preview', () => {
  it('says what patterns leave out, with lower bounds when counting stopped early', () => {
    const survey = { files: 1234, leftOut: 3, leftOutExamples: ['a.md', 'b.md', 'c.md'], complete: true };
    expect(excludePreviewText(survey, 'folder', 1)).toBe('Leaves out 3 of 1,234 files: a.md, b.md, c.md');
    expect(excludePreviewText({ ...survey, leftOut: 0, leftOutExamples: [] }, 'folder', 0)).toBe(
      'Syncs all 1,234 files.',
    );
    expect(excludePreviewText({ ...survey, complete: false, leftOut: 9 }, 'maildir', 2)).toBe(
      'Leaves out at least 9 of 1,234+ messages: a.md, b.md, c.md, …',
    );
    expect(excludePreviewText({ ...survey, leftOut: 0, leftOutExamples: [], complete: false }, 'obsidian', 1)).toBe(
      'Leaves out none of the first 1,234+ files.',
    );
  });
});

describe('current item', () => {
  it('is shown relative to the connector root, so the file name is what stays visible', () => {
    expect(relativeToRoot('/home/ada/Notes/Projects/plan.md', '/home/ada/Notes')).toBe('Projects/plan.md');
    expect(relativeToRoot('/home/ada/Notes/Projects/plan.md', '/home/ada/Notes/')).toBe('Projects/plan.md');
    expect(relativeToRoot('C:\\Users\\ada\\Notes\\a.md', 'C:\\Users\\ada\\Notes')).toBe('a.md');
    expect(relativeToRoot('/home/ada/Notes2/x.md', '/home/ada/Notes')).toBe('/home/ada/Notes2/x.md');
    expect(relativeToRoot('Re: lunch on Friday', '/home/ada/mail.mbox')).toBe('Re: lunch on Friday');
    expect(relativeToRoot('/home/ada/Mail/Archive.mbox', '/home/ada/Mail/Archive.mbox')).toBe('Archive.mbox');
    expect(relativeToRoot('C:\\Users\\ada\\cal.ics', 'C:\\Users\\ada\\cal.ics')).toBe('cal.ics');
  });
});

describe('highlights', () => {
  it('splits into plain and marked segments', () => {
    expect(splitHighlights('one two three', [[4, 7]])).toEqual([
      { text: 'one ', mark: false },
      { text: 'two', mark: true },
      { text: ' three', mark: false },
    ]);
  });

  it('survives unsorted, overlapping, empty and out-of-range ranges', () => {
    const segs = splitHighlights('abcdef', [
      [4, 99],
      [0, 2],
      [1, 3],
      [3, 3],
      [-5, 0],
    ]);
    expect(segs).toEqual([
      { text: 'abc', mark: true },
      { text: 'd', mark: false },
      { text: 'ef', mark: true },
    ]);
    expect(segs.map((s) => s.text).join('')).toBe('abcdef');
    expect(splitHighlights('', [[0, 3]])).toEqual([]);
  });
});

describe('validation', () => {
  it('names, minutes and exclude globs', () => {
    expect(checkName('  Notes ')).toEqual({ ok: true, value: 'Notes' });
    expect(checkName('  ').ok).toBe(false);
    expect(checkMinutes('', true)).toEqual({ ok: true, value: null });
    expect(checkMinutes('', false).ok).toBe(false);
    expect(checkMinutes('15', false)).toEqual({ ok: true, value: 15 });
    expect(checkMinutes('0', true).ok).toBe(false);
    expect(checkMinutes('20000', true).ok).toBe(false);
    expect(checkExcludes('a/**\n\n  *.tmp \na/**')).toEqual({ ok: true, value: ['a/**', '*.tmp'] });
    expect(checkExcludes('C:\\Temp').ok).toBe(false);
    expect(checkExcludes('a\\b').ok).toBe(false);
    expect(checkExcludes('*.{md,txt').ok).toBe(false);
  });
});

describe('summary', () => {
  it('mentions individually paused connectors, and says Paused when all are', () => {
    const now = Date.now();
    const one = summarize(
      buildState({
        connectors: [idleConnector({ lastSuccessAt: now - 5 * MIN, nextRunAt: now + 55 * MIN }), pausedConnector()],
      }),
      {},
      now,
    );
    expect(one).toEqual({
      text: 'All synced · 5 min ago · next in 55 min · 1 paused',
      tone: 'ok',
      // A screen reader is told the news, not the clock: the times change every minute.
      spoken: 'All synced · 1 paused',
    });
    expect(summarize(buildState({ connectors: [pausedConnector()] }), {}, now).text).toBe('Paused');
  });
});

describe('structural sharing', () => {
  it('returns the previous value for equal parts', () => {
    const prev = { a: [1, { b: 2 }], c: { d: 'x' } };
    const same = replaceEqualDeep(prev, structuredClone(prev));
    expect(same).toBe(prev);
    const changed = replaceEqualDeep(prev, { a: [1, { b: 3 }], c: { d: 'x' } });
    expect(changed).not.toBe(prev);
    expect(changed.c).toBe(prev.c);
    expect(replaceEqualDeep(prev, { a: prev.a })).not.toBe(prev);
  });
});

describe('resolveApi', () => {
  it('uses the preload API when present, else the web API for this location', async () => {
    const { resolveApi } = await import('../../renderer/api.js');
    const { createWebApi } = await import('../../renderer/web-api.js');
    const preload = { preload: true };
    expect(resolveApi({ jarvis: preload, location: window.location } as unknown as Window)).toBe(preload);
    const web = resolveApi({ location: window.location } as unknown as Window);
    expect(web).toEqual({ fromWeb: true });
    expect(createWebApi).toHaveBeenCalledWith(window.location);
  });
});
