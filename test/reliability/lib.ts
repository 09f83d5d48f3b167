/**
 * Shared plumbing of the reliability suites: child processes through bin/run-ts.mjs, a seeded RNG, temp folders,
 * and the exact-convergence check of a folder connector against a NoteCorpus.
 *
 * The suites use node:assert (not Vitest's expect) so the same scenario code runs inside `npm test`
 * (test/unit/reliability) and in `npm run reliability` (test/reliability/run.ts).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Logger } from '../../shared/logger.js';
import type { SyncService } from '../../electron/core/service.js';
import type { NoteCorpus } from '../helpers/corpus.js';
import { removeTempDir } from '../helpers/temp-dir.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const RUN_TS = join(REPO_ROOT, 'bin/run-ts.mjs');

/**
 * Environment and user of a child process. As another user (uid 65534) it gets a minimal environment: this
 * process's HOME and TMPDIR may not be reachable by that user.
 */
export function childIdentity(
  uid: number | undefined,
  env: NodeJS.ProcessEnv = {},
): { env: NodeJS.ProcessEnv; uid?: number; gid?: number } {
  if (uid === undefined) return { env: { ...process.env, ...env } };
  return { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp', TMPDIR: '/tmp', ...env }, uid, gid: uid };
}

/** A small, seeded RNG (the benchmark corpus's), so every campaign is reproducible from its seed. */
export { rng } from '../../bench/corpus.js';

/** A world-readable temp folder (a child running as nobody must reach it). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

export { removeTempDir };

export interface TsChild {
  child: ChildProcess;
  /** Resolves when the process has exited, with how. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/**
 * Starts `node [nodeArgs] bin/run-ts.mjs <script> [args]`. `onLine` sees each stdout line as it arrives.
 * `uid` runs the child as another user (root only), e.g. 65534 to meet file permissions for real.
 */
export function spawnTs(
  script: string,
  args: string[],
  opts: {
    env?: NodeJS.ProcessEnv;
    nodeArgs?: string[];
    onLine?: (line: string) => void;
    uid?: number;
  } = {},
): TsChild {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), RUN_TS, resolve(REPO_ROOT, script), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...childIdentity(opts.uid, opts.env),
  });
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      opts.onLine?.(line);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (done, fail) => {
      child.on('error', fail);
      child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
    },
  );
  return { child, exited };
}

