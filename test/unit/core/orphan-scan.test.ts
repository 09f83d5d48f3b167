/**
 * Documents whose unit has no manifest row (a run cut off between a unit's documents and its row, a read that failed
 * part-way, a reset) are found by a scan of the documents' unit keys at the end of a run. The scan costs 60–80 ms on
 * 100,000 files, so it runs only while the checkpoint says such documents may exist (Checkpoint.orphanScanDue).
 * These tests check both halves: no scan after a clean run or in a first sync, and every way of leaving such
 * documents makes the next complete run find them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../shared/logger.js';
import { SyncCancelledError } from '../../../electron/core/abort.js';
import { SyncEngine } from '../../../electron/core/engine.js';
import { IngestionPipeline } from '../../../electron/core/pipeline.js';
import { KnowledgeStore } from '../../../electron/core/store.js';
import { ItemReadError, type Connector, type ReadEvent } from '../../../electron/connectors/types.js';
import { MemorySource, memoryConnector } from '../../helpers/memory-connector.js';
import { manifestOf } from '../../helpers/manifest.js';

let dir: string;
let store: KnowledgeStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jarvis-orphans-'));
  store = KnowledgeStore.open(join(dir, 'index.sqlite'), { log: silentLogger });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const engine = (batchMaxDocs = 100) =>
  new SyncEngine({ store, pipeline: new IngestionPipeline(store), log: silentLogger, batchMaxDocs, readAheadUnits: 1 });

interface ReadFaults {
  /** Reading this unit yields its first document and then fails to parse. */
  failingKey?: string;
  /** Reading this unit aborts `controller` as its document number `at` (0-based) comes: a crash mid-unit. */
  cutOff?: { key: string; at: number; controller: AbortController };
}

/** The memory connector, with a read that fails or is cut off part-way (ReadFaults). */
function connector(source: MemorySource, { failingKey, cutOff }: ReadFaults): Connector {
  const inner = memoryConnector('notes', source);
  return {
    ...inner,
    async read(unit, previous, ctx) {
      const read = await inner.read(unit, previous, ctx);
      if (unit.key !== failingKey && unit.key !== cutOff?.key) return read;
      return {
        mode: read.mode,
        events: (async function* (): AsyncGenerator<ReadEvent> {
          let docs = 0;
          for await (const ev of read.events) {
            if (ev.type === 'doc' && unit.key === cutOff?.key && docs++ === cutOff.at) cutOff.controller.abort('crash');
            yield ev;
            if (unit.key === failingKey)
              throw new ItemReadError('E_PARSE', `${unit.key}: malformed after the first document`);
          }
        })(),
      };
    },
  };
}

const sync = (e: SyncEngine, source: MemorySource, opts: ReadFaults = {}) =>
  e.sync(connector(source, opts), {
    signal: opts.cutOff?.controller.signal ?? new AbortController().signal,
    trigger: 'manual',
  });

const scanDue = () => store.getCheckpoint('notes')!.orphanScanDue;
const found = (word: string) => store.search(word, {}).map((h) => h.title);

function setThread(source: MemorySource, key: string, messages: number, word: string): void {
  const docs = Array.from({ length: messages }, (_, i) => ({ id: `${key}#${i}`, title: `${key} ${i}`, content: word }));
  source.units.set(key, { docs, version: (source.units.get(key)?.version ?? 0) + 1 });
}

