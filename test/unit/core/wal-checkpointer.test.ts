import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../../shared/logger.js';
import { silentLogger } from '../../../shared/logger.js';
import { KnowledgeStore } from '../../../electron/core/store.js';
import { documentRow } from '../../helpers/document-row.js';
import { DEFAULT_AUTOCHECKPOINT_PAGES, WAL_HARD_CAP_PAGES } from '../../../electron/core/wal-checkpointer.js';
import type { CheckpointerOptions } from '../../../electron/core/wal-checkpointer.js';

let dir: string;
let dbPath: string;
const open: KnowledgeStore[] = [];

function openStore(
  opts: { readonly?: boolean; file?: string; checkpointer?: CheckpointerOptions; log?: Logger } = {},
): KnowledgeStore {
  const store = KnowledgeStore.open(opts.file ?? dbPath, {
    log: opts.log ?? silentLogger,
    readonly: opts.readonly,
    checkpointer: opts.checkpointer,
  });
  open.push(store);
  return store;
}

/** The writer connection, to read its pragmas. */
function connection(store: KnowledgeStore): Database.Database {
  return (store as unknown as { db: Database.Database }).db;
}

const row = (docId: string) => documentRow('c1', docId);

/** Distinct words, so the full-text index grows like it does for real text. */
function body(i: number, words = 300): string {
  const out: string[] = [];
  for (let w = 0; w < words; w++) out.push(`w${((i * 7919 + w * 104729) % 50_000).toString(36)}`);
  return out.join(' ');
}

/** Writes `docs` documents in transactions of 50, the way a sync does: several MB of WAL. */
function sync(store: KnowledgeStore, docs: number, from = 0): void {
  for (let start = from; start < from + docs; start += 50) {
    store.transaction(() => {
      for (let i = start; i < Math.min(start + 50, from + docs); i++) {
        store.insertDocument(row(`d${i}`), [
          { heading: 'one', body: body(i) },
          { heading: 'two', body: body(i + 1_000_000) },
        ]);
      }
    });
  }
}

function walSize(): number {
  try {
    return fs.statSync(`${dbPath}-wal`).size;
  } catch {
    return 0;
  }
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jarvis-wal-'));
  dbPath = path.join(dir, 'index.db');
});

afterEach(() => {
  for (const s of open.splice(0)) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('KnowledgeStore: WAL checkpoints on a worker thread', () => {
  it('leaves checkpoints to the worker, which copies the WAL and truncates it when writes stop', async () => {
    const store = openStore({ checkpointer: { idleMs: 200 } });
    // The writer's own automatic checkpoint is only the hard cap; the worker has not started for a tiny WAL.
    expect(connection(store).pragma('wal_autocheckpoint', { simple: true })).toBe(WAL_HARD_CAP_PAGES);
    expect(store.walCheckpoints).toMatchObject({ mode: 'worker', started: false, checkpoints: 0 });

    sync(store, 1500);
    expect(store.walCheckpoints!.started).toBe(true);
    await vi.waitFor(
      () => {
        const stats = store.walCheckpoints!;
        expect(stats.framesCheckpointed).toBeGreaterThan(0);
        expect(stats.truncations).toBeGreaterThan(0);
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(walSize()).toBe(0);
    expect(store.walCheckpoints!.mode).toBe('worker');
    expect(connection(store).pragma('wal_autocheckpoint', { simple: true })).toBe(WAL_HARD_CAP_PAGES);
    expect(store.counts('c1')).toEqual({ documents: 1500, chunks: 3000 });
  });

  it('closes to a consistent file that reopens with every row, the WAL removed', () => {
    const store = openStore();
    sync(store, 1200);
    expect(store.walCheckpoints!.started).toBe(true);
    // Closed while a checkpoint may still be running on the worker.
    store.close();
    expect(fs.existsSync(`${dbPath}-wal`)).toBe(false);

    const again = openStore();
    expect(again.counts('c1')).toEqual({ documents: 1200, chunks: 2400 });
    expect(again.integrityCheck().ok).toBe(true);
    expect(again.search('title d1199').map((h) => h.docId)).toContain('c1:d1199');
    // And it keeps working after the reopen (a second worker on the same file).
    sync(again, 300, 1200);
    again.close();
    const third = openStore({ readonly: true });
    expect(third.counts('c1')).toEqual({ documents: 1500, chunks: 3000 });
  });

  it('falls back to SQLite’s automatic checkpoint when the worker cannot start, and still works', () => {
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warn: (msg: string) => void warnings.push(msg) };
    const store = openStore({ checkpointer: { failWorkerStart: true }, log });
    sync(store, 1200);
    expect(store.walCheckpoints).toMatchObject({ mode: 'fallback', started: false, checkpoints: 0 });
    expect(connection(store).pragma('wal_autocheckpoint', { simple: true })).toBe(DEFAULT_AUTOCHECKPOINT_PAGES);
    expect(warnings.some((w) => w.includes('checkpoint'))).toBe(true);
    // SQLite's own checkpoints kept the WAL near its 1,000 pages (the file grew past them only by a transaction).
    expect(walSize()).toBeLessThan(16 << 20);
    sync(store, 100, 1200);
    store.close();
    const again = openStore();
    expect(again.counts('c1')).toEqual({ documents: 1300, chunks: 2600 });
    expect(again.integrityCheck().ok).toBe(true);
  });

  it('falls back when the worker cannot open the index, or dies again and again', async () => {
    const missing = openStore({ checkpointer: { driver: path.join(dir, 'no-such-driver.js') } });
    sync(missing, 600);
    await vi.waitFor(() => expect(missing.walCheckpoints!.mode).toBe('fallback'), { timeout: 15_000, interval: 20 });
    expect(connection(missing).pragma('wal_autocheckpoint', { simple: true })).toBe(DEFAULT_AUTOCHECKPOINT_PAGES);
    missing.close();

    // A "driver" that ends the worker thread as soon as it is used: each commit past 1 MB of WAL starts a new one.
    const dying = path.join(dir, 'dying-driver.cjs');
    fs.writeFileSync(dying, 'module.exports = function Database() { process.exit(3); };\n');
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warn: (msg: string) => void warnings.push(msg) };
    const store = openStore({ checkpointer: { driver: dying }, log });
    let next = 600;
    await vi.waitFor(
      () => {
        sync(store, 50, next);
        next += 50;
        expect(store.walCheckpoints!.mode).toBe('fallback');
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(warnings.filter((w) => w.includes('checkpoint thread stopped')).length).toBe(3);
    expect(connection(store).pragma('wal_autocheckpoint', { simple: true })).toBe(DEFAULT_AUTOCHECKPOINT_PAGES);
    store.close();
    expect(openStore().counts('c1').documents).toBe(next);
  });

  it('starts no worker for read-only stores', () => {
    const writer = openStore();
    sync(writer, 600);
    const reader = openStore({ readonly: true });
    expect(reader.walCheckpoints).toBeNull();
    expect(reader.counts('c1').documents).toBe(600);
    const missing = openStore({ readonly: true, file: path.join(dir, 'none.db') });
    expect(missing.walCheckpoints).toBeNull();
  });
});