/** Runs a child to completion and parses the last stdout line as JSON; throws with stderr when it failed. */
export async function runTsJson<T>(
  script: string,
  args: string[],
  opts: Parameters<typeof spawnTs>[2] = {},
): Promise<T> {
  const { exited } = spawnTs(script, args, opts);
  const r = await exited;
  if (r.code !== 0) throw new Error(`${script} exited with ${String(r.code ?? r.signal)}:\n${r.stderr}\n${r.stdout}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

/** A logger that keeps warn/error lines, to prove a run needed no recovery. */
export function recordingLogger(lines: string[]): () => Logger {
  const keep =
    (level: string) =>
    (...args: unknown[]) =>
      lines.push(
        `${level}: ${args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`,
      );
  return () => ({ debug() {}, info() {}, warn: keep('warn'), error: keep('error') });
}

export interface ConvergenceFigures {
  documents: number;
  chunks: number;
  searchedWords: number;
  goneWordsChecked: number;
}

/**
 * After a final clean sync: the index equals the corpus exactly and every checkpoint is consistent.
 *
 * - integrity check (SQLite quick_check + FTS5 integrity-check) passes;
 * - the documents are exactly the corpus's files (no loss, no duplicate, no leftover of a renamed or deleted
 *   file), the manifest lists exactly those units, each document's chunk rows match its chunk count, and the
 *   connector's totals (documents, chunks) match its rows;
 * - each note's current unique word finds that note and only it; no word of an old version is findable;
 * - no run is left 'running', the checkpoint has no cursor and no error;
 * - a second sync changes nothing (the checkpoint and manifest agree with the source).
 */
export async function verifyConvergence(
  service: SyncService,
  corpus: NoteCorpus,
  connectorId: string,
  opts: { goneSample?: number } = {},
): Promise<ConvergenceFigures> {
  const integrity = service.integrityCheck();
  assert.ok(integrity.ok, `integrity check failed:\n${integrity.details}`);

  const db = new Database(service.paths.db, { readonly: true, fileMustExist: true });
  let indexedChunks = 0;
  try {
    const docs = db
      .prepare('SELECT doc_id, unit_key, path, chunk_count, id FROM documents WHERE connector_id = ?')
      .all(connectorId) as { doc_id: string; unit_key: string; path: string; chunk_count: number; id: number }[];
    const expected = [...corpus.notes.keys()].sort();
    const actual = docs.map((d) => d.doc_id).sort();
    assertSameSet(actual, expected, 'indexed documents vs files on disk');
    for (const d of docs) {
      indexedChunks += d.chunk_count;
      assert.equal(d.unit_key, d.doc_id, `document ${d.doc_id} belongs to unit ${d.unit_key}`);
      assert.equal(d.path, join(corpus.root, d.doc_id), `document ${d.doc_id} has path ${d.path}`);
    }
    const units = (
      db.prepare('SELECT key FROM units WHERE connector_id = ?').pluck().all(connectorId) as string[]
    ).sort();
    assertSameSet(units, expected, 'manifest units vs files on disk');
    const badChunks = db
      .prepare(
        `SELECT d.doc_id, d.chunk_count, (SELECT count(*) FROM chunk_text c WHERE c.id BETWEEN d.id * 65536 AND d.id * 65536 + 65535) AS n
         FROM documents d WHERE d.connector_id = ? AND n != d.chunk_count LIMIT 5`,
      )
      .all(connectorId);
    assert.deepEqual(badChunks, [], 'documents whose chunk rows do not match their chunk count');
    const orphanChunks = db
      .prepare(
        'SELECT count(*) FROM chunk_text c WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = c.id / 65536)',
      )
      .pluck()
      .get() as number;
    assert.equal(orphanChunks, 0, 'chunk rows without a document');
    const running = db.prepare("SELECT count(*) FROM runs WHERE outcome = 'running'").pluck().get() as number;
    assert.equal(running, 0, "runs left 'running'");
    const checkpoint = db
      .prepare(
        'SELECT cursor, watermark, last_success_at, last_error, consecutive_failures FROM checkpoints WHERE connector_id = ?',
      )
      .get(connectorId) as
      | {
          cursor: string | null;
          watermark: number | null;
          last_success_at: number | null;
          last_error: string | null;
          consecutive_failures: number;
        }
      | undefined;
    assert.ok(checkpoint, 'no checkpoint');
    assert.deepEqual(
      { cursor: checkpoint.cursor, error: checkpoint.last_error, failures: checkpoint.consecutive_failures },
      { cursor: null, error: null, failures: 0 },
      'the checkpoint after a clean sync still holds a cursor, an error or a failure streak',
    );
    assert.ok(
      checkpoint.watermark !== null && checkpoint.last_success_at !== null,
      'the clean sync did not advance the watermark',
    );
  } finally {
    db.close();
  }

  let searched = 0;
  for (const [rel, word] of corpus.notes) {
    const hits = service.search(word, { limit: 5 });
    assert.deepEqual(
      hits.map((h) => h.path),
      [join(corpus.root, rel)],
      `search for ${word} (the current text of ${rel})`,
    );
    searched++;
  }
  const gone = [...corpus.gone];
  const sample =
    opts.goneSample && gone.length > opts.goneSample
      ? gone.filter((_, i) => i % Math.ceil(gone.length / opts.goneSample!) === 0)
      : gone;
  for (const word of sample) assert.deepEqual(service.search(word, {}), [], `stale text still findable: ${word}`);

  const checkpoint = service.getConnector(connectorId);
  assert.equal(checkpoint.lastError, null, 'the checkpoint still holds an error');
  // The totals the dashboard shows are kept by triggers (schema.ts, connector_totals), not counted: after every kill
  // they must still equal the rows.
  assert.equal(checkpoint.documents, corpus.notes.size, "the connector's document total");
  assert.equal(checkpoint.chunks, indexedChunks, "the connector's chunk total");

  const again = await service.syncNow([connectorId]);
  assert.deepEqual(again.failures, {}, 'second sync failed');
  const r = again.results[connectorId];
  assert.deepEqual(
    { added: r.added, updated: r.updated, deleted: r.deleted, failed: r.failed, unchanged: r.unchanged },
    { added: 0, updated: 0, deleted: 0, failed: 0, unchanged: corpus.notes.size },
    'a second sync changed something: the checkpoint or manifest disagreed with the source',
  );
  return {
    documents: checkpoint.documents,
    chunks: checkpoint.chunks,
    searchedWords: searched,
    goneWordsChecked: sample.length,
  };
}

function assertSameSet(actual: string[], expected: string[], what: string): void {
  if (actual.length === expected.length && actual.every((v, i) => v === expected[i])) return;
  const a = new Set(actual);
  const e = new Set(expected);
  const missing = expected.filter((x) => !a.has(x)).slice(0, 10);
  const extra = actual.filter((x) => !e.has(x)).slice(0, 10);
  const dups = actual.filter((x, i) => i > 0 && actual[i - 1] === x).slice(0, 10);
  assert.fail(
    `${what}: ${actual.length} vs ${expected.length}; missing ${JSON.stringify(missing)}, extra ${JSON.stringify(extra)}, duplicated ${JSON.stringify(dups)}`,
  );
}
