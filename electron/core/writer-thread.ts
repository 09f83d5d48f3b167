/**
 * WriterThread: commits the engine's batches on a worker thread with its own connection to the index.
 *
 * Why: a batch's write (FTS5 inserts, then the commit that flushes and merges the full-text segments) was ~55 % of a
 * cold sync's time on the thread that hosts the app, in pieces the engine had to keep small (~20 ms) so the app
 * stayed responsive — and small batches make each document's write dearer. On this thread the write blocks nobody:
 * the engine reads and parses the next batch meanwhile, and a batch can be as large as makes writing cheap.
 *
 * Guarantees: batches commit one at a time, in the order given, each in one transaction (applyBatch, the inline
 * writer's code); a failed transaction rejects its write with the SQLite error's code and message, and the later
 * batches of its run are skipped (E_WRITE_SKIPPED), so a run never commits past a batch that failed. If the
 * thread cannot start (or dies before it is ready) the batches given to it are written on the calling thread
 * instead, and after MAX_FAILURES such failures it is not tried again: syncs never fail for want of the thread. A
 * thread that dies while writing fails the writes it held (E_WRITER_STOPPED; that sync is retried, and each batch
 * either committed or did not).
 *
 * The thread starts with the writer, exits after IDLE_MS without work (the next write starts it again), and never
 * keeps the process alive while nothing is being written. close() waits (bounded) for it to close its connection,
 * so the connection that opened the index is the last one and removes the WAL.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../shared/logger.js';
import { InlineBatchWriter, skippedWrite, type Batch, type BatchOutcome, type BatchWriter } from './batch-writer.js';
import type { IngestionPipeline } from './pipeline.js';
import type { KnowledgeStore } from './store.js';

export interface WriterWorkerData {
  file: string;
  /** Int32 flag set to 1 by the worker once its connection is closed. */
  stopped: SharedArrayBuffer;
}

export type WorkerRequest = { type: 'write'; id: number; batch: Batch } | { type: 'close' };

export interface ErrorInfo {
  name: string;
  message: string;
  code?: string;
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'boot-failed'; error: ErrorInfo }
  | { type: 'done'; id: number; outcome: BatchOutcome }
  | { type: 'failed'; id: number; error: ErrorInfo }
  | { type: 'log'; level: keyof Logger; args: unknown[] };

export function errorInfo(err: unknown): ErrorInfo {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const code = (err as NodeJS.ErrnoException).code;
  return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
}

/** An Error with the worker's name, message and code, as classifyError and the corruption checks expect. */
function toError(info: ErrorInfo): Error {
  return Object.assign(new Error(info.message), { name: info.name, ...(info.code ? { code: info.code } : {}) });
}

/** Boot failures and deaths before the thread was ready, after which it is not started again. */
const MAX_FAILURES = 3;
/** No write for this long: the thread closes its connection and exits. */
const IDLE_MS = 30_000;
/**
 * The thread's objects live a batch long; V8's default young generation (48 MB on 64-bit) let a second heap add
 * ~40 MB to the peak RSS of a large sync. At 8 MB (semi-spaces of ~2.7 MB) a 500-document batch did not fit, so it
 * was promoted and collected by full GCs (7 % of the thread, which bounds a first sync). 24 MB made a cold sync of
 * 5,000 notes ~9 % faster in alternating runs (+6 MB peak RSS); 16 measured as fast, and leaves more room under the
 * peak RSS budget of 100,000 files (see WRITER_THREAD_CACHE_SIZE_PRAGMA in store.ts).
 */
const WORKER_HEAP_LIMITS = { maxYoungGenerationSizeMb: 16 };
/** How long close() waits for the thread to close its connection. */
const CLOSE_WAIT_MS = 2_000;

export interface WriterThreadOptions {
  /** The index's path; `store` is the connection that opened it. */
  file: string;
  store: KnowledgeStore;
  /** Writes on the calling thread when the thread is not available. */
  pipeline: IngestionPipeline;
  log: Logger;
  /**
   * The worker's entry file: the bundled writer-worker.js in the Electron app. Default: the TypeScript source run
   * through tsx (CLI, tests, benchmarks); when this module is itself bundled and no entry is given, batches are
   * written on the calling thread.
   */
  entry?: string;
  idleMs?: number;
}

