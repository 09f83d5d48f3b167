import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ICS_READER_VERSION,
  createIcsConnector,
  icsKind,
  type IcsConnectorOptions,
} from '../../../electron/connectors/ics.js';
import { CONNECTOR_MODULES } from '../../../electron/connectors/registry.js';
import { SourceUnavailableError, type SourceDocument } from '../../../electron/connectors/types.js';
import { fingerprintOf } from '../../../electron/connectors/walker.js';
import { SyncEngine } from '../../../electron/core/engine.js';
import { IngestionPipeline } from '../../../electron/core/pipeline.js';
import { KnowledgeStore } from '../../../electron/core/store.js';
import { silentLogger } from '../../../shared/logger.js';
import { NO_END } from '../../../shared/types.js';
import { enumerateAll, readUnit, syncAll, testConfig, testContext } from '../../helpers/connector-run.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { writeTree } from '../../helpers/tree.js';

const tempDir = useTempDirs('jarvis-ics-');
const FIXTURES = fileURLToPath(new URL('../../fixtures/ics/', import.meta.url));
const fixture = (name: string) => readFileSync(`${FIXTURES}${name}`, 'utf8');

/** Monday 10 February 2025, 12:00 UTC. */
const NOW = Date.UTC(2025, 1, 10, 12);
const OPTIONS: IcsConnectorOptions = { now: () => NOW, localTimeZone: 'Europe/Paris' };

function connector(path: string, options: IcsConnectorOptions = {}, excludes: string[] = []) {
  return createIcsConnector(testConfig('ics', path, { excludes }), { ...OPTIONS, ...options });
}

function calendar(...events: string[][]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN'];
  for (const e of events) lines.push('BEGIN:VEVENT', ...e, 'END:VEVENT');
  lines.push('END:VCALENDAR', '');
  return lines.join('\r\n');
}

const ids = (docs: Iterable<SourceDocument>) => [...docs].map((d) => d.id).sort();

describe('icsKind', () => {
  it('is registered as the "ics" kind and takes a file or a folder', () => {
    expect(CONNECTOR_MODULES).toContain(icsKind);
    expect(icsKind).toMatchObject({ kind: 'ics', pathType: 'either' });
    const c = icsKind.create(testConfig('ics', '/nowhere'));
    expect(c).toMatchObject({ id: 'ics-1', kind: 'ics', displayName: 'Test ics' });
    expect(c.isConnected()).toBe(true);
  });

  it('checkPath accepts a folder or an .ics file and explains anything else', async () => {
    const root = tempDir();
    writeTree(root, { 'cal.ics': calendar(), 'Cal.ICS': calendar(), 'notes.txt': 'hello', 'folder/': '' });
    expect(await icsKind.checkPath(root)).toBeNull();
    expect(await icsKind.checkPath(join(root, 'folder'))).toBeNull();
    expect(await icsKind.checkPath(join(root, 'cal.ics'))).toBeNull();
    expect(await icsKind.checkPath(join(root, 'Cal.ICS'))).toBeNull();
    expect(await icsKind.checkPath(join(root, 'notes.txt'))).toMatch(/not an \.ics calendar file/);
    expect(await icsKind.checkPath(join(root, 'missing'))).toMatch(/does not exist/);
    expect(await icsKind.checkPath(join(root, 'missing.ics'))).toMatch(/file .* does not exist/);
    expect(await icsKind.checkPath('relative/cal.ics')).toMatch(/not an absolute path/);
  });
});

