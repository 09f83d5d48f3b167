/**
 * Whole-file reads and directory listings on one dedicated worker thread, for readTextFile and walkFiles.
 *
 * Why: with fs/promises a small file costs five thread-pool round trips (open, fstat, read, fstat, close), and on a
 * busy two-core machine their dispatch and completion cost the main thread ~100 µs a file — more than indexing the
 * file. Synchronous calls cost ~10 µs, but on the main thread a file on a stalled network mount, or a cloud
 * placeholder being downloaded on first read (iCloud, OneDrive), would freeze the app. Here the synchronous calls
 * run on a worker thread: the main thread pays a message per few files (SEND_BATCH) and never waits on the disk.
 *
 * The worker is a small CommonJS script evaluated from a string, so it needs no separate bundle entry (Electron,
 * the CLI, tsx and Vitest all run it as is). It starts on first use and exits after IDLE_MS without work; while no
 * read is pending it does not keep the process alive. If it dies, pending reads fail (E_READ: read again next sync)
 * and the next read starts a new one; if it cannot be started, or keeps dying, `usable` turns false and
 * readTextFile reads on the main thread's fs/promises instead.
 *
 * Stuck calls: one read that never returns (a hung network mount, a cloud placeholder whose download does not
 * progress) would hold every later read and listing, of every connector, behind it. The worker says in shared memory
 * which request it is on and bumps a counter as it makes progress; a watchdog (one interval per thread, not a timer
 * per request) fails a request that made no progress for `timeoutMs` with a ReadTimeoutError, abandons the thread
 * (a blocked system call cannot be interrupted: it is asked to stop and left to return when it can) and sends the
 * requests queued behind it to a new one. Files are opened with O_NONBLOCK and refused unless they are regular
 * files, so a FIFO, a socket or a device (swapped in after the walk saw a file) never blocks the thread at all.
 *
 * Listings (`listDir`): a no-change re-sync is a walk of the tree and nothing else, and with fs/promises it cost the
 * main thread a thread-pool round trip per file (the lstat) plus the wait for it. Here the worker lists a directory
 * and lstats its entries synchronously, and answers with up to LIST_CHUNK entries in one message: names joined by
 * NUL (no file name contains one) and the few stat fields the walk needs in a Float64Array (the same doubles
 * fs.Stats holds). A longer directory stays open on the worker and is continued with `moreDir`, so memory stays
 * bounded however large it is.
 */
import { constants, type Stats } from 'node:fs';
import { dirname, sep } from 'node:path';
import { Worker } from 'node:worker_threads';

/** What one read saw: the bytes (at most size + 1, so growth shows) and the file's stat before and after. */
export interface RawFileRead {
  bytes: Buffer;
  before: { size: number; mtimeMs: number };
  after: { size: number; mtimeMs: number };
}

/** The file is larger than the limit; nothing of it was read. */
export interface RawFileTooLarge {
  tooLarge: true;
  before: { size: number; mtimeMs: number };
}

type Request =
  | { op?: undefined; id: number; path: string; maxBytes: number }
  | { op: 'list'; id: number; path: string; statDirs: boolean; max: number }
  | { op: 'more'; id: number; handle: number; max: number }
  | { op: 'close'; id: number; handle: number };

/**
 * Part of a directory listing, in readdir order. Per entry `meta` holds LIST_FIELDS doubles: flags (bits 0–2 the
 * dirent type DT_*, bits 3–4 the name's encoding ENC_*, bits 5–7 the lstat result ST_*), size, mtimeMs, ino, dev
 * (the last four only when the entry was stat'ed).
 */
export interface DirChunk {
  /** Continues the listing with moreDir (when not done). */
  handle: number;
  done: boolean;
  count: number;
  /** Entry names joined by NUL. An undecodable name (ENC_UNDECODABLE) is given as its lossy UTF-8 rendering. */
  names: string;
  meta: Float64Array;
  /** lstat failures: [entry index, code, message]. */
  statErrors: [number, string | undefined, string][] | undefined;
  /** The listing failed after `count` entries (the directory is closed). */
  error: { code?: string; message: string } | undefined;
}

