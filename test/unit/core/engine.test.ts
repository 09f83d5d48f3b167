import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/logger.js';
import { SyncCancelledError } from '../../../electron/core/abort.js';
import { InlineBatchWriter, type Batch, type BatchWriter } from '../../../electron/core/batch-writer.js';
import { SyncEngine } from '../../../electron/core/engine.js';
import { SyncFailure } from '../../../electron/core/errors.js';
import { IngestionPipeline } from '../../../electron/core/pipeline.js';
import { KnowledgeStore } from '../../../electron/core/store.js';
import type { Connector, ItemIssue, SourceUnit } from '../../../electron/connectors/types.js';
import { MemorySource, memoryConnector } from '../../helpers/memory-connector.js';
import { manifestOf } from '../../helpers/manifest.js';

let dir: string;
let store: KnowledgeStore;
let clock: number;

function engine(opts: Partial<ConstructorParameters<typeof SyncEngine>[0]> = {}) {
  return new SyncEngine({
    store,
    pipeline: new IngestionPipeline(store),
    log: silentLogger,
    now: () => clock,
    ...opts,
  });
}

const run = (e: SyncEngine, source: MemorySource, signal = new AbortController().signal) =>
  e.sync(memoryConnector('notes', source), { signal, trigger: 'manual' });

