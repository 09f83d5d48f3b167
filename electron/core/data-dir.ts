/**
 * The data folder: where the index, settings and connectors live, and the lock that keeps two processes
 * (the desktop app, a daemon, a CLI `sync`) from writing it at once.
 */
import {
  chmodSync,
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statfsSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { homedir, hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

export const PRODUCT_NAME = 'Jarvis Sync';

/**
 * The per-user folder Electron's `app.getPath('userData')` gives for our product name, so the CLI, the daemon
 * and the desktop app share one index by default.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.JARVIS_SYNC_DATA_DIR) return env.JARVIS_SYNC_DATA_DIR;
  const home = env.HOME ?? homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', PRODUCT_NAME);
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), PRODUCT_NAME);
}

/**
 * Creates the data folder readable by its owner only, and tightens one that other users can read (older versions
 * left it at the umask's 0755). The index holds the text of the user's notes and mail, and SQLite creates its files
 * with the umask's mode (0644): the folder's mode is what keeps other local users out. Best effort on a folder owned
 * by someone else, and on Windows, where modes do not apply (the per-user profile folder protects it there).
 */
export function ensurePrivateDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  try {
    const st = statSync(dataDir);
    if ((st.mode & 0o077) !== 0 && st.uid === process.getuid?.()) chmodSync(dataDir, st.mode & 0o700);
  } catch {
    // Not ours to change (a shared or read-only folder): it works as before.
  }
}

export function dataPaths(dataDir: string) {
  return {
    dataDir,
    db: join(dataDir, 'index.sqlite'),
    settings: join(dataDir, 'settings.json'),
    connectors: join(dataDir, 'connectors.json'),
    lock: join(dataDir, 'jarvis-sync.lock'),
  };
}

export type LockOwner = 'desktop' | 'daemon' | 'cli';

export interface LockInfo {
  pid: number;
  owner: LockOwner;
  host: string;
  startedAt: number;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly holder: LockInfo,
    readonly dataDir: string,
  ) {
    const who =
      holder.owner === 'desktop'
        ? 'the Jarvis Sync desktop app'
        : holder.owner === 'daemon'
          ? 'a Jarvis Sync daemon (jarvis-sync serve)'
          : 'another jarvis-sync command';
    super(
      `The data folder ${dataDir} is in use by ${who} (pid ${holder.pid}). Only one process may write it at a time: ` +
        'use that one, or stop it first. Read-only commands (status, list, search, errors) still work.',
    );
    this.name = 'DataDirLockedError';
  }
}

/**
 * The data folder's disk is full (or the user's quota used up): nothing can be written there, not even the lock. Said
 * in plain words instead of a raw ENOSPC, with what to do; reading commands still answer from the index.
 */
export class DataDirFullError extends Error {
  readonly code = 'ENOSPC';
  constructor(
    readonly dataDir: string,
    cause?: unknown,
  ) {
    const code = (cause as { code?: unknown } | null | undefined)?.code;
    super(
      `The disk holding the data folder ${dataDir} is full${typeof code === 'string' ? ` (${code})` : ''}: free some ` +
        'space on it, then try again. Read-only commands (status, list, search, errors) still work.',
      { cause },
    );
    this.name = 'DataDirFullError';
  }
}

/** Below this much free space, an I/O error writing the data folder is put down to a full disk. */
const NEARLY_FULL_BYTES = 1024 * 1024;

/**
 * True when `err` means the disk holding `dir` is full: ENOSPC, a used-up quota, SQLITE_FULL, or an SQLite I/O error
 * (SQLite reports a -shm file it could not extend as SQLITE_IOERR_SHMSIZE) while the disk has next to no space left.
 */
export function isDiskFull(err: unknown, dir: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return true;
  if (!code.startsWith('SQLITE_IOERR')) return false;
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize < NEARLY_FULL_BYTES;
  } catch {
    return false;
  }
}

export interface DataDirLock {
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isYoung(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < 2000;
  } catch {
    return false;
  }
}

function readLock(path: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    if (typeof info.pid !== 'number') return null;
    return { pid: info.pid, owner: info.owner ?? 'cli', host: info.host ?? '', startedAt: info.startedAt ?? 0 };
  } catch {
    return null;
  }
}

/**
 * The process on this machine that holds the data folder's lock (the app, a daemon, a CLI sync), or null when none
 * does or its holder no longer runs. Read-only commands ask, to say that the state they read is being changed.
 */
