// A real SyncService on a temp data folder: adding, removing and loading connectors as the CLI, the dashboard and a
// hand-edited connectors.json do.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserInputError } from '../../../electron/core/connector-config.js';
import { systemClock } from '../../../electron/core/clock.js';
import { SyncService, type ServiceOpenOptions } from '../../../electron/core/service.js';
import { folderWith } from '../../helpers/notes-folder.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-service-connectors-');
let service: SyncService | null = null;

afterEach(async () => {
  await service?.stop();
  service = null;
});

async function openService(dataDir: string, opts: Partial<ServiceOpenOptions> = {}): Promise<SyncService> {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ watchForChanges: false }));
  service = await SyncService.open({ dataDir, owner: 'cli', ...opts });
  return service;
}

const titles = (s: SyncService, query: string) =>
  s
    .search(query)
    .map((h) => h.title)
    .sort();

describe('SyncService: a connector removed with its index kept', () => {
  it('keeps its documents when another source is added under the same name, and gives them back to its own source', async () => {
    const root = tempDir();
    const first = folderWith(root, 'first', { 'apple.md': '# Apple\n\nan apple orchard\n' });
    const second = folderWith(root, 'second', { 'banana.md': '# Banana\n\na banana grove\n' });
    const s = await openService(join(root, 'data'));

    const kept = await s.addConnector({ kind: 'folder', path: first, name: 'K' }, { syncNow: false });
    await s.syncNow([kept.id]);
    await s.removeConnector(kept.id, { keepIndex: true });
    expect(titles(s, 'apple')).toEqual(['Apple']);

    // Before, the new source got the id "k" and with it the kept documents: its first sync was refused by the
    // mass-delete guard, and the retry after it deleted what the user had chosen to keep.
    const other = await s.addConnector({ kind: 'folder', path: second, name: 'K' }, { syncNow: false });
    expect(other.id).not.toBe(kept.id);
    expect(other.documents).toBe(0);
    const report = await s.syncNow([other.id]);
    expect(report.failures).toEqual({});
    await s.syncNow([other.id]);
    expect(titles(s, 'apple')).toEqual(['Apple']);
    expect(titles(s, 'banana')).toEqual(['Banana']);

    // The same source again, under any name, takes its kept index up: nothing is indexed twice.
    const again = await s.addConnector({ kind: 'folder', path: first, name: 'Fruit' }, { syncNow: false });
    expect(again.id).toBe(kept.id);
    expect(again.documents).toBe(1);
    const resync = await s.syncNow([again.id]);
    expect(resync.results[again.id]).toMatchObject({ added: 0, deleted: 0 });
    expect(titles(s, 'apple')).toEqual(['Apple']);
  });
});

describe('SyncService: connector input from any client', () => {
  it('refuses exclude patterns that can never match and over-long names, as the dashboard does', async () => {
    const root = tempDir();
    const notes = folderWith(root, 'notes', { 'a.md': 'a' });
    const s = await openService(join(root, 'data'));
    // `jarvis-sync add … --exclude "$PWD/notes/private/**"` was taken, and the "excluded" files were indexed.
    await expect(
      s.addConnector({ kind: 'folder', path: notes, excludes: [join(notes, 'private/**')] }, { syncNow: false }),
    ).rejects.toThrow(/cannot start with a slash/);
    await expect(
      s.addConnector({ kind: 'folder', path: notes, name: 'n'.repeat(201) }, { syncNow: false }),
    ).rejects.toBeInstanceOf(UserInputError);
    expect(s.getState().connectors).toEqual([]);

    const { id } = await s.addConnector({ kind: 'folder', path: notes, excludes: ['private/**'] }, { syncNow: false });
    expect(() => s.updateConnector(id, { excludes: ['C:\\private\\**'] })).toThrow(UserInputError);
    expect(s.getConnector(id).excludes).toEqual(['private/**']);
  });
});