const titles = (q: string) => store.search(q, {}).map((h) => h.title);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jarvis-engine-'));
  store = KnowledgeStore.open(join(dir, 'index.sqlite'), { log: silentLogger });
  clock = 1_000_000;
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SyncEngine', () => {
  it('indexes a new source and counts documents and chunks separately', async () => {
    const src = new MemorySource();
    src.setNote('a.md', 'alpha apples');
    src.setNote('b.md', 'beta bananas');
    const r = await run(engine(), src);
    expect(r).toMatchObject({ added: 2, updated: 0, deleted: 0, unchanged: 0, failed: 0 });
    expect(r.chunks).toBeGreaterThanOrEqual(2);
    expect(titles('bananas')).toEqual(['b.md']);
  });

  it('re-indexes an edited document: the new text is found and the old text is not (upstream gap #2)', async () => {
    const src = new MemorySource();
    src.setNote('a.md', 'the quick brown fox');
    const e = engine();
    await run(e, src);
    src.setNote('a.md', 'the lazy dog');
    const r = await run(e, src);
    expect(r).toMatchObject({ added: 0, updated: 1, unchanged: 0 });
    expect(titles('dog')).toEqual(['a.md']);
    expect(titles('fox')).toEqual([]);
  });

  it('applies deletions (upstream gap #3) and reports unchanged documents', async () => {
    const src = new MemorySource();
    for (const k of ['a', 'b', 'c']) src.setNote(`${k}.md`, `note ${k} zebra`);
    const e = engine();
    await run(e, src);
    src.units.delete('b.md');
    const r = await run(e, src);
    expect(r).toMatchObject({ deleted: 1, unchanged: 2, added: 0, updated: 0 });
    expect(titles('zebra').sort()).toEqual(['a.md', 'c.md']);
  });

  it('gives the event loop turns while it deletes thousands of vanished units', async () => {
    const src = new MemorySource();
    for (let i = 0; i < 1510; i++) src.setNote(`n${i}.md`, `note ${i}`);
    const e = engine();
    await run(e, src);
    for (let i = 10; i < 1510; i++) src.units.delete(`n${i}.md`);
    // What other work on this thread (the tray, IPC) sees of the index while the run goes on.
    const seen = new Set<number>();
    let watching = true;
    const watch = (): void => {
      if (!watching) return;
      seen.add(store.counts('notes').documents);
      setImmediate(watch);
    };
    setImmediate(watch);
    const r = await run(e, src).finally(() => (watching = false));
    expect(r).toMatchObject({ deleted: 1500, unchanged: 10 });
    expect([...seen].some((n) => n > 10 && n < 1510)).toBe(true);
  });

  it('writes an edit found early in a long walk during the walk, not after it', async () => {
    const src = new MemorySource();
    for (let i = 0; i < 400; i++) src.setNote(`n${String(i).padStart(3, '0')}.md`, `note ${i} plain`);
    const e = engine({ batchMaxMs: 0 });
    await run(e, src);
    src.setNote('n000.md', 'note 0 edited kestrel');
    // What the index holds when the walk hands over its last unit.
    let atLastUnit: string[] | null = null;
    const connector = memoryConnector('notes', src);
    const enumerate = connector.enumerate.bind(connector);
    connector.enumerate = async function* (ctx) {
      for await (const item of enumerate(ctx)) {
        if ('key' in item && item.key === 'n399.md') atLastUnit = titles('kestrel');
        yield item;
      }
    };
    const r = await e.sync(connector, { signal: new AbortController().signal, trigger: 'manual' });
    expect(r).toMatchObject({ updated: 1, unchanged: 399 });
    expect(atLastUnit).toEqual(['n000.md']);
  });

  it('does not read units whose fingerprint is unchanged', async () => {
    const src = new MemorySource();
    src.setNote('a.md', 'one');
    src.setNote('b.md', 'two');
    const e = engine();
    await run(e, src);
    src.reads = [];
    src.setNote('b.md', 'two changed');
    await run(e, src);
    expect(src.reads).toEqual(['b.md']);
  });

  it('keeps the watermark at the start of the last successful run; a failed run never advances it (upstream)', async () => {
    const src = new MemorySource();
    src.setNote('a.md', 'x');
    const e = engine();
    expect(e.getCheckpoint('notes')).toBeNull();
    await run(e, src);
    expect(src.lastCtx?.since).toBeNull();
    const first = e.getCheckpoint('notes')!;
    expect(first.watermark).toBe(1_000_000);

    clock = 2_000_000;
    src.rootAvailable = false;
    await expect(run(e, src)).rejects.toBeInstanceOf(SyncFailure);
    const failed = e.getCheckpoint('notes')!;
    expect(failed.watermark).toBe(1_000_000);
    expect(failed.lastAttemptAt).toBe(2_000_000);
    expect(failed.lastSuccessAt).toBe(first.lastSuccessAt);
    expect(failed.lastError?.code).toBe('E_ROOT_UNAVAILABLE');
    expect(failed.consecutiveFailures).toBe(1);

    clock = 3_000_000;
    src.rootAvailable = true;
    await run(e, src);
    // The retry after a failure got the same `since` as before the failure.
    expect(src.lastCtx?.since).toBe(1_000_000);
    expect(e.getCheckpoint('notes')).toMatchObject({ watermark: 3_000_000, lastError: null, consecutiveFailures: 0 });
  });

  it('a missing root deletes nothing', async () => {
    const src = new MemorySource();
    for (let i = 0; i < 5; i++) src.setNote(`n${i}.md`, `kept text ${i}`);
    const e = engine();
    await run(e, src);
    src.rootAvailable = false;
    await expect(run(e, src)).rejects.toMatchObject({ code: 'E_ROOT_UNAVAILABLE' });
    expect(store.counts('notes').documents).toBe(5);
  });

  it('refuses a mass deletion when the root is not the same one (replaced by an empty folder)', async () => {
    const src = new MemorySource();
    for (let i = 0; i < 10; i++) src.setNote(`n${i}.md`, `guarded ${i}`);
    const e = engine();
    await run(e, src);
    src.units.clear();
    src.rootIdentity = 'dev:2';
    await expect(run(e, src)).rejects.toMatchObject({ code: 'E_MASS_DELETE_GUARD' });
    expect(store.counts('notes').documents).toBe(10);
  });

  it('applies a mass deletion when the root is verifiably the same folder', async () => {
    const src = new MemorySource();
    for (let i = 0; i < 10; i++) src.setNote(`n${i}.md`, `gone ${i}`);
    const e = engine();
    await run(e, src);
    src.units.clear();
    const r = await run(e, src);
    expect(r.deleted).toBe(10);
    expect(store.counts('notes').documents).toBe(0);
  });

  it('keeps documents under a folder that could not be listed, and records why', async () => {
    const src = new MemorySource();
    src.setNote('ok.md', 'visible');
    src.setNote('private/secret.md', 'hidden words');
    const e = engine();
    await run(e, src);
    src.unreadablePrefixes = ['private'];
    const r = await run(e, src);
    expect(r.deleted).toBe(0);
    expect(r.failed).toBe(1);
    expect(titles('hidden')).toEqual(['private/secret.md']);
    expect(store.listItemErrors('notes').map((x) => x.code)).toEqual(['EACCES']);
  });

  it('clears a problem the next successful run did not see, even when that run starts in the same millisecond', async () => {
    // Runs on a fast machine follow each other within a millisecond; which run saw a problem is what counts.
    const src = new MemorySource();
    src.setNote('a.md', 'original words');
    const e = engine();
    await run(e, src);
    src.setNote('a.md', 'new words');
    src.units.get('a.md')!.failWith = 'EACCES';
    expect(await run(e, src)).toMatchObject({ failed: 1 });
    expect(store.listItemErrors('notes')).toHaveLength(1);

    delete src.units.get('a.md')!.failWith;
    expect(await run(e, src)).toMatchObject({ updated: 1, failed: 0 });
    expect(store.listItemErrors('notes')).toHaveLength(0);
  });

  it('an unreadable file keeps its last good version, is recorded, and is retried on the next sync', async () => {
    const src = new MemorySource();
    src.setNote('a.md', 'original words');
    src.setNote('b.md', 'fine');
    const e = engine();
    await run(e, src);
    src.setNote('a.md', 'new words');
    src.units.get('a.md')!.failWith = 'EACCES';
    const r = await run(e, src);
    expect(r).toMatchObject({ failed: 1, updated: 0, deleted: 0 });
    expect(titles('original')).toEqual(['a.md']);
    expect(store.listItemErrors('notes')).toHaveLength(1);

    delete src.units.get('a.md')!.failWith;
    clock += 60_000;
    const r2 = await run(e, src);
    expect(r2).toMatchObject({ updated: 1, failed: 0 });
    expect(titles('original')).toEqual([]);
    // Problems not seen again are cleared by a successful run.
    expect(store.listItemErrors('notes')).toHaveLength(0);
  });

  describe('a unit whose read keeps failing on the same file', () => {
    /** Syncs `n` times, a minute apart; returns how often a.md was read. */
    async function syncTimes(e: SyncEngine, src: MemorySource, n: number): Promise<number> {
      src.reads = [];
      for (let i = 0; i < n; i++) {
        clock += 60_000;
        const r = await run(e, src);
        expect(r.failed).toBe(1);
      }
      return src.reads.filter((k) => k === 'a.md').length;
    }
    const problem = () => store.listItemErrors('notes').find((x) => x.path === '/mem/a.md');

    it('is quarantined after 3 failed reads: not read again, still listed, until its fingerprint changes', async () => {
      const src = new MemorySource();
      src.setNote('a.md', 'binary really');
      src.setNote('b.md', 'fine words');
      src.units.get('a.md')!.failWith = 'E_BINARY';
      const e = engine();
      expect(await syncTimes(e, src, 3)).toBe(3);
      expect(problem()).toMatchObject({ code: 'E_BINARY', attempts: 3, quarantined: true });
      expect(problem()!.message).toMatch(/Not retried automatically: it failed 3 times in a row/);

      expect(await syncTimes(e, src, 2)).toBe(0);
      // Still a problem of the last run (a successful run drops the problems it did not see), not counted again.
      expect(problem()).toMatchObject({ attempts: 3, quarantined: true, lastSeen: clock });
      expect(titles('fine')).toEqual(['b.md']);

      src.setNote('a.md', 'still binary');
      src.units.get('a.md')!.failWith = 'E_BINARY';
      expect(await syncTimes(e, src, 1)).toBe(1);
      expect(problem()).toMatchObject({ attempts: 4, quarantined: false });
    });

    it('is read again after resetCheckpoint', async () => {
      const src = new MemorySource();
      src.setNote('a.md', 'x');
      src.units.get('a.md')!.failWith = 'E_PARSE';
      const e = engine();
      await syncTimes(e, src, 3);
      expect(problem()?.quarantined).toBe(true);
      e.resetCheckpoint('notes');
      expect(problem()?.quarantined).toBe(false);
      expect(await syncTimes(e, src, 1)).toBe(1);
    });

    it('counts an exception thrown while parsing it (no errno code) like a malformed file', async () => {
      const src = new MemorySource();
      src.setNote('a.md', 'x');
      src.units.get('a.md')!.failWith = new TypeError("Cannot read properties of undefined (reading 'length')");
      const e = engine();
      expect(await syncTimes(e, src, 5)).toBe(3);
      expect(problem()).toMatchObject({ code: 'E_READ', quarantined: true });
    });

    it.each([
      ['W_CHANGED_DURING_READ', 'W_CHANGED_DURING_READ' as const],
      ['E_VANISHED', 'E_VANISHED' as const],
      ['EACCES (a chmod fixes it without changing the fingerprint)', 'EACCES' as const],
      ['E_TOO_LARGE (a higher size limit fixes it)', 'E_TOO_LARGE' as const],
      ['E_READ (an I/O error)', 'E_READ' as const],
      ['an errno error', Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' })],
    ])('never quarantines %s: it is read on every sync', async (_, failWith) => {
      const src = new MemorySource();
      src.setNote('a.md', 'x');
      src.units.get('a.md')!.failWith = failWith;
      const e = engine();
      expect(await syncTimes(e, src, 5)).toBe(5);
      expect(problem()).toMatchObject({ attempts: 5, quarantined: false });
    });

    it('does not count cancelled runs', async () => {
      const src = new MemorySource();
      src.setNote('a.md', 'x');
      src.units.get('a.md')!.failWith = 'E_BINARY';
      const e = engine();
      for (let i = 0; i < 3; i++) {
        const controller = new AbortController();
        // Cancelled while a.md is being read: the read never ends.
        src.beforeRead = () => {
          controller.abort('paused');
          return new Promise<void>(() => {});
        };
        await expect(run(e, src, controller.signal)).rejects.toBeInstanceOf(SyncCancelledError);
      }
      src.beforeRead = null;
      expect(await syncTimes(e, src, 1)).toBe(1);
      expect(problem()).toMatchObject({ attempts: 1, quarantined: false });
    });
  });

  it('reads changed units ahead (bounded) while writing, and still writes their documents in enumeration order', async () => {
    const src = new MemorySource();
    for (let i = 0; i < 40; i++) src.setNote(`n${String(i).padStart(2, '0')}.md`, `doc ${i} heron`);
    let inFlight = 0;
    let maxInFlight = 0;
    src.beforeRead = async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Later units finish first: order must come from the enumeration, not from completion.
      await new Promise((resolve) => setTimeout(resolve, 40 - inFlight * 5));
      inFlight--;
    };
    const r = await run(engine({ batchMaxDocs: 7, readAheadUnits: 4 }), src);
    expect(r).toMatchObject({ added: 40, failed: 0 });
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    const rowids = [...src.units.keys()].map((key) => store.getDocument('notes', key)!.rowid);
    expect(rowids).toEqual([...rowids].sort((a, b) => a - b));
  });

  it('commits a batch early once its documents hold batchMaxChars of text', async () => {
    const src = new MemorySource();
    // 12 long documents, then 12 short ones: the long ones must not wait for batchMaxDocs to fill.
    for (let i = 0; i < 12; i++) src.setNote(`long${String(i).padStart(2, '0')}.md`, `osprey ${'word '.repeat(2_000)}`);
    for (let i = 0; i < 12; i++) src.setNote(`short${String(i).padStart(2, '0')}.md`, `short note ${i} osprey`);
    const inline = new InlineBatchWriter(store, new IngestionPipeline(store));
    const docsPerBatch: number[] = [];
    const writer: BatchWriter = {
      concurrent: false,
      write(batch) {
        docsPerBatch.push(batch.ops.filter((op) => op.kind === 'doc').length);
        return inline.write(batch);
      },
    };
    const r = await run(engine({ writer, batchMaxDocs: 100, batchMaxChars: 25_000, batchMaxMs: 60_000 }), src);
    expect(r).toMatchObject({ added: 24, failed: 0 });
    // ~10,000 characters a long document: a batch is due at the third.
    expect(docsPerBatch.slice(0, 4)).toEqual([3, 3, 3, 3]);
    expect(docsPerBatch.reduce((a, b) => a + b, 0)).toBe(24);
  });

  describe('a concurrent writer', () => {
    /** Commits each batch 5 ms after the one before it (in order, like the writer thread); `fail` rejects one. */
    function slowWriter(fail?: { call: number; error: Error }) {
      const inline = new InlineBatchWriter(store, new IngestionPipeline(store));
      const seen = { calls: 0, uncommitted: 0, mostUncommitted: 0, order: [] as string[] };
      let previous: Promise<unknown> = Promise.resolve();
      const writer: BatchWriter = {
        concurrent: true,
        write(batch) {
          const call = ++seen.calls;
          seen.uncommitted++;
          seen.mostUncommitted = Math.max(seen.mostUncommitted, seen.uncommitted);
          const done = previous
            .catch(() => undefined)
            .then(() => new Promise((resolve) => setTimeout(resolve, 5)))
            .then(() => {
              seen.uncommitted--;
              if (call === fail?.call) throw fail.error;
              seen.order.push(...batch.ops.flatMap((op) => (op.kind === 'doc' ? [op.doc.row.docId] : [])));
              return inline.write(batch);
            });
          previous = done;
          return done;
        },
      };
      return { writer, seen };
    }

    it('is given the next full batch while it writes one, so it never waits for the reply to travel', async () => {
      const src = new MemorySource();
      for (let i = 0; i < 60; i++) src.setNote(`n${String(i).padStart(2, '0')}.md`, `note ${i} gannet`);
      const { writer, seen } = slowWriter();
      expect(await run(engine({ writer, batchMaxDocs: 10 }), src)).toMatchObject({ added: 60, failed: 0 });
      // Parsing ten notes takes far less than a 5 ms write: the next batch was always waiting, never a third.
      expect(seen.mostUncommitted).toBe(2);
      expect(seen.order).toEqual([...src.units.keys()]);
      expect(titles('gannet')).toHaveLength(20);
    });

    it('is given no batch after one that failed, and the run fails with its error', async () => {
      const src = new MemorySource();
      for (let i = 0; i < 60; i++) src.setNote(`n${String(i).padStart(2, '0')}.md`, `note ${i} skua`);
      const error = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      const { writer, seen } = slowWriter({ call: 2, error });
      await expect(run(engine({ writer, batchMaxDocs: 10 }), src)).rejects.toThrow(/disk is full/);
      // The third batch may have been handed over while the second was being written; no fourth.
      expect(seen.calls).toBeLessThanOrEqual(3);
      expect(seen.order.slice(0, 10)).toEqual([...src.units.keys()].slice(0, 10));
    });
  });

  describe('bulk runs move to the bulk writer', () => {
    /** Counts batches per writer; the "bulk" one commits on a later turn, as the writer thread does. */
    function writers() {
      const inline = new InlineBatchWriter(store, new IngestionPipeline(store));
      // `gone`: the units the sweep deleted, each with the writer that deleted it.
      const seen = { inline: 0, bulk: 0, bulkCreated: 0, order: [] as string[], gone: [] as string[] };
      const goneIn = (writer: string, batch: Batch) =>
        seen.gone.push(...batch.ops.flatMap((op) => (op.kind === 'unit-gone' ? [`${writer}:${op.key}`] : [])));
      const first: BatchWriter = {
        concurrent: false,
        write(batch) {
          seen.inline++;
          seen.order.push(...batch.ops.flatMap((op) => (op.kind === 'doc' ? [op.doc.row.docId] : [])));
          goneIn('inline', batch);
          return inline.write(batch);
        },
      };
      const bulk: BatchWriter = {
        concurrent: true,
        async write(batch) {
          seen.bulk++;
          seen.order.push(...batch.ops.flatMap((op) => (op.kind === 'doc' ? [op.doc.row.docId] : [])));
          goneIn('bulk', batch);
          await new Promise((resolve) => setTimeout(resolve, 1));
          return inline.write(batch);
        },
      };
      const options = {
        writer: first,
        bulkWriter: {
          writer: () => {
            seen.bulkCreated++;
            return bulk;
          },
          batchMaxDocs: 40,
        },
        batchMaxDocs: 10,
      };
      return { seen, options };
    }

    it('a first sync past 100 documents moves to the bulk writer, in order; a few edits stay on the first', async () => {
      const src = new MemorySource();
      for (let i = 0; i < 220; i++) src.setNote(`n${String(i).padStart(3, '0')}.md`, `note ${i} plover`);
      const { seen, options } = writers();
      const e = engine(options);
      expect(await run(e, src)).toMatchObject({ added: 220, failed: 0 });
      // 90 documents in batches of 10 on the first writer; from the batch that reaches 100, up to 40 a batch.
      expect(seen).toMatchObject({ inline: 9, bulkCreated: 1 });
      expect(seen.bulk).toBeLessThanOrEqual(6);
      expect(seen.order).toEqual([...src.units.keys()]);
      expect(titles('plover')).toHaveLength(20);

      seen.order = [];
      src.setNote('n007.md', 'note 7 edited sandpiper');
      src.units.delete('n008.md');
      const again = await run(e, src);
      expect(again).toMatchObject({ updated: 1, deleted: 1, unchanged: 218 });
      // The edit's batch, then the sweep's deletion in a batch of its own, both on the first writer.
      expect(seen).toMatchObject({ inline: 11, bulkCreated: 1 });
      expect(titles('sandpiper')).toEqual(['n007.md']);
    });

    it('the sweep deletes through the writer the run ends on', async () => {
      const src = new MemorySource();
      const old = Array.from({ length: 50 }, (_, i) => `old${String(i).padStart(2, '0')}.md`);
      for (const key of old) src.setNote(key, `${key} godwit`);
      const { seen, options } = writers();
      const e = engine(options);
      await run(e, src);
      expect(seen.bulkCreated).toBe(0);
      // A large import that moves the run to the bulk writer (a thread, in the app), and the old notes removed.
      for (const key of old) src.units.delete(key);
      for (let i = 0; i < 2_100; i++) src.setNote(`m${String(i).padStart(4, '0')}.md`, `import ${i} curlew`);
      expect(await run(e, src)).toMatchObject({ added: 2_100, deleted: 50, failed: 0 });
      // On the bulk writer, whose connection wrote the run (the first writer's would read their pages again).
      expect(seen.gone).toEqual(old.map((key) => `bulk:${key}`));
      expect(titles('godwit')).toEqual([]);
      expect([...manifestOf(store, 'notes').keys()].filter((key) => key.startsWith('old'))).toEqual([]);
      expect(e.getCheckpoint('notes')!.lastResult).toMatchObject({ deleted: 50 });
    });

    it('a re-sync that writes past 2,000 documents moves to the bulk writer for the rest', async () => {
      const src = new MemorySource();
      src.setNote('seed.md', 'already indexed');
      const { seen, options } = writers();
      const e = engine(options);
      await run(e, src);
      // A first sync of one document never starts the bulk writer.
      expect(seen).toMatchObject({ inline: 1, bulk: 0, bulkCreated: 0 });
      const bulkBatchesOfFirstSync = seen.bulk;
      for (let i = 0; i < 2_100; i++) src.setNote(`m${String(i).padStart(4, '0')}.md`, `import ${i} curlew`);
      expect(await run(e, src)).toMatchObject({ added: 2_100, failed: 0 });
      // 1,990 documents in batches of 10 on the first writer; from the batch that reaches 2,000, the bulk writer.
      expect(seen.inline).toBe(1 + 199);
      expect(seen.bulk - bulkBatchesOfFirstSync).toBeGreaterThanOrEqual(3);
      expect(store.counts('notes').documents).toBe(2_101);
    });
  });

  it('commits each batch with its checkpoint: a crash mid-sync keeps what was committed and the next sync converges', async () => {
    const src = new MemorySource();
    for (let i = 0; i < 25; i++) src.setNote(`n${String(i).padStart(2, '0')}.md`, `doc ${i} walrus`);
    // One read at a time, so the abort below lands after 17 units were read (read-ahead is tested separately).
    const e = engine({ batchMaxDocs: 5, readAheadUnits: 1 });
    // A real crash is tested with SIGKILL in crash.test.ts; here an abort mid-run stops it between batches.
    const controller = new AbortController();
    src.beforeRead = (key) => {
      if (key === 'n17.md') controller.abort('crash');
    };
    await expect(run(e, src, controller.signal)).rejects.toBeInstanceOf(SyncCancelledError);
    const committed = store.counts('notes').documents;
    expect(committed).toBeGreaterThanOrEqual(15);
    expect(committed).toBeLessThan(25);
    // Every committed document is fully there (no partial chunks), and the manifest only lists committed units.
    const manifest = manifestOf(store, 'notes');
    for (const key of manifest.keys()) expect(store.listUnitDocuments('notes', key)).toHaveLength(1);
    expect(e.getCheckpoint('notes')!.watermark).toBeNull();

    src.beforeRead = null;
    src.reads = [];
    const r = await run(e, src);
    expect(r.added + r.unchanged).toBe(25);
    expect(r.added).toBe(25 - committed);
    expect(src.reads.length).toBeLessThanOrEqual(25 - manifest.size);
    expect(store.counts('notes').documents).toBe(25);
    expect(titles('walrus')).toHaveLength(20); // default search limit
  });

  it('a cancelled run is recorded as cancelled and does not advance the watermark', async () => {
    const src = new MemorySource();
    src.setNote('a.md', 'x');
    const e = engine();
    const controller = new AbortController();
    controller.abort('paused');
    await expect(run(e, src, controller.signal)).rejects.toBeInstanceOf(SyncCancelledError);
    const runs = store.listRuns('notes', 10);
    expect(runs[0].outcome).toBe('cancelled');
    expect(e.getCheckpoint('notes')!.watermark).toBeNull();
  });

  it('abandons a read that hangs as soon as the run is cancelled', async () => {
    const src = new MemorySource();
    src.setNote('a.md', 'x');
    src.beforeRead = () => new Promise<void>(() => {});
    const controller = new AbortController();
    const p = run(engine(), src, controller.signal);
    setTimeout(() => controller.abort('watchdog'), 20);
    await expect(p).rejects.toBeInstanceOf(SyncCancelledError);
  });

  describe('a connector that enumerates in batches', () => {
    /** The memory connector, its units handed over `size` at a time through enumerateBatches only. */
    function batched(source: MemorySource, size: number): Connector {
      const inner = memoryConnector('notes', source);
      return {
        ...inner,
        enumerate: () => {
          throw new Error('the engine should take the batches');
        },
        async *enumerateBatches(ctx) {
          let batch: (SourceUnit | ItemIssue)[] = [];
          for await (const item of inner.enumerate(ctx)) {
            batch.push(item);
            if (batch.length === size) {
              yield batch;
              batch = [];
            }
          }
          if (batch.length > 0) yield batch;
        },
      };
    }
    const runBatched = (e: SyncEngine, source: MemorySource, signal = new AbortController().signal) =>
      e.sync(batched(source, 4), { signal, trigger: 'manual' });

    it('syncs additions, edits, deletions and unreadable folders as one unit a step would', async () => {
      const src = new MemorySource();
      for (let i = 0; i < 10; i++) src.setNote(`n${i}.md`, `note ${i} heron`);
      const e = engine();
      expect(await runBatched(e, src)).toMatchObject({ added: 10, updated: 0, deleted: 0 });
      src.setNote('n3.md', 'note 3 edited osprey');
      src.units.delete('n7.md');
      src.setNote('kept/a.md', 'kept plover');
      expect(await runBatched(e, src)).toMatchObject({ added: 1, updated: 1, deleted: 1, unchanged: 8 });
      // A folder that cannot be read keeps what it held (its issue comes in a batch too).
      src.unreadablePrefixes = ['kept'];
      expect(await runBatched(e, src)).toMatchObject({ deleted: 0, unchanged: 10 });
      expect(titles('osprey')).toEqual(['n3.md']);
      expect(titles('heron')).toHaveLength(8);
      expect(titles('plover')).toEqual(['kept/a.md']);
    });

    it('stops starting reads as soon as the run is cancelled, in the middle of a batch', async () => {
      const src = new MemorySource();
      for (let i = 0; i < 8; i++) src.setNote(`n${i}.md`, `note ${i}`);
      const controller = new AbortController();
      src.beforeRead = () => controller.abort('paused');
      await expect(
        engine().sync(batched(src, 8), { signal: controller.signal, trigger: 'manual' }),
      ).rejects.toBeInstanceOf(SyncCancelledError);
      expect(src.reads).toEqual(['n0.md']);
    });
  });

  it('resetCheckpoint makes the next sync read everything again (upstream), skipping unchanged content', async () => {
    const src = new MemorySource();
    src.setNote('a.md', 'x');
    src.setNote('b.md', 'y');
    const e = engine();
    await run(e, src);
    e.resetCheckpoint('notes');
    expect(e.getCheckpoint('notes')?.watermark ?? null).toBeNull();
    src.reads = [];
    const r = await run(e, src);
    expect(src.reads.sort()).toEqual(['a.md', 'b.md']);
    expect(r).toMatchObject({ added: 0, updated: 0, unchanged: 2 });
  });

  it('records each run in the history with its trigger and counts', async () => {
    const src = new MemorySource();
    src.setNote('a.md', 'x');
    const e = engine();
    await e.sync(memoryConnector('notes', src), { signal: new AbortController().signal, trigger: 'schedule' });
    const [last] = store.listRuns('notes', 5);
    expect(last).toMatchObject({ trigger: 'schedule', outcome: 'success', counts: { added: 1 } });
  });
});