interface PendingWrite {
  id: number;
  runId: number;
  /**
   * Kept only while the thread is not ready: if it dies before it opens the index, the batch is written here instead.
   * A ready thread that dies fails its writes, so the batch is not needed once sent; dropping it lets its documents
   * die young on this thread (peak RSS of a cold sync of 100,000 files −2 to −13 MB, the main heap's old space
   * 45–57 → 29–33 MB).
   */
  batch: Batch | null;
  resolve: (outcome: BatchOutcome) => void;
  reject: (err: Error) => void;
}

export class WriterThread implements BatchWriter {
  readonly #opts: WriterThreadOptions;
  #worker: Worker | null = null;
  #ready = false;
  #stopped: Int32Array | null = null;
  #failures = 0;
  #usable: boolean;
  #closed = false;
  #nextId = 1;
  /** Sent to the thread and not answered yet, in order. */
  readonly #pending: PendingWrite[] = [];
  #idleTimer: NodeJS.Timeout | null = null;
  readonly #inline: InlineBatchWriter;
  readonly #entry: { source: string; eval: boolean } | null;

  constructor(opts: WriterThreadOptions) {
    this.#opts = opts;
    this.#inline = new InlineBatchWriter(opts.store, opts.pipeline);
    this.#entry = workerEntry(opts.entry);
    this.#usable = this.#entry !== null && !opts.store.readonly;
    if (this.#usable) this.#start();
  }

  /** Whether writes return before they are committed (false once the thread is given up on). */
  get concurrent(): boolean {
    return this.#usable;
  }

  /** Whether the thread is up with its connection open. For tests and diagnostics. */
  get running(): boolean {
    return this.#ready;
  }

  write(batch: Batch): Promise<BatchOutcome> {
    if (this.#closed) return Promise.reject(new Error('the index writer is closed'));
    if (!this.#usable || (!this.#worker && !this.#start())) return this.#inline.write(batch);
    // A failure the thread reported, or one of the inline fallback's: the thread may not know of the latter.
    if (this.#inline.failedRuns.has(batch.runId)) return Promise.reject(skippedWrite());
    this.#disarmIdle();
    return new Promise<BatchOutcome>((resolve, reject) => {
      const id = this.#nextId++;
      this.#pending.push({ id, runId: batch.runId, batch: this.#ready ? null : batch, resolve, reject });
      this.#worker!.ref();
      this.#worker!.postMessage({ type: 'write', id, batch } satisfies WorkerRequest);
    });
  }

  /**
   * Closes the thread's connection, waiting up to CLOSE_WAIT_MS (blocking: the opening connection's close, which
   * comes next, is synchronous). Call it when no write is pending; later writes are refused.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopWorker();
  }

  #start(): boolean {
    const entry = this.#entry;
    if (entry === null) return false;
    const stopped = new SharedArrayBuffer(4);
    let worker: Worker;
    try {
      const workerData: WriterWorkerData = { file: this.#opts.file, stopped };
      worker = new Worker(entry.source, { eval: entry.eval, workerData, resourceLimits: WORKER_HEAP_LIMITS });
    } catch (err) {
      this.#failed(`could not start (${(err as Error).message})`);
      return false;
    }
    this.#worker = worker;
    this.#ready = false;
    this.#stopped = new Int32Array(stopped);
    worker.unref();
    worker.on('message', (msg: WorkerReply) => this.#onMessage(worker, msg));
    worker.on('error', (err) => this.#onExit(worker, err.message));
    worker.on('exit', (code) => this.#onExit(worker, `exited with code ${code}`));
    return true;
  }

  #onMessage(worker: Worker, msg: WorkerReply): void {
    if (worker !== this.#worker) return;
    switch (msg.type) {
      case 'ready':
        this.#ready = true;
        this.#failures = 0;
        if (this.#pending.length === 0) this.#armIdle();
        return;
      case 'boot-failed':
        this.#onExit(worker, `could not open the index (${msg.error.message})`);
        return;
      case 'log':
        this.#opts.log[msg.level]('writer thread:', ...msg.args);
        return;
      case 'done':
      case 'failed': {
        const head = this.#pending[0];
        if (!head || head.id !== msg.id) return;
        this.#pending.shift();
        if (msg.type === 'done') {
          this.#opts.store.noteCommitElsewhere();
          head.resolve(msg.outcome);
        } else {
          const err = toError(msg.error);
          this.#opts.store.noteCorruptionElsewhere(err);
          this.#inline.failedRuns.add(head.runId);
          head.reject(err);
        }
        if (this.#pending.length === 0) {
          worker.unref();
          this.#armIdle();
        }
      }
    }
  }

  /** The thread is gone (error, exit, or it could not open the index). */
  #onExit(worker: Worker, why: string): void {
    if (worker !== this.#worker) return;
    const wasReady = this.#ready;
    this.#worker = null;
    this.#ready = false;
    this.#disarmIdle();
    void worker.terminate();
    const pending = this.#pending.splice(0);
    if (this.#closed) return;
    if (wasReady) {
      // It may have committed the batch it was writing: each batch is all or nothing, and the next sync redoes the rest.
      this.#opts.log.warn(`writer thread stopped: ${why}`);
      for (const p of pending) {
        p.reject(
          Object.assign(new Error(`The index writer stopped while writing (${why}).`), { code: 'E_WRITER_STOPPED' }),
        );
      }
      return;
    }
    this.#failed(why);
    // Never opened the index, so none of these was written: write them here, in order (the inline writer skips the
    // later batches of a run that had one fail).
    for (const p of pending) this.#inline.write(p.batch!).then(p.resolve, p.reject);
  }

  #failed(why: string): void {
    this.#failures++;
    if (this.#failures >= MAX_FAILURES) this.#usable = false;
    this.#opts.log.warn(
      `writer thread ${why}; ${this.#usable ? 'writing on the main thread until it starts' : 'writing on the main thread from now on'}`,
    );
  }

  #armIdle(): void {
    this.#disarmIdle();
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      if (this.#pending.length === 0) this.#stopWorker();
    }, this.#opts.idleMs ?? IDLE_MS);
    this.#idleTimer.unref();
  }

  #disarmIdle(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
  }

  #stopWorker(): void {
    this.#disarmIdle();
    const worker = this.#worker;
    const stopped = this.#stopped;
    this.#worker = null;
    this.#ready = false;
    if (!worker || !stopped) return;
    worker.postMessage({ type: 'close' } satisfies WorkerRequest);
    // Blocks at most CLOSE_WAIT_MS; the worker only has to finish the batch it is writing and close.
    Atomics.wait(stopped, 0, 0, CLOSE_WAIT_MS);
    void worker.terminate();
  }
}

/** How to start the worker: the given (bundled) entry, or one bundled here from the TypeScript source; null if neither. */
function workerEntry(entry: string | undefined): { source: string; eval: boolean } | null {
  if (entry) return { source: entry, eval: false };
  if (!import.meta.url.endsWith('.ts')) return null;
  const file = bundleFromSource();
  return file === null ? null : { source: file, eval: false };
}

let sourceBundle: string | null | undefined;
let sourceBundling: Promise<void> | null = null;

const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3'],
  write: false,
  metafile: true,
  logLevel: 'silent',
} as const;

