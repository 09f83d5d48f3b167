/**
 * ChangeWatcher: tells the service that something changed under a connector's path, so it syncs within seconds
 * instead of at the next interval. It only says WHICH connector changed, never what: the sync that follows is the
 * same full, fingerprint-based reconcile as a scheduled one, so a missed, duplicated or reordered event costs
 * nothing but latency, and the interval sync stays the safety net for everything a watcher misses.
 *
 * - Folders are watched recursively. macOS and Windows use `fs.watch(path, { recursive: true })` (FSEvents,
 *   ReadDirectoryChangesW: one handle per tree). On Linux, Node's recursive mode adds one inotify watch per FILE
 *   and walks the whole tree synchronously on the main thread when it starts, so there a small tree watcher is
 *   used instead: one non-recursive `fs.watch` (inotify watch) per DIRECTORY, the tree walked asynchronously,
 *   folders that appear later watched as they appear. A directory watch reports its files' creates, edits,
 *   deletes and renames, so nothing is lost by not watching files.
 * - A single file (an .mbox, an .ics) is watched through its parent folder, filtered by name, so replacing the
 *   file (atomic save = write a temp file, rename it over) is seen too.
 * - Noise is dropped: any path with a segment starting with '.' (`.obsidian/workspace.json` is rewritten all the
 *   time, `.git`, `.DS_Store`, editors' temp files) and anything inside an ignored folder (the app's own data
 *   folder, when it lies under a connector's path: the index writes would otherwise trigger a sync loop). A
 *   connector may name dot files that do decide what it indexes (`dotFiles`: a vault's `.obsidian/app.json`, its
 *   Excluded files): those count (their folders are watched for them), their neighbours stay noise.
 * - Debounce per connector: `onChanged(id)` fires once the path has been quiet for `debounceMs`, and at most
 *   `maxWaitMs` after the burst's first event (a file being written continuously still gets indexed).
 * - Failures never escape: a path that is missing, an inotify limit (ENOSPC), too many open files (EMFILE) or no
 *   permission (EPERM, EACCES) is logged ONCE, the connector stays on its interval, and `refresh()` (called by
 *   the service after every run) tries again. Watch handles are unref'd: they never keep a process alive.
 */
import { statSync, watch, type FSWatcher, type Stats } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { systemClock, type Clock } from './clock.js';

export interface ChangeWatcherOptions {
  /** Called once per burst of changes under a connector's path. Exceptions are logged and swallowed. */
  onChanged: (connectorId: string) => void;
  /** Quiet time that ends a burst. Default 10 000. */
  debounceMs?: number;
  /** Longest time from a burst's first event to `onChanged`, however busy the path stays. Default 60 000. */
  maxWaitMs?: number;
  /** Folders (absolute) whose contents are never reported, e.g. the app's data folder. */
  ignore?: readonly string[];
  clock?: Clock;
  log?: Logger;
  /**
   * How folders are watched: 'native' = `fs.watch(path, { recursive: true })`, 'tree' = one watch per directory.
   * Default: 'tree' on Linux, 'native' elsewhere. Tests may force either.
   */
  mode?: 'native' | 'tree';
}

export interface WatchOptions {
  /** Dot-named folders hold the connector's data (Maildir++): nothing is noise for being dot-named. */
  dotFolders?: boolean;
  /** Dot-named files (relative to the path) whose changes count, as settings that decide what is indexed. */
  dotFiles?: readonly string[];
}

export const CHANGE_WATCHER_DEFAULTS = {
  debounceMs: 10_000,
  maxWaitMs: 60_000,
} as const;

/** Error codes that mean "cannot watch (for now)", as opposed to a bug. All of them are handled the same way. */
const KNOWN_WATCH_ERRORS = new Set(['ENOENT', 'ENOTDIR', 'ENOSPC', 'EMFILE', 'ENFILE', 'EPERM', 'EACCES', 'EINVAL']);

interface Handle {
  close(): void;
}

