/**
 * SyncEngine: runs one sync of one connector, incrementally and crash-safely.
 *
 * - Enumerates the source's units, reads only new or changed ones (fingerprint vs the stored manifest).
 * - Writes in batches (≤ batchMaxDocs documents, or less when a batch grows slow); each batch is ONE
 *   transaction together with its manifest rows and checkpoint, so a crash at any point leaves the store and
 *   the checkpoint consistent: a unit's manifest row is written only with (or after) the last of its documents.
 * - Units missing from a complete enumeration are deleted, behind a mass-deletion guard.
 * - The watermark is the start time of the last successful run; failed or cancelled runs never advance it.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from '../../shared/logger.js';
import type { ConnectorError, Progress, RunResult, RunTrigger, SyncCounts } from '../../shared/types.js';
import { ZERO_COUNTS } from '../../shared/types.js';
import {
  ItemReadError,
  isItemIssue,
  type Connector,
  type ConnectorContext,
  type ItemIssue,
  type ItemIssueCode,
  type SourceUnit,
  type UnitRead,
  type UnitRecord,
} from '../connectors/types.js';
import { sameRootIdentity } from '../connectors/file-root.js';
import { abortable, isCancellation, raceAbort, SyncCancelledError, throwIfAborted } from './abort.js';
import { InlineBatchWriter, type Batch, type BatchOp, type BatchOutcome, type BatchWriter } from './batch-writer.js';
import { crashPoint } from './crash-points.js';
import { classifyError, SyncFailure, toConnectorError } from './errors.js';
import type { IngestionPipeline } from './pipeline.js';
import type { Checkpoint, KnowledgeStore, ManifestIndex, UnitVersion } from './store.js';

export interface EngineOptions {
  store: KnowledgeStore;
  pipeline: IngestionPipeline;
  /**
   * Commits the batches. Default: on this thread (InlineBatchWriter over `store` and `pipeline`). With a concurrent
   * writer (a writer thread) the next batch is read and parsed while the previous one is written.
   */
  writer?: BatchWriter;
  /**
   * A concurrent writer (the writer thread) for bulk runs: a first sync of more than a few documents
   * (BULK_FIRST_SYNC_DOCS), or a run that has written BULK_RUN_DOCS. Created on first use; its batches hold up to
   * `batchMaxDocs`. Routine re-syncs (a few edits) stay on `writer`: they pay neither the thread's start nor its memory.
   */
  bulkWriter?: { writer: () => BatchWriter; batchMaxDocs: number };
  log: Logger;
  now?: () => number;
  /** Read at the start of every run, so a settings change applies to the next sync. */
  maxFileSizeBytes?: () => number;
  batchMaxDocs?: number;
  /**
   * A batch is committed once its documents hold this much text (UTF-16 code units), however few they are: with a
   * concurrent writer a batch of 500 long e-mails held ~7 M characters, three times over (the batch filling, the one
   * being written, and the writer thread's copy of it).
   */
  batchMaxChars?: number;
  /** A batch is committed early once it has been filling for this long, to bound memory and latency. */
  batchMaxMs?: number;
  /** A deletion sweep removing more than this share of a connector's documents needs the same root. */
  massDeleteRatio?: number;
  /**
   * With an inline writer a batch commits synchronously on the thread that hosts the app, so batches are sized
   * (within batchMaxDocs) for their write to take about this long, from the write time per document measured so far
   * in the run. A concurrent writer blocks nobody: its batches are batchMaxDocs.
   */
  batchTargetMs?: number;
  /** Reads of changed units in flight at once (1 = one unit at a time), and a cap on their total size. */
  readAheadUnits?: number;
  readAheadBytes?: number;
}

export interface SyncRunOptions {
  signal: AbortSignal;
  trigger: RunTrigger;
  onProgress?: (p: Progress) => void;
}

/**
 * The engine runs on the thread that hosts the app. Reads resolve quickly now (read-ahead, reader thread), so a run
 * could go on for seconds in promise continuations alone and starve timers, IPC and the UI: it hands the event loop
 * a turn once it has held it this long, and commits each batch (which cannot be split) on a turn of its own.
 */
const YIELD_EVERY_MS = 10;

/** A connector's one-item-a-step enumeration, as the steps of one item each that enumerateBatches would give. */
async function* oneByOne<T>(items: AsyncIterable<T>): AsyncGenerator<readonly T[]> {
  for await (const item of items) yield [item];
}

/**
 * Changed units read ahead of the one being written. A batch write (~20 ms) holds the thread while the reader thread
 * answers; with 16 in flight the engine then drained them and waited for more (cold sync of 5,000 notes, alternating
 * runs: 32 or 64 gave 1.16x the documents/s of 16; 32 and 64 measured the same). readAheadBytes still caps the memory.
 */
const READ_AHEAD_UNITS = 32;

/**
 * A read-ahead whose file has been read is consumed (parsed and queued for the batch) once the enumeration has passed
 * this many unchanged units since it started, instead of waiting for the read-ahead to fill. In a sparse run (a few
 * edits among thousands of files) it would otherwise fill only at the end of the walk, so every edit was parsed and
 * written after the walk instead of during it. A cold sync has no unchanged units, so its read-ahead is unchanged.
 */
const SPARSE_AFTER_UNCHANGED = 64;

