/**
 * One measurement in a fresh process (so peak RSS is this measurement's alone), printed as one JSON line on stdout.
 *
 *   node bin/run-ts.mjs bench/worker.ts <op> '<json args>'
 *
 * Ops:
 * - `sync`     the product path of `jarvis-sync sync`: SyncService.open({ dataDir, owner: 'cli' }), the connector
 *              added with { syncNow: false } when the data folder does not have it yet, then syncNow(). Reports
 *              the run's counts, its wall time, the event-loop delay of this (the service's) thread during the
 *              sync, peak RSS, and the database size against the text it holds.
 * - `resyncs`  the re-syncs of a running service (the app's and the daemon's case, where the scheduler re-syncs): one
 *              service that has synced edits of other files before (restored since), so the edit path's code is
 *              compiled as in an app that has been running, then `pairs` times a timed no-change re-sync and a
 *              timed re-sync after edits (corpus.ts mutateCorpus: the benchmark's files first, other files after;
 *              each undone, and re-synced untimed, before the next pair).
 * - `walk`     the floor of a no-change re-sync: a bare readdir + lstat walk of the same tree.
 * - `baseline` the floor of a cold sync: the same walk, then each file read (readFileSync: the cheapest read there
 *              is) and inserted whole into a plain FTS5 table (same tokenizer), 100 files per transaction. No
 *              parsing, chunking, hashing or bookkeeping.
 * - `editFloor` the floor of an edit re-sync's writes: the fewest SQL statements for N edits and M deletions on a copy of
 *              an index, beside appending N new documents.
 * - `search`   search latency through SyncService.search over an existing index.
 * - `idle`     peak RSS of a process that loaded the service and opened an empty data folder (the RSS floor).
 */