describe('SyncService: sources that overlap', () => {
  it('refuses a folder already synced through a link, as a vault, or inside or around another, unless excluded there', async () => {
    const root = tempDir();
    const notes = folderWith(root, 'notes', { 'a.md': 'a' });
    folderWith(notes, 'work', { 'w.md': 'w' });
    folderWith(notes, '.obsidian', {});
    folderWith(notes, '.private', { 'p.md': 'p' });
    symlinkSync(notes, join(root, 'notes-link'));
    const s = await openService(join(root, 'data'));
    const add = (kind: 'folder' | 'obsidian', path: string, excludes: string[] = []) =>
      s.addConnector({ kind, path, excludes }, { syncNow: false });
    const { id } = await add('folder', notes);

    // Each of these indexed every note a second time, and every search showed it twice.
    await expect(add('folder', join(root, 'notes-link'))).rejects.toThrow(/\(through a link\), which the connector/);
    await expect(add('obsidian', notes)).rejects.toThrow(/already synced by the connector "notes"/);
    await expect(add('folder', join(notes, 'work'))).rejects.toThrow(/inside .*\(add `work\/\*\*` to that connector/);
    await expect(add('folder', root)).rejects.toThrow(/holds .*--exclude 'notes\/\*\*'/);
    expect(s.getState().connectors).toHaveLength(1);

    // What the other leaves out can be a source of its own.
    await add('folder', join(notes, '.private'));
    await add('folder', root, ['notes/**']);
    s.updateConnector(id, { excludes: ['work/**'] });
    await add('folder', join(notes, 'work'));
    expect(s.getState().connectors).toHaveLength(4);
  });
});

describe('SyncService: a hand-edited connectors.json', () => {
  it('says which entries it cannot use, and keeps them in the file when it saves it', async () => {
    const root = tempDir();
    const notes = folderWith(root, 'notes', { 'a.md': 'a' });
    const dataDir = join(root, 'data');
    mkdirSync(dataDir, { recursive: true });
    const wrongKind = { id: 'mail', kind: 'Mbox', name: 'My mail', path: join(root, 'Inbox') };
    const sameId = { id: 'notes', kind: 'folder', name: 'Copy', path: join(root, 'other') };
    const file = join(dataDir, 'connectors.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        paused: false,
        connectors: [
          { id: 'notes', kind: 'folder', name: 'Notes', path: notes, intervalSeconds: '3600' },
          wrongKind,
          sameId,
        ],
      }),
    );
    const s = await openService(dataDir);

    expect(s.getState().connectors.map((c) => c.id)).toEqual(['notes']);
    const notice = s.getState().notices.find((n) => n.message.includes('connectors.json'));
    expect(notice?.level).toBe('warning');
    expect(notice?.message).toContain('entry 1 ("Notes"): intervalSeconds "3600" is not a number of seconds');
    expect(notice?.message).toContain('entry 2 ("My mail"): its kind "Mbox" is not one of folder');
    expect(notice?.message).toContain('entry 3 ("Copy"): its id "notes" is used by an earlier entry');

    // Any change saves the file: before, the entries left out were gone from it, and from its backup.
    s.pause('notes');
    for (const saved of [file, `${file}.bak`]) {
      const connectors = (JSON.parse(readFileSync(saved, 'utf8')) as { connectors: unknown[] }).connectors;
      expect(connectors).toContainEqual(wrongKind);
      expect(connectors).toContainEqual(sameId);
      expect(connectors).toHaveLength(3);
    }
  });

  it('brings an interval out of range into it, with a notice, and refuses one from a client', async () => {
    const root = tempDir();
    const notes = folderWith(root, 'notes', { 'a.md': 'a' });
    const other = folderWith(root, 'other', { 'b.md': 'b' });
    const dataDir = join(root, 'data');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(
      join(dataDir, 'connectors.json'),
      JSON.stringify({ version: 1, connectors: [{ id: 'notes', kind: 'folder', path: notes, intervalSeconds: 1e12 }] }),
    );
    const s = await openService(dataDir);
    // Before, 1e12 s was taken as it was: the connector would never have synced on its own again.
    expect(s.getConnector('notes').intervalSeconds).toBe(604_800);
    const notice = s.getState().notices.find((n) => n.message.includes('connectors.json'));
    expect(notice?.message).toContain('intervalSeconds 1000000000000 is outside 60–604800 seconds, so 604800 is used');
    expect(() => s.updateConnector('notes', { intervalSeconds: 1e12 })).toThrow(UserInputError);
    await expect(
      s.addConnector({ kind: 'folder', path: other, intervalSeconds: 30 }, { syncNow: false }),
    ).rejects.toThrow('The interval must be from 60 seconds to 7 days (604800 seconds).');
    expect(s.updateConnector('notes', { intervalSeconds: 7200 }).intervalSeconds).toBe(7200);
  });
});

