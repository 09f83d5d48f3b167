/**
 * Idle-time compaction of the full-text index: merges left by large syncs are finished between syncs, never
 * during one, and nothing found before is lost.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IndexMaintainer } from '../../../electron/core/index-maintainer.js';
import { SyncService } from '../../../electron/core/service.js';
import { KnowledgeStore } from '../../../electron/core/store.js';
import { silentLogger } from '../../../shared/logger.js';
import { documentRow } from '../../helpers/document-row.js';

let dir: string;
let store: KnowledgeStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jarvis-maintain-'));
  store = KnowledgeStore.open(join(dir, 'index.sqlite'), { log: silentLogger });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Words enough that each commit's segment spans several pages, as a real sync's batches do. */
const text = (n: number) =>
  Array.from({ length: 150 }, (_, i) => `w${(n * 7919 + i * 104729) % 50_000}`).join(' ') +
  ` common words here and the unique marker qq${n}zz`;

/**
 * Writes `transactions` commits of documents, each a new full-text segment; FTS5's automerge starts merging them
 * as they pile up and, with commits this size, leaves some of that merge for later (as a large sync does).
 */
function writeSegments(into: KnowledgeStore = store, transactions = 60, perTransaction = 50, first = 0): void {
  let n = first;
  for (let t = 0; t < transactions; t++) {
    into.transaction(() => {
      for (let i = 0; i < perTransaction; i++, n++) {
        into.insertDocument(documentRow('notes', `d${n}`), [{ heading: '', body: text(n) }]);
      }
    });
  }
}

const hits = (q: string) =>
  store
    .search(q, { limit: 200 })
    .map((h) => h.title)
    .sort();

/** Whether FTS5 still finds segments to merge, asked on a connection of its own (then rolled back). */
function mergeWorkLeft(file: string): boolean {
  const db = new Database(file);
  try {
    db.exec('BEGIN IMMEDIATE');
    const before = db.prepare('SELECT total_changes()').pluck().get() as number;
    db.prepare("INSERT INTO chunks (chunks, rank) VALUES ('merge', 64)").run();
    const after = db.prepare('SELECT total_changes()').pluck().get() as number;
    db.exec('ROLLBACK');
    return after - before >= 2;
  } finally {
    db.close();
  }
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('KnowledgeStore.compactFullTextStep', () => {
  it('merges the segments left by many small commits, then reports that nothing is left; search is unchanged', () => {
    writeSegments();
    const before = { common: hits('common words'), one: hits('qq42zz') };
    expect(before.common).toHaveLength(200); // the search limit
    let steps = 0;
    while (store.compactFullTextStep(64)) steps++;
    expect(steps).toBeGreaterThan(0);
    expect(store.compactFullTextStep(64)).toBe(false);
    expect(mergeWorkLeft(store.path)).toBe(false);
    expect({ common: hits('common words'), one: hits('qq42zz') }).toEqual(before);
  });

  it('finds nothing to do on a fresh index', () => {
    expect(store.compactFullTextStep(64)).toBe(false);
  });
});

describe('IndexMaintainer', () => {
  it('steps only when not busy, and finishes once kicked again', async () => {
    writeSegments();
    let busy = true;
    const m = new IndexMaintainer({ store: () => store, busy: () => busy, log: silentLogger, gapMs: 0 });
    m.kick();
    await tick(20);
    expect(m.steps).toBe(0);
    busy = false;
    m.kick();
    await m.whenDone();
    expect(m.steps).toBeGreaterThan(0);
    expect(mergeWorkLeft(store.path)).toBe(false);
    m.close();
  });

  it('whenDone({ hurry }) runs the rest of the round without the gaps between steps, and only that round', async () => {
    writeSegments();
    const m = new IndexMaintainer({ store: () => store, busy: () => false, log: silentLogger, gapMs: 60_000 });
    m.kick();
    await m.whenDone({ hurry: true });
    expect(m.steps).toBeGreaterThan(1);
    expect(mergeWorkLeft(store.path)).toBe(false);

    // The next round keeps the app's gap: one step, then a wait.
    writeSegments(store, 60, 50, 3_000);
    const before = m.steps;
    m.kick();
    await tick(100);
    expect(m.steps).toBe(before + 1);
    m.close();
  });

  it('whenDone() resolves at once when there is nothing to do, and when closed', async () => {
    const m = new IndexMaintainer({ store: () => store, busy: () => true, log: silentLogger });
    const waiting = m.whenDone();
    m.close();
    await waiting;
    await m.whenDone();
  });

  it('a failing step ends the round with a warning and leaves the index as it was', async () => {
    writeSegments();
    const before = hits('common words');
    const warnings: unknown[][] = [];
    const log = { ...silentLogger, warn: (...args: unknown[]) => void warnings.push(args) };
    const broken = Object.create(store) as KnowledgeStore;
    broken.maintenanceStep = () => {
      throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    };
    const m = new IndexMaintainer({ store: () => broken, busy: () => false, log, gapMs: 0 });
    await m.whenDone();
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0][1])).toContain('database is locked');
    expect(hits('common words')).toEqual(before);
    m.close();
  });
});

describe('SyncService idle compaction', () => {
  it('finishes the merges an index was left with once it is idle, and again after a sync', async () => {
    const dataDir = join(dir, 'data');
    const file = join(dataDir, 'index.sqlite');
    mkdirSync(dataDir);
    const left = KnowledgeStore.open(file, { log: silentLogger });
    writeSegments(left);
    left.close();
    expect(mergeWorkLeft(file)).toBe(true);

    const notes = join(dir, 'notes');
    mkdirSync(notes);
    for (let i = 0; i < 300; i++) writeFileSync(join(notes, `n${i}.md`), `# Note ${i}\n\n${text(i)} word${i}\n`);
    const service = await SyncService.open({ dataDir, owner: 'cli' });
    try {
      await service.whenIndexCompacted();
      expect(mergeWorkLeft(file)).toBe(false);
      expect(service.search('qq42zz').map((h) => h.title)).toEqual(['Title of d42']);

      const { id } = await service.addConnector({ kind: 'folder', path: notes }, { syncNow: false });
      expect((await service.syncNow([id])).results[id]).toMatchObject({ added: 300, failed: 0 });
      await service.whenIndexCompacted();
      expect(mergeWorkLeft(file)).toBe(false);
      expect(service.search('word123').map((h) => h.title)).toEqual(['Note 123']);
    } finally {
      await service.stop();
    }
  });
});
