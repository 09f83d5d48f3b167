// What `jarvis-sync status` says about the next run. The CLI reads the index without the scheduler, so a run it
// cannot time is the one the app or the daemon makes once it starts.
import { describe, expect, it } from 'vitest';
import { formatStatusLine } from '../../../electron/headless/format.js';
import { MIN, NOW, connector } from '../../main/fixtures.js';

const nextRun = (overrides: Parameters<typeof connector>[0]) =>
  formatStatusLine(connector(overrides), NOW).find((l) => l.includes('next run:'));

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

  it('paused, the connector or all syncing: paused, whatever the time', () => {
    expect(nextRun({ paused: true, nextRunAt: NOW - 5 * MIN })).toBe('  next run:      paused');
    expect(nextRun({ state: 'paused', nextRunAt: null })).toBe('  next run:      paused');
  });
});