interface Watched {
  readonly id: string;
  /** The connector's path, resolved. */
  readonly path: string;
  handle: Handle | null;
  /** The folder the handle is on: the path itself, or a single file's parent folder. */
  target: string | null;
  /** `identityOf(target)`, so `refresh()` notices a folder that was replaced or remounted. */
  identity: string | null;
  /** Dot-named folders hold data here (Maildir++ keeps every mail folder in one: `.Sent/cur/…`). */
  readonly dotFolders: boolean;
  /** Paths relative to `path`, `/`-separated, that count although they have a dot segment. */
  readonly dotFiles: ReadonlySet<string>;
  /** The folders those lie in (`.obsidian`), which the tree watch must enter. */
  readonly dotFileDirs: ReadonlySet<string>;
  /** The problem last logged, so a failure that repeats on every refresh is logged once. */
  problem: string | null;
  /** Restarted at once after breaking since the last refresh(). */
  restarted: boolean;
  burstStartedAt: number | null;
  quietTimer: unknown;
  maxTimer: unknown;
}

export class ChangeWatcher {
  readonly #o: Required<Omit<ChangeWatcherOptions, 'ignore' | 'clock' | 'log' | 'mode'>>;
  readonly #mode: 'native' | 'tree';
  readonly #ignore: string[];
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #watched = new Map<string, Watched>();
  #closed = false;

