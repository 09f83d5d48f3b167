/**
 * A quick count of the files a walk would yield, for a first sync's progress total.
 *
 * The walk finds files only a few dozen ahead of the ones being read (the read-ahead), so a first sync of 50,000
 * notes would show "1,234 / 1,266+" until its last minute, with no time left to estimate. This count lists the same
 * folders by the same rules (accepted files, skipped and excluded folders, depth) without a stat per file and without
 * reading anything, and runs beside the sync. It is an estimate: it follows no links and reports nothing it skips;
 * the walk stays what decides.
 */
import { promises as fsp, type Dirent } from 'node:fs';
import { sep } from 'node:path';
import { checkAborted, compileExcludes, DEFAULT_MAX_DEPTH, type WalkOptions } from './walker.js';

/** Entries looked at between two turns of the event loop, so a folder of 100,000 files does not hold the thread. */
const ENTRIES_PER_TURN = 2048;

export type FileCountOptions = Pick<
  WalkOptions,
  'root' | 'acceptFile' | 'skipDir' | 'excludes' | 'maxDepth' | 'signal'
>;

/** How many files under the root the walk would yield, about; folders that cannot be listed count as empty. */
export async function countFiles(opts: FileCountOptions): Promise<number> {
  const isExcluded = compileExcludes(opts.excludes ?? []);
  const skipDir = opts.skipDir ?? (() => false);
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const stack: { path: string; rel: string; key: string; depth: number }[] = [
    { path: opts.root, rel: '', key: '', depth: 0 },
  ];
  let files = 0;
  let sinceTurn = 0;
  while (stack.length > 0) {
    checkAborted(opts.signal);
    const dir = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = await fsp.readdir(dir.path, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (++sinceTurn >= ENTRIES_PER_TURN) {
        sinceTurn = 0;
        await new Promise((resolve) => setImmediate(resolve));
        checkAborted(opts.signal);
      }
      const name = entry.name;
      const nameKey = name.normalize('NFC');
      const rel = dir.rel === '' ? name : `${dir.rel}/${name}`;
      const key = dir.key === '' ? nameKey : `${dir.key}/${nameKey}`;
      if (entry.isDirectory()) {
        if (dir.depth < maxDepth && !skipDir(rel, name) && !isExcluded(key, nameKey)) {
          stack.push({ path: `${dir.path}${sep}${name}`, rel, key, depth: dir.depth + 1 });
        }
      } else if (entry.isFile() && opts.acceptFile(rel) && !isExcluded(key, nameKey)) {
        files++;
      }
    }
  }
  return files;
}
