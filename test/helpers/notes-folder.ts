import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A folder of notes (`root/notes`, holding `files`) and a data folder beside it (`root/data`) whose settings turn
 * the change watcher off, so that only the syncs a test asks for run.
 */
export function notesAndDataDir(root: string, files: Record<string, string>): { notes: string; dataDir: string } {
  const notes = join(root, 'notes');
  mkdirSync(notes, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(notes, name), text);
  const dataDir = join(root, 'data');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ watchForChanges: false }));
  return { notes, dataDir };
}

/** A folder `root/name` holding `files` (name → text); its path. */
export function folderWith(root: string, name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}
