/**
 * Named crash points (electron/core/crash-points.ts): a child dies by SIGKILL exactly after one step of a batch
 * (read, chunk, write, checkpoint, commit) or of the schema creation/migration, and every one recovers:
 *   - right after the crash the index passes the integrity check and opens without any repair;
 *   - what the crash interrupted is all-or-nothing (a batch killed before its commit left nothing; at commit, it is
 *     all there; a migration killed before its commit left the old schema untouched);
 *   - a clean sync then converges exactly (verifyConvergence).
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CRASH_POINTS, type CrashPointName } from '../../electron/core/crash-points.js';
import { SCHEMA_VERSION } from '../../electron/core/schema.js';
import { SyncService } from '../../electron/core/service.js';
import { NoteCorpus } from '../helpers/corpus.js';
import { recordingLogger, removeTempDir, spawnTs, tempDir, verifyConvergence } from './lib.js';

export interface CrashPointCase {
  name: string;
  point: CrashPointName;
  hit: number;
  /** 'initial': the first sync of a fresh index; 'changed': a sync of a corpus that changed; 'schema': opening a
   *  data folder whose index does not exist yet; 'migration': upgrading a populated index to a next version. */
  when: 'initial' | 'changed' | 'schema' | 'migration';
}

const BATCH_POINTS = CRASH_POINTS.filter((p) => p.startsWith('batch:'));
const SCHEMA_POINTS = CRASH_POINTS.filter((p) => p.startsWith('schema:'));

/** Every batch point on the first sync (1st and 3rd hit) and on a changing corpus; every schema point twice. */
export function crashPointCases(opts: { hits?: number[] } = {}): CrashPointCase[] {
  const hits = opts.hits ?? [1, 3];
  const cases: CrashPointCase[] = [];
  for (const point of BATCH_POINTS) {
    for (const hit of hits) cases.push({ name: `${point}:${hit} during the first sync`, point, hit, when: 'initial' });
    // A sync of changes writes two or three batches here: the 2nd hit is inside the last one.
    cases.push({ name: `${point}:2 during a sync of changes`, point, hit: 2, when: 'changed' });
  }
  for (const point of SCHEMA_POINTS) {
    cases.push({ name: `${point} while creating the schema`, point, hit: 1, when: 'schema' });
    cases.push({ name: `${point} while migrating a populated index`, point, hit: 1, when: 'migration' });
  }
  return cases;
}

export interface CrashPointOutcome {
  name: string;
  /** Documents in the index right after the crash. */
  documentsAfterCrash: number;
  documentsAfterRecovery: number;
}

function count(db: string, sql: string): number {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return conn.prepare(sql).pluck().get() as number;
  } finally {
    conn.close();
  }
}

async function crashChild(dataDir: string, env: string): Promise<void> {
  const run = spawnTs('test/reliability/crash-child.ts', [dataDir], { env: { JARVIS_SYNC_CRASH_AT: env } });
  const exit = await run.exited;
  assert.equal(exit.signal, 'SIGKILL', `JARVIS_SYNC_CRASH_AT=${env} was never reached (exit ${String(exit.code)}):\n${exit.stderr}\n${exit.stdout}`);
}