/**
 * What an inline batch write may block the thread for. The commits are most of the event-loop delay's p99 in a cold
 * sync: at 25 ms it was 50.7–54.7 ms on 50,000 notes, at 18 ms 42.4–47.4 ms, for the same documents/s (4 alternating
 * runs each; 5,000 notes, 6 each: 2,838 and 2,815 docs/s, p99 41.7 and 36.4 ms). Moving averages of write time per
 * document overshoot it when an FTS5 merge lands in a batch.
 */
const BATCH_TARGET_MS = 18;

/**
 * A run that has written this many documents on the inline writer moves to the bulk writer (EngineOptions.bulkWriter):
 * a large import into a connector that already has documents. Not sooner: a re-sync of scattered edits is bound by
 * its walk, which already keeps both cores busy, and the thread's start and messages land on its critical path (1,000
 * edits in 100,000 files, moving after 200 documents: 377 → 618 ms beyond the no-change re-sync).
 */
const BULK_RUN_DOCS = 2_000;
/** A first sync moves to the bulk writer at this many documents: a folder of a few notes never starts the thread. */
const BULK_FIRST_SYNC_DOCS = 100;

/** Text per batch (batchMaxChars): past ~1 MB of text a commit is no cheaper per document, only larger. */
const BATCH_MAX_CHARS = 1_000_000;

/**
 * Batches handed to a concurrent writer and not committed yet. Two: the writer finds the next batch waiting when it
 * finishes one. With one, the next batch was sent only once the previous commit's reply had reached this thread
 * (which may be parsing for up to YIELD_EVERY_MS) and been copied over: 10–30 ms of idle writer per batch, ~9 % of a
 * cold sync of 5,000 notes.
 */
const WRITES_IN_FLIGHT = 2;

/** However slow writes get, a batch may hold this many documents (or batchMaxDocs, if smaller). */
const MIN_BATCH_DOCS = 10;

/**
 * Failed reads that say the file cannot be indexed as it is, so reading it again unchanged only repeats the failure,
 * at the cost of a full read: they count towards the unit's quarantine (store.ts, QUARANTINE_AFTER_FAILURES), as
 * does an unexpected exception without an errno code (a parser that throws on this file's content). Not counted:
 * - W_CHANGED_DURING_READ (a file being written: a later read finds it finished) and E_VANISHED / ENOENT (gone; the
 *   sweep deals with it);
 * - E_TOO_LARGE and EACCES: found by a stat or a refused open before any byte is read, so a retry costs next to
 *   nothing, and their fixes (a higher size limit in the settings, a chmod) leave the fingerprint as it was, so a
 *   quarantine would keep the file out after the user fixed it;
 * - E_READ and other I/O errors (EIO, EMFILE, a network folder timing out): as often about the disk or the process
 *   as about the file.
 * Warnings are not failures (the document was indexed), and cancellations and SQLite errors never get here: they
 * stop or fail the run, and nothing is recorded for the unit.
 */
const QUARANTINABLE_READ_FAILURES: ReadonlySet<ItemIssueCode> = new Set([
  'E_BINARY',
  'E_PARSE',
  'E_PARSE_TIMEOUT',
  'E_NOT_MBOX',
]);

function countsTowardsQuarantine(err: unknown): boolean {
  if (err instanceof ItemReadError) return QUARANTINABLE_READ_FAILURES.has(err.code);
  return typeof (err as { code?: unknown } | null)?.code !== 'string';
}

/**
 * The stored manifest as a run meets its units: a unit's fingerprint is replaced by MET in the map once the
 * enumeration yields it (or reports it unchanged), so what is left unmet at the end was not found. One map probe per
 * unit, and no record object per unit nor set of seen keys beside it: in a re-sync of 100,000 unchanged files, the
 * per-unit check with them was the largest part of the main thread's time in the walk (~240 ms, ~125 ms since).
 */
class RunManifest {
  /** Never a fingerprint: fingerprints hold no NUL (store.putUnit refuses one). */
  static readonly #MET = '\0';
  readonly #fingerprints: Map<string, string>;
  readonly #cursors: Map<string, string>;
  /** Units met that the manifest did not have. */
  readonly #metNew = new Set<string>();

  constructor({ fingerprints, cursors }: ManifestIndex) {
    this.#fingerprints = fingerprints;
    this.#cursors = cursors;
  }

  /** Units the manifest has (met or not). */
  get size(): number {
    return this.#fingerprints.size;
  }

  /** The manifest has a row for this unit. */
  has(key: string): boolean {
    return this.#fingerprints.has(key);
  }

  /** The run has met this unit. */
  met(key: string): boolean {
    return this.#fingerprints.get(key) === RunManifest.#MET || this.#metNew.has(key);
  }

