// A real SyncService on a temp data folder: changing a connector's excludes takes effect at once, not at the next
// scheduled run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SyncService } from '../../../electron/core/service.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-service-excludes-');
let service: SyncService | null = null;

afterEach(async () => {
  await service?.stop();
  service = null;
});

describe('SyncService excludes', () => {
  it('files a new exclude names leave the search results without waiting for the next scheduled run', async () => {
    const root = tempDir();
    const notes = join(root, 'notes');
    mkdirSync(join(notes, 'private'), { recursive: true });
    writeFileSync(join(notes, 'plans.md'), '# Plans\n\nthe garden\n');
    writeFileSync(join(notes, 'private', 'diary.md'), '# Diary\n\nthe secret garden\n');
    const settings = join(root, 'data', 'settings.json');
    mkdirSync(join(root, 'data'));
    writeFileSync(settings, JSON.stringify({ watchForChanges: false }));
    service = await SyncService.open({ dataDir: join(root, 'data'), owner: 'daemon' });
    service.start();
    const { id } = await service.addConnector({ kind: 'folder', path: notes, name: 'Notes' }, { syncNow: false });
    await service.syncNow([id]);
    const titles = () =>
      service!
        .search('garden')
        .map((h) => h.title)
        .sort();
    expect(titles()).toEqual(['Diary', 'Plans']);

    service.updateConnector(id, { excludes: ['private/**'] });
    await vi.waitFor(() => expect(titles()).toEqual(['Plans']), { timeout: 20_000, interval: 20 });
  });

  it('syncs at once with a pattern full of wildcards; refuses braces that expand too far, from any client', async () => {
    const root = tempDir();
    const notes = join(root, 'notes');
    mkdirSync(notes);
    writeFileSync(join(notes, `${'a'.repeat(200)}.md`), '# A\n\nthe garden\n');
    writeFileSync(join(notes, '2024-01-02-standup.md'), '# Standup\n\nthe garden\n');
    mkdirSync(join(root, 'data'));
    writeFileSync(join(root, 'data', 'settings.json'), JSON.stringify({ watchForChanges: false }));
    service = await SyncService.open({ dataDir: join(root, 'data'), owner: 'daemon' });
    service.start();
    // Matched as a regular expression, the first pattern took seconds per long name, so it used to be refused.
    const { id } = await service.addConnector(
      { kind: 'folder', path: notes, excludes: ['*a*a*a*a*a*a*a*a*b', '*-*-*-*.md'] },
      { syncNow: false },
    );
    await service.syncNow([id]);
    expect(service.search('garden').map((h) => h.title)).toEqual(['A']);
    expect(() => service!.updateConnector(id, { excludes: ['{a,b}'.repeat(9)] })).toThrow(/more than 256 patterns/);
    expect(service.getConnector(id).excludes).toEqual(['*a*a*a*a*a*a*a*a*b', '*-*-*-*.md']);
  });
});

describe('SyncService.previewExcludes', () => {
  it('says how many files a list of patterns leaves out, before it is saved', async () => {
    const root = tempDir();
    const notes = join(root, 'notes');
    mkdirSync(join(notes, 'drafts'), { recursive: true });
    for (let i = 0; i < 4; i++) writeFileSync(join(notes, `plan-${i}.md`), `# Plan ${i}\n`);
    for (let i = 0; i < 3; i++) writeFileSync(join(notes, 'drafts', `d${i}.md`), `# Draft ${i}\n`);
    writeFileSync(join(notes, 'photo.png'), 'not a note');
    const mbox = join(root, 'mail.mbox');
    writeFileSync(mbox, 'From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n');
    mkdirSync(join(root, 'data'));
    service = await SyncService.open({ dataDir: join(root, 'data'), owner: 'daemon' });

    const preview = await service.previewExcludes('folder', notes, ['drafts/**', 'plan-3.md']);
    expect(preview).toMatchObject({ files: 7, leftOut: 4, complete: true });
    expect([...preview!.leftOutExamples].sort()).toEqual(['drafts/d0.md', 'drafts/d1.md', 'drafts/d2.md', 'plan-3.md']);
    expect(await service.previewExcludes('folder', notes, [])).toMatchObject({ files: 7, leftOut: 0 });
    // Nothing was added or saved.
    expect(service.getState().connectors).toEqual([]);

    expect(await service.previewExcludes('mbox', mbox, ['*'])).toBeNull();
    expect(await service.previewExcludes('folder', join(root, 'missing'), ['*'])).toBeNull();
    await expect(service.previewExcludes('folder', notes, ['/abs/**'])).rejects.toThrow(/cannot start with a slash/);
  });
});