describe('SyncService: connectors.json edited while it runs', () => {
  type FileShape = { version: number; paused: boolean; connectors: Record<string, unknown>[] };
  const readConfig = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as FileShape;
  const editConfig = (file: string, edit: (f: FileShape) => void) => {
    const f = readConfig(file);
    edit(f);
    writeFileSync(file, JSON.stringify(f, null, 2));
  };

  it('takes the edit in before its own next save instead of writing over it', async () => {
    const root = tempDir();
    const notes = folderWith(root, 'notes', { 'apple.md': '# Apple\n\nan apple orchard\n' });
    const other = folderWith(root, 'other', { 'banana.md': '# Banana\n\na banana grove\n' });
    const s = await openService(join(root, 'data'));
    const file = join(root, 'data', 'connectors.json');
    const { id } = await s.addConnector({ kind: 'folder', path: notes, name: 'Notes' }, { syncNow: false });
    await s.syncNow([id]);

    editConfig(file, (f) => {
      f.connectors[0].intervalSeconds = 7200;
      f.connectors.push({ id: 'other', kind: 'folder', name: 'Other', path: other });
    });
    // Before: the pause saved the app's own copy, and the hand-added entry and the interval were gone.
    s.pause(id);
    const saved = readConfig(file);
    expect(saved.connectors.map((c) => [c.id, c.paused, c.intervalSeconds])).toEqual([
      [id, true, 7200],
      ['other', false, null],
    ]);
    expect(s.getState().connectors.map((c) => c.id)).toEqual([id, 'other']);
    expect((await s.syncNow(['other'])).failures).toEqual({});
    expect(titles(s, 'banana')).toEqual(['Banana']);
    expect(s.getState().notices.some((n) => n.message.includes('was changed outside the app'))).toBe(true);

    // An entry taken out of the file stops syncing; its index is kept, as `remove --keep-index` keeps it.
    editConfig(file, (f) => {
      f.connectors = f.connectors.filter((c) => c.id !== id);
    });
    s.resume(null);
    expect(s.getState().connectors.map((c) => c.id)).toEqual(['other']);
    expect(titles(s, 'apple')).toEqual(['Apple']);
    expect(s.searchableSources()).toContain(id);
    // Each hand edit says so again, but as the one notice, not one more per edit for as long as the daemon runs.
    expect(s.getState().notices.filter((n) => n.message.includes('was changed outside the app'))).toHaveLength(1);
  });

  it('a running service picks an edit up by itself; one that does not parse is noticed and changes nothing', async () => {
    const root = tempDir();
    const notes = folderWith(root, 'notes', { 'apple.md': '# Apple\n\nan apple orchard\n' });
    const other = folderWith(root, 'other', { 'banana.md': '# Banana\n\na banana grove\n' });
    const s = await openService(join(root, 'data'));
    const file = join(root, 'data', 'connectors.json');
    await s.addConnector({ kind: 'folder', path: notes, name: 'Notes' }, { syncNow: false });
    s.start();

    writeFileSync(file, '{ "version": 1, "connectors": [ ');
    await expect
      .poll(() => s.getState().notices.some((n) => n.message.includes('is not valid JSON')), {
        timeout: 10_000,
      })
      .toBe(true);
    expect(s.getState().connectors.map((c) => c.id)).toEqual(['notes']);

    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        connectors: [
          { id: 'notes', kind: 'folder', name: 'Notes', path: notes },
          { id: 'other', kind: 'folder', name: 'Other', path: other },
        ],
      }),
    );
    // Picked up and synced at once, as a connector added in the app is.
    await expect.poll(() => titles(s, 'banana'), { timeout: 15_000 }).toEqual(['Banana']);
  });
});

describe('SyncService: read-only status after the clock went back', () => {
  it('counts the next run from now, not from a last success that lies in the future', async () => {
    const root = tempDir();
    const notes = folderWith(root, 'notes', { 'a.md': 'apple' });
    const dataDir = join(root, 'data');
    let now = Date.UTC(2026, 5, 10, 12);
    const clock = { ...systemClock, now: () => now };
    const writer = await openService(dataDir, { clock });
    const { id } = await writer.addConnector({ kind: 'folder', path: notes, name: 'Notes' }, { syncNow: false });
    await writer.syncNow([id]);
    await writer.stop();
    service = null;

    now -= 2 * 24 * 3600_000; // two days back
    service = await SyncService.open({ dataDir, owner: 'cli', readonly: true, clock });
    // Before: "in 2 d" (the last success + 1 h), while the scheduler that starts next runs it within the hour.
    expect(service.getConnector(id).nextRunAt).toBe(now + 3600_000);
  });
});
