/**
 * WAL checkpoints on a worker thread, off the writer's commit path.
 *
 * Why: with SQLite's automatic checkpoint the commit that pushes the WAL past 1,000 pages copies them into the
 * database file and syncs it, on the committing thread — the main thread. A cold sync pays that every few batches
 * (single commits of 40–80 ms). Here the writer connection sets `wal_autocheckpoint` to a hard cap instead, and a
 * second connection on a worker thread runs `wal_checkpoint(PASSIVE)` right after the commit that brings the WAL
 * to about CHECKPOINT_PAGES new pages. A passive checkpoint never takes the writer lock, so commits on the main
 * thread go on while it copies; once it has copied everything, the writer's next transaction starts the WAL from
 * the beginning again (and `journal_size_limit` trims the file). After IDLE_MS without commits the worker runs a
 * passive checkpoint and, if that caught up, a TRUNCATE one, so an idle app leaves an empty WAL.
 *
 * Bounds: the WAL cannot grow without limit even if the worker is stuck or slow: past WAL_HARD_CAP_PAGES SQLite's
 * own automatic checkpoint on the writer connection takes over (the same passive checkpoint it always ran, just
 * later). The worker starts only once the WAL holds START_BYTES (small stores never start it). If it cannot start,
 * or fails MAX_FAILURES times, the writer goes back to SQLite's default automatic checkpoint (1,000 pages) and the
 * failure is logged; a sync never fails for it.
 *
 * The worker is a small CommonJS script evaluated from a string (like the file reader thread), so it needs no
 * bundle entry; it loads better-sqlite3 from the absolute path resolved here, so it does not depend on the working
 * directory. It never keeps the process alive. close() asks it to close its connection and waits (bounded) until it
 * has — after the checkpoint it is running — so the writer's connection is the last one and removes the WAL.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Logger } from '../../shared/logger.js';

/** SQLite's default automatic checkpoint, used when the worker is not available. */
export const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/** The writer's own automatic checkpoint while the worker is in charge: only a worker that falls behind hits it. */
export const WAL_HARD_CAP_PAGES = 16_384;
/** The WAL file is trimmed to this size when the writer starts it over after a complete checkpoint. */
const JOURNAL_SIZE_LIMIT_BYTES = 16 << 20;
/** The worker starts once the WAL file holds this much (checked at commits until then). */
const START_BYTES = 1 << 20;
/**
 * A passive checkpoint is asked for after the commit that brings the WAL to about this many new pages (16 MB): the
 * pages a commit adds are estimated from what the previous checkpoints found. SQLite's own default is 1,000, but a
 * bulk sync rewrites the same pages commit after commit (the full-text index's structure and the right edges of
 * every B-tree), and each checkpoint copies them again and syncs the file: 4,000 made a cold sync of 5,000 notes
 * ~9 % faster in alternating runs; 8,000 gained nothing more.
 */
