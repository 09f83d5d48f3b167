// `jarvis-sync search --since/--until`, in process: real notes with set modification times, a real mbox, a real
// data folder and index; the clock the CLI reads is fixed, so an age ("7d") names a known instant.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { dateBound } from '../../../electron/headless/cli.js';
import { runCli } from '../../helpers/cli-in-process.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

/** Local time, as a person types a date. */
const local = (y: number, m: number, d: number, h = 0, min = 0, s = 0, ms = 0) =>
  new Date(y, m - 1, d, h, min, s, ms).getTime();

const NOW = local(2026, 11, 20, 12, 0);

let root: string;

const cli = (args: string[]) => runCli(args, { env: { JARVIS_SYNC_DATA_DIR: join(root, 'data') }, now: () => NOW });

const titles = async (...args: string[]) => {
  const r = await cli(['search', 'quarterly', ...args, '--json']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return (JSON.parse(r.out) as { title: string }[]).map((h) => h.title).sort();
};

beforeAll(async () => {
  root = makeTempDir('jarvis-cli-dates-');
  const notes = join(root, 'notes');
  mkdirSync(notes);
  const note = (file: string, title: string, modified: number) => {
    writeFileSync(join(notes, file), `# ${title}\n\nThe quarterly report.\n`);
    utimesSync(join(notes, file), modified / 1000, modified / 1000);
  };
  note('a.md', 'Late on the first', local(2026, 11, 1, 23, 30));
  note('b.md', 'Early on the second', local(2026, 11, 2, 0, 30));
  note('c.md', 'In August', local(2026, 8, 15, 12));
  note('d.md', 'Yesterday', local(2026, 11, 19, 12));
  // The mailbox file itself was changed just now: a mail is dated by when it was sent.
  const mail = join(root, 'mail.mbox');
  writeFileSync(
    mail,
    [
      'From alice@example.com Sat Oct 03 09:00:00 2026',
      'From: Alice <alice@example.com>',
      'Subject: Quarterly numbers',
      'Date: Sat, 03 Oct 2026 09:00:00 +0000',
      'Message-ID: <q3@example.com>',
      '',
      'The quarterly report is attached.',
      '',
    ].join('\n'),
  );
  expect((await cli(['add', 'folder', notes])).code).toBe(0);
  expect((await cli(['add', 'mbox', mail])).code).toBe(0);
  expect((await cli(['sync'])).code).toBe(0);
}, 60_000);
afterAll(() => removeTempDir(root));

describe('jarvis-sync search --since / --until', () => {
  it('a date is a whole day in local time: --until includes all of it', async () => {
    expect(await titles('--since', '2026-11-01', '--until', '2026-11-01')).toEqual(['Late on the first']);
    expect(await titles('--until', '2026-11-01', '--type', 'note')).toEqual(['In August', 'Late on the first']);
    expect(await titles('--since=2026-11-02')).toEqual(['Early on the second', 'Yesterday']);
  });

  it('a date and time is that instant, in local time unless it has an offset', async () => {
    expect(await titles('--since', '2026-11-01T23:00', '--until', '2026-11-02T01:00')).toEqual([
      'Early on the second',
      'Late on the first',
    ]);
    expect(await titles('--since', '2026-10-03T09:00Z', '--until', '2026-10-03T11:00+02:00')).toEqual([
      'Quarterly numbers',
    ]);
  });

  it('an age counts back from now', async () => {
    expect(await titles('--since', '7d')).toEqual(['Yesterday']);
    expect(await titles('--since', '2w')).toEqual(['Yesterday']);
    expect(await titles('--since', '48h')).toEqual(['Yesterday']);
    // Three months before 20 November noon is 20 August noon: the August note is older.
    expect(await titles('--since', '3m', '--type', 'note')).toEqual([
      'Early on the second',
      'Late on the first',
      'Yesterday',
    ]);
    expect(await titles('--since', '1y')).toHaveLength(5);
    expect(await titles('--since', '3m', '--until', '2w')).toEqual([
      'Early on the second',
      'Late on the first',
      'Quarterly numbers',
    ]);
  });

  it('a mail is dated by when it was sent, not by its mailbox file', async () => {
    expect(await titles('--type', 'email', '--until', '2026-10-03')).toEqual(['Quarterly numbers']);
    expect(await titles('--type', 'email', '--since', '2026-10-04')).toEqual([]);
  });

  it('--json carries each hit date and author', async () => {
    const r = await cli(['search', 'quarterly', '--since', '2026-10-01', '--until', '2026-10-31', '--json']);
    expect(JSON.parse(r.out)).toEqual([
      expect.objectContaining({
        title: 'Quarterly numbers',
        timestamp: Date.UTC(2026, 9, 3, 9),
        author: 'Alice <alice@example.com>',
      }),
    ]);
  });

  it('nothing found in a range says which options narrowed the search', async () => {
    const r = await cli(['search', 'quarterly', '--until', '1y']);
    expect(r).toMatchObject({ code: 0, out: 'No results for "quarterly" with --until 1y.\n' });
  });

  it('anything else is a usage error (exit 2) that lists what is accepted', async () => {
    for (const value of ['yesterday', '2026-02-30', '2026-11-01T24:00', '7', '7 days', '2026/11/01', '1.5d']) {
      const r = await cli(['search', 'quarterly', '--since', value]);
      expect(r.code, value).toBe(2);
      expect(r.err, value).toContain(`--since ${JSON.stringify(value)}`);
      expect(r.err, value).toMatch(/a date \(2026-11-01.*a date and time.*12h, 7d, 2w, 3m \(months\), 1y/);
      expect(r.out).toBe('');
    }
    const reversed = await cli(['search', 'quarterly', '--since', '2026-11-05', '--until', '2026-11-01']);
    expect(reversed.code).toBe(2);
    expect(reversed.err).toMatch(/--since 2026-11-05 is after --until 2026-11-01/);
  });

  it('is described in the main help and in the help of search', async () => {
    expect((await cli(['--help'])).out).toMatch(/search <query> .*\[--since WHEN\] \[--until WHEN\]/);
    const help = (await cli(['search', '--help'])).out;
    expect(help).toMatch(/--since WHEN and --until WHEN/);
    expect(help).toMatch(/--until includes that whole day/);
    expect(help).toMatch(/12h, 7d, 2w, 3m \(months\), 1y/);
  });
});

describe('dateBound', () => {
  it('now is the moment of the search: --since now keeps what is upcoming', () => {
    const at = local(2026, 11, 29, 23, 30);
    expect(dateBound('now', 'since', at)).toBe(at);
    expect(dateBound('now', 'until', at)).toBe(at);
  });

  it('a month back from the 31st is the last day of the shorter month', () => {
    expect(dateBound('3m', 'since', local(2026, 5, 31, 9))).toBe(local(2026, 2, 28, 9));
    expect(dateBound('1y', 'since', local(2028, 2, 29, 9))).toBe(local(2027, 2, 28, 9));
  });

  it('takes the years before 100 as typed, not as 19xx', () => {
    expect(new Date(dateBound('0050-06-01', 'since', NOW)).getFullYear()).toBe(50);
  });

  it('--until a date ends at its last millisecond', () => {
    expect(dateBound('2026-12-31', 'until', NOW)).toBe(local(2027, 1, 1) - 1);
  });
});