export const LIST_FIELDS = 5;
export const DT_UNKNOWN = 0;
export const DT_FILE = 1;
export const DT_DIR = 2;
export const DT_LINK = 3;
export const DT_FIFO = 4;
export const DT_SOCKET = 5;
export const DT_BLOCK = 6;
export const DT_CHAR = 7;
/** The name is ASCII (so already NFC). */
export const ENC_ASCII = 0;
/** Valid UTF-8 beyond ASCII. */
export const ENC_UTF8 = 1;
/** Not valid UTF-8. */
export const ENC_UNDECODABLE = 2;
/** Not stat'ed (directories when not asked for, undecodable names, devices, FIFOs, sockets). */
export const ST_NONE = 0;
export const ST_FILE = 1;
export const ST_DIR = 2;
export const ST_LINK = 3;
export const ST_OTHER = 4;
/** lstat failed: see statErrors. */
export const ST_ERROR = 5;

/** Entries per listing message. */
export const LIST_CHUNK = 512;

/** Why a read or a listing failed when the reason is the thread, not the file: the caller may fall back. */
export class ReaderThreadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReaderThreadError';
  }
}

/**
 * A request made no progress for the reader's timeout and was given up on, or was not tried because abandoned
 * threads are still stuck (MAX_STUCK_THREADS). Not a ReaderThreadError: falling back to fs/promises would wait on
 * the same stalled disk, with no bound at all.
 */
export class ReadTimeoutError extends Error {
  readonly code = 'E_READ_TIMEOUT';
  constructor(message: string) {
    super(message);
    this.name = 'ReadTimeoutError';
  }
}

/** What a path that is not a regular file is. */
export type SpecialFileKind = 'fifo' | 'socket' | 'device' | 'folder' | 'other';

const SPECIAL_FILE_WORDS: Record<SpecialFileKind, string> = {
  fifo: 'a named pipe (FIFO)',
  socket: 'a socket',
  device: 'a device',
  folder: 'a folder',
  other: 'a special file',
};

/** The E_NOT_REGULAR_FILE message, for the walker and for reads (the worker has them built in). */
export function notRegularFileMessage(kind: SpecialFileKind, viaLink = false): string {
  const what = SPECIAL_FILE_WORDS[kind];
  return viaLink
    ? `This link points to ${what}, not a regular file, so it is not indexed.`
    : `This is ${what}, not a regular file, so it is not indexed.`;
}

export function specialFileKind(
  st: Pick<Stats, 'isFIFO' | 'isSocket' | 'isDirectory' | 'isBlockDevice' | 'isCharacterDevice'>,
): SpecialFileKind {
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isDirectory()) return 'folder';
  return st.isBlockDevice() || st.isCharacterDevice() ? 'device' : 'other';
}

/**
 * How files are opened for reading. O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer
 * (the fstat that follows then refuses it); it changes nothing for regular files. Windows has no such flag and no
 * FIFOs in a folder.
 */
export const READ_OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

type Reply =
  | {
      id: number;
      buffer: ArrayBuffer;
      length: number;
      size: number;
      mtimeMs: number;
      afterSize: number;
      afterMtimeMs: number;
    }
  | { id: number; tooLarge: true; size: number; mtimeMs: number }
  | { id: number; error: { code?: string; message: string }; thread?: boolean }
  | {
      id: number;
      handle: number;
      done: boolean;
      count: number;
      names: string;
      meta: ArrayBuffer;
      statErrors?: [number, string | undefined, string][];
      listError?: { code?: string; message: string };
    };

type Waiter = { resolve: (r: never) => void; reject: (e: Error) => void; req: Request };

const IDLE_MS = 10_000;
/**
 * Requests go to the worker in messages of up to SEND_BATCH (more when they pile up within a turn of the event loop),
 * and it answers each message's reads in one message: a cold sync refills its read-ahead one file at a time, and
 * a message per file cost the main thread ~60–100 µs each on a busy 2-core machine (waking the worker, which then
 * took the core), more than parsing the file. Listings are answered one by one (see the worker's `reply`).
 */
