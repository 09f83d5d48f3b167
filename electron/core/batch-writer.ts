/**
 * Batch writes: what the engine hands over to be committed as ONE transaction — documents, item errors, manifest
 * rows and the checkpoint — and the writers that commit it.
 *
 * `applyBatch` is the one code path that turns a batch into index writes, whichever thread runs it. A writer commits
 * batches strictly in the order it is given them, so a crash at any point leaves the index and the checkpoint as of
 * the last committed batch, exactly as with a single thread.
 *
 * - InlineBatchWriter commits on the caller's thread, synchronously inside write(); the returned promise is already
 *   settled. Used when no writer thread is available, and by tests that want the simplest path.
 * - WriterThread (writer-thread.ts) commits on a worker thread with its own connection, so the thread that hosts the
 *   app only reads and parses while the previous batch is written.
 */
import type { ItemIssue } from '../connectors/types.js';
import { crashPoint } from './crash-points.js';
import type { IngestionPipeline, PreparedDocument } from './pipeline.js';
import type { Checkpoint, KnowledgeStore, UnitDocumentVersion, UnitVersion } from './store.js';

/** One step of a batch, applied in order. Plain data only: it may be copied to another thread. */
export type BatchOp =
  /**
   * `inIndexedUnit`: the document comes from a unit that had documents before this run and is read whole (a replace
   * pass), so it is most likely among them: the unit's documents are read once, not looked up one by one.
   */
  | { kind: 'doc'; doc: PreparedDocument; inIndexedUnit?: boolean }
  /**
   * `unit`: a failed read of the whole unit that counts towards its quarantine. `from`: the unit (at its fingerprint)
   * whose completed read reported the issue; the issue then stays listed while the unit is unchanged (not read again).
   */
  | { kind: 'issue'; issue: ItemIssue; unit?: UnitVersion; from?: UnitVersion }
  /** A quarantined unit was skipped unread: its problem stays current. */
  | { kind: 'unit-quarantined'; unit: UnitVersion }
  /**
   * The unit was read to its end: its documents not in `keep` are deleted (replace mode), its manifest row written.
   * `carryIssues` (append mode): the issues earlier reads reported for it still hold, as those parts were not read
   * again, so they move to the new fingerprint and stay listed; but for those about its tail (TAIL_ISSUE_CODES), which
   * every append pass reads again and reports anew if they still hold.
   */
  | {
      kind: 'unit-done';
      key: string;
      fingerprint: string;
      keep: string[] | null;
      cursor: string | null;
      carryIssues?: boolean;
    }
  /** An append pass got this far in the unit: the manifest row keeps the old fingerprint with the new cursor. */
  | { kind: 'unit-cursor'; key: string; fingerprint: string; cursor: string }
  /** The unit is no longer in the source (the sweep): its documents and its manifest row are deleted. */
  | { kind: 'unit-gone'; key: string };

export interface Batch {
  connectorId: string;
  /** The run that made it (`runs.id`): once one of a run's batches failed, none of its later batches is applied. */
  runId: number;
  ops: BatchOp[];
  /** Saved in the same transaction, after the ops. */
  checkpoint: Checkpoint;
  /** The time recorded on item errors. */
  now: number;
}

/** What a committed batch changed. */
export interface BatchOutcome {
  added: number;
  updated: number;
  deleted: number;
  chunks: number;
}

export interface BatchWriter {
  /** True when write() returns before the batch is committed, so the caller can prepare the next one meanwhile. */
  readonly concurrent: boolean;
  /**
   * Commits the batch in one transaction, after every batch written before it. Rejects with the SQLite error (its
   * `code` kept) when the transaction failed: nothing of the batch is then in the index. Once a batch of a run has
   * failed, the run's later batches are not applied (E_WRITE_SKIPPED): a concurrent writer is given the next batch
   * before the caller has seen the failure, and a run's checkpoint must never move past a batch that did not commit.
   */
  write(batch: Batch): Promise<BatchOutcome>;
}