import { existsSync, promises as fsp, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { CHUNK_ROWID_SPAN } from '../electron/core/schema.js';
import { CACHE_SIZE_PRAGMA } from '../electron/core/store.js';
import { SyncService } from '../electron/core/service.js';
import type { ConnectorKind, RunResult } from '../shared/types.js';
import {
  FUNCTION_WORDS,
  contentWord,
  mutateCorpus,
  noteText,
  restoreCorpus,
  rng,
  treeFileText,
  type FileCorpusSpec,
} from './corpus.js';

export interface SyncArgs {
  dataDir: string;
  kind: ConnectorKind;
  path: string;
  /**
   * After the sync, wait for the idle-time index compaction the app would do before its next sync (not part of
   * `ms`; reported as `settleMs`). For syncs that prepare an index for a later measurement.
   */
  settle?: boolean;
}

export interface SyncOutput {
  op: 'sync';
  ms: number;
  /** CPU time of the whole process (all its threads, user + system) during the sync: steadier than `ms` when the
   * machine is shared, and what a user's other work loses. */
  cpuMs: number;
  openMs: number;
  stopMs: number;
  /** Time waiting for idle compaction after the sync (SyncArgs.settle), else 0. */
  settleMs: number;
  result: RunResult;
  failures: Record<string, string>;
  /** (added + updated) documents and their chunks per second of sync time. */
  docsPerSec: number;
  chunksPerSec: number;
  maxRssMb: number;
  eld: { p50Ms: number; p99Ms: number; maxMs: number; samples: number };
  db: DbStats;
}

export interface DbStats {
  /** index.sqlite plus -wal and -shm, after the service closed. */
  bytes: number;
  documents: number;
  chunks: number;
  /** UTF-8 bytes of the text the index holds: chunk headings and bodies, document titles. */
  textBytes: number;
}

export interface WalkOutput {
  op: 'walk';
  ms: number;
  files: number;
  dirs: number;
  maxRssMb: number;
}

export interface BaselineOutput {
  op: 'baseline';
  ms: number;
  docs: number;
  docsPerSec: number;
  maxRssMb: number;
}

export interface SearchArgs {
  dataDir: string;
  /** The corpus the index was built from: queries are words picked from its files. */
  corpus: { kind: 'notes' | 'tree'; n: number; seed: number };
  queriesPerLength: number;
  seed: number;
}

export interface LatencyStats {
  queries: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  meanHits: number;
}

export interface SearchOutput {
  op: 'search';
  chunks: number;
  documents: number;
  byWords: Record<string, LatencyStats>;
  maxRssMb: number;
}

export interface IdleOutput {
  op: 'idle';
  maxRssMb: number;
}

export interface EditFloorArgs {
  /** A copy of an index to change (it is changed). */
  dataDir: string;
  edits: number;
  deletions: number;
  /** Documents per transaction, as in the sync's batches of scattered edits. */
  perTransaction: number;
  seed: number;
}

export interface EditFloorOutput {
  op: 'editFloor';
  /** The fewest statements an edit of one chunk of `edits` documents needs with this schema, in ms (commits included). */
  editsMs: number;
  deletionsMs: number;
  /** As many new documents appended (the cold path's statements), for comparison. */
  appendsMs: number;
  maxRssMb: number;
}

export type WorkerOutput =
  SyncOutput | WalkOutput | BaselineOutput | SearchOutput | IdleOutput | EditFloorOutput | ResyncsOutput;

const maxRssMb = (): number => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

// ── sync ────────────────────────────────────────────────────────────────────────────────────────────────────

/** The id of the connector `args` names in the service's data folder, added (not synced) when it has none yet. */
async function connectorIdFor(service: SyncService, args: SyncArgs): Promise<string> {
  const existing = service.getState().connectors.find((c) => c.path === args.path && c.kind === args.kind);
  return existing?.id ?? (await service.addConnector({ kind: args.kind, path: args.path }, { syncNow: false })).id;
}

/** The scheduler's account of the main thread: time on a CPU, and time runnable but waiting for one (ns). */
interface MainThreadTimes {
  runNs: number;
  waitNs: number;
}

/**
 * From /proc/<pid>/task/<pid>/schedstat (Linux; null elsewhere): nanosecond figures, where the CPU times in
 * /proc/…/stat count 10 ms ticks. The main thread hosts the service and does the edits' work besides its share of the
 * walk, so its CPU beyond the no-change re-sync is about their cost in wall time (BENCHMARKS.md, "which thread").
 */
function mainThreadTimes(): MainThreadTimes | null {
  try {
    const [run, wait] = readFileSync(`/proc/${process.pid}/task/${process.pid}/schedstat`, 'utf8').split(' ');
    return { runNs: Number(run), waitNs: Number(wait) };
  } catch {
    return null;
  }
}

/**
 * syncNow() of one connector, timed: wall time and CPU time of the whole process (all threads), and where the
 * scheduler reports it, the main thread's CPU time and its wait for a CPU, in ms.
 */
async function timedSync(service: SyncService, id: string) {
  const mainBefore = mainThreadTimes();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const report = await service.syncNow([id]);
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const mainAfter = mainThreadTimes();
  const main =
    mainBefore && mainAfter
      ? {
          mainCpuMs: round((mainAfter.runNs - mainBefore.runNs) / 1e6),
          mainWaitMs: round((mainAfter.waitNs - mainBefore.waitNs) / 1e6),
        }
      : {};
  return { report, ms, cpuMs: (cpu.user + cpu.system) / 1000, ...main };
}

async function sync(args: SyncArgs): Promise<SyncOutput> {
  const t0 = performance.now();
  const service = await SyncService.open({ dataDir: args.dataDir, owner: 'cli' });
  let stopMs: number;
  let ms: number;
  let cpuMs: number;
  let openMs: number;
  let settleMs: number;
  let report: Awaited<ReturnType<SyncService['syncNow']>>;
  let id: string;
  const eld = monitorEventLoopDelay({ resolution: 10 });
  try {
    id = await connectorIdFor(service, args);
    openMs = performance.now() - t0;
    eld.enable();
    ({ report, ms, cpuMs } = await timedSync(service, id));
    eld.disable();
    const settling = performance.now();
    // Older checkouts (bench/compare.ts runs this file against them) have no idle compaction.
    if (args.settle && 'whenIndexCompacted' in service) await service.whenIndexCompacted();
    settleMs = performance.now() - settling;
  } finally {
    const stopping = performance.now();
    await service.stop();
    stopMs = performance.now() - stopping;
  }
  const result = report.results[id];
  if (!result) throw new Error(`sync failed: ${JSON.stringify(report.failures)}`);
  const written = result.added + result.updated;
  return {
    op: 'sync',
    ms: round(ms),
    cpuMs: round(cpuMs),
    openMs: round(openMs),
    stopMs: round(stopMs),
    settleMs: round(settleMs),
    result,
    failures: report.failures,
    docsPerSec: round((written / ms) * 1000, 1),
    chunksPerSec: round((result.chunks / ms) * 1000, 1),
    maxRssMb: maxRssMb(),
    eld: {
      p50Ms: round(eld.percentile(50) / 1e6),
      p99Ms: round(eld.percentile(99) / 1e6),
      maxMs: round(eld.max / 1e6),
      samples: eld.count,
    },
    db: dbStats(args.dataDir),
  };
}

// ── resyncs ─────────────────────────────────────────────────────────────────────────────────────────────────

export interface ResyncsArgs extends SyncArgs {
  /** The corpus at `path`, to edit and delete in. */
  spec: FileCorpusSpec;
  editShare: number;
  deleteShare: number;
  /** Timed pairs of re-syncs (default 1). */
  pairs?: number;
}

interface TimedResync {
  ms: number;
  cpuMs: number;
  /** The main thread's CPU time and its time waiting for a CPU (Linux only). */
  mainCpuMs?: number;
  mainWaitMs?: number;
  result: RunResult;
}

/** A no-change re-sync, then one after edits and deletions, in the same service a moment apart. */
export interface ResyncPair {
  noChange: TimedResync;
  edit: TimedResync;
}

export interface ResyncsOutput {
  op: 'resyncs';
  pairs: ResyncPair[];
  /** Untimed: the service's first re-sync, then the warm-up edits' re-sync and the one after they were undone. */
  warmUpMs: number[];
}

async function resyncs(args: ResyncsArgs): Promise<ResyncsOutput> {
  const service = await SyncService.open({ dataDir: args.dataDir, owner: 'cli' });
  try {
    const id = await connectorIdFor(service, args);
    const timed = async (): Promise<TimedResync> => {
      const { report, ms, cpuMs, mainCpuMs, mainWaitMs } = await timedSync(service, id);
      const result = report.results[id];
      if (!result) throw new Error(`sync failed: ${JSON.stringify(report.failures)}`);
      return { ms: round(ms), cpuMs: round(cpuMs), mainCpuMs, mainWaitMs, result };
    };
    const warmUpMs = [(await timed()).ms];
    // Edits of other files than the measured ones (mutateCorpus round 1), synced, undone and synced again.
    mutateCorpus(args.path, args.spec, args.editShare, args.deleteShare, 1);
    try {
      warmUpMs.push((await timed()).ms);
    } finally {
      restoreCorpus(args.path);
    }
    warmUpMs.push((await timed()).ms);
    // The idle-time compaction the app runs after a sync, before the next one.
    await service.whenIndexCompacted();
    const pairs: ResyncPair[] = [];
    for (let i = 0; i < (args.pairs ?? 1); i++) {
      if (i > 0) {
        // Undo the previous pair's edits in the index too, untimed, and let the compaction after it finish.
        warmUpMs.push((await timed()).ms);
        await service.whenIndexCompacted();
      }
      const noChange = await timed();
      await service.whenIndexCompacted();
      // Each pair edits files of its own (round 1 was the warm-up's): a file the service has just re-indexed
      // would find its pages in SQLite's cache.
      mutateCorpus(args.path, args.spec, args.editShare, args.deleteShare, i === 0 ? 0 : i + 1);
      try {
        pairs.push({ noChange, edit: await timed() });
      } finally {
        restoreCorpus(args.path);
      }
    }
    return { op: 'resyncs', pairs, warmUpMs };
  } finally {
    await service.stop();
  }
}

function dbStats(dataDir: string): DbStats {
  const file = join(dataDir, 'index.sqlite');
  let bytes = 0;
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(file + suffix)) bytes += statSync(file + suffix).size;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const text = db
      .prepare(
        `SELECT (SELECT coalesce(sum(length(CAST(heading AS BLOB)) + length(CAST(body AS BLOB))), 0) FROM chunk_text)
              + (SELECT coalesce(sum(length(CAST(title AS BLOB))), 0) FROM documents)`,
      )
      .pluck()
      .get() as number;
    const documents = db.prepare('SELECT count(*) FROM documents').pluck().get() as number;
    const chunks = db.prepare('SELECT count(*) FROM chunk_text').pluck().get() as number;
    return { bytes, documents, chunks, textBytes: text };
  } finally {
    db.close();
  }
}

