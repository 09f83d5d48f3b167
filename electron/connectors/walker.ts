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
 *
 * Listing: a no-change re-sync is this walk and little else, so its cost per file matters. Directories are listed,
 * and their entries lstat'ed, on the reader thread (read-thread.ts): one message per directory (per LIST_CHUNK
 * entries) instead of a thread-pool round trip per lstat, with the next few directories on the stack listed ahead.
 * When that thread is not usable, or fails on a directory, the directory is listed through fs/promises here
 * instead. Everything after the listing (decoding, NFC keys, collisions, excludes, links, depth) is the same code
 * for both, and gives the same results.
 */
import { createHash } from 'node:crypto';
import { promises as fsp, type Dir, type Dirent, type Stats } from 'node:fs';
import { resolve, sep } from 'node:path';
import { compileGlobs } from '../../shared/glob.js';
import {
  DT_BLOCK,
  DT_CHAR,
  DT_DIR,
  DT_FIFO,
  DT_FILE,
  DT_LINK,
  DT_SOCKET,
  DT_UNKNOWN,
  ENC_ASCII,
  ENC_UNDECODABLE,
  ENC_UTF8,
  fileReadThread,
  LIST_CHUNK,
  LIST_FIELDS,
  notRegularFileMessage,
  ReaderThreadError,
  ReadTimeoutError,
  specialFileKind,
  ST_DIR,
  ST_ERROR,
  ST_FILE,
  ST_LINK,
  ST_NONE,
  ST_OTHER,
  type DirChunk,
  type FileReadThread,
  type SpecialFileKind,
} from './read-thread.js';
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
  excludes?: readonly string[];
  /** Directories more than this many levels below the root are not entered. */
  maxDepth?: number;
  /**
   * Follow symlinked directories. Even then a link is only followed when it resolves inside the root and to a
   * directory not walked already, so loops and escapes are impossible.
   */
  followSymlinks?: boolean;
  signal?: AbortSignal;
  /**
   * Where directories are listed and their entries lstat'ed: on this reader thread (default: the process-wide one)
   * while it is usable, else — or with null — through fs/promises on this thread. Both give the same results.
   */
  readerThread?: FileReadThread | null;
  /**
   * Asked, with the entry's key and entryFingerprint, for each regular file the connector accepts: true means the caller
   * already knows it unchanged, so the walk yields nothing for it (ConnectorContext.isUnchanged). A directory whose
   * files were all known still ends with a yield (of no items), so the consumer gets a step per directory.
   */
  isUnchanged?: (key: string, fingerprint: string) => boolean;
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

/**
 * Directories next on the stack whose listing is asked of the reader thread ahead of time, so the thread lists the
 * next ones while this thread goes through the current one. A re-sync after edits also commits batches (~13 ms
 * each) mid-walk: with 3 directories listed ahead (about 1 ms of listing each), the walk then waited for the reader
 * thread after every batch write. With 32, the time such a re-sync takes beyond a no-change one fell by about a third
 * (1,000 edited files in 100,000, alternating runs).
 */
export const PREFETCH_DIRS = 32;

/**
 * …and at most about this many entries in the listings ahead (one still on its way counts as LIST_CHUNK, the most
 * its first message holds). A listing ahead is older by its turn: a file deleted in between is reported as vanished
 * when it is read, one created in between waits for the next sync. Counting entries bounds that window, and the
 * memory listings ahead hold, whatever the folders' size: 32 folders of 100 files are listed ahead, 8 of 500.
 */
export const PREFETCH_ENTRIES = 4096;

/**
 * What a kind's reader version adds to its units' fingerprints (`:obsidian2`). Raised when the documents made from a
 * unit change, it makes every unit indexed by the code before look changed, so each is read once more.
 */
export function readerVersionTag(kind: string, version: number): string {
  return `:${kind}${version}`;
}

export function fingerprintOf(e: { size: number; mtimeMs: number; ino: number }): string {
  return `${e.size}:${e.mtimeMs}:${e.ino}`;
}