describe('the scan for documents without a unit row', () => {
  it('runs neither for a first sync (it has written every document there is) nor while every unit gets its row', async () => {
    const source = new MemorySource();
    source.setNote('a.md', 'alpha');
    const scans = vi.spyOn(store, 'listDocumentUnitKeys');
    const e = engine();
    await sync(e, source);
    expect(scans).not.toHaveBeenCalled();
    expect(scanDue()).toBe(false);

    source.setNote('a.md', 'alpha edited');
    source.setNote('b.md', 'beta');
    await sync(e, source);
    source.units.delete('b.md');
    expect(await sync(e, source)).toMatchObject({ deleted: 1 });
    expect(scans).not.toHaveBeenCalled();
    expect(scanDue()).toBe(false);
  });

  it('finds the documents of a first sync cut off before a unit got its row, once the unit is gone', async () => {
    const source = new MemorySource();
    source.setNote('a.md', 'alpha');
    setThread(source, 'inbox', 5, 'walrus');
    const scans = vi.spyOn(store, 'listDocumentUnitKeys');
    const e = engine(2);
    const cutOff = { key: 'inbox', at: 2, controller: new AbortController() };
    await expect(sync(e, source, { cutOff })).rejects.toBeInstanceOf(SyncCancelledError);
    expect(found('walrus').length).toBeGreaterThan(0);
    expect(scanDue()).toBe(true);

    source.units.delete('inbox');
    await sync(e, source);
    expect(scans).toHaveBeenCalledTimes(1);
    expect(found('walrus')).toEqual([]);
    expect(scanDue()).toBe(false);
  });

  it('finds the documents of a unit cut off before its row once the unit is gone', async () => {
    const source = new MemorySource();
    source.setNote('a.md', 'alpha');
    const e = engine(2);
    await sync(e, source);
    expect(scanDue()).toBe(false);

    // A mailbox of five messages, written two a batch: the run stops as the third comes, after its first batch
    // committed.
    setThread(source, 'inbox', 5, 'walrus');
    const cutOff = { key: 'inbox', at: 2, controller: new AbortController() };
    await expect(sync(e, source, { cutOff })).rejects.toBeInstanceOf(SyncCancelledError);
    expect(manifestOf(store, 'notes').has('inbox')).toBe(false);
    expect(found('walrus').length).toBeGreaterThan(0);
    expect(scanDue()).toBe(true);

    source.units.delete('inbox');
    await sync(e, source);
    expect(found('walrus')).toEqual([]);
    expect(scanDue()).toBe(false);
  });

  it('finds the documents a failed read left once the unit is gone', async () => {
    const source = new MemorySource();
    source.setNote('a.md', 'alpha');
    const e = engine();
    await sync(e, source);

    setThread(source, 'inbox', 3, 'walrus');
    expect(await sync(e, source, { failingKey: 'inbox' })).toMatchObject({ failed: 1 });
    expect(found('walrus')).toEqual(['inbox 0']);
    expect(scanDue()).toBe(true);

    source.units.delete('inbox');
    expect(await sync(e, source)).toMatchObject({ deleted: 1 });
    expect(found('walrus')).toEqual([]);
    expect(scanDue()).toBe(false);
  });

  it('finds the documents of a reset connector whose files went meanwhile', async () => {
    const source = new MemorySource();
    source.setNote('a.md', 'alpha');
    source.setNote('b.md', 'beta');
    const e = engine();
    await sync(e, source);
    e.resetCheckpoint('notes');
    source.units.delete('b.md');
    expect(await sync(e, source)).toMatchObject({ deleted: 1, unchanged: 1 });
    expect(found('beta')).toEqual([]);
  });

  it('keeps looking while such documents sit in a folder that cannot be read', async () => {
    const source = new MemorySource();
    source.setNote('dir/a.md', 'alpha');
    source.setNote('b.md', 'beta');
    const e = engine();
    await sync(e, source);
    e.resetCheckpoint('notes');
    source.unreadablePrefixes = ['dir'];
    await sync(e, source);
    expect(found('alpha')).toEqual(['dir/a.md']);
    expect(scanDue()).toBe(true);

    source.unreadablePrefixes = [];
    source.units.delete('dir/a.md');
    expect(await sync(e, source)).toMatchObject({ deleted: 1 });
    expect(found('alpha')).toEqual([]);
    expect(scanDue()).toBe(false);
  });
});