  constructor(options: ChangeWatcherOptions) {
    this.#o = {
      onChanged: options.onChanged,
      debounceMs: Math.max(0, options.debounceMs ?? CHANGE_WATCHER_DEFAULTS.debounceMs),
      maxWaitMs: Math.max(0, options.maxWaitMs ?? CHANGE_WATCHER_DEFAULTS.maxWaitMs),
    };
    this.#mode = options.mode ?? (process.platform === 'linux' ? 'tree' : 'native');
    this.#ignore = (options.ignore ?? []).map((p) => resolve(p));
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log ?? silentLogger;
  }

  /**
   * Starts watching a connector's path (a folder or a single file), or moves the watch when the path changed.
   * Dot-named files and folders are noise (`.obsidian/workspace.json` changes all the time) unless `dotFolders`,
   * or named in `dotFiles` (relative to the path, `/`-separated: `.obsidian/app.json`).
   */
  add(id: string, path: string, opts: WatchOptions = {}): void {
    if (this.#closed) return;
    const resolved = resolve(path);
    const dotFiles = new Set((opts.dotFiles ?? []).map((f) => f.split(/[\\/]/).join('/')));
    const existing = this.#watched.get(id);
    if (existing?.path === resolved && sameSet(existing.dotFiles, dotFiles)) return;
    if (existing) this.remove(id);
    const dotFileDirs = new Set<string>();
    for (const file of dotFiles) {
      for (let at = file.lastIndexOf('/'); at > 0; at = file.lastIndexOf('/', at - 1))
        dotFileDirs.add(file.slice(0, at));
    }
    const w: Watched = {
      id,
      path: resolved,
      dotFolders: opts.dotFolders ?? false,
      dotFiles,
      dotFileDirs,
      handle: null,
      target: null,
      identity: null,
      problem: null,
      restarted: false,
      burstStartedAt: null,
      quietTimer: null,
      maxTimer: null,
    };
    this.#watched.set(id, w);
    this.#start(w);
  }

  remove(id: string): void {
    const w = this.#watched.get(id);
    if (!w) return;
    this.#watched.delete(id);
    this.#stop(w);
    this.#clearBurst(w);
  }

  /** True while the connector's path is actually being watched (false: failed, and on its interval only). */
  isWatching(id: string): boolean {
    return this.#watched.get(id)?.handle != null;
  }

  /**
   * Retries every watch that failed (the path is back, a limit was raised) and restarts one whose folder was
   * replaced, removed or remounted since it was set up. Cheap: one stat per connector. Never throws.
   */
  refresh(): void {
    if (this.#closed) return;
    for (const w of this.#watched.values()) {
      w.restarted = false;
      if (w.handle && w.target !== null && w.identity === identityOf(w.target)) continue;
      this.#stop(w);
      this.#start(w);
    }
  }

  /** Stops everything; no callback fires afterwards. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const id of [...this.#watched.keys()]) this.remove(id);
  }

  // ── watching ──────────────────────────────────────────────────────────────────────────────────────────────

  #start(w: Watched): void {
    let stats: Stats;
    try {
      stats = statSync(w.path);
    } catch (err) {
      this.#failed(w, err);
      return;
    }
    try {
      if (stats.isDirectory()) {
        w.target = w.path;
        w.identity = identityOf(w.target);
        w.handle = this.#watchFolder(w);
      } else {
        // A single file: watch its folder, filtered by name, so an atomic replace of the file is seen too.
        const name = basename(w.path);
        w.target = dirname(w.path);
        w.identity = identityOf(w.target);
        w.handle = this.#watchOne(w, w.target, (rel) => rel === null || rel === name);
      }
    } catch (err) {
      this.#stop(w);
      this.#failed(w, err);
      return;
    }
    if (w.problem !== null) this.#log.info(`${w.id}: watching ${w.path} for changes again`);
    else this.#log.debug(`${w.id}: watching ${w.path} for changes (${this.#mode})`);
    w.problem = null;
  }

  #watchFolder(w: Watched): Handle {
    const relevant = (rel: string | null): boolean => rel === null || this.#relevant(w, rel);
    if (this.#mode === 'native') return this.#watchOne(w, w.path, relevant, true);
    return new TreeWatcher(w.path, {
      skipDir: (dir) => !this.#relevant(w, relative(w.path, dir), true),
      onEvent: (rel) => {
        if (relevant(rel)) this.#event(w);
      },
      onError: (err) => this.#lost(w, err),
    });
  }

  /** One fs.watch handle on `dir`; `rel` given to `relevant` is relative to `dir` (null when the OS gave no name). */
  #watchOne(w: Watched, dir: string, relevant: (rel: string | null) => boolean, recursive = false): Handle {
    const watcher = watch(dir, { persistent: false, recursive }, (_event, name) => {
      const rel = name === null || name === undefined ? null : String(name);
      if (relevant(rel)) this.#event(w);
    });
    watcher.on('error', (err) => this.#lost(w, err));
    return watcher;
  }

  /**
   * Whether a path relative to the connector's root can matter: no dot segment (or one of the connector's
   * `dotFiles`; for a folder to watch, one they lie in), not inside an ignored folder. Events about a folder of
   * `dotFiles` themselves are not taken: a file system may report one for every write into it (`.obsidian`, at each
   * save of workspace.json), and a dot file created, changed or deleted is reported by its own name.
   */
  #relevant(w: Watched, rel: string, asFolder = false): boolean {
    if (rel === '') return true;
    const segments = rel.split(/[\\/]/);
    if (!w.dotFolders && segments.some((segment) => segment.startsWith('.'))) {
      if (w.dotFiles.size === 0) return false;
      const key = segments.join('/');
      if (!w.dotFiles.has(key) && !(asFolder && w.dotFileDirs.has(key))) return false;
    }
    if (this.#ignore.length === 0) return true;
    const full = join(w.path, rel);
    return !this.#ignore.some((dir) => full === dir || isInside(dir, full));
  }

  /** A running watch broke (its folder was removed, Windows' EPERM on delete, a limit hit while adding folders). */
  #lost(w: Watched, err: unknown): void {
    if (this.#watched.get(w.id) !== w) return;
    this.#log.debug(`${w.id}: the watch on ${w.path} broke`, err);
    this.#stop(w);
    const code = (err as NodeJS.ErrnoException | null)?.code;
    if (code === 'ENOSPC' || code === 'EMFILE' || code === 'ENFILE') {
      // A limit, not a change: retried by refresh() after the next sync (never in a loop of its own).
      this.#failed(w, err);
      return;
    }
    // The folder was removed or replaced: that is a change, and the sync decides what it means. Try watching
    // again at once (a folder deleted and made again), once per refresh() so a watch that keeps breaking cannot
    // spin; a failure is logged once and refresh() keeps trying.
    if (!w.restarted) {
      w.restarted = true;
      this.#start(w);
    }
    this.#event(w);
  }

  #failed(w: Watched, err: unknown): void {
    const code = (err as NodeJS.ErrnoException | null)?.code ?? 'unknown';
    const problem = `${code}: ${(err as Error | null)?.message ?? String(err)}`;
    if (w.problem === code) return;
    w.problem = code;
    const why =
      code === 'ENOENT'
        ? 'the path does not exist (yet)'
        : code === 'ENOSPC'
          ? 'the system limit on watched folders is reached (raise fs.inotify.max_user_watches)'
          : code === 'EMFILE' || code === 'ENFILE'
            ? 'too many open files'
            : code === 'EPERM' || code === 'EACCES'
              ? 'no permission'
              : problem;
    const level = KNOWN_WATCH_ERRORS.has(code) ? 'warn' : 'error';
    this.#log[level](
      `${w.id}: cannot watch ${w.path} for changes (${why}); it syncs on its interval, retrying after the next sync`,
    );
  }

  #stop(w: Watched): void {
    const handle = w.handle;
    w.handle = null;
    w.target = null;
    w.identity = null;
    try {
      handle?.close();
    } catch (err) {
      this.#log.debug(`${w.id}: closing the watch failed`, err);
    }
  }

  // ── debounce ──────────────────────────────────────────────────────────────────────────────────────────────

  #event(w: Watched): void {
    if (this.#closed || this.#watched.get(w.id) !== w) return;
    if (w.burstStartedAt === null) {
      w.burstStartedAt = this.#clock.now();
      w.maxTimer = this.#clock.setTimeout(() => this.#fire(w), this.#o.maxWaitMs);
    }
    if (w.quietTimer !== null) this.#clock.clearTimeout(w.quietTimer);
    w.quietTimer = this.#clock.setTimeout(() => this.#fire(w), this.#o.debounceMs);
  }

  #fire(w: Watched): void {
    if (w.burstStartedAt === null) return;
    this.#clearBurst(w);
    if (this.#closed || this.#watched.get(w.id) !== w) return;
    try {
      this.#o.onChanged(w.id);
    } catch (err) {
      this.#log.error(`${w.id}: the change handler threw`, err);
    }
  }

  #clearBurst(w: Watched): void {
    if (w.quietTimer !== null) this.#clock.clearTimeout(w.quietTimer);
    if (w.maxTimer !== null) this.#clock.clearTimeout(w.maxTimer);
    w.quietTimer = null;
    w.maxTimer = null;
    w.burstStartedAt = null;
  }
}