/**
 * A walked file's fingerprint as its unit carries it: fingerprintOf, and, only when its path is not spelled in NFC on
 * disk, a digest of that spelling. Renaming a file or folder between Unicode forms (NFD ↔ NFC, as folders moved
 * between macOS and Linux often are) keeps its key, size, mtime and inode, so without the digest the unit would look
 * unchanged and keep the old, no longer existing, path. Paths spelled in NFC (all ASCII ones among them) keep the
 * plain fingerprintOf, so an upgrade re-reads only files with a non-NFC spelling, once.
 */
export function entryFingerprint(e: {
  size: number;
  mtimeMs: number;
  ino: number;
  key: string;
  relPath: string;
}): string {
  return spelledFingerprint(e, e.relPath, e.key);
}

function spelledFingerprint(e: { size: number; mtimeMs: number; ino: number }, rel: string, key: string): string {
  const plain = fingerprintOf(e);
  return rel === key ? plain : `${plain}:s${createHash('sha256').update(rel).digest('base64url').slice(0, 11)}`;
}

export function toSourceUnit(e: WalkEntry): SourceUnit {
  return { key: e.key, path: e.path, fingerprint: entryFingerprint(e), size: e.size };
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

/**
 * One directory entry as the walk sees it, from either lister. `sk` is the lstat result when the lister already
 * has it (the reader thread), ST_NONE when it is still to be taken (fs/promises).
 */
interface RawEntry {
  /** The decoded name; for an undecodable one, its lossy UTF-8 rendering (for messages only). */
  name: string;
  /** ENC_ASCII, ENC_UTF8 or ENC_UNDECODABLE. */
  enc: number;
  /** DT_* from readdir. */
  type: number;
  sk: number;
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
  /** The lstat error when sk is ST_ERROR. */
  err: Error | null;
}

/** What the walk needs of an lstat. */
interface EntryStat {
  sk: number;
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
}

/** A directory being read, entry by entry. */
interface Listing {
  /** The next entry when it is at hand, null at the end, undefined when next() has to be awaited. Throws a listing failure. */
  take(): RawEntry | null | undefined;
  next(): Promise<RawEntry | null>;
  close(): Promise<void>;
}

/** A link the walk does not follow, reported with the others of its folder (linkIssues). */
interface SkippedLink {
  path: string;
  name: string;
  why: string;
}

type Outcome = WalkEntry | ItemIssue | PendingDir | SkippedLink | null;

/** walkFileBatches one item at a time. */
export async function* walkFiles(opts: WalkOptions): AsyncGenerator<WalkEntry | ItemIssue> {
  for await (const batch of walkFileBatches(opts)) yield* batch;
}

/**
 * Walks the tree, yielding what it finds several items at a time (up to a directory's batch of lstat'ed entries):
 * each step of an async generator costs a few promise turns, and a walk of 100,000 files through one step per file,
 * and the generators stacked on it, spent a measurable part of a no-change re-sync in them. Order and content are
 * exactly walkFiles'. A yielded array is not touched again by the walk.
 */
export async function* walkFileBatches(opts: WalkOptions): AsyncGenerator<(WalkEntry | ItemIssue)[]> {
  const root = resolve(opts.root);
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const follow = opts.followSymlinks ?? false;
  const isExcluded = compileExcludes(opts.excludes ?? []);
  const skipDir = opts.skipDir ?? (() => false);
  const acceptFile = opts.acceptFile;
  const isUnchanged = opts.isUnchanged;

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

  const classify = (parent: PendingDir, name: string, key: string, type: number): Candidate | ItemIssue | null => {
    const rel = parent.rel === '' ? name : `${parent.rel}/${name}`;
    const childKey = parent.key === '' ? key : `${parent.key}/${key}`;
    const path = `${parent.path}${sep}${name}`;
    if (type === DT_DIR) {
      if (skipDir(rel, name) || isExcluded(childKey, key)) return null;
      return { name, key: childKey, rel, path, kind: 'dir' };
    }
    if (type === DT_FILE) {
      if (!acceptFile(rel) || isExcluded(childKey, key)) return null;
      return { name, key: childKey, rel, path, kind: 'file' };
    }
    if (type === DT_LINK) {
      if (isExcluded(childKey, key)) return null;
      return { name, key: childKey, rel, path, kind: 'link' };
    }
    // Some filesystems (and some network mounts) report no type in readdir; lstat decides.
    if (type === DT_UNKNOWN) {
      return isExcluded(childKey, key) ? null : { name, key: childKey, rel, path, kind: 'unknown' };
    }
    // A FIFO, socket or device is never opened (opening a FIFO waits for a writer), but one named like a note is
    // worth a word.
    if (!acceptFile(rel) || isExcluded(childKey, key)) return null;
    return issue(path, 'E_NOT_REGULAR_FILE', notRegularFileMessage(SPECIAL_KINDS[type] ?? 'other'));
  };

  /** Synchronous when the lister already took the lstat (and the entry is not a link). */
  const inspect = (parent: PendingDir, c: Candidate, e: RawEntry): Outcome | Promise<Outcome> => {
    if (c.kind === 'dir' && !follow) return pendingChild(parent, c, '');
    if (e.sk === ST_NONE) {
      return fsp.lstat(c.path).then(
        (st) => inspected(parent, c, statOf(st)),
        (err: unknown) => statFailure(c, err),
      );
    }
    if (e.sk === ST_ERROR) return statFailure(c, e.err);
    return inspected(parent, c, e);
  };

  const inspected = (parent: PendingDir, c: Candidate, st: EntryStat): Outcome | Promise<Outcome> => {
    if (st.sk === ST_LINK) return inspectLink(parent, c);
    if (st.sk === ST_DIR) {
      if (c.kind === 'unknown' && skipDir(c.rel, c.name)) return null;
      if (follow) visitedDirs.add(devIno(st));
      return pendingChild(parent, c, follow ? `${parent.real}${sep}${c.name}` : '');
    }
    if (c.kind === 'unknown' && !acceptFile(c.rel)) return null;
    // A FIFO, socket or device that readdir gave no type for, or a file swapped for one since.
    if (st.sk === ST_OTHER) return issue(c.path, 'E_NOT_REGULAR_FILE', notRegularFileMessage('other'));
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

  /** The POSIX path, relative to the root, of a real (symlink-free) path inside it. */
  const relativeInRoot = (real: string): string => {
    const rel = real.slice(rootReal.endsWith(sep) ? rootReal.length : rootReal.length + 1);
    return sep === '/' ? rel : rel.split(sep).join('/');
  };

  /**
   * Whether the walk yields the regular file at this path (relative to the root, as spelled on disk, no links on the
   * way), by the very rules it walks by: each folder on the way entered (not skipped, not excluded, not too deep),
   * the file accepted and not excluded.
   */
  const takesFile = (rel: string): boolean => {
    const names = rel.split('/');
    let dirRel = '';
    let dirKey = '';
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const key = name.normalize('NFC');
      const childRel = dirRel === '' ? name : `${dirRel}/${name}`;
      const childKey = dirKey === '' ? key : `${dirKey}/${key}`;
      if (i === names.length - 1) return acceptFile(childRel) && !isExcluded(childKey, key);
      if (i + 1 > maxDepth || skipDir(childRel, name) || isExcluded(childKey, key)) return false;
      dirRel = childRel;
      dirKey = childKey;
    }
    return false;
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
      // Like a linked folder, the link is the duplicate: the file it points to is indexed under its own path if the
      // walk takes it there, and not at all if it is excluded or in a skipped folder, which a link must not undo.
      const rel = relativeInRoot(real);
      const fate = takesFile(rel)
        ? 'is indexed under its own path'
        : 'is left out of the index (excluded, hidden, in a skipped folder or not a kind of file read here)';
      return skippedLink(c, `the file it points to, ${rel}, ${fate}`);
    }
    if (!target.isDirectory()) {
      return acceptFile(c.rel)
        ? issue(c.path, 'E_NOT_REGULAR_FILE', notRegularFileMessage(specialFileKind(target), true))
        : null;
    }
    if (skipDir(c.rel, c.name)) return null;
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

  const thread = opts.readerThread === undefined ? fileReadThread : opts.readerThread;
  // Listings asked of the reader thread ahead of time, for directories further up the stack, with their entry counts
  // (LIST_CHUNK until the listing comes back).
  const prefetched = new Map<PendingDir, { listing: Promise<DirChunk>; entries: number }>();
  const prefetch = (): void => {
    if (thread === null || !thread.usable) return;
    let entries = 0;
    for (const ahead of prefetched.values()) entries += ahead.entries;
    for (let i = stack.length - 1; i >= 0 && i >= stack.length - PREFETCH_DIRS && entries < PREFETCH_ENTRIES; i--) {
      const d = stack[i];
      if (prefetched.has(d)) continue;
      const ahead = { listing: thread.listDir(d.path, follow), entries: LIST_CHUNK };
      // Rejections are settled when the directory's turn comes, or dropped in `finally`.
      ahead.listing.then(
        (chunk) => {
          ahead.entries = chunk.count;
        },
        () => undefined,
      );
      prefetched.set(d, ahead);
      entries += LIST_CHUNK;
    }
  };
  const openListing = async (d: PendingDir): Promise<Listing> => {
    const asked = prefetched.get(d)?.listing;
    prefetched.delete(d);
    if (thread !== null && (asked !== undefined || thread.usable)) {
      try {
        return new ThreadListing(thread, await (asked ?? thread.listDir(d.path, follow)));
      } catch (err) {
        // The thread failed, not the directory: list it here instead.
        if (!(err instanceof ReaderThreadError)) throw err;
      }
    }
    return new PromisesListing(await fsp.opendir(d.path, { encoding: 'buffer' as BufferEncoding, bufferSize: 128 }));
  };

  // What the walk found since it last yielded, and whether it has passed files known unchanged since then.
  let found: (WalkEntry | ItemIssue)[] = [];
  let knownUnchanged = false;
  try {
    while (stack.length > 0 || linkedDirs.length > 0) {
      if (found.length > 0 || knownUnchanged) {
        yield found;
        found = [];
        knownUnchanged = false;
      }
      checkAborted(opts.signal);
      let dir = stack.pop();
      if (dir === undefined) {
        const linked = linkedDirs.shift()!;
        const st = await fsp.stat(linked.path).catch(() => null);
        if (st === null) continue; // the link disappeared since it was seen: nothing under it exists
        if (visitedDirs.has(devIno(st))) {
          found.push(skippedLinkIssue(linked.path, 'its folder is already indexed under its real path'));
          continue;
        }
        visitedDirs.add(devIno(st));
        dir = linked;
      }

      let listing: Listing;
      try {
        const opening = openListing(dir);
        prefetch();
        listing = await opening;
      } catch (err) {
        if (dir.rel === '') rootError(root, err);
        const failure = dirFailure(describe(dir.rel), dir.key, err);
        if (failure) found.push(failure);
        continue;
      }

      const parent = dir;
      // Whether the folder's path is spelled in NFC, so a file with an NFC name in it has the plain fingerprint.
      const nfcDir = parent.rel === parent.key;
      const keysInDir = new Set<string>();
      // Names not in NFC are looked at after the rest of the directory, so when an NFC and an NFD spelling of the
      // same name coexist the NFC one is always the one indexed, independent of readdir order.
      const denormalised: { name: string; key: string; entry: RawEntry }[] = [];
      const children: PendingDir[] = [];
      const skippedLinks: SkippedLink[] = [];
      // iCloud stubs of files this walk would take, judged once the whole folder is listed (cloudOnlyFile).
      const stubs: { target: string; key: string }[] = [];

      const runBatch = (batch: { name: string; key: string; entry: RawEntry }[]): (Outcome | Promise<Outcome>)[] => {
        const outcomes: (Outcome | Promise<Outcome>)[] = [];
        for (const { name, key, entry } of batch) {
          // A regular file the caller knows unchanged: the key and fingerprint only (classify's checks, in short).
          if (isUnchanged !== undefined && entry.type === DT_FILE && entry.sk === ST_FILE) {
            const rel = parent.rel === '' ? name : `${parent.rel}/${name}`;
            const childKey = parent.key === '' ? key : `${parent.key}/${key}`;
            if (
              acceptFile(rel) &&
              !isExcluded(childKey, key) &&
              isUnchanged(
                childKey,
                nfcDir && name === key ? fingerprintOf(entry) : spelledFingerprint(entry, rel, childKey),
              )
            ) {
              // Still taken: an NFD spelling of the same name, looked at after this batch, is the one left out.
              keysInDir.add(childKey);
              knownUnchanged = true;
              continue;
            }
          }
          const stubbed = entry.sk === ST_FILE || (entry.sk === ST_NONE && entry.type === DT_FILE);
          const target = stubbed ? iCloudStubTarget(name) : null;
          if (target !== null) {
            const rel = parent.rel === '' ? target : `${parent.rel}/${target}`;
            const targetKey = target.normalize('NFC');
            const childKey = parent.key === '' ? targetKey : `${parent.key}/${targetKey}`;
            if (acceptFile(rel) && !isExcluded(childKey, targetKey)) stubs.push({ target, key: childKey });
            continue;
          }
          const c = classify(parent, name, key, entry.type);
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
          outcomes.push(inspect(parent, c, entry));
        }
        return outcomes;
      };

      try {
        let batch: { name: string; key: string; entry: RawEntry }[] = [];
        for (;;) {
          let entry = listing.take();
          if (entry === undefined) entry = await listing.next();
          if (entry !== null) {
            if (entry.enc === ENC_UNDECODABLE) {
              const u = undecodable(parent, entry, acceptFile, describe);
              if (u) found.push(u);
              continue;
            }
            const key = entry.enc === ENC_ASCII ? entry.name : entry.name.normalize('NFC');
            if (entry.enc === ENC_ASCII || key === entry.name) batch.push({ name: entry.name, key, entry });
            else denormalised.push({ name: entry.name, key, entry });
          }
          if (batch.length >= BATCH_SIZE || (entry === null && batch.length > 0)) {
            checkAborted(opts.signal);
            for (const pending of runBatch(batch)) {
              const out = pending instanceof Promise ? await pending : pending;
              if (out === null) continue;
              if ('depth' in out) children.push(out);
              else if ('why' in out) skippedLinks.push(out);
              else found.push(out);
            }
            batch = [];
            if (found.length > 0 || knownUnchanged) {
              yield found;
              found = [];
              knownUnchanged = false;
            }
          }
          if (entry === null) break;
        }
        if (denormalised.length > 0) {
          denormalised.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
          for (const pending of runBatch(denormalised)) {
            const out = pending instanceof Promise ? await pending : pending;
            if (out === null) continue;
            if ('depth' in out) children.push(out);
            else if ('why' in out) skippedLinks.push(out);
            else found.push(out);
          }
        }
        for (const stub of stubs) {
          if (!keysInDir.has(stub.key)) found.push(cloudOnlyFile(`${parent.path}${sep}${stub.target}`, stub.key));
        }
      } catch (err) {
        if (isAbort(err)) throw err;
        // Reading the listing failed part-way (I/O error, folder removed): what was seen is kept, the rest is not
        // known, so the whole folder is protected from deletion.
        const failure = dirFailure(describe(parent.rel), parent.key, err);
        if (failure) found.push(failure);
      } finally {
        await listing.close().catch(() => undefined);
      }
      if (skippedLinks.length > 0) found.push(...linkIssues(describe(parent.rel), skippedLinks));
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
    if (found.length > 0) yield found;
  } finally {
    // Listings asked for directories the walk did not get to (stopped early): closed on the thread once they come.
    for (const { listing } of prefetched.values()) {
      listing.then(
        (chunk) => {
          if (!chunk.done) thread?.closeDir(chunk.handle);
        },
        () => undefined,
      );
    }
    prefetched.clear();
  }
}

/** A listing from the reader thread: entries already lstat'ed, a chunk per message, the next one asked for early. */
class ThreadListing implements Listing {
  #thread: FileReadThread;
  #chunk: DirChunk;
  #names: string[] = [];
  #i = 0;
  #errors: Map<number, Error> | null = null;
  #more: Promise<DirChunk> | null = null;

  constructor(thread: FileReadThread, first: DirChunk) {
    this.#thread = thread;
    this.#chunk = first;
    this.#load(first);
  }

  #load(chunk: DirChunk): void {
    this.#chunk = chunk;
    this.#names = chunk.count > 0 ? chunk.names.split('\0') : [];
    this.#i = 0;
    this.#errors = null;
    if (chunk.statErrors !== undefined) {
      this.#errors = new Map(chunk.statErrors.map(([i, code, message]) => [i, fsError(code, message)]));
    }
    if (!chunk.done) {
      this.#more = this.#thread.moreDir(chunk.handle);
      this.#more.catch(() => undefined);
    } else {
      this.#more = null;
    }
  }

  take(): RawEntry | null | undefined {
    const chunk = this.#chunk;
    const i = this.#i;
    if (i < chunk.count) {
      this.#i = i + 1;
      const m = chunk.meta;
      const o = i * LIST_FIELDS;
      const flags = m[o];
      const sk = flags >> 5;
      return {
        name: this.#names[i],
        enc: (flags >> 3) & 3,
        type: flags & 7,
        sk,
        size: m[o + 1],
        mtimeMs: m[o + 2],
        ino: m[o + 3],
        dev: m[o + 4],
        err: sk === ST_ERROR ? (this.#errors?.get(i) ?? fsError(undefined, 'lstat failed')) : null,
      };
    }
    if (chunk.error !== undefined) {
      const { code, message } = chunk.error;
      chunk.error = undefined;
      throw fsError(code, message);
    }
    return chunk.done ? null : undefined;
  }

  async next(): Promise<RawEntry | null> {
    for (;;) {
      const e = this.take();
      if (e !== undefined) return e;
      const more = this.#more!;
      this.#more = null;
      this.#load(await more);
    }
  }

  close(): Promise<void> {
    if (!this.#chunk.done) {
      const handle = this.#chunk.handle;
      this.#chunk = { ...this.#chunk, done: true, count: 0, error: undefined };
      if (this.#more !== null) {
        // The next chunk is on its way; the listing is closed once it is there.
        void this.#more.then(
          (c) => {
            if (!c.done) this.#thread.closeDir(c.handle);
          },
          () => undefined,
        );
        this.#more = null;
      } else {
        this.#thread.closeDir(handle);
      }
    }
    return Promise.resolve();
  }
}

/** A listing through fs/promises on this thread; entries are lstat'ed by the walk, BATCH_SIZE at a time. */
class PromisesListing implements Listing {
  #handle: Dir;
  constructor(handle: Dir) {
    this.#handle = handle;
  }

  take(): undefined {
    return undefined;
  }

  async next(): Promise<RawEntry | null> {
    // Opened with encoding 'buffer' (which @types/node does not model) so undecodable names can be detected.
    const dirent = (await this.#handle.read()) as unknown as RawDirent | null;
    if (dirent === null) return null;
    const decoded = decodeName(dirent.name);
    return {
      name: decoded === null ? dirent.name.toString('utf8') : decoded.name,
      enc: decoded === null ? ENC_UNDECODABLE : decoded.nfc ? ENC_ASCII : ENC_UTF8,
      type: direntType(dirent),
      sk: ST_NONE,
      size: 0,
      mtimeMs: 0,
      ino: 0,
      dev: 0,
      err: null,
    };
  }

  close(): Promise<void> {
    return this.#handle.close();
  }
}

const SPECIAL_KINDS: Partial<Record<number, SpecialFileKind>> = {
  [DT_FIFO]: 'fifo',
  [DT_SOCKET]: 'socket',
  [DT_BLOCK]: 'device',
  [DT_CHAR]: 'device',
};

function direntType(d: RawDirent): number {
  if (d.isFile()) return DT_FILE;
  if (d.isDirectory()) return DT_DIR;
  if (d.isSymbolicLink()) return DT_LINK;
  if (d.isFIFO()) return DT_FIFO;
  if (d.isSocket()) return DT_SOCKET;
  if (d.isBlockDevice()) return DT_BLOCK;
  if (d.isCharacterDevice()) return DT_CHAR;
  return DT_UNKNOWN;
}

function statOf(st: Stats): EntryStat {
  const sk = st.isSymbolicLink() ? ST_LINK : st.isDirectory() ? ST_DIR : st.isFile() ? ST_FILE : ST_OTHER;
  return { sk, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev };
}

function fsError(code: string | undefined, message: string): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

function entryOf(c: Candidate, st: { size: number; mtimeMs: number; ino: number; dev: number }): WalkEntry {
  return { key: c.key, relPath: c.rel, path: c.path, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev };
}

/**
 * `Note.md` for `.Note.md.icloud`: before macOS 14, iCloud Drive replaces a file it keeps only in the cloud ("Optimize
 * Mac Storage") by such a hidden stub, so the file itself vanishes from its folder. Null for any other name.
 */
export function iCloudStubTarget(name: string): string | null {
  if (name.length <= '..icloud'.length || !name.startsWith('.') || !name.endsWith('.icloud')) return null;
  return name.slice(1, -'.icloud'.length);
}

/**
 * A file that is only in the cloud (an iCloud stub in its place): not readable without downloading it, and not
 * deleted either, so what was indexed of it is kept (keepPrefix) until it is back on disk.
 */
function cloudOnlyFile(path: string, key: string): ItemIssue {
  return issue(
    path,
    'W_PLACEHOLDER',
    'This file is stored in iCloud only (not downloaded to this Mac), so it was not read; what was indexed of it is ' +
      'kept. Open it, or choose Download Now in Finder, and the next sync indexes it.',
    'warning',
    key,
  );
}

function skippedLink(c: { path: string; name: string }, why: string): SkippedLink {
  return { path: c.path, name: c.name, why };
}

function skippedLinkIssue(path: string, why: string): ItemIssue {
  return issue(path, 'W_SYMLINK_SKIPPED', `This symbolic link is not followed: ${why}.`, 'warning');
}

/** Links of one folder listed one by one; a folder with more has them in one problem of its own. */
const LINKS_LISTED_EACH = 3;

/** Links a folder's one problem names, with why each is not followed. */
const LINKS_NAMED = 3;

/**
 * The problems the links of one folder (at `folderPath`) make: each its own while there are few, so each can be
 * looked at, or one for the folder naming how many there are and the first few. Links are never followed, so every
 * sync meets them again: a vault whose notes are links to another folder listed one warning per link, forever, and
 * the real problems were lost among them. The one problem still says that links are not followed, and why for some.
 */
function linkIssues(folderPath: string, links: SkippedLink[]): ItemIssue[] {
  if (links.length <= LINKS_LISTED_EACH) return links.map((l) => skippedLinkIssue(l.path, l.why));
  // By name, so the problem reads the same at every sync whatever order the folder is listed in.
  const named = [...links]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, LINKS_NAMED)
    .map((l) => `${l.name} (${l.why})`);
  return [
    issue(
      folderPath,
      'W_SYMLINK_SKIPPED',
      `${links.length} symbolic links in this folder are not followed, so what they point to is indexed only where ` +
        `it lies in the synced folder, if at all: ${named.join('; ')}; and ${links.length - named.length} more.`,
      'warning',
    ),
  ];
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
  if (err instanceof ReadTimeoutError) return issue(path, 'E_READ_TIMEOUT', err.message, 'error', key);
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
  entry: RawEntry,
  acceptFile: (rel: string) => boolean,
  describe: (rel: string) => string,
): ItemIssue | null {
  // A name that is not valid UTF-8 cannot round-trip through a string path, so it can be neither reopened nor
  // given a stable key. Nothing under it was ever indexed, hence no keepPrefix.
  const shown = entry.name;
  const isDir = entry.type === DT_DIR;
  const rel = parent.rel === '' ? shown : `${parent.rel}/${shown}`;
  if (!isDir && !acceptFile(rel)) return null;
  return issue(
    describe(rel),
    'E_NAME_UNDECODABLE',
    `This ${isDir ? 'folder' : 'file'} name is not valid UTF-8, so it cannot be indexed. Renaming it fixes this.`,
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

/**
 * The walk's exclude test: `key` is a path relative to the root (NFC, `/`-separated), `name` its last part. A pattern
 * without a slash is matched against every name, one with a slash against the whole path (shared/glob.ts, in time
 * linear in both, so a pattern can never hold this thread). A pattern whose braces expand too far is not compiled:
 * the service refuses it when it is added, and a connectors.json entry holding one is not used (connector-config.ts).
 */
export function compileExcludes(globs: readonly string[]): (key: string, name: string) => boolean {
  const cleaned = globs.map((g) => g.trim().replace(/\/+$/, '')).filter((g) => g !== '');
  if (cleaned.length === 0) return () => false;
  const nameMatch = compileGlobs(cleaned.filter((g) => !g.includes('/')));
  const pathMatch = compileGlobs(cleaned.filter((g) => g.includes('/')).map((g) => g.replace(/^\.?\//, '')));
  return (key, name) => nameMatch(name) || pathMatch(key);
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

function devIno(st: { dev: number; ino: number }): string {
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
