/**
 * Streaming, loop-safe walk of a directory tree, shared by every file-based connector (folder, vault, a folder of
 * .mbox or .ics files).
 *
 * Identity: each file's key is its NFC-normalised POSIX path relative to the root, so the same note keeps its key
 * whether the disk stores names as NFC (Linux, APFS) or NFD (HFS+). The original name is kept for opening.
 *
 * Anything the walk has to skip comes out as an ItemIssue in the same stream. When an issue means "a part of the
 * tree could not be examined" (unreadable folder, failed stat) it carries `keepPrefix`, so the engine does not
 * mistake those units' absence for deletion. Skips that no earlier walk could have indexed (too deep,
 * undecodable names, name collisions) carry none.
 */
import { promises as fsp, type Dirent, type Stats } from 'node:fs';
import { resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { SourceUnavailableError, type ItemIssue, type ItemIssueCode, type SourceUnit } from './types.js';

export interface WalkOptions {
  root: string;
  /** Whether a file (POSIX path relative to the root, original spelling) is one the connector reads. */
  acceptFile: (relPath: string) => boolean;
  /** Return true to leave a directory (and everything under it) out, silently. */
  skipDir?: (relPath: string, name: string) => boolean;
  /**
   * Picomatch globs on POSIX paths relative to the root. A glob without '/' matches the name at any depth
   * (`*.log`, `drafts`); a glob with '/' matches the whole relative path (`archive/**`). A trailing '/' is ignored.
   */
  excludes?: string[];
  /** Directories more than this many levels below the root are not entered. */
  maxDepth?: number;
  /**
   * Follow symlinked directories. Even then a link is only followed when it resolves inside the root and to a
   * directory not walked already, so loops and escapes are impossible.
   */
  followSymlinks?: boolean;
  signal?: AbortSignal;
}

export interface WalkEntry {
  /** NFC-normalised POSIX path relative to the root: the unit's identity. */
  key: string;
  /** POSIX path relative to the root, as spelled on disk. */
  relPath: string;
  /** Absolute path as spelled on disk (opens the file). */
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
}

export const DEFAULT_MAX_DEPTH = 64;

/** Entries looked at between two rounds of concurrent lstat calls; bounds memory in huge directories. */
const BATCH_SIZE = 256;

export function fingerprintOf(e: WalkEntry): string {
  return `${e.size}:${e.mtimeMs}:${e.ino}`;
}

export function toSourceUnit(e: WalkEntry): SourceUnit {
  return { key: e.key, path: e.path, fingerprint: fingerprintOf(e), size: e.size };
}

interface PendingDir {
  /** Absolute path as spelled on disk. */
  path: string;
  rel: string;
  key: string;
  depth: number;
  /** Real (symlink-free) path; only tracked when following symlinks, to spot links to an ancestor. */
  real: string;
}

interface Candidate {
  name: string;
  key: string;
  rel: string;
  path: string;
  kind: 'file' | 'dir' | 'link' | 'unknown';
}

type RawDirent = Dirent<Buffer>;

type Outcome = WalkEntry | ItemIssue | PendingDir | null;

export async function* walkFiles(opts: WalkOptions): AsyncGenerator<WalkEntry | ItemIssue> {
  const root = resolve(opts.root);
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const follow = opts.followSymlinks ?? false;
  const isExcluded = compileExcludes(opts.excludes ?? []);
  const skipDir = opts.skipDir ?? (() => false);
  const acceptFile = opts.acceptFile;

  checkAborted(opts.signal);
  const rootReal = await rootRealPath(root);
  const visitedDirs = new Set<string>();
  if (follow) {
    const st = await fsp.stat(root).catch((err: unknown) => rootError(root, err));
    visitedDirs.add(devIno(st));
  }

  const stack: PendingDir[] = [{ path: root, rel: '', key: '', depth: 0, real: rootReal }];
  // Linked directories wait until every real directory has been walked, so a file is always found under its
  // real path first, whatever order readdir returns, and the link is the duplicate that gets skipped.
  const linkedDirs: PendingDir[] = [];

  const describe = (rel: string) => (rel === '' ? root : `${root}${sep}${rel}`);

  const classify = (parent: PendingDir, name: string, key: string, dirent: RawDirent): Candidate | ItemIssue | null => {
    const rel = parent.rel === '' ? name : `${parent.rel}/${name}`;
    const childKey = parent.key === '' ? key : `${parent.key}/${key}`;
    const path = `${parent.path}${sep}${name}`;
    if (dirent.isDirectory()) {
      if (skipDir(rel, name) || isExcluded(childKey, key)) return null;
      return { name, key: childKey, rel, path, kind: 'dir' };
    }
    if (dirent.isFile()) {
      if (!acceptFile(rel) || isExcluded(childKey, key)) return null;
      return { name, key: childKey, rel, path, kind: 'file' };
    }
    if (dirent.isSymbolicLink()) {
      if (isExcluded(childKey, key)) return null;
      return { name, key: childKey, rel, path, kind: 'link' };
    }
    // Some filesystems (and some network mounts) report no type in readdir; lstat decides.
    const typeless = !dirent.isFIFO() && !dirent.isSocket() && !dirent.isBlockDevice() && !dirent.isCharacterDevice();
    if (typeless && !isExcluded(childKey, key)) return { name, key: childKey, rel, path, kind: 'unknown' };
    return null;
  };

  const inspect = async (parent: PendingDir, c: Candidate): Promise<Outcome> => {
    if (c.kind === 'dir' && !follow) return pendingChild(parent, c, '');
    let st: Stats;
    try {
      st = await fsp.lstat(c.path);
    } catch (err) {
      return statFailure(c, err);
    }
    if (st.isSymbolicLink()) return inspectLink(parent, c);
    if (st.isDirectory()) {
      if (c.kind === 'unknown' && skipDir(c.rel, c.name)) return null;
      if (follow) visitedDirs.add(devIno(st));
      return pendingChild(parent, c, follow ? `${parent.real}${sep}${c.name}` : '');
    }
    if (!st.isFile()) return null;
    if (c.kind === 'unknown' && !acceptFile(c.rel)) return null;
    return entryOf(c, st);
  };

  const pendingChild = (parent: PendingDir, c: Candidate, real: string): PendingDir | ItemIssue => {
    const depth = parent.depth + 1;
    if (depth > maxDepth) {
      return issue(
        c.path,
        'E_TOO_DEEP',
        `This folder is nested more than ${maxDepth} levels deep; its contents are not indexed.`,
      );
    }
    return { path: c.path, rel: c.rel, key: c.key, depth, real };
  };

  const inspectLink = async (parent: PendingDir, c: Candidate): Promise<Outcome> => {
    let target: Stats;
    let real: string;
    try {
      target = await fsp.stat(c.path);
      real = await fsp.realpath(c.path);
    } catch (err) {
      const code = errnoCode(err);
      // A broken link named like a note is worth a word; a broken link to, say, an image is not.
      if (!acceptFile(c.rel) && !follow) return null;
      if (code === 'ENOENT') return issue(c.path, 'ENOENT', 'This link points to something that does not exist.');
      if (code === 'ELOOP') return issue(c.path, 'E_LOOP', 'This link points to itself in a loop.');
      return statFailure(c, err);
    }
    const inside = isInside(real, rootReal);
    if (target.isFile()) {
      if (!acceptFile(c.rel)) return null;
      if (!inside) return skippedLink(c, 'it points outside the folder being indexed');
      return entryOf(c, target);
    }
    if (!target.isDirectory() || skipDir(c.rel, c.name)) return null;
    if (!follow) return skippedLink(c, 'links to folders are not followed');
    if (!inside) return skippedLink(c, 'it points outside the folder being indexed');
    if (isInside(parent.real, real)) {
      return issue(
        c.path,
        'E_LOOP',
        'This link points back to a folder that contains it; following it would loop forever.',
      );
    }
    const child = pendingChild(parent, c, real);
    if ('code' in child) return child;
    linkedDirs.push(child);
    return null;
  };

  while (stack.length > 0 || linkedDirs.length > 0) {
    checkAborted(opts.signal);
    let dir = stack.pop();
    if (dir === undefined) {
      const linked = linkedDirs.shift()!;
      const st = await fsp.stat(linked.path).catch(() => null);
      if (st === null) continue; // the link disappeared since it was seen: nothing under it exists
      if (visitedDirs.has(devIno(st))) {
        yield skippedLink(linked, 'its folder is already indexed under its real path');
        continue;
      }
      visitedDirs.add(devIno(st));
      dir = linked;
    }

    let handle;
    try {
      handle = await fsp.opendir(dir.path, { encoding: 'buffer' as BufferEncoding, bufferSize: 128 });
    } catch (err) {
      if (dir.rel === '') rootError(root, err);
      const failure = dirFailure(describe(dir.rel), dir.key, err);
      if (failure) yield failure;
      continue;
    }

    const parent = dir;
    const keysInDir = new Set<string>();
    // Names not in NFC are looked at after the rest of the directory, so when an NFC and an NFD spelling of the
    // same name coexist the NFC one is always the one indexed, independent of readdir order.
    const denormalised: { name: string; key: string; dirent: RawDirent }[] = [];
    const children: PendingDir[] = [];

    const runBatch = async function* (batch: { name: string; key: string; dirent: RawDirent }[]) {
      const outcomes: (Outcome | Promise<Outcome>)[] = [];
      for (const { name, key, dirent } of batch) {
        const c = classify(parent, name, key, dirent);
        if (c === null || 'code' in c) {
          outcomes.push(c);
          continue;
        }
        if (keysInDir.has(c.key)) {
          outcomes.push(
            issue(
              c.path,
              'W_NORMALIZATION_COLLISION',
              `Another entry has the same name in a different Unicode form ("${c.key}"); only that one is indexed.`,
              'warning',
            ),
          );
          continue;
        }
        keysInDir.add(c.key);
        outcomes.push(inspect(parent, c));
      }
      for (const pending of outcomes) {
        const out = await pending;
        if (out === null) continue;
        if ('depth' in out) children.push(out);
        else yield out;
      }
    };

    try {
      let batch: { name: string; key: string; dirent: RawDirent }[] = [];
      for (;;) {
        // Opened with encoding 'buffer' (which @types/node does not model) so undecodable names can be detected.
        const dirent = (await handle.read()) as unknown as RawDirent | null;
        if (dirent !== null) {
          const decoded = decodeName(dirent.name);
          if (decoded === null) {
            const u = undecodable(parent, dirent, acceptFile, describe);
            if (u) yield u;
            continue;
          }
          const key = decoded.nfc ? decoded.name : decoded.name.normalize('NFC');
          if (decoded.nfc || key === decoded.name) batch.push({ name: decoded.name, key, dirent });
          else denormalised.push({ name: decoded.name, key, dirent });
        }
        if (batch.length >= BATCH_SIZE || (dirent === null && batch.length > 0)) {
          checkAborted(opts.signal);
          yield* runBatch(batch);
          batch = [];
        }
        if (dirent === null) break;
      }
      if (denormalised.length > 0) {
        denormalised.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        yield* runBatch(denormalised);
      }
    } catch (err) {
      if (isAbort(err)) throw err;
      // Reading the listing failed part-way (I/O error, folder removed): what was seen is kept, the rest is not
      // known, so the whole folder is protected from deletion.
      const failure = dirFailure(describe(parent.rel), parent.key, err);
      if (failure) yield failure;
    } finally {
      await handle.close().catch(() => undefined);
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
}

function entryOf(c: Candidate, st: Stats): WalkEntry {
  return { key: c.key, relPath: c.rel, path: c.path, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev };
}

function skippedLink(c: { path: string }, why: string): ItemIssue {
  return issue(c.path, 'W_SYMLINK_SKIPPED', `This symbolic link is not followed: ${why}.`, 'warning');
}

function statFailure(c: Candidate, err: unknown): ItemIssue | null {
  const code = errnoCode(err);
  // Gone between readdir and lstat: a real deletion, nothing to report.
  if (code === 'ENOENT') return null;
  if (code === 'EACCES' || code === 'EPERM') {
    return issue(c.path, 'EACCES', 'Permission denied; the indexed version (if any) is kept.', 'error', c.key);
  }
  if (code === 'ENAMETOOLONG') {
    return issue(c.path, 'ENAMETOOLONG', 'The full path is longer than the system allows.', 'error', c.key);
  }
  if (code === 'ELOOP') return issue(c.path, 'E_LOOP', 'Too many levels of symbolic links.', 'error', c.key);
  return issue(c.path, 'E_READ', `Could not examine this entry (${code || describeError(err)}).`, 'error', c.key);
}

function dirFailure(path: string, key: string, err: unknown): ItemIssue | null {
  const code = errnoCode(err);
  if (code === 'ENOENT') return null;
  if (code === 'EACCES' || code === 'EPERM') {
    return issue(
      path,
      'EACCES',
      'Permission denied: this folder cannot be listed. What was indexed under it is kept.',
      'error',
      key,
    );
  }
  if (code === 'ENAMETOOLONG') {
    return issue(
      path,
      'ENAMETOOLONG',
      'The path of this folder is longer than the system allows; it cannot be listed.',
      'error',
      key,
    );
  }
  if (code === 'ENOTDIR') return null; // replaced by a file since the parent was listed; it will be seen next time
  return issue(
    path,
    'E_READ',
    `This folder could not be listed (${code || describeError(err)}). What was indexed under it is kept.`,
    'error',
    key,
  );
}

function undecodable(
  parent: PendingDir,
  dirent: RawDirent,
  acceptFile: (rel: string) => boolean,
  describe: (rel: string) => string,
): ItemIssue | null {
  // A name that is not valid UTF-8 cannot round-trip through a string path, so it can be neither reopened nor
  // given a stable key. Nothing under it was ever indexed, hence no keepPrefix.
  const shown = dirent.name.toString('utf8');
  const rel = parent.rel === '' ? shown : `${parent.rel}/${shown}`;
  if (!dirent.isDirectory() && !acceptFile(rel)) return null;
  return issue(
    describe(rel),
    'E_NAME_UNDECODABLE',
    `This ${dirent.isDirectory() ? 'folder' : 'file'} name is not valid UTF-8, so it cannot be indexed. Renaming it fixes this.`,
  );
}

function issue(
  path: string,
  code: ItemIssueCode,
  message: string,
  severity: 'error' | 'warning' = 'error',
  keepPrefix?: string,
): ItemIssue {
  return keepPrefix === undefined ? { path, code, message, severity } : { path, code, message, severity, keepPrefix };
}

/** Decodes a raw directory entry name; null when the bytes are not valid UTF-8. */
function decodeName(raw: Buffer): { name: string; nfc: boolean } | null {
  let ascii = true;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return { name: raw.toString('latin1'), nfc: true };
  const name = raw.toString('utf8');
  // U+FFFD may be a real character in the name, so only a failed round-trip proves the bytes were invalid.
  if (name.includes('\uFFFD') && !Buffer.from(name, 'utf8').equals(raw)) return null;
  return { name, nfc: false };
}

function compileExcludes(globs: string[]): (key: string, name: string) => boolean {
  const cleaned = globs.map((g) => g.trim().replace(/\/+$/, '')).filter((g) => g !== '');
  if (cleaned.length === 0) return () => false;
  const byName = cleaned.filter((g) => !g.includes('/'));
  const byPath = cleaned.filter((g) => g.includes('/')).map((g) => g.replace(/^\.?\//, ''));
  const nameMatch = byName.length > 0 ? picomatch(byName, { dot: true }) : null;
  const pathMatch = byPath.length > 0 ? picomatch(byPath, { dot: true }) : null;
  return (key, name) => (nameMatch !== null && nameMatch(name)) || (pathMatch !== null && pathMatch(key));
}

async function rootRealPath(root: string): Promise<string> {
  try {
    return await fsp.realpath(root);
  } catch (err) {
    return rootError(root, err);
  }
}

function rootError(root: string, err: unknown): never {
  const code = errnoCode(err);
  if (code === 'ENOENT')
    throw new SourceUnavailableError(
      'E_ROOT_UNAVAILABLE',
      `The folder ${root} does not exist (moved, deleted, or on a drive that is not connected).`,
    );
  if (code === 'ENOTDIR') throw new SourceUnavailableError('E_ROOT_NOT_A_DIRECTORY', `${root} is not a folder.`);
  if (code === 'EACCES' || code === 'EPERM')
    throw new SourceUnavailableError('E_ROOT_UNREADABLE', `The folder ${root} cannot be read: permission denied.`);
  throw new SourceUnavailableError(
    'E_ROOT_UNAVAILABLE',
    `The folder ${root} cannot be read (${code || describeError(err)}).`,
  );
}

function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
}

function devIno(st: Stats): string {
  return `${st.dev}:${st.ino}`;
}

export function errnoCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof Error) throw reason;
    const err = new Error(typeof reason === 'string' ? reason : 'The operation was aborted');
    err.name = 'AbortError';
    throw err;
  }
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'SyncCancelledError');
}