describe('a folder of .ics files', () => {
  it('walks .ics files only (any case, hidden folders and excludes skipped) and indexes every event', async () => {
    const root = tempDir();
    writeTree(root, {
      'work.ics': fixture('google-export.ics'),
      'outlook/Export.ICS': fixture('outlook-export.ics'),
      'archive/old.ics': fixture('real/mozilla-pyparsing.ics'),
      '.trash/deleted.ics': fixture('google-export.ics'),
      'notes.txt': 'BEGIN:VCALENDAR',
      'calendar.ics.bak': fixture('google-export.ics'),
    });
    const r = await syncAll(connector(root, {}, ['archive/**']), testContext());
    expect(r.keys).toEqual(['outlook/Export.ICS', 'work.ics']);
    expect(r.issues).toEqual([]);
    expect(r.docs.size).toBe(9);
    const weekly = r.docs.get('work.ics#7kq2v1b0ff3p9d8s6r4t2u0w@google.com')!;
    expect(weekly).toMatchObject({ title: 'Point hebdo produit', docType: 'event', path: join(root, 'work.ics') });
    expect(weekly.timestamp).toBe(Date.UTC(2025, 1, 3, 9));
    expect(r.docs.get('work.ics#7kq2v1b0ff3p9d8s6r4t2u0w@google.com#2025-03-10T09:00:00Z')?.title).toBe(
      'Point hebdo produit (décalé)',
    );
    expect(r.docs.get('outlook/Export.ICS#holiday-us-0704@contoso.com')?.title).toBe('Independence Day');
    for (const outcome of r.outcomes.values()) expect(outcome.issues).toEqual([]);
  });

  it('indexes the tasks of task lists (Thunderbird, Apple Reminders) as task documents, problems at file#UID', async () => {
    const root = tempDir();
    writeTree(root, {
      'thunderbird-tasks.ics': fixture('thunderbird-tasks.ics'),
      'Reminders/groceries.ics': fixture('apple-reminders.ics'),
    });
    const r = await syncAll(connector(root));
    expect(r.docs.size).toBe(10);
    expect([...r.docs.values()].every((d) => d.docType === 'task')).toBe(true);
    expect(r.docs.get('thunderbird-tasks.ics#8f3c2a71-5b1e-4c0d-9a6f-2e7d1b4c9a10')).toMatchObject({
      title: 'Renew passport',
      path: join(root, 'thunderbird-tasks.ics'),
      timestamp: Date.UTC(2026, 11, 1, 16),
    });
    expect(r.docs.get('Reminders/groceries.ics#3E4F5A6B-7C8D-4E9F-A0B1-C2D3E4F5A6B7')?.title).toBe(
      'Done: Return library books',
    );
    expect(r.outcomes.get('thunderbird-tasks.ics')?.issues).toEqual([]);
    expect(r.outcomes.get('Reminders/groceries.ics')?.issues.map((i) => [i.path, i.code])).toEqual([
      [`${join(root, 'Reminders/groceries.ics')}#0F1E2D3C-4B5A-4968-8776-5A4B3C2D1E0F`, 'W_ICS_INVALID'],
    ]);
  });

  it('keeps equal UIDs in two files apart', async () => {
    const root = tempDir();
    const text = calendar(['UID:same@example.com', 'DTSTART:20250203T100000Z', 'SUMMARY:Shared']);
    writeTree(root, { 'a.ics': text, 'b.ics': text });
    const r = await syncAll(connector(root));
    expect(ids(r.docs.values())).toEqual(['a.ics#same@example.com', 'b.ics#same@example.com']);
  });

  it('reports a garbage or empty .ics as one E_PARSE for the file and reads the rest', async () => {
    const root = tempDir();
    writeTree(root, {
      'good.ics': calendar(['UID:g', 'DTSTART:20250203T100000Z', 'SUMMARY:Good']),
      'garbage.ics': fixture('bad/garbage.ics'),
      'empty.ics': '',
    });
    const r = await syncAll(connector(root));
    expect(ids(r.docs.values())).toEqual(['good.ics#g']);
    expect(r.outcomes.get('garbage.ics')?.error?.code).toBe('E_PARSE');
    expect(r.outcomes.get('empty.ics')?.error).toMatchObject({
      code: 'E_PARSE',
      message: expect.stringMatching(/empty/),
    });
  });

  it('streams per-event issues with "file#UID" paths next to the good events', async () => {
    const root = tempDir();
    writeTree(root, { 'bad.ics': fixture('bad/bad-dtstart.ics') });
    const r = await syncAll(connector(root));
    const outcome = r.outcomes.get('bad.ics')!;
    expect(outcome.docs.map((d) => d.title)).toEqual(['Good before', 'Good after']);
    expect(outcome.issues.map((i) => [i.path, i.code])).toEqual([
      [`${join(root, 'bad.ics')}#bad-dtstart@example.com`, 'E_PARSE'],
      [`${join(root, 'bad.ics')}#no-dtstart@example.com`, 'E_PARSE'],
    ]);
  });

  it('passes on text-level problems: too large, invalid UTF-8', async () => {
    const root = tempDir();
    const text = calendar(['UID:u', 'DTSTART:20250203T100000Z', 'SUMMARY:Caf\u00e9']);
    writeTree(root, {
      'big.ics': text,
      'latin1.ics': Buffer.from(text.replace('Caf\u00e9', 'Caf\u00ff'), 'latin1'),
    });
    const c = connector(root);
    const small = testContext({ maxFileSizeBytes: 50 });
    const { byKey } = await enumerateAll(c, testContext());
    expect((await readUnit(c, byKey.get('big.ics')!, small)).error?.code).toBe('E_TOO_LARGE');
    const latin = await readUnit(c, byKey.get('latin1.ics')!);
    expect(latin.docs.map((d) => d.title)).toEqual(['Caf\u00ff']);
    expect(latin.issues.map((i) => i.code)).toEqual(['W_BAD_UTF8']);
  });

  it('unfolds a line folded inside a UTF-8 character before decoding it (RFC 5545 folds at 75 octets)', async () => {
    const root = tempDir();
    const folded = Buffer.from(
      calendar([
        'UID:f',
        'DTSTART:20250203T100000Z',
        'SUMMARY:R\u00e9union budget',
        'DESCRIPTION:Caf\u00e9 \u{1f600} ok',
      ]),
    );
    // Folds after the first byte of "é" in both lines, and inside the four bytes of the emoji.
    const cut = (b: Buffer, marker: string, at: number) => {
      const i = b.indexOf(marker) + at;
      return Buffer.concat([b.subarray(0, i), Buffer.from('\r\n '), b.subarray(i)]);
    };
    let bytes = cut(folded, 'R\u00e9union', 2);
    bytes = cut(bytes, 'Caf\u00e9', 4);
    bytes = cut(bytes, '\u{1f600}', 2);
    writeTree(root, {
      'folded.ics': bytes,
      'latin1.ics': Buffer.from('BEGIN:VCALENDAR\r\nX:\xe9\r\n \xe9\r\n', 'latin1'),
    });
    const c = connector(root);
    const { byKey } = await enumerateAll(c, testContext());
    const read = await readUnit(c, byKey.get('folded.ics')!);
    expect(read.issues).toEqual([]);
    expect(read.docs.map((d) => d.title)).toEqual(['R\u00e9union budget']);
    expect(read.docs[0].content).toContain('Caf\u00e9 \u{1f600} ok');
    // Bytes that are not UTF-8 on either side of a fold are left as they were, and reported.
    expect((await readUnit(c, byKey.get('latin1.ics')!)).issues.map((i) => i.code)).toContain('W_BAD_UTF8');
  });

  it('is unavailable (not empty) when the folder is missing', async () => {
    const c = connector(join(tempDir(), 'gone'));
    await expect(c.open(testContext())).rejects.toBeInstanceOf(SourceUnavailableError);
    await expect(c.open(testContext())).rejects.toMatchObject({ code: 'E_ROOT_UNAVAILABLE' });
  });
});

