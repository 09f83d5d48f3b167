/**
 * Checks the root of a file-based source before a sync. A root that is missing, of the wrong type or unreadable
 * throws SourceUnavailableError, which the engine treats as "try again later, delete nothing".
 */
import { promises as fsp, statSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute } from 'node:path';
import { errnoCode } from './walker.js';
import { SourceUnavailableError, type RootInfo } from './types.js';

export async function openDirectoryRoot(path: string): Promise<RootInfo> {
  const st = await statRoot(path, 'folder');
  if (!st.isDirectory()) {
    throw new SourceUnavailableError('E_ROOT_NOT_A_DIRECTORY', `${path} is a file, not a folder.`);
  }
  try {
    const dir = await fsp.opendir(path);
    try {
      await dir.read();
    } finally {
      await dir.close().catch(() => undefined);
    }
  } catch (err) {
    throw unreadable(path, 'folder', err);
  }
  return { identity: rootIdentity(st) };
}

/** For a source that is one file (a single .mbox or .ics). */
export async function openFileRoot(path: string): Promise<RootInfo> {
  const st = await statRoot(path, 'file');
  if (st.isDirectory()) throw new SourceUnavailableError('E_ROOT_INVALID', `${path} is a folder, not a file.`);
  if (!st.isFile()) throw new SourceUnavailableError('E_ROOT_INVALID', `${path} is not a regular file.`);
  try {
    const handle = await fsp.open(path, 'r');
    await handle.close().catch(() => undefined);
  } catch (err) {
    throw unreadable(path, 'file', err);
  }
  return { identity: rootIdentity(st) };
}

/** For ConnectorKindModule.checkPath: null when the folder can be used, else the reason in plain words. */
export async function checkDirectoryPath(path: string): Promise<string | null> {
  return reasonOf(() => openDirectoryRoot(path));
}

export async function checkFilePath(path: string): Promise<string | null> {
  return reasonOf(() => openFileRoot(path));
}

async function reasonOf(open: () => Promise<RootInfo>): Promise<string | null> {
  try {
    await open();
    return null;
  } catch (err) {
    if (err instanceof SourceUnavailableError) return err.message;
    throw err;
  }
}

async function statRoot(path: string, what: 'folder' | 'file'): Promise<Stats> {
  if (typeof path !== 'string' || path.trim() === '') {
    throw new SourceUnavailableError('E_ROOT_INVALID', `No ${what} was given.`);
  }
  if (!isAbsolute(path)) {
    throw new SourceUnavailableError('E_ROOT_INVALID', `${path} is not an absolute path.`);
  }
  try {
    // Follows a symlinked root on purpose: pointing a connector at a link to a folder is a normal thing to do.
    return await fsp.stat(path);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new SourceUnavailableError(
        'E_ROOT_UNAVAILABLE',
        `The ${what} ${path} does not exist (moved, deleted, or on a drive that is not connected).`,
      );
    }
    if (code === 'EACCES' || code === 'EPERM') throw unreadable(path, what, err);
    throw new SourceUnavailableError(
      'E_ROOT_UNAVAILABLE',
      `The ${what} ${path} cannot be reached (${code || String(err)}).`,
    );
  }
}

function unreadable(path: string, what: 'folder' | 'file', err: unknown): SourceUnavailableError {
  const code = errnoCode(err);
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code || String(err);
  return new SourceUnavailableError('E_ROOT_UNREADABLE', `The ${what} ${path} cannot be read: ${why}.`);
}

/**
 * `dev:ino:birthtimeMs` of a root, or `dev:ino` where no birth time can be trusted. dev:ino alone is not enough:
 * ext4 often hands a freed inode straight to the next folder made (`rm -rf notes && mkdir notes`), and the root
 * of every ext4 file system is inode 2 (a tmpfs remounted gets its old dev:ino back), so a different, empty folder
 * would pass for the old one and a sync would delete everything in the index without the mass-deletion guard.
 * The birth time tells them apart, as the change watcher's own identity does.
 */
export function rootIdentity(
  st: Pick<Stats, 'dev' | 'ino' | 'birthtimeMs' | 'ctimeMs'>,
  birthTimesKept: () => boolean = birthTimesAreKept,
): string {
  const devIno = `${st.dev}:${st.ino}`;
  // 0: a file system that keeps no birth time (or statx did not say). Equal to ctime: either a folder whose
  // entries never changed since it was made, or Linux without statx, where libuv reports the ctime as the birth
  // time; that one changes whenever an entry is added to the root, so it would make the same root look replaced.
  if (!(st.birthtimeMs > 0)) return devIno;
  if (st.birthtimeMs !== st.ctimeMs) {
    birthTimesSeen = true;
    return `${devIno}:${st.birthtimeMs}`;
  }
  return birthTimesKept() ? `${devIno}:${st.birthtimeMs}` : devIno;
}

/**
 * Whether the first of two root identities (the one stored by the last successful sync) and the second (the root
 * now) name the same folder or file. An identity without a birth time, stored by a version that recorded only
 * `dev:ino`, is compared on dev:ino; the sync that succeeds then stores the full identity. The other way round (the
 * root had a birth time, now it has none) is a different file system mounted there, or nothing to tell by: not
 * the same root, so the mass-deletion guard applies. Identities of any other shape must be equal.
 */
export function sameRootIdentity(stored: string, current: string): boolean {
  if (stored === current) return true;
  const before = FILE_IDENTITY.exec(stored);
  const now = FILE_IDENTITY.exec(current);
  return before !== null && now !== null && before[3] === undefined && before[1] === now[1] && before[2] === now[2];
}

const FILE_IDENTITY = /^(\d+):(\d+)(?::(\d+(?:\.\d+)?))?$/;

/**
 * Whether stat results carry real birth times (not libuv's ctime stand-in): once any file was seen with a birth
 * time other than its ctime (0 included: statx answered, that file system keeps none), they do. Asked only about a
 * root whose birth time equals its ctime (a new, empty folder, or every folder where the birth time is the ctime),
 * so it looks at a few paths that have surely changed since they were made; the answer is kept for the process.
 */
function birthTimesAreKept(): boolean {
  if (!birthTimesSeen && !birthTimesProbed) {
    birthTimesProbed = true;
    for (const path of [process.execPath, homedir(), '/']) {
      try {
        const s = statSync(path);
        if (s.birthtimeMs !== s.ctimeMs) {
          birthTimesSeen = true;
          break;
        }
      } catch {
        // Not there or not readable: ask the next one.
      }
    }
  }
  return birthTimesSeen;
}

let birthTimesSeen = false;
let birthTimesProbed = false;
