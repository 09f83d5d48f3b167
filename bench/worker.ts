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
 * - `walk`     the floor of a no-change re-sync: a bare readdir + lstat walk of the same tree.
 * - `baseline` the floor of a cold sync: the same walk, then each file read (readFileSync: the cheapest read there
 *              is) and inserted whole into a plain FTS5 table (same tokenizer), 100 files per transaction. No
 *              parsing, chunking, hashing or bookkeeping.
 * - `search`   search latency through SyncService.search over an existing index.
 * - `idle`     peak RSS of a process that loaded the service and opened an empty data folder (the RSS floor).
 */
import { existsSync, promises as fsp, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { SyncService } from '../electron/core/service.js';
import type { ConnectorKind, RunResult } from '../shared/types.js';
import { FUNCTION_WORDS, contentWord, noteText, rng, treeFileText } from './corpus.js';

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

export type WorkerOutput = SyncOutput | WalkOutput | BaselineOutput | SearchOutput | IdleOutput;

const maxRssMb = (): number => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

// ── sync ────────────────────────────────────────────────────────────────────────────────────────────────────

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
    const existing = service.getState().connectors.find((c) => c.path === args.path && c.kind === args.kind);
    id = existing?.id ?? (await service.addConnector({ kind: args.kind, path: args.path }, { syncNow: false })).id;
    openMs = performance.now() - t0;
    eld.enable();
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    report = await service.syncNow([id]);
    ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    cpuMs = (cpu.user + cpu.system) / 1000;
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
    for (const words of [1, 2, 3]) {
      const times: number[] = [];
      let hits = 0;
      for (const q of makeQueries(args, words)) {
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

const OPS: Record<string, (args: never) => Promise<WorkerOutput>> = { sync, walk, baseline, search, idle };

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