const SEND_BATCH = 8;
/** The worker holds finished read replies at most this long for the rest of a message's requests (a stalled read). */
const REPLY_HOLD_MS = 4;
/** A worker that died this many times is not started again. */
const MAX_DEATHS = 3;
/**
 * How long one request may go without progress (a read's chunk, a listing's entry) before it is given up on. From a
 * local disk each step takes well under a millisecond; from a slow network share, up to seconds (a READ_CHUNK over a
 * 1 Mbit/s link: 8 s). Nothing for 30 s means a stuck call (a hung mount, a download that does not progress), which
 * would otherwise hold every file connector's sync forever; and 30 s keeps a sync that meets one such file short
 * enough to finish in reasonable time. A cloud placeholder that takes longer to download (the first read waits for
 * the whole file) is tried again on the next sync, by when the abandoned read has usually brought it in.
 */
export const REQUEST_TIMEOUT_MS = 30_000;
/** The watchdog looks this often (at most), so a stuck request fails within timeoutMs plus this. */
const WATCHDOG_MS = 1_000;
/**
 * Abandoned threads still blocked in their call: with this many, requests in the folder they got stuck in (the
 * deepest folder holding every stuck path: a dead network mount, say) fail at once instead of starting one more
 * thread (each holds several MB until its call returns, and a dead mount may hold them for good). Other folders
 * (local notes) are still read. With MAX_STUCK_THREADS_ANYWHERE, every request fails at once.
 */
const MAX_STUCK_THREADS = 3;
const MAX_STUCK_THREADS_ANYWHERE = 6;
/** A read asks for at most this many bytes per call, so a large file on a slow share shows progress as it comes. */
const READ_CHUNK = 1 << 20;

/**
 * Test-only: `JARVIS_SYNC_TEST_READ_STALL=<path substring>:<ms>` holds a matching file's read open that long between
 * reading it and its closing fstat, so the reliability suite's "file changed during the read" case does not depend
 * on how the OS schedules its writer thread (a listing of a matching folder waits that long before it starts). Read
 * once here; without the variable nothing changes.
 */
function readStallFromEnv(): { match: string; ms: number } | null {
  const m = /^(.+):(\d+)$/.exec(process.env.JARVIS_SYNC_TEST_READ_STALL ?? '');
  return m ? { match: m[1], ms: Math.min(Number(m[2]), 5_000) } : null;
}
const READ_STALL = readStallFromEnv();