/**
 * A recursive watch made of one non-recursive fs.watch per directory (Linux: one inotify watch each). The root is
 * watched synchronously (so a missing root or an exhausted limit fails `add()` at once); the rest of the tree is
 * walked asynchronously, and folders created, moved in or renamed later are watched as their parent reports them.
 */
interface TreeWatcherOptions {
  /** Folders not to descend into (dot folders, the data folder). */
  skipDir(dir: string): boolean;
  /** A name changed; `rel` is relative to the root, null when the OS did not say which. */
  onEvent(rel: string | null): void;
  /** The watch was given up (root unwatchable, a limit hit). Called at most once; the watcher is closed. */
  onError(err: unknown): void;
}

class TreeWatcher implements Handle {
  readonly #root: string;
  readonly #o: TreeWatcherOptions;
  readonly #dirs = new Map<string, FSWatcher>();
  readonly #rootIdentity: string | null;
  #closed = false;

  constructor(root: string, o: TreeWatcherOptions) {
    this.#root = root;
    this.#o = o;
    this.#rootIdentity = identityOf(root);
    this.#watchDir(root);
    void this.#scan(root);
  }

  close(): void {
    this.#closed = true;
    for (const w of this.#dirs.values()) w.close();
    this.#dirs.clear();
  }

  #watchDir(dir: string): void {
    if (this.#closed || this.#dirs.has(dir)) return;
    const watcher = watch(dir, { persistent: false }, (_event, name) => this.#onDirEvent(dir, name));
    watcher.on('error', (err) => {
      if (dir === this.#root) this.#fatal(err);
      else this.#unwatch(dir);
    });
    this.#dirs.set(dir, watcher);
  }

  async #scan(dir: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // gone or unreadable meanwhile: its parent's event (or the interval sync) covers it
    }
    for (const entry of entries) {
      if (this.#closed) return;
      if (!entry.isDirectory()) continue; // symbolic links are not followed
      const sub = join(dir, entry.name);
      if (this.#o.skipDir(sub) || this.#dirs.has(sub)) continue;
      if (!this.#tryWatch(sub)) return;
      await this.#scan(sub);
    }
  }

  /** False when the whole watch had to be given up (a limit was hit). */
  #tryWatch(dir: string): boolean {
    try {
      this.#watchDir(dir);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EMFILE' || code === 'ENFILE') {
        this.#fatal(err);
        return false;
      }
      // This one folder cannot be watched (gone meanwhile, unreadable, a path too long): the rest still is, and
      // the interval sync covers it.
      return true;
    }
  }

  #onDirEvent(dir: string, name: string | Buffer | null): void {
    if (this.#closed) return;
    if (name === null) {
      this.#o.onEvent(null);
      return;
    }
    const full = join(dir, String(name));
    // The root itself was deleted or moved away (inotify reports it under the root's own name): its watch is dead.
    if (dir === this.#root && String(name) === basename(dir)) void this.#checkRoot();
    const rel = relative(this.#root, full);
    this.#o.onEvent(rel);
    if (!this.#o.skipDir(full)) void this.#check(full);
  }

  async #checkRoot(): Promise<void> {
    const before = this.#rootIdentity;
    let now: string | null = null;
    try {
      const s = await stat(this.#root);
      now = `${s.dev}:${s.ino}:${s.birthtimeMs}`;
    } catch {
      // gone
    }
    if (now === null || now !== before)
      this.#fatal(Object.assign(new Error(`${this.#root} was removed or replaced`), { code: 'ENOENT' }));
  }

  /** A name changed in a watched folder: watch it if it is a new folder, forget it if it was a folder and is gone. */
  async #check(full: string): Promise<void> {
    let isDir = false;
    try {
      isDir = (await lstat(full)).isDirectory();
    } catch {
      // gone
    }
    if (this.#closed) return;
    if (!isDir) {
      this.#unwatch(full);
      return;
    }
    if (this.#dirs.has(full)) return;
    if (!this.#tryWatch(full)) return;
    // A folder moved in with contents: what is inside changed too (one event is enough, the sync reads the rest).
    this.#o.onEvent(relative(this.#root, full));
    await this.#scan(full);
  }

  #unwatch(dir: string): void {
    for (const [d, w] of this.#dirs) {
      if (d === dir || isInside(dir, d)) {
        w.close();
        this.#dirs.delete(d);
      }
    }
  }

  #fatal(err: unknown): void {
    if (this.#closed) return;
    this.close();
    this.#o.onError(err);
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== '..';
}

/**
 * `dev:ino:birthtime` of a folder (following a symbolic link, as fs.watch does), or null when it is gone. The
 * birth time tells a folder deleted and made again apart from the old one when the file system reuses the inode.
 */
function identityOf(dir: string): string | null {
  try {
    const s = statSync(dir);
    return `${s.dev}:${s.ino}:${s.birthtimeMs}`;
  } catch {
    return null;
  }
}