describe('a single .ics file', () => {
  it('is one unit keyed by its name', async () => {
    const file = join(tempDir(), 'Family.ics');
    writeFileSync(file, fixture('google-export.ics'));
    const c = connector(file);
    const r = await syncAll(c);
    expect(r.keys).toEqual(['Family.ics']);
    expect(r.units[0]).toMatchObject({ path: file, size: Buffer.byteLength(fixture('google-export.ics')) });
    expect(r.docs.size).toBe(6);
    expect([...r.docs.values()].every((d) => d.id.startsWith('Family.ics#') && d.path === file)).toBe(true);
    const read = await c.read(r.units[0], null, testContext());
    expect(read.mode).toBe('replace');
  });

  it('an event removed from the file is not yielded on the next read (replace mode deletes it)', async () => {
    const file = join(tempDir(), 'cal.ics');
    const keep = ['UID:keep@example.com', 'DTSTART:20250203T100000Z', 'SUMMARY:Keep me'];
    const drop = ['UID:drop@example.com', 'DTSTART:20250204T100000Z', 'SUMMARY:Drop me'];
    writeFileSync(file, calendar(keep, drop));
    const c = connector(file);
    const first = await syncAll(c);
    expect(ids(first.docs.values())).toEqual(['cal.ics#drop@example.com', 'cal.ics#keep@example.com']);

    writeFileSync(file, calendar(keep));
    const second = await syncAll(c);
    expect(second.units[0].fingerprint).not.toBe(first.units[0].fingerprint);
    expect(ids(second.docs.values())).toEqual(['cal.ics#keep@example.com']);
    expect((await c.read(second.units[0], null, testContext())).mode).toBe('replace');
  });

  it('is unavailable when the file is gone, in file words', async () => {
    const file = join(tempDir(), 'cal.ics');
    writeFileSync(file, calendar());
    const c = connector(file);
    await c.open(testContext());
    rmSync(file);
    await expect(c.open(testContext())).rejects.toMatchObject({
      code: 'E_ROOT_UNAVAILABLE',
      message: expect.stringMatching(/file/),
    });
    await expect(enumerateAll(c)).rejects.toBeInstanceOf(SourceUnavailableError);
  });
});