/** Applies a batch to `store` in one transaction (the crash points mark its steps for the reliability suite). */
export function applyBatch(store: KnowledgeStore, pipeline: IngestionPipeline, batch: Batch): BatchOutcome {
  const { connectorId: id, ops, now, runId } = batch;
  const seen = { at: now, run: runId };
  const outcome: BatchOutcome = { added: 0, updated: 0, deleted: 0, chunks: 0 };
  const units = new UnitListings(store, id);
  store.transaction(() => {
    for (const op of ops) {
      switch (op.kind) {
        case 'doc': {
          const { unitKey, docId } = op.doc.row;
          const listed = op.inIndexedUnit ? units.take(unitKey, docId) : undefined;
          const r = pipeline.write(op.doc, listed);
          // Found by id, it may have been in another unit, whose listing would still hold it.
          if (!listed && r.outcome !== 'added') units.clear();
          if (r.outcome === 'added') outcome.added++;
          else if (r.outcome === 'updated') outcome.updated++;
          outcome.chunks += r.chunks;
          crashPoint('batch:chunk');
          break;
        }
        case 'issue':
          store.recordItemError(id, op.issue, seen, op.unit, op.from);
          break;
        case 'unit-quarantined':
          store.touchQuarantined(id, op.unit, seen);
          break;
        case 'unit-cursor':
          store.putUnit(id, { key: op.key, fingerprint: op.fingerprint, cursor: op.cursor });
          break;
        case 'unit-gone':
          // Never listed by this batch: a unit that is gone yields no documents.
          outcome.deleted += pipeline.removeUnit(id, op.key);
          store.deleteUnit(id, op.key);
          break;
        case 'unit-done':
          if (op.keep) outcome.deleted += pipeline.removeUnit(id, op.key, new Set(op.keep), units.rest(op.key));
          store.putUnit(id, { key: op.key, fingerprint: op.fingerprint, cursor: op.cursor });
          if (op.carryIssues) store.carryItemErrors(id, op.key, op.fingerprint);
          break;
      }
    }
    crashPoint('batch:write');
    store.saveCheckpoint(batch.checkpoint);
    store.addRunProgress(batch.runId, outcome);
    crashPoint('batch:checkpoint');
  });
  crashPoint('batch:commit');
  return outcome;
}

/** Units with more documents than this (a mailbox file read whole) are looked up a document at a time. */
const UNIT_LISTING_LIMIT = 64;

/**
 * The documents of the units a batch writes, each unit read once within the batch's transaction: a changed file's
 * documents are then found without a lookup by id each, and its unit-done finds the ones it no longer yields without
 * listing the unit again. A listing holds the documents not yet written by the batch: those written are in the
 * unit's `keep`, never deleted by its unit-done.
 */
class UnitListings {
  readonly #store: KnowledgeStore;
  readonly #connectorId: string;
  /** null: the unit has too many documents to list. */
  readonly #units = new Map<string, Map<string, UnitDocumentVersion> | null>();

  constructor(store: KnowledgeStore, connectorId: string) {
    this.#store = store;
    this.#connectorId = connectorId;
  }

  /** The indexed version of the unit's document `docId`, taken out of the listing; undefined when not listed. */
  take(unitKey: string, docId: string): UnitDocumentVersion | undefined {
    let listing = this.#units.get(unitKey);
    if (listing === undefined) {
      const rows = this.#store.unitDocumentVersions(this.#connectorId, unitKey, UNIT_LISTING_LIMIT);
      listing = rows ? new Map(rows.map((r) => [r.docId, r])) : null;
      this.#units.set(unitKey, listing);
    }
    const doc = listing?.get(docId);
    listing?.delete(docId);
    return doc;
  }

  /** The unit's listed documents this batch has not written, and the unit's listing forgotten; undefined if none. */
  rest(unitKey: string): UnitDocumentVersion[] | undefined {
    const listing = this.#units.get(unitKey);
    this.#units.delete(unitKey);
    return listing ? [...listing.values()] : undefined;
  }

  clear(): void {
    this.#units.clear();
  }
}

/** The rejection of a batch that was not applied because an earlier batch of its run failed. */
export function skippedWrite(): Error {
  return Object.assign(new Error('This batch was not written: an earlier batch of the same sync failed.'), {
    code: 'E_WRITE_SKIPPED',
  });
}

/** The runs that had a batch fail on a writer (a few at most: runs that fail end, and are not retried as such). */
export class FailedRuns {
  readonly #runs: number[] = [];

  has(runId: number): boolean {
    return this.#runs.includes(runId);
  }

  add(runId: number): void {
    if (this.has(runId)) return;
    this.#runs.push(runId);
    if (this.#runs.length > 16) this.#runs.shift();
  }
}

/**
 * applyBatch, unless an earlier batch of the same run failed (then it throws E_WRITE_SKIPPED); a failure marks the run.
 */
export function applyRunBatch(
  store: KnowledgeStore,
  pipeline: IngestionPipeline,
  batch: Batch,
  failedRuns: FailedRuns,
): BatchOutcome {
  if (failedRuns.has(batch.runId)) throw skippedWrite();
  try {
    return applyBatch(store, pipeline, batch);
  } catch (err) {
    failedRuns.add(batch.runId);
    throw err;
  }
}

/** Commits on the calling thread, inside write(). */
export class InlineBatchWriter implements BatchWriter {
  readonly concurrent = false;
  readonly #store: KnowledgeStore;
  readonly #pipeline: IngestionPipeline;
  /** Runs with a failed batch, including those a writer thread reported (WriterThread writes inline as a fallback). */
  readonly failedRuns = new FailedRuns();

  constructor(store: KnowledgeStore, pipeline: IngestionPipeline) {
    this.#store = store;
    this.#pipeline = pipeline;
  }

  write(batch: Batch): Promise<BatchOutcome> {
    try {
      return Promise.resolve(applyRunBatch(this.#store, this.#pipeline, batch, this.failedRuns));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
