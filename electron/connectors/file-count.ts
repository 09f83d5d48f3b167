/**
 * A quick count of the files a walk would yield, for a first sync's progress total.
 *
 * The walk finds files only a few dozen ahead of the ones being read (the read-ahead), so a first sync of 50,000
 * notes would show "1,234 / 1,266+" until its last minute, with no time left to estimate. This count lists the same
 * folders by the same rules (accepted files, skipped and excluded folders, depth) without a stat per file and without
 * reading anything, and runs beside the sync. It is an estimate: it follows no links and reports nothing it skips;
 * the walk stays what decides. The same count, with a second set of patterns, previews what they would leave out.
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
  return (await surveyFiles(opts)).files;
}

/** A count of the files the walk would yield, and of those that other exclude patterns would leave out. */
export interface FileSurvey {
  /** Files the walk yields with `opts.excludes`. */
  files: number;
  /** Of those, the ones `leaveOut` leaves out (by name, or in a folder it leaves out). */
  leftOut: number;
  /** The first few of them, as paths from the root. */
  leftOutExamples: string[];
  /** False when the count stopped at `stopAt`: the figures are then a lower bound. */
  complete: boolean;
}

const LEFT_OUT_EXAMPLES = 5;

/**
 * countFiles, also telling which of the files `leaveOut` (a second set of patterns) would leave out: the dashboard
 * shows what a change of excludes does before it is saved. Folders that `leaveOut` excludes are still listed, to count
 * what they hold. Past `stopAt` (epoch ms) it returns what it has counted so far.
 */
export async function surveyFiles(
  opts: FileCountOptions,
  leaveOut: readonly string[] = [],
  stopAt = Infinity,
): Promise<FileSurvey> {
  const isExcluded = compileExcludes(opts.excludes ?? []);
  const isLeftOut = compileExcludes(leaveOut);
  const skipDir = opts.skipDir ?? (() => false);
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const stack: { path: string; rel: string; key: string; depth: number; leftOut: boolean }[] = [
    { path: opts.root, rel: '', key: '', depth: 0, leftOut: false },
  ];
  const survey: FileSurvey = { files: 0, leftOut: 0, leftOutExamples: [], complete: true };
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
        if (Date.now() >= stopAt) return { ...survey, complete: false };
      }
      const name = entry.name;
      const nameKey = name.normalize('NFC');
      const rel = dir.rel === '' ? name : `${dir.rel}/${name}`;
      const key = dir.key === '' ? nameKey : `${dir.key}/${nameKey}`;
      if (entry.isDirectory()) {
        if (dir.depth < maxDepth && !skipDir(rel, name) && !isExcluded(key, nameKey)) {
          const leftOut = dir.leftOut || isLeftOut(key, nameKey);
          stack.push({ path: `${dir.path}${sep}${name}`, rel, key, depth: dir.depth + 1, leftOut });
        }
      } else if (entry.isFile() && opts.acceptFile(rel) && !isExcluded(key, nameKey)) {
        survey.files++;
        if (dir.leftOut || isLeftOut(key, nameKey)) {
          survey.leftOut++;
          if (survey.leftOutExamples.length < LEFT_OUT_EXAMPLES) survey.leftOutExamples.push(key);
        }
      }
    }
  }
  return survey;
}