/** Syncs `path` through the real engine into a real index; `found` gives the titles a search finds, sorted. */
async function indexed(path: string) {
  const store = KnowledgeStore.open(join(tempDir(), 'index.sqlite'), { log: silentLogger });
  const engine = new SyncEngine({ store, pipeline: new IngestionPipeline(store), log: silentLogger });
  await engine.sync(connector(path), { signal: new AbortController().signal, trigger: 'manual' });
  return {
    store,
    found: (query: string) =>
      store
        .search(query, {})
        .map((hit) => hit.title)
        .sort(),
  };
}

describe('searching indexed calendars', () => {
  it('finds a repeating event by the words people use for how often it repeats', async () => {
    const file = join(tempDir(), 'repeats.ics');
    writeFileSync(
      file,
      calendar(
        ['UID:rent', 'DTSTART;VALUE=DATE:20250201', 'RRULE:FREQ=MONTHLY;BYMONTHDAY=1', 'SUMMARY:Pay the rent'],
        ['UID:gym', 'DTSTART:20250203T170000Z', 'RRULE:FREQ=WEEKLY;BYDAY=MO,TH', 'SUMMARY:Gym'],
        ['UID:pills', 'DTSTART:20250203T080000Z', 'RRULE:FREQ=DAILY', 'SUMMARY:Vitamins'],
        ['UID:bday', 'DTSTART;VALUE=DATE:19900315', 'RRULE:FREQ=YEARLY', 'SUMMARY:Ana birthday'],
        ['UID:bins', 'DTSTART;VALUE=DATE:20250204', 'RRULE:FREQ=WEEKLY;INTERVAL=2', 'SUMMARY:Recycling bins'],
        ['UID:board', 'DTSTART:20250115T150000Z', 'RRULE:FREQ=MONTHLY;INTERVAL=3', 'SUMMARY:Board review'],
        ['UID:once', 'DTSTART:20250205T100000Z', 'SUMMARY:Dentist'],
      ),
    );
    const { store, found } = await indexed(file);
    try {
      const searches: [string, string][] = [
        ['every month', 'Pay the rent'],
        ['monthly', 'Pay the rent'],
        ['rent 1st', 'Pay the rent'],
        ['every week', 'Gym'],
        ['weekly', 'Gym'],
        ['every day', 'Vitamins'],
        ['daily', 'Vitamins'],
        ['every year', 'Ana birthday'],
        ['yearly', 'Ana birthday'],
        ['every other week', 'Recycling bins'],
        ['every 2 weeks', 'Recycling bins'],
        ['every 3 months', 'Board review'],
        ['quarterly', 'Board review'],
      ];
      for (const [query, title] of searches) expect(found(query), query).toContain(title);
      expect(found('monthly')).toEqual(['Pay the rent']);
      expect(found('every')).not.toContain('Dentist');
    } finally {
      store.close();
    }
  });
});