/** Runs one case in its own folder; throws (assert) when anything is off. */
export async function runCrashPointCase(c: CrashPointCase, opts: { notes?: number; seed?: number } = {}): Promise<CrashPointOutcome> {
  const root = tempDir('jarvis-crashpoint-');
  try {
    const corpus = new NoteCorpus(join(root, 'notes'), opts.seed ?? 11);
    corpus.add(opts.notes ?? 450);
    const dataDir = join(root, 'data');
    const db = join(dataDir, 'index.sqlite');
    const setup = await SyncService.open({ dataDir });
    await setup.addConnector({ kind: 'folder', path: corpus.root, name: 'Notes' }, { syncNow: false });
    if (c.when === 'changed' || c.when === 'migration') {
      const first = await setup.syncNow(null);
      assert.deepEqual(first.failures, {});
      corpus.mutate(Math.round(corpus.notes.size * 0.4));
    }
    await setup.stop();
    const before = count(db, 'SELECT count(*) FROM documents');
    const env = `${c.point}:${c.hit}`;

    let documentsAfterCrash: number;
    if (c.when === 'migration') {
      const copy = join(root, 'upgrade.sqlite');
      copyFileSync(db, copy);
      const run = spawnTs('test/reliability/migrate-child.ts', [copy], { env: { JARVIS_SYNC_CRASH_AT: env } });
      const exit = await run.exited;
      assert.equal(exit.signal, 'SIGKILL', `${env} not reached in the migration: ${exit.stderr}${exit.stdout}`);
      const version = count(copy, 'PRAGMA user_version');
      const hasTable = count(copy, "SELECT count(*) FROM sqlite_schema WHERE name = 'reliability_v2'");
      if (c.point === 'schema:commit') {
        assert.equal(version, SCHEMA_VERSION + 1, 'a committed migration must survive the crash');
        assert.equal(hasTable, 1);
      } else {
        assert.equal(version, SCHEMA_VERSION, 'a migration killed before its commit must leave the old version');
        assert.equal(hasTable, 0, 'a migration killed before its commit left part of the new schema');
      }
      const conn = new Database(copy);
      try {
        const check = conn.pragma('quick_check', { simple: true });
        assert.equal(check, 'ok');
        documentsAfterCrash = conn.prepare('SELECT count(*) FROM documents').pluck().get() as number;
        assert.equal(documentsAfterCrash, before, 'documents lost by a crashed migration');
      } finally {
        conn.close();
      }
      // Running the upgrade again completes it.
      const again = spawnTs('test/reliability/migrate-child.ts', [copy]);
      const done = await again.exited;
      assert.equal(done.code, 0, done.stderr);
      assert.equal(count(copy, 'PRAGMA user_version'), SCHEMA_VERSION + 1);
      assert.equal(count(copy, "SELECT count(*) FROM documents WHERE reliability_v2 = 'x'"), before);
    } else {
      if (c.when === 'schema') {
        for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
      }
      await crashChild(dataDir, env);
      if (c.when === 'schema') {
        assert.ok(existsSync(db), 'the index file should exist after a crash in schema creation');
        const version = count(db, 'PRAGMA user_version');
        const objects = count(db, 'SELECT count(*) FROM sqlite_schema');
        if (c.point === 'schema:commit') assert.equal(version, SCHEMA_VERSION);
        else assert.deepEqual({ version, objects }, { version: 0, objects: 0 }, 'a half-created schema was left behind');
        documentsAfterCrash = version === 0 ? 0 : count(db, 'SELECT count(*) FROM documents');
      } else {
        documentsAfterCrash = count(db, 'SELECT count(*) FROM documents');
        if (c.when === 'initial' && c.hit === 1) {
          // The first batch of a fresh index: before its commit nothing of it may be visible, at commit all of it.
          if (c.point === 'batch:commit') assert.ok(documentsAfterCrash > 0, 'a committed batch was lost');
          else assert.equal(documentsAfterCrash, 0, `an uncommitted batch left ${documentsAfterCrash} documents`);
        }
      }
    }

    // Right after the crash: opens without repair, passes the full check; then a clean sync converges.
    const warnings: string[] = [];
    const service = await SyncService.open({ dataDir, createLogger: recordingLogger(warnings) });
    try {
      assert.equal(service.getState().notices.length, 0, `notices after the crash: ${JSON.stringify(service.getState().notices)}`);
      const check = service.integrityCheck();
      assert.ok(check.ok, check.details);
      const report = await service.syncNow(null);
      assert.deepEqual(report.failures, {});
      const figures = await verifyConvergence(service, corpus, 'notes');
      assert.deepEqual(warnings.filter((w) => /damaged|rebuild|corrupt/i.test(w)), [], 'a repair was needed');
      return { name: c.name, documentsAfterCrash, documentsAfterRecovery: figures.documents };
    } finally {
      await service.stop();
    }
  } finally {
    removeTempDir(root);
  }
}