// ── the floors ──────────────────────────────────────────────────────────────────────────────────────────────

/** readdir + lstat of every entry, depth first, lstat calls 256 at a time (as the product's walker does). */
async function bareWalk(root: string, onFile: (path: string) => void): Promise<{ files: number; dirs: number }> {
  let files = 0;
  let dirs = 0;
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    dirs++;
    const names = await fsp.readdir(dir);
    for (let i = 0; i < names.length; i += 256) {
      const slice = names.slice(i, i + 256);
      const stats = await Promise.all(slice.map((name) => fsp.lstat(join(dir, name))));
      for (let k = 0; k < slice.length; k++) {
        if (slice[k].startsWith('.')) continue;
        const path = join(dir, slice[k]);
        if (stats[k].isDirectory()) stack.push(path);
        else if (stats[k].isFile()) {
          files++;
          onFile(path);
        }
      }
    }
  }
  return { files, dirs };
}

async function walk(args: { root: string }): Promise<WalkOutput> {
  const started = performance.now();
  const { files, dirs } = await bareWalk(args.root, () => {});
  return { op: 'walk', ms: round(performance.now() - started), files, dirs, maxRssMb: maxRssMb() };
}

async function baseline(args: { root: string; dataDir: string }): Promise<BaselineOutput> {
  const started = performance.now();
  const db = new Database(join(args.dataDir, 'baseline.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    `CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(path, body, tokenize = 'porter unicode61 remove_diacritics 2')`,
  );
  const insert = db.prepare('INSERT INTO docs (path, body) VALUES (?, ?)');
  const paths: string[] = [];
  await bareWalk(args.root, (p) => paths.push(p));
  let batch: [string, string][] = [];
  const flush = db.transaction((rows: [string, string][]) => {
    for (const [p, body] of rows) insert.run(p, body);
  });
  for (const p of paths) {
    batch.push([p, readFileSync(p, 'utf8')]);
    if (batch.length >= 100) {
      flush.immediate(batch);
      batch = [];
    }
  }
  if (batch.length > 0) flush.immediate(batch);
  db.close();
  const ms = performance.now() - started;
  return {
    op: 'baseline',
    ms: round(ms),
    docs: paths.length,
    docsPerSec: round((paths.length / ms) * 1000, 1),
    maxRssMb: maxRssMb(),
  };
}

/**
 * The floor of the edit scenario's writes: on a copy of the prepared index, the fewest SQL statements this schema
 * needs to replace the text of one chunk of `edits` random documents (read it, rewrite it, a full-text deletion and
 * insertion, the content hash and the manifest fingerprint) and to delete `deletions` others — no
 * file reading, parsing, hashing, lookups by path or checkpoints — beside appending as many new documents. Run in
 * transactions of `perTransaction`, full-text writes in rowid order at the end of each, as the store does.
 */
function editFloor(args: EditFloorArgs): EditFloorOutput {
  const db = new Database(join(args.dataDir, 'index.sqlite'), { fileMustExist: true });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(CACHE_SIZE_PRAGMA); // as the store's connection
    db.pragma('wal_autocheckpoint = 0'); // the store checkpoints on another thread
    const ids = db.prepare('SELECT id FROM documents WHERE chunk_count > 0 ORDER BY id').pluck().all() as number[];
    const r = rng(args.seed);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [ids[i], ids[j]] = [ids[j], ids[i]];
    }
    const byRowid = (a: number, b: number): number => a - b;
    const edited = ids.slice(0, args.edits).sort(byRowid);
    const deleted = ids.slice(args.edits, args.edits + args.deletions).sort(byRowid);
    const q = {
      document: db.prepare(
        'SELECT connector_id AS connectorId, unit_key AS unitKey, title, tags, chunk_count AS chunkCount FROM documents WHERE id = ?',
      ),
      chunk: db.prepare('SELECT heading, body FROM chunk_text WHERE id = ?'),
      setChunk: db.prepare('UPDATE chunk_text SET body = ? WHERE id = ?'),
      ftsDelete: db.prepare('DELETE FROM chunks WHERE rowid = ?'),
      ftsInsert: db.prepare('INSERT INTO chunks (rowid, title, heading, body, tags, facets) VALUES (?, ?, ?, ?, ?, ?)'),
      setDocument: db.prepare('UPDATE documents SET content_hash = ?, indexed_at = ? WHERE id = ?'),
      setUnit: db.prepare('UPDATE units SET fingerprint = ? WHERE connector_id = ? AND key = ?'),
      deleteChunk: db.prepare('DELETE FROM chunk_text WHERE id = ?'),
      deleteDocument: db.prepare('DELETE FROM documents WHERE id = ?'),
      deleteUnit: db.prepare('DELETE FROM units WHERE connector_id = ? AND key = ?'),
      addDocument: db.prepare(
        `INSERT INTO documents (connector_id, doc_id, unit_key, title, doc_type, path, content_hash, chunk_count,
           indexed_at) VALUES (?, ?, ?, ?, 'note', ?, ?, 1, ?)`,
      ),
      addChunk: db.prepare('INSERT INTO chunk_text (id, heading, body) VALUES (?, ?, ?)'),
      addUnit: db.prepare('INSERT INTO units (connector_id, key, fingerprint) VALUES (?, ?, ?)'),
    };
    type Doc = { connectorId: string; unitKey: string; title: string; tags: string | null; chunkCount: number };
    type Chunk = { heading: string; body: string };
    type FtsWrite = [rowid: number, values: unknown[] | null, deleteOld: boolean];
    const timed = (rowids: number[], write: (rowid: number, fts: FtsWrite[]) => void): number => {
      const started = performance.now();
      for (let i = 0; i < rowids.length; i += args.perTransaction) {
        db.transaction(() => {
          const fts: FtsWrite[] = [];
          for (const rowid of rowids.slice(i, i + args.perTransaction)) write(rowid, fts);
          fts.sort((a, b) => a[0] - b[0]);
          for (const [rowid, , deleteOld] of fts) if (deleteOld) q.ftsDelete.run(rowid);
          for (const [rowid, values] of fts) if (values) q.ftsInsert.run(rowid, ...values);
        }).immediate();
      }
      return round(performance.now() - started);
    };
    const editsMs = timed(edited, (rowid, fts) => {
      const d = q.document.get(rowid) as Doc;
      const id = rowid * CHUNK_ROWID_SPAN;
      const c = q.chunk.get(id) as Chunk;
      const body = `${c.body}\nEdited: a new line of text`;
      q.setChunk.run(body, id);
      fts.push([id, [d.title, c.heading, body, d.tags, 'facets'], true]);
      q.setDocument.run(`edited-${rowid}`, Date.now(), rowid);
      q.setUnit.run(`edited-${rowid}`, d.connectorId, d.unitKey);
    });
    let connectorId = '';
    const deletionsMs = timed(deleted, (rowid, fts) => {
      const d = q.document.get(rowid) as Doc;
      connectorId = d.connectorId;
      for (let k = 0; k < d.chunkCount; k++) {
        const id = rowid * CHUNK_ROWID_SPAN + k;
        fts.push([id, null, true]);
        q.deleteChunk.run(id);
      }
      q.deleteDocument.run(rowid);
      q.deleteUnit.run(d.connectorId, d.unitKey);
    });
    const appendsMs = timed(edited, (rowid, fts) => {
      const c = q.chunk.get(rowid * CHUNK_ROWID_SPAN) as Chunk;
      const key = `appended/${rowid}`;
      const added = Number(q.addDocument.run(connectorId, key, key, key, key, 'hash', Date.now()).lastInsertRowid);
      const id = added * CHUNK_ROWID_SPAN;
      q.addChunk.run(id, c.heading, c.body);
      fts.push([id, [key, c.heading, c.body, null, 'facets'], false]);
      q.addUnit.run(connectorId, key, 'fingerprint');
    });
    return { op: 'editFloor', editsMs, deletionsMs, appendsMs, maxRssMb: maxRssMb() };
  } finally {
    db.close();
  }
}