describe('calendar names in search', () => {
  it('"family dentist" finds the appointment in the Family calendar, not the one in Work', async () => {
    const file = join(tempDir(), 'both.ics');
    const named = (name: string, uid: string, summary: string) => [
      'BEGIN:VCALENDAR',
      `X-WR-CALNAME:${name}`,
      'BEGIN:VEVENT',
      `UID:${uid}`,
      'DTSTART:20250203T100000Z',
      `SUMMARY:${summary}`,
      'END:VEVENT',
      'BEGIN:VTODO',
      `UID:${uid}-task`,
      `SUMMARY:Pay ${summary}`,
      'END:VTODO',
      'END:VCALENDAR',
    ];
    writeFileSync(
      file,
      [...named('Work', 'w', 'Dentist for Ana'), ...named('Family', 'f', 'Dentist for Leo'), ''].join('\r\n'),
    );
    const { store, found } = await indexed(file);
    try {
      expect(found('family dentist')).toEqual(['Dentist for Leo', 'Pay Dentist for Leo']);
      expect(found('work dentist')).toEqual(['Dentist for Ana', 'Pay Dentist for Ana']);
    } finally {
      store.close();
    }
  });
});

describe('date filters on indexed calendars', () => {
  it('"Upcoming" and "Past week" find a weekly meeting that started years ago, and not a series that ended', async () => {
    const file = join(tempDir(), 'work.ics');
    const day = 86_400_000;
    const ics = (t: number) =>
      new Date(t)
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
    writeFileSync(
      file,
      calendar(
        ['UID:standup', 'DTSTART:20200106T090000Z', 'RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', 'SUMMARY:Team standup'],
        ['UID:old', 'DTSTART:20200106T090000Z', 'RRULE:FREQ=WEEKLY;COUNT=4', 'SUMMARY:Team onboarding sessions'],
        [
          'UID:offsite',
          `DTSTART:${ics(Date.now() - day)}`,
          `DTEND:${ics(Date.now() + 2 * day)}`,
          'SUMMARY:Team offsite',
        ],
      ),
    );
    const { store } = await indexed(file);
    try {
      const titles = (since: number, until?: number) =>
        store
          .search('team', { since, ...(until === undefined ? {} : { until }) })
          .map((hit) => hit.title)
          .sort();
      const now = Date.now();
      expect(titles(now)).toEqual(['Team offsite', 'Team standup']);
      expect(titles(now - 7 * day, now)).toEqual(['Team offsite', 'Team standup']);
      expect(titles(Date.UTC(2020, 0, 1), Date.UTC(2020, 1, 1))).toEqual(['Team onboarding sessions', 'Team standup']);
      // Results say how long: the series goes on, the sessions ended after their fourth.
      const endOf = (q: string) => store.search(q, {})[0].timestampEnd;
      expect(endOf('standup')).toBe(NO_END);
      expect(endOf('onboarding')).toBe(Date.UTC(2020, 0, 27, 9));
    } finally {
      store.close();
    }
  });

  it('"Upcoming" finds a repeating task until its last counted occurrence is due, and not after', async () => {
    const file = join(tempDir(), 'tasks.ics');
    const day = 86_400_000;
    const week = 7 * day;
    const dateOf = (t: number) => new Date(t).toISOString().slice(0, 10).replace(/-/g, '');
    const task = (uid: string, summary: string, count: number) => [
      'BEGIN:VTODO',
      `UID:${uid}`,
      `DUE;VALUE=DATE:${dateOf(Date.now() - 3 * week)}`,
      `RRULE:FREQ=WEEKLY;COUNT=${count}`,
      `SUMMARY:${summary}`,
      'END:VTODO',
    ];
    writeFileSync(
      file,
      [
        'BEGIN:VCALENDAR',
        ...task('going', 'Report for the course', 6),
        ...task('over', 'Report for the old course', 2),
        'END:VCALENDAR',
        '',
      ].join('\r\n'),
    );
    const { store } = await indexed(file);
    try {
      const upcoming = store
        .search('report', { since: Date.now() })
        .map((hit) => hit.title)
        .sort();
      expect(upcoming).toEqual(['Report for the course']);
    } finally {
      store.close();
    }
  });
});

