// applyBatch on a real index file: a batch's documents of a changed unit are compared with the unit's documents read
// once, and its unit-done deletes exactly the ones the unit no longer yields, also when documents move between units
// inside the same batch.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceDocument } from '../../../electron/connectors/types.js';
import { applyBatch, type BatchOp } from '../../../electron/core/batch-writer.js';
import { emptyCheckpoint } from '../../../electron/core/engine.js';
import { IngestionPipeline } from '../../../electron/core/pipeline.js';
import { KnowledgeStore } from '../../../electron/core/store.js';
import { silentLogger } from '../../../shared/logger.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-batch-writer-');
const C = 'mail';
let store: KnowledgeStore;
let pipeline: IngestionPipeline;

function message(id: string, text: string): SourceDocument {
  return { id, title: `Message ${id}`, content: text, docType: 'email', path: `/mail/${id}` };
}

function doc(unitKey: string, id: string, text: string, inIndexedUnit = true): BatchOp {
  return { kind: 'doc', doc: pipeline.prepare(C, unitKey, message(id, text)), inIndexedUnit };
}

function unitDone(key: string, keep: string[]): BatchOp {
  return { kind: 'unit-done', key, fingerprint: `${key}-v2`, keep, cursor: null };
}

function apply(ops: BatchOp[]) {
  return applyBatch(store, pipeline, { connectorId: C, runId: 1, ops, checkpoint: emptyCheckpoint(C), now: 1_000 });
}

/** Unit → its documents' ids, as the index holds them. */
function units(...keys: string[]): Record<string, string[]> {
  return Object.fromEntries(
    keys.map((k) => [
      k,
      store
        .listUnitDocuments(C, k)
        .map((d) => d.docId)
        .sort(),
    ]),
  );
}

function found(query: string): string[] {
  return store.search(query, { limit: 500 }).map((h) => h.docId.slice(C.length + 1));
}

beforeEach(() => {
  store = KnowledgeStore.open(path.join(tempDir(), 'index.sqlite'), { log: silentLogger });
  pipeline = new IngestionPipeline(store);
});

afterEach(() => store.close());

describe('applyBatch with documents of indexed units', () => {
  it('updates, keeps and deletes a changed unit’s documents from one reading of the unit', () => {
    for (const id of ['m1', 'm2', 'm3']) pipeline.ingest(C, 'box', message(id, `first text of ${id}`));
    const outcome = apply([
      doc('box', 'm1', 'edited text'),
      doc('box', 'm2', 'first text of m2'),
      unitDone('box', ['m1', 'm2']),
    ]);
    expect(outcome).toMatchObject({ added: 0, updated: 1, deleted: 1 });
    expect(units('box')).toEqual({ box: ['m1', 'm2'] });
    expect(found('edited')).toEqual(['m1']);
    expect(found('first')).toEqual(['m2']);
  });

  it('never deletes a document that moved into another unit earlier in the same batch', () => {
    for (const id of ['m1', 'm2', 'm3']) pipeline.ingest(C, 'box', message(id, `text of ${id}`));
    pipeline.ingest(C, 'archive', message('m4', 'text of m4'));
    const outcome = apply([
      doc('box', 'm1', 'edited text'), // reads box's documents: m1, m2, m3
      doc('archive', 'm2', 'text of m2'), // m2 moves from box to archive
      unitDone('archive', ['m2']),
      unitDone('box', ['m1']),
    ]);
    expect(units('box', 'archive')).toEqual({ box: ['m1'], archive: ['m2'] });
    expect(found('of')).toEqual(['m2']);
    expect(outcome).toMatchObject({ updated: 1, deleted: 2 });
  });

  it('writes a document the unit yields twice in one batch as its last version', () => {
    pipeline.ingest(C, 'box', message('m1', 'original'));
    apply([doc('box', 'm1', 'second version'), doc('box', 'm1', 'third version'), unitDone('box', ['m1'])]);
    expect(found('version')).toEqual(['m1']);
    expect(found('third')).toEqual(['m1']);
    expect(found('second')).toEqual([]);
  });

  it('handles a unit with more documents than it reads at once, and documents new to the unit', () => {
    const ids = Array.from({ length: 100 }, (_, i) => `m${i}`);
    for (const id of ids) pipeline.ingest(C, 'big', message(id, `body ${id}`));
    const keep = ids.filter((_, i) => i % 2 === 0);
    const outcome = apply([
      ...keep.map((id) => doc('big', id, `changed ${id}`)),
      doc('big', 'new', 'changed new'),
      unitDone('big', [...keep, 'new']),
    ]);
    expect(outcome).toMatchObject({ added: 1, updated: 50, deleted: 50 });
    expect(found('changed')).toHaveLength(51);
    expect(found('body')).toEqual([]);
  });
});