describe('a read the connector owes for an unchanged unit (Connector.owesRead)', () => {
  it('reads an unchanged unit again only when its connector owes the read, also when the walk asks isUnchanged', async () => {
    const reads: string[] = [];
    let owed = false;
    let content = 'first falcon';
    const unit: SourceUnit = { key: 'Inbox', path: '/mem/Inbox', fingerprint: 'v1', size: 1 };
    const conn: Connector = {
      id: 'mail',
      kind: 'mbox',
      displayName: 'mail',
      isConnected: () => true,
      open: () => Promise.resolve({ identity: 'root' }),
      async *enumerate(ctx) {
        await Promise.resolve();
        // As the file-tree connectors do: a unit the engine says is unchanged is not yielded at all.
        if (!ctx.isUnchanged?.(unit.key, unit.fingerprint)) yield unit;
      },
      read(u, previous) {
        reads.push(`${u.key} after ${previous?.cursor ?? 'nothing'}`);
        const doc = { id: 'm1', title: 'Message', content, docType: 'email' as const, path: u.path };
        const cursor = `read ${reads.length}`;
        return Promise.resolve({
          mode: 'replace',
          events: (async function* () {
            await Promise.resolve();
            yield { type: 'doc', doc } as const;
            yield { type: 'cursor', cursor } as const;
          })(),
        });
      },
      owesRead: (_u, previous) => owed && previous.cursor !== null,
    };
    const e = engine();
    const sync = () => e.sync(conn, { signal: new AbortController().signal, trigger: 'manual' });

    expect(await sync()).toMatchObject({ added: 1 });
    expect(await sync()).toMatchObject({ added: 0, updated: 0, unchanged: 1 });
    expect(reads).toEqual(['Inbox after nothing']);

    owed = true;
    content = 'second falcon';
    expect(await sync()).toMatchObject({ updated: 1 });
    expect(reads).toEqual(['Inbox after nothing', 'Inbox after read 1']);
    expect(titles('second')).toEqual(['Message']);
    expect(titles('first')).toEqual([]);
  });
});
