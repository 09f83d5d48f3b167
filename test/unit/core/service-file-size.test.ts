// A real SyncService with a folder connector: the file size limit can never promise a text file larger than one
// string can hold (bad inputs #8), whether it comes from the settings form or from an older settings.json.
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SyncService } from '../../../electron/core/service.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-service-size-');
let service: SyncService | null = null;

afterEach(async () => {
  await service?.stop();
  service = null;
});

describe('SyncService file size limit', () => {
  it('refuses a limit past the largest readable text file', async () => {
    service = await SyncService.open({ dataDir: join(tempDir(), 'data') });
    expect(() => service!.setSettings({ maxFileSizeMb: 1024 })).toThrow(/maxFileSizeMb must be a number from 1 to 500/);
    expect(service.getSettings().maxFileSizeMb).toBe(10);
  });

  it('a 1 GB limit kept from an older version is lowered, and a 600 MB file is reported as too large', async () => {
    const root = tempDir();
    const notes = join(root, 'notes');
    mkdirSync(notes);
    writeFileSync(join(notes, 'good.md'), '# Good\n\nhello goodword\n');
    writeFileSync(join(notes, 'export.txt'), '');
    truncateSync(join(notes, 'export.txt'), 600 * 1024 * 1024); // sparse: nothing is written, and nothing is read
    const dataDir = join(root, 'data');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ maxFileSizeMb: 1024, watchForChanges: false }));

    service = await SyncService.open({ dataDir });
    expect(service.getSettings().maxFileSizeMb).toBe(500);
    // Lowered, and said so: the user chose 1024.
    expect(service.getState().notices).toMatchObject([
      { level: 'warning', message: expect.stringMatching(/maxFileSizeMb must be a number from 1 to 500/) },
    ]);
    const { id } = await service.addConnector({ kind: 'folder', path: notes, name: 'Notes' }, { syncNow: false });
    await service.syncNow([id]);
    expect(service.search('goodword').map((h) => h.title)).toEqual(['Good']);
    expect(service.itemErrors(id)).toMatchObject([
      { code: 'E_TOO_LARGE', message: expect.stringMatching(/600\.0 MB, over the 500\.0 MB limit/) },
    ]);
  });
});
