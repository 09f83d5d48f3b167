/**
 * Checks the root of a file-based source before a sync. A root that is missing, of the wrong type or unreadable
 * throws SourceUnavailableError, which the engine treats as "try again later, delete nothing".
 */
import { promises as fsp, type Stats } from 'node:fs';
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
  return { identity: identityOf(st) };
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
  return { identity: identityOf(st) };
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

function identityOf(st: Stats): string {
  return `${st.dev}:${st.ino}`;
}