describe('calendars indexed by an earlier reader', () => {
  it('look changed once, as a folder or as one file, so their events get the current text', async () => {
    const dir = tempDir();
    const event = ['UID:a@example.com', 'DTSTART:20261201T100000Z', 'SUMMARY:Standup'];
    writeFileSync(join(dir, 'work.ics'), calendar(event));
    const plain = fingerprintOf(statSync(join(dir, 'work.ics')));
    for (const path of [dir, join(dir, 'work.ics')]) {
      const r = await syncAll(connector(path));
      // The manifest of a calendar indexed before ICS_READER_VERSION held the plain fingerprint: no longer equal.
      expect(r.units[0].fingerprint).not.toBe(plain);
      expect(r.units[0].fingerprint).toBe(`${plain}:ics${ICS_READER_VERSION}`);
      expect([...r.docs.values()][0].content).toContain('Tuesday 1 December 2026');
    }
  });
});

describe('calendars indexed before tasks were read (reader 2)', () => {
  it('look changed once, so the tasks they hold get indexed', async () => {
    const file = join(tempDir(), 'tasks.ics');
    writeFileSync(file, fixture('thunderbird-tasks.ics'));
    const r = await syncAll(connector(file));
    expect(r.units[0].fingerprint).not.toBe(`${fingerprintOf(statSync(file))}:ics2`);
    expect(r.docs.size).toBe(5);
  });
});

describe('calendars indexed before repeats were written in search words (reader 3)', () => {
  it('look changed once, so "every month" finds their monthly events', async () => {
    const file = join(tempDir(), 'bills.ics');
    writeFileSync(file, calendar(['UID:rent', 'DTSTART;VALUE=DATE:20250201', 'RRULE:FREQ=MONTHLY', 'SUMMARY:Rent']));
    const r = await syncAll(connector(file));
    expect(r.units[0].fingerprint).not.toBe(`${fingerprintOf(statSync(file))}:ics3`);
    expect([...r.docs.values()][0].content).toContain('Repeats: Every month on the 1st (monthly)');
  });
});

describe('calendars indexed before calendar names were written in their text (reader 4)', () => {
  it('look changed once, so "family dentist" finds the Family calendar\'s appointment', async () => {
    const file = join(tempDir(), 'home.ics');
    writeFileSync(
      file,
      ['BEGIN:VCALENDAR', 'X-WR-CALNAME:Family', 'BEGIN:VEVENT', 'UID:d', 'DTSTART:20250203T100000Z']
        .concat(['SUMMARY:Dentist', 'END:VEVENT', 'END:VCALENDAR', ''])
        .join('\r\n'),
    );
    const r = await syncAll(connector(file));
    expect(r.units[0].fingerprint).not.toBe(`${fingerprintOf(statSync(file))}:ics4`);
    expect([...r.docs.values()][0].content).toContain('Calendar: Family');
  });
});

describe('responsiveness and cancellation', () => {
  it('gives the event loop a turn while streaming a file', async () => {
    const file = join(tempDir(), 'many.ics');
    const events = Array.from({ length: 20 }, (_, i) => [`UID:e${i}`, 'DTSTART:20250203T100000Z', `SUMMARY:E${i}`]);
    writeFileSync(file, calendar(...events));
    const c = connector(file, { sliceMs: 0 });
    const [unit] = (await enumerateAll(c)).units;
    const read = await c.read(unit, null, testContext());
    let turns = 0;
    let seenDuringRead = 0;
    const tick = () => {
      turns++;
      if (turns < 1000) setImmediate(tick);
    };
    setImmediate(tick);
    let docs = 0;
    for await (const ev of read.events) {
      if (ev.type === 'doc') docs++;
      seenDuringRead = turns;
    }
    turns = 1000; // stop the ticker
    expect(docs).toBe(20);
    expect(seenDuringRead).toBeGreaterThan(0);
  });

  it('stops when the sync is cancelled', async () => {
    const file = join(tempDir(), 'many.ics');
    const events = Array.from({ length: 20 }, (_, i) => [`UID:e${i}`, 'DTSTART:20250203T100000Z', `SUMMARY:E${i}`]);
    writeFileSync(file, calendar(...events));
    const c = connector(file, { sliceMs: 0 });
    const [unit] = (await enumerateAll(c)).units;
    const controller = new AbortController();
    const read = await c.read(unit, null, testContext({ signal: controller.signal }));
    let docs = 0;
    await expect(
      (async () => {
        for await (const ev of read.events) {
          if (ev.type === 'doc' && ++docs === 3) controller.abort();
        }
      })(),
    ).rejects.toThrow();
    expect(docs).toBe(3);
  });
});