interface BuildResult {
  outputFiles: { text: string }[];
  /** Input paths relative to the working directory. */
  metafile: { inputs: Record<string, unknown> };
}

interface Esbuild {
  buildSync(o: object): BuildResult;
  build(o: object): Promise<BuildResult>;
}

/**
 * Running from source (CLI, tests, benchmarks): the worker's modules bundled into one file with esbuild (tsx's own
 * compiler, so always installed with it) in node_modules/.cache/jarvis-sync/, and bundled again only when one of
 * its source files changed. Running the TypeScript through tsx in the worker instead would give it a loader thread
 * of its own (+60 MB measured). better-sqlite3 stays outside the bundle, imported by absolute path. Null (write
 * inline) if that fails.
 */
function bundleFromSource(): string | null {
  if (sourceBundle !== undefined) return sourceBundle;
  sourceBundle = cachedBundle();
  if (sourceBundle !== null) return sourceBundle;
  try {
    const esbuild = createRequire(import.meta.url)('esbuild') as Esbuild;
    sourceBundle = saveBundle(esbuild.buildSync({ entryPoints: [workerSource()], ...buildOptions() }));
  } catch {
    // No esbuild, or a read-only checkout: batches are written on the calling thread.
  }
  return sourceBundle;
}

/**
 * Makes the bundle ready in the background (esbuild works in its own process), so that a sync that starts the
 * thread later does not block this thread for the ~100 ms a synchronous bundle takes. Only when running from
 * source; a no-op once bundled, and a few stat calls when the bundle of the same sources is in the cache (every CLI
 * command opens the service: esbuild's process cost ~100–200 ms of CPU each time, during the sync it started). The
 * service calls it when it opens.
 */