export function dataDirWriter(dataDir: string): LockInfo | null {
  const info = readLock(dataPaths(dataDir).lock);
  if (!info || info.host !== hostname() || info.pid === process.pid || !isAlive(info.pid)) return null;
  return info;
}

/**
 * True unless the data folder is known to have no writer: its lock is missing, or was left by a process of this
 * machine that no longer runs. A lock that cannot be read, another machine's (a shared folder) and this process's
 * own count as a writer. For a reader that must be sure the index does not change while it reads it without locks.
 */
export function dataDirMayHaveWriter(dataDir: string): boolean {
  const path = dataPaths(dataDir).lock;
  try {
    statSync(path);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
  const info = readLock(path);
  if (info === null) return true;
  return info.host !== hostname() || info.pid === process.pid || isAlive(info.pid);
}

/** link() is not supported where these come back (FAT, some network shares): the lock is created, then written. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Creates the lock file holding `content`, or returns false when it exists. Written to a file of its own first and
 * linked into place, so the lock never exists empty: a process killed between creating and writing it left an empty
 * lock, which the next start took for one being written by a live process and refused (a SIGKILL test caught it).
 */
function createLockFile(path: string, content: string): boolean {
  const staging = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(staging, content, { mode: 0o600 });
    try {
      linkSync(staging, path);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'EEXIST') return false;
      if (!NO_HARD_LINKS.has(code)) throw err;
    }
  } finally {
    try {
      unlinkSync(staging);
    } catch {
      // Not written, or gone.
    }
  }
  try {
    const fd = openSync(path, 'wx');
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** A process killed between writing its staging file and linking it leaves it behind: removed by the next holder. */
function removeStagingFilesOfDeadProcesses(path: string): void {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  try {
    for (const name of readdirSync(dir)) {
      const pid = name.startsWith(prefix) ? /^(\d+)\.tmp$/.exec(name.slice(prefix.length))?.[1] : undefined;
      if (pid === undefined || Number(pid) === process.pid || isAlive(Number(pid))) continue;
      try {
        unlinkSync(join(dir, name));
      } catch {
        // Gone meanwhile.
      }
    }
  } catch {
    // An unlistable folder: the lock still holds, only a stray file stays.
  }
}

/** How long an empty lock file may stay empty before it counts as left by a process killed while creating it. */
const EMPTY_LOCK_GRACE_MS = 1000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Takes the data folder's lock or throws DataDirLockedError (DataDirFullError when its disk is full). A lock left by a
 * process that no longer runs (killed, crashed, machine restarted) is taken over, so it never blocks the next start.
 */
export function acquireDataDirLock(dataDir: string, owner: LockOwner): DataDirLock {
  try {
    return takeLock(dataDir, owner);
  } catch (err) {
    if (isDiskFull(err, dataDir)) throw new DataDirFullError(dataDir, err);
    throw err;
  }
}

function takeLock(dataDir: string, owner: LockOwner): DataDirLock {
  ensurePrivateDataDir(dataDir);
  const path = dataPaths(dataDir).lock;
  const mine: LockInfo = { pid: process.pid, owner, host: hostname(), startedAt: Date.now() };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createLockFile(path, JSON.stringify(mine))) {
      removeStagingFilesOfDeadProcesses(path);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          const current = readLock(path);
          if (current?.pid === mine.pid && current.startedAt === mine.startedAt) {
            try {
              unlinkSync(path);
            } catch {
              // Already gone.
            }
          }
        },
      };
    }
    let holder = readLock(path);
    if (holder === null && isYoung(path)) {
      // Empty or unreadable and just made: a process without hard links (or an older version) between creating and
      // writing it, which takes microseconds; still so a second later, its creator was killed in between.
      sleepSync(EMPTY_LOCK_GRACE_MS);
      holder = readLock(path);
    }
    // Held unless it is gone from this machine's processes (another host's lock is trusted: a shared folder).
    if (holder !== null && (holder.host !== mine.host || isAlive(holder.pid)))
      throw new DataDirLockedError(holder, dataDir);
    try {
      unlinkSync(path);
    } catch {
      // Someone else removed it first; retry the exclusive create.
    }
  }
  const holder = readLock(path);
  throw new DataDirLockedError(holder ?? { pid: -1, owner: 'cli', host: '', startedAt: 0 }, dataDir);
}