const CHECKPOINT_PAGES = 4000;
/** Until there is an estimate, and at least this often while commits come: one checkpoint per interval. */
const CHECKPOINT_INTERVAL_MS = 100;
const MAX_CHECKPOINT_INTERVAL_MS = 1_000;
/** No commit for this long: checkpoint what is left and truncate the WAL. */
const IDLE_MS = 2_000;
/** How long close() waits for the worker to finish its checkpoint and close its connection. */
const CLOSE_WAIT_MS = 2_000;
/** Start failures, deaths and checkpoint errors (in a row) before falling back to the automatic checkpoint. */
const MAX_FAILURES = 3;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const stopped = new Int32Array(workerData.stopped);
let db = null;
function stop() {
  try { if (db) db.close(); } catch {}
  db = null;
  Atomics.store(stopped, 0, 1);
  Atomics.notify(stopped, 0);
  parentPort.close();
}
function checkpoint(mode) {
  const r = db.pragma('wal_checkpoint(' + mode + ')')[0];
  return { busy: r.busy, log: r.log, checkpointed: r.checkpointed };
}
try {
  const Database = require(workerData.driver);
  // No busy wait: a checkpoint that meets the writer gives up (busy = 1) rather than block it.
  db = new Database(workerData.file, { fileMustExist: true, timeout: 0 });
  parentPort.on('message', (msg) => {
    if (msg.type === 'close') return stop();
    const started = Date.now();
    try {
      const passive = checkpoint('PASSIVE');
      let truncated = false;
      if (msg.truncate && passive.busy === 0 && passive.log === passive.checkpointed) {
        truncated = checkpoint('TRUNCATE').busy === 0;
      }
      parentPort.postMessage({ type: 'done', ...passive, truncated, ms: Date.now() - started });
    } catch (err) {
      parentPort.postMessage({ type: 'error', code: err && err.code, message: String((err && err.message) || err) });
    }
  });
  parentPort.postMessage({ type: 'ready' });
} catch (err) {
  parentPort.postMessage({ type: 'failed', message: String((err && err.message) || err) });
  stop();
}
`;

type Reply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'error'; code?: string; message: string }
  | { type: 'done'; busy: number; log: number; checkpointed: number; truncated: boolean; ms: number };

export interface CheckpointerStats {
  /** 'worker' while the worker is (or will be) in charge, 'fallback' after it failed: SQLite's own checkpoint. */
  mode: 'worker' | 'fallback';
  started: boolean;
  /** Checkpoints the worker completed (passive; a truncation counts in `truncations` too). */
  checkpoints: number;
  truncations: number;
  /** Frames copied into the database file by the worker, summed over its checkpoints. */
  framesCheckpointed: number;
}

export interface CheckpointerOptions {
  /** Test hook: the worker "cannot start" (as if the Worker constructor threw). */
  failWorkerStart?: boolean;
  /** Test hook: how long without commits before the idle pass (default IDLE_MS). */
  idleMs?: number;
  /** Test hook: the module the worker loads instead of better-sqlite3 (absolute path). */
  driver?: string;
}

let driverPath: string | null = null;
function resolveDriver(): string {
  driverPath ??= createRequire(import.meta.url).resolve('better-sqlite3');
  return driverPath;
}

export class WalCheckpointer {
  readonly #file: string;
  readonly #db: Database.Database;
  readonly #log: Logger;
  readonly #opts: CheckpointerOptions;
  readonly #idleMs: number;
  #worker: Worker | null = null;
  #stopped: Int32Array | null = null;
  #inFlight = false;
  #lastRequestAt = 0;
  #commitsSinceRequest = 0;
  /** Commits the running checkpoint covers (those before it was asked for). */
  #commitsInRequest = 0;
  /** Estimated WAL pages a commit adds; 0 until a checkpoint reported. */
  #pagesPerCommit = 0;
  /** The previous checkpoint copied the whole WAL, so the writer started it over and `log` counts new pages. */
  #caughtUp = false;
  #lastCommitAt = 0;
  /** Commits since the last truncation: the idle pass has work. */
  #dirty = false;
  #idleTimer: ReturnType<typeof setTimeout> | null = null;
  #failures = 0;
  #fallback = false;
  #closing = false;
  #stats = { checkpoints: 0, truncations: 0, framesCheckpointed: 0 };

  /** Takes over the checkpoints of `db`, the store's writer connection to `file` (in WAL mode). */
  constructor(file: string, db: Database.Database, log: Logger, opts: CheckpointerOptions = {}) {
    this.#file = file;
    this.#db = db;
    this.#log = log;
    this.#opts = opts;
    this.#idleMs = opts.idleMs ?? IDLE_MS;
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
    db.pragma(`wal_autocheckpoint = ${WAL_HARD_CAP_PAGES}`);
  }

  get stats(): CheckpointerStats {
    return { mode: this.#fallback ? 'fallback' : 'worker', started: this.#worker !== null, ...this.#stats };
  }

  /** Called after each commit of a write transaction. Cheap: a clock read, and a stat until the worker runs. */
  afterCommit(): void {
    if (this.#fallback || this.#closing) return;
    const now = Date.now();
    this.#lastCommitAt = now;
    this.#dirty = true;
    if (!this.#worker) {
      if (walBytes(this.#file) < START_BYTES || !this.#start()) return;
    }
    if (!this.#idleTimer) this.#armIdle(this.#idleMs);
    this.#commitsSinceRequest++;
    if (this.#inFlight) return;
    const since = now - this.#lastRequestAt;
    const due =
      this.#pagesPerCommit > 0
        ? this.#commitsSinceRequest * this.#pagesPerCommit >= CHECKPOINT_PAGES || since >= MAX_CHECKPOINT_INTERVAL_MS
        : since >= CHECKPOINT_INTERVAL_MS;
    if (due) this.#request(false);
  }

  /** Asks the worker to close its connection after the checkpoint it is running; see waitStopped(). */
  requestStop(): void {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    this.#worker?.postMessage({ type: 'close' });
  }

  /**
   * Waits (at most CLOSE_WAIT_MS, blocking) until the worker closed its connection, then lets the thread go.
   * Synchronous, because the store's close() is: the writer's connection must be the last one to close.
   */
  waitStopped(): void {
    this.requestStop();
    const worker = this.#worker;
    const stopped = this.#stopped;
    this.#worker = null;
    if (!worker || !stopped) return;
    try {
      if (Atomics.wait(stopped, 0, 0, CLOSE_WAIT_MS) === 'timed-out') {
        this.#log.warn('store: the checkpoint thread did not stop in time; the WAL stays until the next start');
      }
    } catch (err) {
      // A host that forbids blocking waits on this thread: the worker still closes, just after us.
      this.#log.debug('store: cannot wait for the checkpoint thread', String(err));
    }
    worker.removeAllListeners();
    worker.on('error', () => {});
    void worker.terminate().catch(() => {});
  }

  #start(): boolean {
    try {
      if (this.#opts.failWorkerStart) throw new Error('worker start disabled (test option)');
      const stoppedBuffer = new SharedArrayBuffer(4);
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        name: 'jarvis-wal-checkpoint',
        workerData: { file: this.#file, driver: this.#opts.driver ?? resolveDriver(), stopped: stoppedBuffer },
      });
      worker.unref();
      worker.on('message', (reply: Reply) => this.#onReply(worker, reply));
      worker.on('error', (err) => this.#died(worker, err.message));
      worker.on('exit', (code) => this.#died(worker, `exit code ${code}`));
      this.#worker = worker;
      this.#stopped = new Int32Array(stoppedBuffer);
      this.#inFlight = false;
      return true;
    } catch (err) {
      this.#fail(`could not start the checkpoint thread: ${err instanceof Error ? err.message : String(err)}`, true);
      return false;
    }
  }

  #request(truncate: boolean): void {
    const worker = this.#worker;
    if (!worker) return;
    this.#inFlight = true;
    this.#lastRequestAt = Date.now();
    this.#commitsInRequest = this.#commitsSinceRequest;
    this.#commitsSinceRequest = 0;
    worker.postMessage({ type: 'checkpoint', truncate });
  }

  #onReply(worker: Worker, reply: Reply): void {
    if (worker !== this.#worker) return;
    switch (reply.type) {
      case 'ready':
        return;
      case 'failed':
        this.#worker = null;
        this.#fail(`the checkpoint thread could not open the index: ${reply.message}`, true);
        return;
      case 'error':
        this.#inFlight = false;
        this.#fail(`a checkpoint failed: ${reply.code ?? ''} ${reply.message}`.replace(/\s+/g, ' '), false);
        return;
      case 'done':
        this.#inFlight = false;
        this.#failures = 0;
        this.#stats.checkpoints++;
        this.#stats.framesCheckpointed += Math.max(0, reply.checkpointed);
        if (this.#caughtUp && this.#commitsInRequest > 0 && reply.log > 0) {
          const pages = reply.log / this.#commitsInRequest;
          this.#pagesPerCommit = this.#pagesPerCommit > 0 ? 0.7 * this.#pagesPerCommit + 0.3 * pages : pages;
        }
        this.#caughtUp = reply.busy === 0 && reply.log === reply.checkpointed;
        if (reply.truncated) {
          this.#stats.truncations++;
          // Nothing committed since the truncation was asked for: the idle pass is done.
          if (this.#lastCommitAt <= this.#lastRequestAt) this.#dirty = false;
        }
        return;
    }
  }

  #died(worker: Worker, why: string): void {
    if (worker !== this.#worker) return;
    this.#worker = null;
    this.#inFlight = false;
    this.#fail(`the checkpoint thread stopped (${why})`, false);
  }

  /** Counts a failure; at MAX_FAILURES (or a failed start) hands the checkpoints back to SQLite. */
  #fail(why: string, permanent: boolean): void {
    if (this.#closing || this.#fallback) return;
    if (!permanent && ++this.#failures < MAX_FAILURES) {
      this.#log.warn(`store: ${why}`);
      return;
    }
    this.#fallback = true;
    const worker = this.#worker;
    this.#worker = null;
    if (worker) {
      worker.removeAllListeners();
      worker.on('error', () => {});
      void worker.terminate().catch(() => {});
    }
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    try {
      if (this.#db.open) this.#db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    } catch (err) {
      this.#log.warn('store: could not restore the automatic checkpoint', String(err));
    }
    this.#log.warn(`store: ${why}; WAL checkpoints run on the writer connection again`);
  }

  #armIdle(ms: number): void {
    this.#idleTimer = setTimeout(() => this.#onIdleTimer(), ms);
    this.#idleTimer.unref();
  }

  #onIdleTimer(): void {
    this.#idleTimer = null;
    if (this.#closing || this.#fallback || !this.#worker || !this.#dirty) return;
    const quiet = Date.now() - this.#lastCommitAt;
    if (quiet < this.#idleMs || this.#inFlight) {
      this.#armIdle(Math.max(this.#idleMs - quiet, CHECKPOINT_INTERVAL_MS));
      return;
    }
    this.#request(true);
  }
}

/** Bytes in the WAL file; 0 when there is none. */
function walBytes(file: string): number {
  try {
    return fs.statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
}