  /** Marks the unit met. Returns its stored fingerprint, null for a unit new to the manifest, undefined if met already. */
  meet(key: string): string | null | undefined {
    const stored = this.#fingerprints.get(key);
    if (stored === RunManifest.#MET) return undefined;
    if (stored !== undefined) {
      this.#fingerprints.set(key, RunManifest.#MET);
      return stored;
    }
    if (this.#metNew.has(key)) return undefined;
    this.#metNew.add(key);
    return null;
  }

  /** Marks the unit met if the manifest has it at this fingerprint and it was not met yet. */
  meetIfUnchanged(key: string, fingerprint: string): boolean {
    if (this.#fingerprints.get(key) !== fingerprint) return false;
    this.#fingerprints.set(key, RunManifest.#MET);
    return true;
  }

  /** The stored record of a unit, from the fingerprint meet() returned. */
  record(key: string, fingerprint: string): UnitRecord {
    return { key, fingerprint, cursor: this.#cursors.get(key) ?? null };
  }

  /** The unit's stored record has a cursor (few units do: mailboxes read in parts). */
  hasCursor(key: string): boolean {
    return this.#cursors.has(key);
  }

  /** Units the manifest has and the run did not meet. */
  unmet(): string[] {
    const keys: string[] = [];
    for (const [key, fingerprint] of this.#fingerprints) if (fingerprint !== RunManifest.#MET) keys.push(key);
    return keys;
  }
}

/** A changed unit whose read has been started (read-ahead) and whose documents are not queued yet. */
interface PendingRead {
  unit: SourceUnit;
  previous: UnitRecord | null;
  read: Promise<UnitRead>;
  /** The read has resolved or rejected: consuming it would not wait. */
  settled: boolean;
  /** Unchanged units the enumeration had passed when this read was started. */
  unchangedBefore: number;
}

/** The checkpoint of a connector that has never synced. */
export const emptyCheckpoint = (connectorId: string): Checkpoint => ({
  connectorId,
  cursor: null,
  watermark: null,
  lastSuccessAt: null,
  lastAttemptAt: null,
  lastResult: null,
  lastError: null,
  consecutiveFailures: 0,
  rootIdentity: null,
  // A connector reset keeps its documents without their unit rows; a new one has none, and its scan costs nothing.
  orphanScanDue: true,
});

export class SyncEngine {
  readonly #store: KnowledgeStore;
  readonly #pipeline: IngestionPipeline;
  readonly #writer: BatchWriter;
  readonly #bulkWriter: EngineOptions['bulkWriter'];
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #maxFileSizeBytes: () => number;
  readonly #batchMaxDocs: number;
  readonly #batchMaxChars: number;
  readonly #batchMaxMs: number;
  readonly #massDeleteRatio: number;
  readonly #readAheadUnits: number;
  readonly #readAheadBytes: number;
  readonly #batchTargetMs: number;

  constructor(opts: EngineOptions) {
    this.#store = opts.store;
    this.#pipeline = opts.pipeline;
    this.#writer = opts.writer ?? new InlineBatchWriter(opts.store, opts.pipeline);
    this.#bulkWriter = opts.bulkWriter;
    this.#log = opts.log;
    this.#now = opts.now ?? Date.now;
    this.#maxFileSizeBytes = opts.maxFileSizeBytes ?? (() => 10 * 1024 * 1024);
    this.#batchMaxDocs = opts.batchMaxDocs ?? 100;
    this.#batchMaxChars = opts.batchMaxChars ?? BATCH_MAX_CHARS;
    this.#batchMaxMs = opts.batchMaxMs ?? 50;
    this.#massDeleteRatio = opts.massDeleteRatio ?? 0.5;
    this.#readAheadUnits = Math.max(1, opts.readAheadUnits ?? READ_AHEAD_UNITS);
    this.#readAheadBytes = opts.readAheadBytes ?? 16 * 1024 * 1024;
    this.#batchTargetMs = opts.batchTargetMs ?? BATCH_TARGET_MS;
  }

  getCheckpoint(connectorId: string): Checkpoint | null {
    return this.#store.getCheckpoint(connectorId);
  }

  /** The next sync starts from nothing: every unit is read again (unchanged documents are still skipped by hash). */
  resetCheckpoint(connectorId: string): void {
    this.#store.resetCheckpoint(connectorId);
  }

  lastSuccessAt(connectorId: string): number | null {
    return this.#store.getCheckpoint(connectorId)?.lastSuccessAt ?? null;
  }

  consecutiveFailures(connectorId: string): number {
    return this.#store.getCheckpoint(connectorId)?.consecutiveFailures ?? 0;
  }

  lastError(connectorId: string): ConnectorError | null {
    return this.#store.getCheckpoint(connectorId)?.lastError ?? null;
  }

  lastAttemptAt(connectorId: string): number | null {
    return this.#store.getCheckpoint(connectorId)?.lastAttemptAt ?? null;
  }

  /**
   * Runs one sync. Resolves with the run's counts; rejects with SyncFailure (failed; watermark kept) or
   * SyncCancelledError (cancelled at a batch boundary; everything committed so far stays, checkpoint intact).
   */
  async sync(connector: Connector, opts: SyncRunOptions): Promise<RunResult> {
    const run = new Run(this, connector, opts);
    return run.execute();
  }

  /** @internal shared with Run */
  get internals() {
    return {
      store: this.#store,
      pipeline: this.#pipeline,
      writer: this.#writer,
      bulkWriter: this.#bulkWriter,
      log: this.#log,
      now: this.#now,
      maxFileSizeBytes: this.#maxFileSizeBytes,
      batchMaxDocs: this.#batchMaxDocs,
      batchMaxChars: this.#batchMaxChars,
      batchMaxMs: this.#batchMaxMs,
      massDeleteRatio: this.#massDeleteRatio,
      readAheadUnits: this.#readAheadUnits,
      readAheadBytes: this.#readAheadBytes,
      batchTargetMs: this.#batchTargetMs,
      emptyCheckpoint,
    };
  }
}

/** One execution of SyncEngine.sync; holds the per-run state so the engine itself stays stateless. */
class Run {
  readonly #e: SyncEngine['internals'];
  readonly #connector: Connector;
  readonly #opts: SyncRunOptions;
  readonly #counts: SyncCounts = { ...ZERO_COUNTS };
  readonly #startedAt: number;
  readonly #progress: Progress;
  #ops: BatchOp[] = [];
  /** Where batches go: the engine's writer, until a bulk run moves to the bulk writer (#toBulkWriterIfDue). */
  #writer: BatchWriter;
  #batchMaxDocs: number;
  /** Documents handed to a writer so far in this run. */
  #docsFlushed = 0;
  /** The connector had no documents when this run started. */
  #startedEmpty = false;
  #opDocs = 0;
  /** Text (UTF-16 code units) of the documents in #ops. */
  #opChars = 0;
  #batchStartedAt = 0;
  #checkpoint: Checkpoint;
  #runId = 0;
  /** Ends the estimate of the run's total (#estimateTotal) once the enumeration has found everything, or the run ends. */
  #stopCounting: () => void = () => undefined;

  constructor(engine: SyncEngine, connector: Connector, opts: SyncRunOptions) {
    this.#e = engine.internals;
    this.#writer = this.#e.writer;
    this.#batchMaxDocs = this.#e.batchMaxDocs;
    this.#connector = connector;
    this.#opts = opts;
    this.#startedAt = this.#e.now();
    this.#progress = { done: 0, found: 0, foundAll: false, currentItem: null, startedAt: this.#startedAt };
    this.#checkpoint = this.#e.store.getCheckpoint(connector.id) ?? this.#e.emptyCheckpoint(connector.id);
  }

  async execute(): Promise<RunResult> {
    const { store, log } = this.#e;
    const id = this.#connector.id;
    this.#checkpoint = { ...this.#checkpoint, lastAttemptAt: this.#startedAt };
    this.#runId = store.transaction(() => {
      store.saveCheckpoint(this.#checkpoint);
      return store.startRun(id, this.#opts.trigger, this.#startedAt);
    });
    try {
      const result = await this.#syncAll();
      this.#finishSuccess(result);
      log.info(`sync ${id} done`, result);
      return result;
    } catch (err) {
      // The batches being written (concurrent writer) commit or fail first: their counts belong to this run, and the
      // outcome must not wait on their transactions.
      this.#stopCounting();
      await this.#settle().catch(() => undefined);
      this.#finishFailure(err);
      if (isCancellation(err)) throw err;
      throw classifyError(err);
    }
  }

  async #syncAll(): Promise<RunResult> {
    const { store, maxFileSizeBytes } = this.#e;
    const { signal } = this.#opts;
    const id = this.#connector.id;
    const ctx: ConnectorContext = {
      signal,
      since: this.#checkpoint.watermark,
      log: this.#e.log,
      maxFileSizeBytes: maxFileSizeBytes(),
    };

    const root = await raceAbort(this.#connector.open(ctx), signal);
    const manifest = new RunManifest(store.loadManifestIndex(id));
    this.#stopCounting = this.#estimateTotal(manifest.size, ctx);
    const documentsBefore = store.counts(id).documents;
    this.#startedEmpty = documentsBefore === 0;
    // Units with documents but no manifest row yet (a first read cut off by a crash or cancel) count as indexed too.
    // Only a checkpoint that says they may exist costs a scan of the documents, once per run, taken when first
    // needed: here only if asked (rarely: an mbox that no longer reads as one), else by the sweep. Documents this run
    // writes are of units it has seen, which the sweep skips, so a run that started with no documents (a first sync)
    // has none to look for; scanned at its sweep, a first sync of 100,000 files listed all the documents it had just
    // written (40–60 ms and ~10 MB at its end) to find none.
    const orphanScanDue = this.#checkpoint.orphanScanDue && documentsBefore > 0;
    let unitsWithDocuments: Set<string> | null = orphanScanDue ? null : new Set();
    const documentUnitKeys = (): Set<string> => (unitsWithDocuments ??= new Set(store.listDocumentUnitKeys(id)));
    ctx.wasIndexed = (key) => manifest.has(key) || documentUnitKeys().has(key);
    const quarantine = store.loadQuarantine(id);
    const keepPrefixes: string[] = [];
    let unchanged = 0;
    // A connector may owe an unchanged unit a read (Connector.owesRead), asked only for units with a cursor.
    const owesRead = this.#connector.owesRead?.bind(this.#connector);
    // The enumeration may leave out what this says is unchanged; it is counted here as the loop below would. A unit
    // that may be owed a read is left to that loop to decide. Not offered when nothing is stored (a first sync):
    // every file would be asked about in vain.
    if (manifest.size > 0) {
      ctx.isUnchanged = (key, fingerprint) => {
        if ((owesRead && manifest.hasCursor(key)) || !manifest.meetIfUnchanged(key, fingerprint)) return false;
        this.#progress.found++;
        this.#progress.done++;
        unchanged++;
        return true;
      };
    }

    // Read-ahead: changed units are read up to readAheadUnits (and readAheadBytes) ahead of the one being
    // written, so file I/O overlaps with the synchronous batch writes instead of alternating with them. Their
    // documents are still queued strictly in enumeration order, so batches and crash safety are unchanged.
    const ahead: PendingRead[] = [];
    let aheadBytes = 0;
    const consumeOldest = async (): Promise<void> => {
      const next = ahead.shift()!;
      aheadBytes -= next.unit.size;
      this.#progress.currentItem = next.unit.path;
      await this.#readUnit(next);
      delete this.#progress.part;
      this.#progress.done++;
      this.#maybeReportProgress(true);
      await this.#breathe();
    };

    const batches = this.#connector.enumerateBatches?.(ctx) ?? oneByOne(this.#connector.enumerate(ctx));
    for await (const batch of abortable(batches, signal)) {
      // Unchanged units, whether left out by the enumeration (ctx.isUnchanged) or counted in the loop below, are
      // settled here once per batch: progress, finished reads of a sparse run, a turn for the event loop.
      this.#maybeReportProgress();
      while (ahead.length > 0 && ahead[0].settled && unchanged - ahead[0].unchangedBefore >= SPARSE_AFTER_UNCHANGED) {
        await consumeOldest();
      }
      if (this.#breathDue()) await this.#breathe();
      for (const item of batch) {
        throwIfAborted(signal);
        if (isItemIssue(item)) {
          if (item.keepPrefix !== undefined) keepPrefixes.push(item.keepPrefix);
          this.#queueIssue(item);
          await this.#breathe();
          continue;
        }
        const stored = manifest.meet(item.key);
        if (stored === undefined) continue; // yielded twice
        this.#progress.found++;
        if (
          stored === item.fingerprint &&
          !(owesRead && manifest.hasCursor(item.key) && owesRead(item, manifest.record(item.key, stored)))
        ) {
          // Counted; what passing it owes (progress, finished reads, a turn for the event loop) is settled once per
          // batch, above: an await per unchanged unit would cost more than the unit itself.
          this.#progress.done++;
          unchanged++;
          continue;
        }
        if (quarantine.get(item.key) === item.fingerprint) {
          // Its reads kept failing on this very file: it stays a problem, unread, until it changes or is retried.
          this.#counts.failed++;
          this.#queue({ kind: 'unit-quarantined', unit: { key: item.key, fingerprint: item.fingerprint } }, 0);
          this.#progress.done++;
          this.#maybeReportProgress();
          await this.#breathe();
          continue;
        }
        const previous = stored === null ? null : manifest.record(item.key, stored);
        const read = this.#connector.read(item, previous, ctx);
        const pending: PendingRead = { unit: item, previous, read, settled: false, unchangedBefore: unchanged };
        // Consumed later by #readUnit; a run that stops first (cancelled, failed) must not leave it unhandled.
        read.then(
          () => (pending.settled = true),
          () => (pending.settled = true),
        );
        ahead.push(pending);
        aheadBytes += item.size;
        while (ahead.length >= this.#e.readAheadUnits || (ahead.length > 1 && aheadBytes > this.#e.readAheadBytes)) {
          await consumeOldest();
        }
      }
    }
    // Found all: the reads still ahead (the whole run, for a single mailbox file) are of units already counted.
    this.#progress.foundAll = true;
    this.#stopCounting();
    while (ahead.length > 0) await consumeOldest();
    await this.#flush();
    await this.#settle();
    throwIfAborted(signal);

    const keptOrphans = await this.#sweep(manifest, documentUnitKeys(), keepPrefixes, root.identity, documentsBefore);
    throwIfAborted(signal);

    const documentsAfter = store.counts(id).documents;
    this.#counts.unchanged = Math.max(0, documentsAfter - this.#counts.added - this.#counts.updated);
    this.#checkpoint.rootIdentity = root.identity;
    // Every unit this run wrote documents for got its row, or its failed read left this flag set; the sweep found
    // the others, unless their folder was unavailable (kept, so looked for again next time). Cleared only now: the
    // sweep's own transactions save the checkpoint too, and must keep the flag until it has looked.
    this.#checkpoint.orphanScanDue = this.#leftUnitRowsMissing || keptOrphans;
    return { ...this.#counts, durationMs: this.#e.now() - this.#startedAt };
  }

  async #readUnit({ unit, previous, read: reading }: PendingRead): Promise<void> {
    const { signal } = this.#opts;
    let read;
    const keep = new Set<string>();
    let cursor: string | null = null;
    try {
      read = await raceAbort(reading, signal);
      const inIndexedUnit = read.mode === 'replace' && previous !== null && !this.#startedEmpty;
      for await (const ev of abortable(read.events, signal)) {
        if (ev.type === 'doc') {
          this.#unitRowPending = true;
          keep.add(ev.doc.id);
          // Hashed and chunked here, as it is parsed: the batch's writer (a thread, in bulk runs) only writes.
          const doc = this.#e.pipeline.prepare(this.#connector.id, unit.key, ev.doc);
          this.#queue({ kind: 'doc', doc, inIndexedUnit }, 1, ev.doc.content.length);
        } else if (ev.type === 'issue') {
          this.#queueIssue(ev.issue, undefined, { key: unit.key, fingerprint: unit.fingerprint });
        } else if (ev.type === 'position') {
          this.#progress.part = { done: ev.done, total: ev.total };
          this.#maybeReportProgress();
        } else {
          cursor = ev.cursor;
          // Only an append pass may resume mid-unit; a partial replace pass must be redone from the start.
          if (read.mode === 'append' && previous) {
            this.#queue({ kind: 'unit-cursor', key: unit.key, fingerprint: previous.fingerprint, cursor }, 0);
          }
        }
        await this.#breathe();
      }
    } catch (err) {
      if (isCancellation(err)) throw err;
      if (!(err instanceof ItemReadError) && classifyError(err).code.startsWith('SQLITE')) throw err;
      // The unit keeps its last good version (stale); its manifest row is untouched, so it is retried next sync
      // (unless its failures quarantine it).
      if (this.#unitRowPending) {
        // Its documents queued so far are written without the unit's row, until a later run reads it whole.
        this.#leftUnitRowsMissing = true;
        this.#checkpoint.orphanScanDue = true;
        this.#unitRowPending = false;
      }
      const code = err instanceof ItemReadError ? err.code : 'E_READ';
      const failedOn = countsTowardsQuarantine(err) ? { key: unit.key, fingerprint: unit.fingerprint } : undefined;
      this.#queueIssue({ path: unit.path, code, message: describe(err), severity: 'error' }, failedOn);
      return;
    }
    // A replace pass deletes the unit's documents it no longer yielded. When the connector had none at the start
    // (a first sync), every document of this unit was written by this pass and is in `keep`: nothing to look up.
    const keepIds = read.mode === 'replace' && !this.#startedEmpty ? [...keep] : null;
    const done: BatchOp = { kind: 'unit-done', key: unit.key, fingerprint: unit.fingerprint, keep: keepIds, cursor };
    if (read.mode === 'append') done.carryIssues = true;
    this.#queue(done, 0);
    this.#unitRowPending = false;
  }

  /** Documents of the unit being read are queued, and its unit-done (which writes its manifest row) is not yet. */
  #unitRowPending = false;
  /** A read failed after queuing documents, so they are written without their unit's row. */
  #leftUnitRowsMissing = false;

  /** `unit`: a failed read that counts towards the unit's quarantine; `from`: the unit whose read reported it. */
  #queueIssue(issue: ItemIssue, unit?: UnitVersion, from?: UnitVersion): void {
    if (issue.severity === 'error') this.#counts.failed++;
    const op: BatchOp = { kind: 'issue', issue };
    if (unit) op.unit = unit;
    if (from) op.from = from;
    this.#queue(op, 0);
  }

  #queue(op: BatchOp, docs: number, chars = 0): void {
    if (this.#ops.length === 0) this.#batchStartedAt = this.#e.now();
    this.#ops.push(op);
    this.#opDocs += docs;
    this.#opChars += chars;
  }

  /**
   * Whether the queued batch is to be committed now: full, or filling for batchMaxMs. With a concurrent writer a
   * batch that is not full waits while an earlier one is being written, so batches grow when writing is the
   * bottleneck (fewer, larger commits) and stay small when it is not.
   */
  #batchDue(): boolean {
    if (this.#ops.length === 0) return false;
    if (this.#opDocs >= this.#batchDocLimit() || this.#opChars >= this.#e.batchMaxChars) return true;
    if (this.#writer.concurrent && this.#writesPending > 0) return false;
    return this.#e.now() - this.#batchStartedAt >= this.#e.batchMaxMs;
  }

  /** Batches given to the writer whose write has not finished (their promises may not be settled yet). */
  #writesPending = 0;

  /** Write time per document in this run's batches so far (moving average; 0 before the first batch). */
  #writeMsPerDoc = 0;

  /** Documents per batch: batchMaxDocs, or (inline writer) fewer when that many would block for over batchTargetMs. */
  #batchDocLimit(): number {
    const max = this.#batchMaxDocs;
    if (this.#writeMsPerDoc <= 0 || this.#writer.concurrent) return max;
    const fit = Math.floor(this.#e.batchTargetMs / this.#writeMsPerDoc);
    return Math.max(Math.min(MIN_BATCH_DOCS, max), Math.min(max, fit));
  }

  /**
   * Hands the queued operations and the checkpoint to the writer as one batch (one transaction). With an inline
   * writer it returns once the batch is committed; with a concurrent one as soon as fewer than WRITES_IN_FLIGHT
   * batches are uncommitted (the writer commits them in order, and none after one that failed).
   */
  async #flush(): Promise<void> {
    if (this.#ops.length === 0) return;
    await this.#makeRoom();
    this.#toBulkWriterIfDue(this.#opDocs);
    const ops = this.#ops;
    const docs = this.#opDocs;
    this.#docsFlushed += docs;
    this.#ops = [];
    this.#opDocs = 0;
    this.#opChars = 0;
    for (const op of ops) if (op.kind === 'unit-done') this.#checkpoint.cursor = op.key;
    // A crash after this commit would leave the unit's documents without its row: the next sweep must look.
    if (this.#unitRowPending) this.#checkpoint.orphanScanDue = true;
    const batch: Batch = {
      connectorId: this.#connector.id,
      runId: this.#runId,
      ops,
      checkpoint: { ...this.#checkpoint },
      now: this.#e.now(),
    };
    // Test-only crash points (crash-points.ts; no-ops unless JARVIS_SYNC_CRASH_AT is set at process start).
    crashPoint('batch:read');
    const writeStarted = performance.now();
    this.#writesPending++;
    const write = this.#writer.write(batch).then(
      (outcome) => {
        this.#writesPending--;
        this.#committed(outcome, docs, writeStarted);
      },
      (err: unknown) => {
        this.#writesPending--;
        throw err;
      },
    );
    // Settled by #makeRoom() or #settle(); until then a failure must not count as unhandled.
    write.catch(() => undefined);
    this.#inFlight.push(write);
    if (!this.#writer.concurrent) await this.#settle();
  }

  /**
   * A first sync past BULK_FIRST_SYNC_DOCS documents, or any run past BULK_RUN_DOCS, commits the rest of its batches
   * (from the one about to be written, holding `batchDocs`) on the bulk writer (the writer thread): the next batch is
   * read and parsed while one is written, on the second core. Called between batches, with nothing in flight, so
   * batches still commit one at a time and in order.
   */
  #toBulkWriterIfDue(batchDocs: number): void {
    const bulk = this.#e.bulkWriter;
    // Moved already (the bulk writer may have fallen back to writing inline: it is still the one to use).
    if (!bulk || this.#writer !== this.#e.writer || this.#writer.concurrent) return;
    if (this.#docsFlushed + batchDocs < (this.#startedEmpty ? BULK_FIRST_SYNC_DOCS : BULK_RUN_DOCS)) return;
    this.#writer = bulk.writer();
    this.#batchMaxDocs = bulk.batchMaxDocs;
  }

  /** Batches handed to the writer and not settled yet, oldest first (at most WRITES_IN_FLIGHT). */
  readonly #inFlight: Promise<void>[] = [];

  /** Waits until fewer than WRITES_IN_FLIGHT batches are in flight, oldest first; rethrows a failure. */
  async #makeRoom(): Promise<void> {
    while (this.#inFlight.length >= WRITES_IN_FLIGHT) await this.#inFlight.shift();
  }

  /** Waits for every batch in flight, oldest first; once all have settled, rethrows the first failure. */
  async #settle(): Promise<void> {
    let failure: { err: unknown } | null = null;
    while (this.#inFlight.length > 0) {
      try {
        await this.#inFlight.shift();
      } catch (err) {
        failure ??= { err };
      }
    }
    if (failure) throw failure.err;
  }

  #committed(outcome: BatchOutcome, docs: number, writeStarted: number): void {
    this.#counts.added += outcome.added;
    this.#counts.updated += outcome.updated;
    this.#counts.deleted += outcome.deleted;
    this.#counts.chunks += outcome.chunks;
    if (docs > 0) {
      const perDoc = (performance.now() - writeStarted) / docs;
      this.#writeMsPerDoc = this.#writeMsPerDoc === 0 ? perDoc : 0.7 * this.#writeMsPerDoc + 0.3 * perDoc;
    }
    this.#reportProgress();
  }

  /**
   * Deletes what a complete enumeration no longer found — unless that looks like a vanished or swapped root.
   * Returns whether it kept documents without a unit row (their folder was unavailable: keepPrefix).
   */
  async #sweep(
    manifest: RunManifest,
    documentUnitKeys: Set<string>,
    keepPrefixes: string[],
    rootIdentity: string,
    documentsBefore: number,
  ): Promise<boolean> {
    const { store } = this.#e;
    const id = this.#connector.id;
    const candidates = new Set<string>(manifest.unmet());
    // Documents whose unit never got a manifest row (a crash mid-unit) are swept too.
    const orphans = new Set<string>();
    for (const key of documentUnitKeys) if (!manifest.has(key) && !manifest.met(key)) orphans.add(key);
    for (const key of orphans) candidates.add(key);
    const kept = (key: string): boolean => keepPrefixes.some((p) => key === p || key.startsWith(`${p}/`) || p === '');
    const vanished = [...candidates].filter((key) => !kept(key));
    const keptOrphans = [...orphans].some(kept);
    if (vanished.length === 0) return keptOrphans;

    // An identity stored before roots carried their birth time is compared on dev:ino; a run that succeeds stores
    // the new one.
    const stored = this.#checkpoint.rootIdentity;
    const sameRoot = stored === null || sameRootIdentity(stored, rootIdentity);
    // Counted only when the guard applies: a lookup per vanished unit, on top of the one that deletes it.
    const docsToDelete =
      !sameRoot && documentsBefore > 0
        ? vanished.reduce((n, key) => n + store.listUnitDocuments(id, key).length, 0)
        : 0;
    if (docsToDelete > documentsBefore * this.#e.massDeleteRatio) {
      throw new SyncFailure(
        'E_MASS_DELETE_GUARD',
        `This sync would remove ${docsToDelete} of ${documentsBefore} indexed documents, and the folder is not the ` +
          'same one as before (it was replaced, re-created or re-mounted). Nothing was deleted. If this is intended, ' +
          'remove the connector and add it again.',
        false,
      );
    }
    // Written as batches by the run's writer, like everything else the run writes: on the writer thread when the run
    // has one, whose connection has just written the run's edits and has their pages cached (on this thread, the
    // connection's cache is dropped whenever another one commits, so the deletions read their pages again). A batch at
    // a time, each on a turn of its own: a folder of 50,000 files removed is seconds of deletions, which must not
    // freeze the thread that hosts the app.
    for (let i = 0; i < vanished.length; i += this.#batchMaxDocs) {
      await nextTurn();
      throwIfAborted(this.#opts.signal);
      for (const key of vanished.slice(i, i + this.#batchMaxDocs)) this.#queue({ kind: 'unit-gone', key }, 0);
      await this.#flush();
    }
    await this.#settle();
    return keptOrphans;
  }

  #heldSince = performance.now();
  /**
   * Called after every unit and every read event. Commits the batch when it is due, on a turn of the event loop of
   * its own (the write blocks the thread, so it must not come on top of other work); otherwise gives the event
   * loop (timers, I/O, IPC) a turn once the run has held it for YIELD_EVERY_MS.
   */
  #breathDue(): boolean {
    return this.#batchDue() || performance.now() - this.#heldSince >= YIELD_EVERY_MS;
  }

  async #breathe(): Promise<void> {
    if (this.#batchDue()) {
      if (this.#writer.concurrent) {
        await this.#flush();
      } else {
        await nextTurn();
        await this.#flush();
        await nextTurn();
      }
    } else if (performance.now() - this.#heldSince >= YIELD_EVERY_MS) {
      await nextTurn();
    } else {
      return;
    }
    this.#heldSince = performance.now();
  }

  #lastProgressAt = 0;
  /**
   * Gives the progress an expected total while the enumeration goes on (Progress.expected): the units the last sync
   * stored, or, for a first sync, the connector's quick count, taken beside the run. Returns what stops the count.
   */
  #estimateTotal(storedUnits: number, ctx: ConnectorContext): () => void {
    if (storedUnits > 0) {
      this.#progress.expected = storedUnits;
      return () => delete this.#progress.expected;
    }
    if (!this.#connector.countUnits) return () => undefined;
    const stop = new AbortController();
    this.#connector.countUnits({ ...ctx, signal: AbortSignal.any([ctx.signal, stop.signal]) }).then(
      (units) => {
        if (stop.signal.aborted) return;
        this.#progress.expected = units;
        this.#maybeReportProgress(true);
      },
      () => undefined, // the total stays unknown, as it was
    );
    return () => {
      stop.abort();
      delete this.#progress.expected;
    };
  }

  #maybeReportProgress(force = false): void {
    const now = this.#e.now();
    // Unchanged units stream by in the tens of thousands; report them at most every 100 ms.
    if (force || now - this.#lastProgressAt >= 100) this.#reportProgress();
  }

  #reportProgress(): void {
    this.#lastProgressAt = this.#e.now();
    this.#opts.onProgress?.({ ...this.#progress });
  }

  #finishSuccess(result: RunResult): void {
    const { store } = this.#e;
    const id = this.#connector.id;
    const endedAt = this.#e.now();
    this.#checkpoint = {
      ...this.#checkpoint,
      cursor: null,
      watermark: this.#startedAt,
      lastSuccessAt: endedAt,
      lastResult: result,
      lastError: null,
      consecutiveFailures: 0,
    };
    store.transaction(() => {
      store.saveCheckpoint(this.#checkpoint);
      store.clearItemErrorsNotSeenIn(id, this.#runId);
      store.finishRun(this.#runId, 'success', this.#counts, null, endedAt);
    });
  }

  #finishFailure(err: unknown): void {
    const { store, log } = this.#e;
    const id = this.#connector.id;
    const endedAt = this.#e.now();
    try {
      // Whatever was queued but not committed is dropped: the next run redoes it.
      this.#ops = [];
      // A watchdog abort is a failure nobody asked for (the scheduler reports it as E_WATCHDOG): it is stored as
      // one, so the run history and `jarvis-sync status` show a hung connector, not a "cancelled" run.
      const watchdog = isCancellation(err) && isWatchdogAbort(this.#opts.signal);
      if (isCancellation(err) && !watchdog) {
        store.transaction(() => {
          store.saveCheckpoint(this.#checkpoint);
          store.finishRun(this.#runId, 'cancelled', this.#counts, null, endedAt);
        });
        log.info(`sync ${id} cancelled`);
        return;
      }
      const error = watchdog
        ? {
            code: 'E_WATCHDOG',
            message:
              'The sync made no progress for too long (a file or a network folder stopped responding), so it was stopped; it will be retried.',
            at: endedAt,
          }
        : toConnectorError(err, endedAt);
      this.#checkpoint = {
        ...this.#checkpoint,
        lastError: error,
        consecutiveFailures: this.#checkpoint.consecutiveFailures + 1,
      };
      store.transaction(() => {
        store.saveCheckpoint(this.#checkpoint);
        store.finishRun(this.#runId, 'failed', this.#counts, error, endedAt);
      });
      log.warn(`sync ${id} failed: ${error.code}`);
    } catch (recordErr) {
      // The store itself may be the failure (busy, full, read-only): the run still fails with the original error.
      log.error(`sync ${id}: could not record the run outcome`, describe(recordErr));
    }
  }
}

function isWatchdogAbort(signal: AbortSignal): boolean {
  const reason: unknown = signal.reason;
  return reason instanceof SyncCancelledError && reason.reason === 'watchdog';
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