export function prepareWriterThread(): void {
  if (!import.meta.url.endsWith('.ts') || sourceBundle !== undefined || sourceBundling) return;
  const cached = cachedBundle();
  if (cached !== null) {
    sourceBundle = cached;
    return;
  }
  try {
    const esbuild = createRequire(import.meta.url)('esbuild') as Esbuild;
    sourceBundling = esbuild
      .build({ entryPoints: [workerSource()], ...buildOptions() })
      .then((result) => {
        sourceBundle ??= saveBundle(result);
      })
      .catch(() => undefined);
  } catch {
    // bundleFromSource tries again, and falls back to writing inline.
  }
}

function workerSource(): string {
  return fileURLToPath(new URL('./writer-worker.ts', import.meta.url));
}

const projectRoot = (): string => fileURLToPath(new URL('../../', import.meta.url));
const cacheDir = (): string => path.join(projectRoot(), 'node_modules', '.cache', 'jarvis-sync');
/** Which sources (size and mtime) the cached bundle was made from. */
const cacheIndex = (): string => path.join(cacheDir(), 'writer-worker.json');
const driverUrl = (): string => pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href;

interface CacheIndex {
  bundle: string;
  /**
   * The worker source it was bundled from. Two checkouts can share one node_modules (a worktree with a linked one):
   * each one's sources are then unchanged, and only this tells whose bundle it is.
   */
  entry: string;
  driver: string;
  /** Absolute path → `size:mtimeMs`. */
  inputs: Record<string, string>;
}

function buildOptions(): object {
  return { ...BUNDLE_OPTIONS, absWorkingDir: projectRoot() };
}

function stamp(file: string): string {
  const st = fs.statSync(file);
  return `${st.size}:${st.mtimeMs}`;
}

/** The cached bundle's path when it was made from the sources as they are now; otherwise null. */
function cachedBundle(): string | null {
  try {
    const index = JSON.parse(fs.readFileSync(cacheIndex(), 'utf8')) as CacheIndex;
    if (index.entry !== workerSource() || index.driver !== driverUrl() || !fs.existsSync(index.bundle)) return null;
    const inputs = Object.entries(index.inputs);
    if (inputs.length === 0) return null;
    for (const [file, was] of inputs) if (stamp(file) !== was) return null;
    return index.bundle;
  } catch {
    return null;
  }
}

/** Writes the bundle under a name derived from its content (once), records its sources, and returns its path. */
function saveBundle(result: BuildResult): string {
  const driver = driverUrl();
  const code = result.outputFiles[0].text.replaceAll('"better-sqlite3"', JSON.stringify(driver));
  const dir = cacheDir();
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `writer-worker-${createHash('sha1').update(code).digest('hex').slice(0, 12)}.mjs`);
  if (!fs.existsSync(file)) {
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, code);
    fs.renameSync(partial, file);
  }
  try {
    const inputs: Record<string, string> = {};
    for (const rel of Object.keys(result.metafile.inputs)) {
      const abs = path.resolve(projectRoot(), rel);
      inputs[abs] = stamp(abs);
    }
    const partial = `${cacheIndex()}.${process.pid}.tmp`;
    fs.writeFileSync(
      partial,
      JSON.stringify({ bundle: file, entry: workerSource(), driver, inputs } satisfies CacheIndex),
    );
    fs.renameSync(partial, cacheIndex());
  } catch {
    // Without the index the next process bundles again.
  }
  return file;
}