const NOT_REGULAR_MESSAGES = Object.fromEntries(
  (Object.keys(SPECIAL_FILE_WORDS) as SpecialFileKind[]).map((kind) => [kind, notRegularFileMessage(kind)]),
);

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { sep } = require('node:path');
const stall = workerData.stall;
const openFlags = workerData.openFlags;
// [id of the request being served (0: none), progress counter]: the main thread's watchdog reads them.
const busy = workerData.busy;
const NOT_REGULAR = ${JSON.stringify(NOT_REGULAR_MESSAGES)};
const dirs = new Map();
// Replies to one message's reads travel together (one wake-up of the main thread, not one per file), unless a slow
// read would hold the others back. A listing's reply goes at once: it is ~1 ms of work (lstat of every entry), and
// the walk waits for the listings in order. Held for the rest of their message, the subfolders of each folder, asked
// for together, came back ~4 ms late: ~0.6 s of waiting in a no-change re-sync of 100,000 files in 1,111 folders.
let out = [];
let transfer = [];
let firstOutAt = 0;
function reply(msg, buffer) {
  if (out.length === 0) firstOutAt = Date.now();
  out.push(msg);
  if (buffer) transfer.push(buffer);
}
function flush() {
  if (out.length === 0) return;
  const msgs = out;
  const list = transfer;
  out = [];
  transfer = [];
  parentPort.postMessage(msgs, list);
}
function list(id, handle, dir, path, statDirs, max) {
  const names = [];
  const meta = new Float64Array(max * ${LIST_FIELDS});
  let statErrors;
  let listError;
  let done = false;
  let n = 0;
  try {
    while (n < max) {
      const d = dir.readSync();
      if (d === null) { done = true; break; }
      const raw = d.name;
      let ascii = true;
      for (let i = 0; i < raw.length; i++) if (raw[i] >= 0x80) { ascii = false; break; }
      let name;
      let enc = 0;
      if (ascii) name = raw.toString('latin1');
      else {
        name = raw.toString('utf8');
        // U+FFFD may be a real character in the name, so only a failed round-trip proves the bytes were invalid.
        enc = name.includes('\uFFFD') && !Buffer.from(name, 'utf8').equals(raw) ? 2 : 1;
      }
      const t = d.isFile() ? 1 : d.isDirectory() ? 2 : d.isSymbolicLink() ? 3 : d.isFIFO() ? 4 : d.isSocket() ? 5
        : d.isBlockDevice() ? 6 : d.isCharacterDevice() ? 7 : 0;
      let sk = 0;
      const o = n * ${LIST_FIELDS};
      if (enc !== 2 && (t === 1 || t === 3 || t === 0 || (t === 2 && statDirs))) {
        try {
          const st = fs.lstatSync(path + sep + name);
          sk = st.isSymbolicLink() ? 3 : st.isDirectory() ? 2 : st.isFile() ? 1 : 4;
          meta[o + 1] = st.size;
          meta[o + 2] = st.mtimeMs;
          meta[o + 3] = st.ino;
          meta[o + 4] = st.dev;
        } catch (err) {
          sk = 5;
          (statErrors || (statErrors = [])).push([n, err && err.code, String(err && err.message || err)]);
        }
      }
      meta[o] = t | (enc << 3) | (sk << 5);
      names.push(name);
      n++;
      Atomics.add(busy, 1, 1);
    }
  } catch (err) {
    listError = { code: err && err.code, message: String(err && err.message || err) };
    done = true;
  }
  if (done) {
    dirs.delete(handle);
    try { dir.closeSync(); } catch {}
  } else dirs.set(handle, { dir, path, statDirs });
  reply({ id, handle, done, count: n, names: names.join('\0'), meta: meta.buffer, statErrors, listError }, meta.buffer);
}
parentPort.on('message', (batch) => {
  for (const req of batch) {
    if (out.length > 0 && Date.now() - firstOutAt >= ${REPLY_HOLD_MS}) flush();
    Atomics.store(busy, 0, req.id);
    serve(req);
    if (req.op === 'list' || req.op === 'more') flush();
  }
  Atomics.store(busy, 0, 0);
  flush();
});
function serve(req) {
  if (req.op === 'list') {
    if (stall && req.path.includes(stall.match)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, stall.ms);
    let dir;
    try {
      dir = fs.opendirSync(req.path, { encoding: 'buffer', bufferSize: 128 });
    } catch (err) {
      return reply({ id: req.id, error: { code: err && err.code, message: String(err && err.message || err) } });
    }
    return list(req.id, req.id, dir, req.path, req.statDirs, req.max);
  }
  if (req.op === 'more') {
    const entry = dirs.get(req.handle);
    if (!entry) {
      return reply({ id: req.id, thread: true, error: { message: 'The listing was lost (the reader thread restarted).' } });
    }
    return list(req.id, req.handle, entry.dir, entry.path, entry.statDirs, req.max);
  }
  if (req.op === 'close') {
    const entry = dirs.get(req.handle);
    dirs.delete(req.handle);
    if (entry) try { entry.dir.closeSync(); } catch {}
    return;
  }
  const { id, path, maxBytes } = req;
  let fd = -1;
  try {
    fd = fs.openSync(path, openFlags);
    const before = fs.fstatSync(fd);
    if (!before.isFile()) {
      const kind = before.isFIFO() ? 'fifo' : before.isSocket() ? 'socket' : before.isDirectory() ? 'folder'
        : before.isBlockDevice() || before.isCharacterDevice() ? 'device' : 'other';
      return reply({ id, error: { code: 'E_NOT_REGULAR_FILE', message: NOT_REGULAR[kind] } });
    }
    if (before.size > maxBytes) return reply({ id, tooLarge: true, size: before.size, mtimeMs: before.mtimeMs });
    // One byte more than the size: a file that grew since the fstat reads longer, one that shrank shorter.
    const bytes = Buffer.allocUnsafeSlow(before.size + 1);
    let total = 0;
    while (total < bytes.length) {
      const n = fs.readSync(fd, bytes, total, Math.min(bytes.length - total, ${READ_CHUNK}), total);
      if (n === 0) break;
      total += n;
      Atomics.add(busy, 1, 1);
    }
    if (stall && path.includes(stall.match)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, stall.ms);
    const after = fs.fstatSync(fd);
    reply(
      { id, buffer: bytes.buffer, length: total, size: before.size, mtimeMs: before.mtimeMs, afterSize: after.size, afterMtimeMs: after.mtimeMs },
      bytes.buffer,
    );
  } catch (err) {
    reply({ id, error: { code: err && err.code, message: String(err && err.message || err) } });
  } finally {
    if (fd >= 0) try { fs.closeSync(fd); } catch {}
  }
}
`;

/**
 * Abandoned workers of every FileReadThread still blocked in their call, with the path each is stuck on (null:
 * unknown). Node joins every worker thread when the process exits, so while one is here the process cannot end the
 * usual way (see core/blocked-exit.ts).
 */
const blockedEverywhere = new Map<Worker, string | null>();

/** The paths abandoned reader threads are still blocked on, in this process (null: unknown). */
export function blockedReaderThreads(): (string | null)[] {
  return [...blockedEverywhere.values()];
}

export class FileReadThread {
  /** Test hook: a read (or listing) stall like JARVIS_SYNC_TEST_READ_STALL's (which is the default). */
  #stall: { match: string; ms: number } | null;
  /** Test hook: READ_OPEN_FLAGS without O_NONBLOCK makes reading a FIFO block in open(), as a hung mount would. */
  readonly #openFlags: number;
  /** REQUEST_TIMEOUT_MS; shorter in tests. */
  #timeoutMs: number;
  #worker: Worker | null = null;
  /** The worker's [request being served, progress counter] (see WORKER_SOURCE). */
  #busy = new Int32Array(new SharedArrayBuffer(8));
  #watchdog: ReturnType<typeof setInterval> | null = null;
  /** What the watchdog saw last: request, progress, and since when. */
  #watched = { id: 0, progress: 0, since: 0 };
  /** Abandoned workers whose stuck call has not returned yet, with the path each is stuck on (null: unknown). */
  #stuck = new Map<Worker, string | null>();
  #pending = new Map<number, Waiter>();
  #queued: Request[] = [];
  #nextId = 1;
  #idleTimer: ReturnType<typeof setTimeout> | null = null;
  #deaths = 0;
  #broken = false;
  /** Listings left open on the worker (handles): it is not stopped for being idle while there are any. */
  #openLists = new Set<number>();

  constructor(opts: { stall?: { match: string; ms: number }; timeoutMs?: number; openFlags?: number } = {}) {
    this.#stall = opts.stall ?? READ_STALL;
    this.#openFlags = opts.openFlags ?? READ_OPEN_FLAGS;
    this.#timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;
  }

  /**
   * Test hook for the process-wide reader, whose constructor a test does not call: its options, from the next
   * thread it starts (close it first).
   */
  setTestOptions(opts: { stall?: { match: string; ms: number } | null; timeoutMs?: number }): void {
    if (opts.stall !== undefined) this.#stall = opts.stall;
    if (opts.timeoutMs !== undefined) this.#timeoutMs = opts.timeoutMs;
  }

  /** False once the worker could not be started or died MAX_DEATHS times. */
  get usable(): boolean {
    return !this.#broken;
  }

  /**
   * Reads the whole file at `path` unless it is larger than `maxBytes`. Rejects with the fs error (its `code`),
   * E_NOT_REGULAR_FILE for a FIFO, socket, device or folder, or a ReadTimeoutError.
   */
  read(path: string, maxBytes: number): Promise<RawFileRead | RawFileTooLarge> {
    return this.#request<RawFileRead | RawFileTooLarge>((id) => ({ id, path, maxBytes }));
  }

  /**
   * Lists the directory at `path` (readdir order) and lstats its files, links and entries of unknown type (and its
   * directories when `statDirs`): the first LIST_CHUNK entries; continue with moreDir(chunk.handle) until `done`,
   * or closeDir. Rejects with the fs error (its `code`) when the directory cannot be opened, with a ReadTimeoutError
   * when it is stuck, and with a ReaderThreadError when the thread failed.
   */
  listDir(path: string, statDirs: boolean): Promise<DirChunk> {
    return this.#request<DirChunk>((id) => ({ op: 'list', id, path, statDirs, max: LIST_CHUNK }));
  }

  /** The next entries of a listing that is not done. */
  moreDir(handle: number): Promise<DirChunk> {
    return this.#request<DirChunk>((id) => ({ op: 'more', id, handle, max: LIST_CHUNK }));
  }

  /** Abandons a listing that is not done. */
  closeDir(handle: number): void {
    if (!this.#openLists.delete(handle) || this.#worker === null) return;
    // An id of its own, so the watchdog can tell a close that hangs (on a stalled mount) from an idle thread.
    this.#enqueue({ op: 'close', id: this.#nextId++, handle });
  }

  /**
   * Starts the worker ahead of its first request (it takes a few tens of milliseconds to boot), e.g. while a sync
   * loads its manifest. It exits again after IDLE_MS if nothing comes.
   */
  warm(): void {
    if (this.#broken || this.#worker !== null || this.#stuck.size >= MAX_STUCK_THREADS_ANYWHERE) return;
    try {
      this.#start();
    } catch {
      this.#broken = true;
      return;
    }
    if (this.#pending.size === 0) this.#idle();
  }

  /** Stops the worker now; pending reads fail. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#drop();
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    this.#failAll(new ReaderThreadError('The file reader was closed.'));
    if (worker) await worker.terminate();
  }

  #request<T>(make: (id: number) => Request): Promise<T> {
    if (this.#broken) return Promise.reject(new ReaderThreadError('The file reader thread is not available.'));
    return new Promise<T>((resolve, reject) => {
      const id = this.#nextId++;
      const req = make(id);
      this.#pending.set(id, { resolve: resolve, reject, req });
      this.#enqueue(req);
    });
  }

  /** A send is scheduled: on a microtask (soon) or on the next turn of the event loop (coalescing). */
  #sendScheduled: 'soon' | 'turn' | null = null;

  /**
   * Queues a request for the next message. A lone request (nothing else in flight) or a full batch goes on a
   * microtask, so a single read or the next listing of a walk waits for nothing; otherwise the worker still has
   * replies to give, and requests made meanwhile are gathered until the event loop turns.
   */
  #enqueue(req: Request): void {
    this.#queued.push(req);
    if (this.#sendScheduled === 'soon') return;
    const inFlight = this.#pending.size - this.#queued.length;
    if (this.#queued.length >= SEND_BATCH || inFlight <= 0) {
      this.#sendScheduled = 'soon';
      queueMicrotask(() => this.#send());
    } else if (this.#sendScheduled === null) {
      this.#sendScheduled = 'turn';
      setImmediate(() => this.#send());
    }
  }

  #send(): void {
    this.#sendScheduled = null;
    let batch = this.#queued;
    this.#queued = [];
    if (batch.length === 0) return;
    if (this.#stuck.size >= MAX_STUCK_THREADS) {
      const refused = batch.filter((req) => this.#nearStuck(req));
      for (const req of refused) this.#reject(req, stuckError(req, this.#stuck.size));
      batch = batch.filter((req) => !refused.includes(req));
      if (batch.length === 0) return;
    }
    let worker: Worker;
    try {
      worker = this.#start();
    } catch (err) {
      this.#broken = true;
      const failure = new ReaderThreadError(`The file reader thread could not start: ${String(err)}`);
      for (const req of batch) this.#reject(req, failure);
      return;
    }
    if (this.#pending.size > 0) {
      if (this.#idleTimer) clearTimeout(this.#idleTimer);
      this.#idleTimer = null;
      worker.ref();
    }
    worker.postMessage(batch);
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const busy = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      name: 'jarvis-file-reader',
      workerData: { stall: this.#stall, openFlags: this.#openFlags, busy },
    });
    worker.on('message', (replies: Reply[]) => {
      // An abandoned worker's late answers: its requests were sent again to the one that replaced it.
      if (this.#worker !== worker) return;
      for (const reply of replies) this.#settle(reply);
    });
    worker.on('error', (err) =>
      this.#died(worker, new ReaderThreadError(`The file reader thread failed: ${err.message}`)),
    );
    worker.on('exit', (code) => {
      this.#stuck.delete(worker);
      blockedEverywhere.delete(worker);
      this.#died(worker, new ReaderThreadError(`The file reader thread stopped (exit code ${code}).`));
    });
    this.#worker = worker;
    this.#busy = busy;
    this.#watched = { id: 0, progress: 0, since: 0 };
    this.#watchdog = setInterval(() => this.#watch(), Math.min(WATCHDOG_MS, this.#timeoutMs / 4));
    this.#watchdog.unref();
    return worker;
  }

  /** Whether `req` is to fail at once, because reads got stuck where it would read (MAX_STUCK_THREADS). */
  #nearStuck(req: Request): boolean {
    if (this.#stuck.size >= MAX_STUCK_THREADS_ANYWHERE) return true;
    // A continued or closed listing belongs to the live thread; only new paths are judged.
    if (req.op === 'more' || req.op === 'close') return false;
    const zone = commonFolder([...this.#stuck.values()]);
    return zone === null || req.path === zone || req.path.startsWith(zone.endsWith(sep) ? zone : zone + sep);
  }

  /** Gives up on the request the worker is on when it has made no progress for timeoutMs. */
  #watch(): void {
    const id = Atomics.load(this.#busy, 0);
    const progress = Atomics.load(this.#busy, 1);
    const seen = this.#watched;
    // A monotonic clock: one that jumps (the wall clock after a laptop slept) would time out a read that was fine.
    const now = performance.now();
    if (id === 0 || id !== seen.id || progress !== seen.progress) {
      this.#watched = { id, progress, since: now };
      return;
    }
    if (now - seen.since < this.#timeoutMs) return;
    const worker = this.#worker!;
    this.#drop();
    const stuck = this.#pending.get(id);
    const stuckReq = stuck?.req;
    const stuckOn = stuckReq && 'path' in stuckReq ? stuckReq.path : null;
    this.#stuck.set(worker, stuckOn);
    blockedEverywhere.set(worker, stuckOn);
    // terminate() cannot interrupt a blocked system call: the thread ends once the call returns, and does not hold
    // the event loop meanwhile.
    worker.unref();
    void worker.terminate();
    this.#pending.delete(id);
    const queued = new Set(this.#queued);
    // Everything the worker had not answered goes to a new one; listings it held open are gone with it.
    const resend = [...this.#pending.values()].map((w) => w.req).filter((req) => !queued.has(req));
    this.#openLists.clear();
    if (stuck) stuck.reject(timeoutError(stuck.req, this.#timeoutMs));
    if (resend.length > 0) {
      this.#queued = [...resend, ...this.#queued];
      if (this.#sendScheduled === null) {
        this.#sendScheduled = 'soon';
        queueMicrotask(() => this.#send());
      }
    }
  }

  /** Forgets the current worker (and stops watching it). */
  #drop(): void {
    this.#worker = null;
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#watchdog = null;
  }

  #reject(req: Request, err: Error): void {
    const waiter = this.#pending.get(req.id);
    this.#pending.delete(req.id);
    waiter?.reject(err);
  }

  #settle(reply: Reply): void {
    const waiter = this.#pending.get(reply.id);
    this.#pending.delete(reply.id);
    if ('handle' in reply) {
      if (reply.done) this.#openLists.delete(reply.handle);
      else this.#openLists.add(reply.handle);
    }
    if (this.#pending.size === 0) this.#idle();
    if (!waiter) {
      // Nobody waits for this listing any more (closed, or the thread restarted): let the worker close it.
      if ('handle' in reply && !reply.done) this.closeDir(reply.handle);
      return;
    }
    if ('error' in reply) {
      const { code, message } = reply.error;
      waiter.reject(
        reply.thread ? new ReaderThreadError(message) : Object.assign(new Error(message), code ? { code } : {}),
      );
    } else if ('tooLarge' in reply) {
      waiter.resolve({ tooLarge: true, before: { size: reply.size, mtimeMs: reply.mtimeMs } } as never);
    } else if ('handle' in reply) {
      const chunk: DirChunk = {
        handle: reply.handle,
        done: reply.done,
        count: reply.count,
        names: reply.names,
        meta: new Float64Array(reply.meta),
        statErrors: reply.statErrors,
        error: reply.listError,
      };
      waiter.resolve(chunk as never);
    } else {
      waiter.resolve({
        bytes: Buffer.from(reply.buffer, 0, reply.length),
        before: { size: reply.size, mtimeMs: reply.mtimeMs },
        after: { size: reply.afterSize, mtimeMs: reply.afterMtimeMs },
      } as never);
    }
  }

  /** Nothing pending: the worker no longer holds the process open, and exits if it stays unused. */
  #idle(): void {
    const worker = this.#worker;
    if (!worker) return;
    worker.unref();
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.#pending.size > 0 || this.#worker !== worker) return;
      // A walk that paused mid-directory (its consumer is busy) continues that listing later.
      if (this.#openLists.size > 0) return this.#idle();
      this.#drop();
      void worker.terminate();
    }, IDLE_MS);
    this.#idleTimer.unref();
  }

  #died(worker: Worker, err: Error): void {
    if (this.#worker !== worker) return;
    this.#drop();
    if (++this.#deaths >= MAX_DEATHS) this.#broken = true;
    this.#failAll(err);
  }

  #failAll(err: Error): void {
    const waiters = [...this.#pending.values()];
    this.#pending.clear();
    this.#queued = [];
    this.#openLists.clear();
    for (const w of waiters) w.reject(err);
  }
}

function timeoutError(req: Request, timeoutMs: number): ReadTimeoutError {
  const seconds = `${timeoutMs >= 10_000 ? Math.round(timeoutMs / 1000) : timeoutMs / 1000} s`;
  return new ReadTimeoutError(
    req.op === undefined
      ? `Reading this file made no progress for ${seconds} (a stalled network drive, or a cloud file still being ` +
          'downloaded?). Its last indexed version is kept, and it is tried again on the next sync.'
      : `Listing this folder made no progress for ${seconds} (a stalled network drive?). What was indexed under it ` +
          'is kept, and it is tried again on the next sync.',
  );
}

/** The deepest folder that holds every path (null if one is unknown, or they share none but the root). */
function commonFolder(paths: (string | null)[]): string | null {
  if (paths.length === 0 || paths.some((p) => p === null)) return null;
  let common = dirname(paths[0]!);
  for (const p of paths) {
    while (!(p!.startsWith(common.endsWith(sep) ? common : common + sep) || p === common)) {
      const up = dirname(common);
      if (up === common) return null;
      common = up;
    }
  }
  return dirname(common) === common ? null : common;
}

function stuckError(req: Request, stuck: number): ReadTimeoutError {
  const reader = `the file reader is still stuck on ${stuck} earlier files or folders (a stalled network drive?)`;
  return new ReadTimeoutError(
    req.op === undefined
      ? `Not read: ${reader}. Its last indexed version is kept, and it is tried again on the next sync.`
      : `Not listed: ${reader}. What was indexed under it is kept, and it is tried again on the next sync.`,
  );
}

/** The process-wide reader. */
export const fileReadThread = new FileReadThread();
