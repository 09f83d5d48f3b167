// A real SyncService whose connectors.json cannot be written (a full disk, a read-only data folder: here the file's
// place is taken by a folder, which makes the save's rename fail as those do): every change is refused whole.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SettingsNotSavedError, SyncService } from '../../../electron/core/service.js';
import { folderWith } from '../../helpers/notes-folder.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-service-save-failure-');
let service: SyncService | null = null;

afterEach(async () => {
  await service?.stop();
  service = null;
});

/** A service with one synced connector, "notes", whose connectors.json can no longer be saved. */
async function serviceThatCannotSave() {
  const root = tempDir();
  const dataDir = join(root, 'data');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ watchForChanges: false }));
  const notes = folderWith(root, 'notes', { 'apple.md': '# Apple\n\nan apple orchard\n' });
  const other = folderWith(root, 'other', { 'banana.md': '# Banana\n\na banana grove\n' });
  service = await SyncService.open({ dataDir, owner: 'cli' });
  const { id } = await service.addConnector({ kind: 'folder', path: notes, name: 'Notes' }, { syncNow: false });
  await service.syncNow([id]);
  const file = join(dataDir, 'connectors.json');
  rmSync(file);
  mkdirSync(file);
  const canSaveAgain = () => rmSync(file, { recursive: true });
  return { s: service, id, other, canSaveAgain };
}

const notSaved = expect.objectContaining({
  name: 'SettingsNotSavedError',
  message: expect.stringMatching(/^Nothing was changed: .*connectors\.json could not be saved/),
});

describe('SyncService: a change whose settings cannot be saved changes nothing', () => {
  it('an add is refused and leaves no connector behind that could not be synced, removed or added again', async () => {
    const { s, other, canSaveAgain } = await serviceThatCannotSave();
    await expect(s.addConnector({ kind: 'folder', path: other, name: 'Other' }, { syncNow: false })).rejects.toEqual(
      notSaved,
    );
    // Before: "other" was listed (idle), yet run-now and remove answered "No connector with id", and adding it
    // again said it was already synced.
    expect(s.getState().connectors.map((c) => c.id)).toEqual(['notes']);
    canSaveAgain();
    const added = await s.addConnector({ kind: 'folder', path: other, name: 'Other' }, { syncNow: false });
    expect((await s.syncNow([added.id])).failures).toEqual({});
    expect(s.search('banana').map((h) => h.title)).toEqual(['Banana']);
  });

  it('a pause, one or all, is refused: nothing shows paused that still syncs', async () => {
    const { s, id } = await serviceThatCannotSave();
    expect(() => s.pause(id)).toThrow(SettingsNotSavedError);
    expect(s.getState().connectors[0].paused).toBe(false);
    expect(() => s.pause(null)).toThrow(SettingsNotSavedError);
    expect(s.getState().paused).toBe(false);
    expect(s.getState().connectors[0].state).not.toBe('paused');
  });

  it('a remove is refused: the connector stays listed, synced and searchable', async () => {
    const { s, id, canSaveAgain } = await serviceThatCannotSave();
    await expect(s.removeConnector(id, { keepIndex: false })).rejects.toEqual(notSaved);
    await expect(s.removeConnector(id, { keepIndex: true })).rejects.toEqual(notSaved);
    expect(s.getState().connectors.map((c) => c.id)).toEqual([id]);
    // Its documents were not deleted under it (the deletion rolls back with the failed save) …
    expect(s.search('apple').map((h) => h.title)).toEqual(['Apple']);
    // … and it is still scheduled: before, run-now answered "unknown connector".
    expect((await s.syncNow([id])).failures).toEqual({});
    canSaveAgain();
    await s.removeConnector(id, { keepIndex: false });
    expect(s.getState().connectors).toEqual([]);
    expect(s.search('apple')).toEqual([]);
  });

  it('a settings change is refused and keeps the settings in force', async () => {
    const { s } = await serviceThatCannotSave();
    const before = s.getSettings();
    const file = join(s.paths.dataDir, 'settings.json');
    rmSync(file);
    mkdirSync(file);
    expect(() => s.setSettings({ intervalSeconds: before.intervalSeconds + 600 })).toThrow(SettingsNotSavedError);
    expect(s.getSettings()).toEqual(before);
  });
});
