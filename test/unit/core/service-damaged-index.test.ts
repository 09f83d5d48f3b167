// A real SyncService over a data folder whose index.sqlite is garbage: commands that only read (the CLI's status,
// list, search and errors) still answer, and say what is wrong, instead of failing with SQLite's own message.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SyncService } from '../../../electron/core/service.js';
import { folderWith, notesAndDataDir } from '../../helpers/notes-folder.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-service-damaged-');
const opened: SyncService[] = [];

afterEach(async () => {
  for (const s of opened.splice(0)) await s.stop();
});

async function open(dataDir: string, readonly: boolean): Promise<SyncService> {
  const s = await SyncService.open({ dataDir, owner: 'cli', readonly });
  opened.push(s);
  return s;
}

describe('SyncService: a damaged index, opened read-only', () => {
  it('lists the connectors, finds nothing, says the next sync rebuilds it, and leaves the file for that sync', async () => {
    const { notes, dataDir } = notesAndDataDir(tempDir(), { 'apple.md': '# Apple\n\nan apple orchard\n' });
    const writer = await open(dataDir, false);
    const { id } = await writer.addConnector({ kind: 'folder', path: notes, name: 'Notes' }, { syncNow: false });
    await writer.syncNow([id]);
    await writer.stop();
    opened.splice(0);
    writeFileSync(join(dataDir, 'index.sqlite'), randomBytes(8192));
    for (const sidecar of ['index.sqlite-wal', 'index.sqlite-shm']) {
      if (existsSync(join(dataDir, sidecar))) writeFileSync(join(dataDir, sidecar), '');
    }

    // Before: SyncService.open threw "file is not a database", and status, list, search and errors all failed.
    const reader = await open(dataDir, true);
    expect(reader.getState().connectors.map((c) => c.name)).toEqual(['Notes']);
    expect(reader.search('apple')).toEqual([]);
    expect(reader.itemErrors(null)).toEqual([]);
    const notice = reader.getState().notices.find((n) => n.level === 'error');
    expect(notice?.message).toMatch(/index .* is damaged, so search finds nothing for now/);
    expect(notice?.message).toMatch(/next sync .* rebuilds it/);
    await reader.stop();
    opened.splice(0);
    // Reading never moves anything aside: that is for the open that rebuilds.
    expect(readdirSync(dataDir).filter((f) => f.includes('corrupt') || f.includes('damaged'))).toEqual([]);

    const rebuilt = await open(dataDir, false);
    await rebuilt.syncNow([id]);
    expect(rebuilt.search('apple').map((h) => h.title)).toEqual(['Apple']);
  });
});

describe('SyncService: index.sqlite deleted while it runs', () => {
  it('opens the index again and rebuilds it from the files, instead of writing an unlinked file', async () => {
    const root = tempDir();
    const notes = folderWith(root, 'notes', { 'apple.md': '# Apple\n\nan apple orchard\n' });
    const dataDir = join(root, 'data');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ watchForChanges: false }));
    const s = await SyncService.open({ dataDir, owner: 'cli' });
    try {
      const { id } = await s.addConnector({ kind: 'folder', path: notes, name: 'Notes' }, { syncNow: false });
      await s.syncNow([id]);
      s.start();
      for (const suffix of ['', '-wal', '-shm']) rmSync(join(dataDir, `index.sqlite${suffix}`), { force: true });
      // Before: the service went on with the unlinked file (status in another process: 0 documents), unnoticed.
      await expect
        .poll(() => s.getState().notices.some((n) => n.message.includes('was deleted or replaced')), {
          timeout: 15_000,
        })
        .toBe(true);
      await expect.poll(() => existsSync(join(dataDir, 'index.sqlite')), { timeout: 15_000 }).toBe(true);
      await expect.poll(() => s.search('apple').map((h) => h.title), { timeout: 20_000 }).toEqual(['Apple']);
      const other = await SyncService.open({ dataDir, owner: 'cli', readonly: true });
      try {
        expect(other.search('apple').map((h) => h.title)).toEqual(['Apple']);
      } finally {
        await other.stop();
      }
    } finally {
      await s.stop();
    }
  });
});
