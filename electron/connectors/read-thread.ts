/**
 * Whole-file reads on one dedicated worker thread, for readTextFile.
 *
 * Why: with fs/promises a small file costs five thread-pool round trips (open, fstat, read, fstat, close), and on a
 * busy two-core machine their dispatch and completion cost the main thread ~100 µs a file — more than indexing the
 * file. Synchronous calls cost ~10 µs, but on the main thread a file on a stalled network mount, or a cloud
 * placeholder being downloaded on first read (iCloud, OneDrive), would freeze the app. Here the synchronous calls
 * run on a worker thread: the main thread pays one message per file and never waits on the disk.
 *
 * The worker is a small CommonJS script evaluated from a string, so it needs no separate bundle entry (Electron,
 * the CLI, tsx and Vitest all run it as is). It starts on first use and exits after IDLE_MS without work; while no
 * read is pending it does not keep the process alive. If it dies, pending reads fail (E_READ: read again next sync)
 * and the next read starts a new one; if it cannot be started, or keeps dying, `usable` turns false and
 * readTextFile reads on the main thread's fs/promises instead.
 */
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

interface Request {
  id: number;
  path: string;
  maxBytes: number;
}

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
  | { id: number; error: { code?: string; message: string } };

const IDLE_MS = 10_000;
/** A worker that died this many times is not started again. */
const MAX_DEATHS = 3;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
parentPort.on('message', (batch) => {
  for (const { id, path, maxBytes } of batch) {
    let fd = -1;
    try {
      fd = fs.openSync(path, 'r');
      const before = fs.fstatSync(fd);
      if (before.size > maxBytes) {
        parentPort.postMessage({ id, tooLarge: true, size: before.size, mtimeMs: before.mtimeMs });
        continue;
      }
      // One byte more than the size: a file that grew since the fstat reads longer, one that shrank shorter.
      const bytes = Buffer.allocUnsafeSlow(before.size + 1);
      let total = 0;
      while (total < bytes.length) {
        const n = fs.readSync(fd, bytes, total, bytes.length - total, total);
        if (n === 0) break;
        total += n;
      }
      const after = fs.fstatSync(fd);
      parentPort.postMessage(
        { id, buffer: bytes.buffer, length: total, size: before.size, mtimeMs: before.mtimeMs, afterSize: after.size, afterMtimeMs: after.mtimeMs },
        [bytes.buffer],
      );
    } catch (err) {
      parentPort.postMessage({ id, error: { code: err && err.code, message: String(err && err.message || err) } });
    } finally {
      if (fd >= 0) try { fs.closeSync(fd); } catch {}
    }
  }
});
`;

export class FileReadThread {
  #worker: Worker | null = null;
  #pending = new Map<number, { resolve: (r: RawFileRead | RawFileTooLarge) => void; reject: (e: Error) => void }>();
  #queued: Request[] = [];
  #nextId = 1;
  #idleTimer: ReturnType<typeof setTimeout> | null = null;
  #deaths = 0;
  #broken = false;

  /** False once the worker could not be started or died MAX_DEATHS times. */
  get usable(): boolean {
    return !this.#broken;
  }

  /** Reads the whole file at `path` unless it is larger than `maxBytes`. Rejects with the fs error (its `code`). */
  read(path: string, maxBytes: number): Promise<RawFileRead | RawFileTooLarge> {
    if (this.#broken) return Promise.reject(new Error('The file reader thread is not available.'));
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      this.#pending.set(id, { resolve, reject });
      this.#queued.push({ id, path, maxBytes });
      // Requests made in the same tick (a read-ahead filling up) travel in one message.
      if (this.#queued.length === 1) queueMicrotask(() => this.#send());
    });
  }

  /** Stops the worker now; pending reads fail. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    this.#failAll(new Error('The file reader was closed.'));
    if (worker) await worker.terminate();
  }

  #send(): void {
    const batch = this.#queued;
    this.#queued = [];
    if (batch.length === 0) return;
    let worker: Worker;
    try {
      worker = this.#start();
    } catch (err) {
      this.#broken = true;
      for (const { id } of batch) this.#pending.get(id)?.reject(err instanceof Error ? err : new Error(String(err)));
      for (const { id } of batch) this.#pending.delete(id);
      return;
    }
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    worker.ref();
    worker.postMessage(batch);
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'jarvis-file-reader' });
    worker.on('message', (reply: Reply) => this.#settle(reply));
    worker.on('error', (err) => this.#died(worker, err));
    worker.on('exit', (code) => this.#died(worker, new Error(`The file reader thread stopped (exit code ${code}).`)));
    this.#worker = worker;
    return worker;
  }

  #settle(reply: Reply): void {
    const waiter = this.#pending.get(reply.id);
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#idle();
    if (!waiter) return;
    if ('error' in reply) {
      waiter.reject(Object.assign(new Error(reply.error.message), reply.error.code ? { code: reply.error.code } : {}));
    } else if ('tooLarge' in reply) {
      waiter.resolve({ tooLarge: true, before: { size: reply.size, mtimeMs: reply.mtimeMs } });
    } else {
      waiter.resolve({
        bytes: Buffer.from(reply.buffer, 0, reply.length),
        before: { size: reply.size, mtimeMs: reply.mtimeMs },
        after: { size: reply.afterSize, mtimeMs: reply.afterMtimeMs },
      });
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
      this.#worker = null;
      void worker.terminate();
    }, IDLE_MS);
    this.#idleTimer.unref();
  }

  #died(worker: Worker, err: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = null;
    if (++this.#deaths >= MAX_DEATHS) this.#broken = true;
    this.#failAll(err);
  }

  #failAll(err: Error): void {
    const waiters = [...this.#pending.values()];
    this.#pending.clear();
    this.#queued = [];
    for (const w of waiters) w.reject(err);
  }
}

/** The process-wide reader. */
export const fileReadThread = new FileReadThread();
