// A real SyncService on a temp data folder and an Obsidian vault: the vault's own Excluded files decide what search
// finds, sync after sync, and a canvas is found like a note.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SyncService } from '../../../electron/core/service.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { writeTree } from '../../helpers/tree.js';

const tempDir = useTempDirs('jarvis-service-obsidian-');
let service: SyncService | null = null;

afterEach(async () => {
  await service?.stop();
  service = null;
});

describe('SyncService with an Obsidian vault', () => {
  it("follows the vault's Excluded files at each sync, and keeps its notes when app.json is garbled", async () => {
    const root = tempDir();
    const vault = join(root, 'vault');
    const appJson = join(vault, '.obsidian', 'app.json');
    writeTree(vault, {
      '.obsidian/app.json': JSON.stringify({ alwaysUpdateLinks: true }),
      'Plans.md': '# Plans\n\nthe orchard\n',
      'Archive/Old plans.md': '# Old plans\n\nthe orchard, as it was\n',
      'Board.canvas': JSON.stringify({ nodes: [{ id: 'a', type: 'text', text: 'orchard board', x: 0, y: 0 }] }),
    });
    mkdirSync(join(root, 'data'));
    writeFileSync(join(root, 'data', 'settings.json'), JSON.stringify({ watchForChanges: false }));
    service = await SyncService.open({ dataDir: join(root, 'data'), owner: 'daemon' });
    service.start();
    const { id } = await service.addConnector({ kind: 'obsidian', path: vault, name: 'Vault' }, { syncNow: false });
    const titles = () =>
      service!
        .search('orchard')
        .map((h) => h.title)
        .sort();
    const problems = () => service!.itemErrors(id).map((e) => ({ path: e.path, severity: e.severity }));

    await service.syncNow([id]);
    expect(titles()).toEqual(['Board', 'Old plans', 'Plans']);

    // Excluded in Obsidian: gone from the index at the next sync.
    writeFileSync(
      appJson,
      JSON.stringify({ alwaysUpdateLinks: true, userIgnoreFilters: ['Archive/', '/\\.canvas$/'] }),
    );
    await service.syncNow([id]);
    expect(titles()).toEqual(['Plans']);
    expect(problems()).toEqual([]);

    // A settings file cut off mid-write: no filters, so the notes come back, and the file is listed as a problem.
    writeFileSync(appJson, '{"alwaysUpdateLinks": true, "userIgnoreFilters": ["Archive/"');
    await service.syncNow([id]);
    expect(titles()).toEqual(['Board', 'Old plans', 'Plans']);
    expect(problems()).toEqual([{ path: appJson, severity: 'warning' }]);
    expect(service.itemErrors(id)[0].message).toMatch(/not valid JSON/);

    // Fixed: the filter applies again and the problem is gone.
    writeFileSync(appJson, JSON.stringify({ userIgnoreFilters: ['Archive/'] }));
    await service.syncNow([id]);
    expect(titles()).toEqual(['Board', 'Plans']);
    expect(problems()).toEqual([]);

    // Removed from the list: back in the index.
    writeFileSync(appJson, JSON.stringify({ userIgnoreFilters: [] }));
    await service.syncNow([id]);
    expect(titles()).toEqual(['Board', 'Old plans', 'Plans']);
  });

  it('lists a malformed canvas as a problem and indexes the rest of the vault', async () => {
    const root = tempDir();
    const vault = join(root, 'vault');
    writeTree(vault, {
      '.obsidian/app.json': '{}',
      'Plans.md': '# Plans\n\nthe orchard\n',
      'Broken.canvas': '{"nodes": [{"id": "a", "type": "text", "text": "orchard"',
    });
    mkdirSync(join(root, 'data'));
    writeFileSync(join(root, 'data', 'settings.json'), JSON.stringify({ watchForChanges: false }));
    service = await SyncService.open({ dataDir: join(root, 'data'), owner: 'daemon' });
    service.start();
    const { id } = await service.addConnector({ kind: 'obsidian', path: vault, name: 'Vault' }, { syncNow: false });
    await service.syncNow([id]);
    expect(service.search('orchard').map((h) => h.title)).toEqual(['Plans']);
    expect(service.itemErrors(id).map((e) => [e.path, e.code, e.severity])).toEqual([
      [join(vault, 'Broken.canvas'), 'E_PARSE', 'error'],
    ]);
    expect(service.getConnector(id).lastError).toBeNull();
  });
});