// ── search ──────────────────────────────────────────────────────────────────────────────────────────────────

const STOP = new Set(FUNCTION_WORDS);

/**
 * Queries of `words` words as someone who remembers a note would type them: content words (not function words,
 * not link syntax) picked at random from one random file of the corpus, so every query has at least one hit.
 */
export function makeQueries(args: SearchArgs, words: number): string[] {
  const r = rng(args.seed * 31 + words);
  const { kind, n, seed } = args.corpus;
  const out: string[] = [];
  while (out.length < args.queriesPerLength) {
    const index = Math.floor(r() * n);
    const text = kind === 'notes' ? noteText(seed, index, n) : treeFileText(seed, index);
    const body = text.slice(text.indexOf('\n---\n') + 5);
    const candidates = body.match(/(?<![[|#\w])[a-z]{3,}(?![\]\w|])/g)?.filter((w) => !STOP.has(w)) ?? [];
    if (candidates.length < words) continue;
    const picked = new Set<string>();
    while (picked.size < words) picked.add(candidates[Math.floor(r() * candidates.length)]);
    out.push([...picked].join(' '));
  }
  return out;
}

async function search(args: SearchArgs): Promise<SearchOutput> {
  const service = await SyncService.open({ dataDir: args.dataDir, owner: 'cli' });
  try {
    const documents = service.getState().connectors.reduce((n, c) => n + c.documents, 0);
    const chunks = service.getState().connectors.reduce((n, c) => n + c.chunks, 0);
    // Warm-up: the first queries read the index pages from the OS cache into SQLite's.
    const wr = rng(args.seed);
    for (let i = 0; i < 50; i++) service.search(`${contentWord(wr)} ${contentWord(wr)}`);
    const byWords: Record<string, LatencyStats> = {};
    // "prefix": one word typed part of the way (its first ~70 %, 4 letters at least) and a `*`; not a target row.
    const prefixOf = (word: string) => `${word.slice(0, Math.max(4, Math.ceil(word.length * 0.7)))}*`;
    for (const words of [1, 2, 3, 'prefix'] as const) {
      const queries = words === 'prefix' ? makeQueries(args, 1).map(prefixOf) : makeQueries(args, words);
      const times: number[] = [];
      let hits = 0;
      for (const q of queries) {
        const t = performance.now();
        hits += service.search(q).length;
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      byWords[String(words)] = {
        queries: times.length,
        p50Ms: round(percentile(times, 50), 3),
        p95Ms: round(percentile(times, 95), 3),
        maxMs: round(times[times.length - 1], 3),
        meanHits: round(hits / times.length, 1),
      };
    }
    return { op: 'search', chunks, documents, byWords, maxRssMb: maxRssMb() };
  } finally {
    await service.stop();
  }
}

async function idle(args: { dataDir: string }): Promise<IdleOutput> {
  const service = await SyncService.open({ dataDir: args.dataDir, owner: 'cli' });
  await service.stop();
  return { op: 'idle', maxRssMb: maxRssMb() };
}

// ── main ────────────────────────────────────────────────────────────────────────────────────────────────────

const OPS: Record<string, (args: never) => Promise<WorkerOutput>> = {
  sync,
  walk,
  baseline,
  resyncs,
  editFloor: (args: EditFloorArgs) => Promise.resolve(editFloor(args)),
  search,
  idle,
};

async function main(): Promise<void> {
  const [op, json] = process.argv.slice(2);
  const fn = OPS[op];
  if (!fn || !json) {
    console.error(`usage: worker.ts <${Object.keys(OPS).join('|')}> '<json args>'`);
    process.exit(2);
  }
  const out = await fn(JSON.parse(json) as never);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
