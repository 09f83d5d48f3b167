// The writer thread (JARVIS_SYNC_WRITER=thread): a real SyncService on a temp data folder with a real folder
// connector, batches committed on a worker thread with its own SQLite connection. What a user sees must be exactly
// what the inline writer gives: same documents, same text, edits and deletions applied, and a thread that cannot
// start never costs a sync.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../../shared/logger.js';
import { emptyCheckpoint } from '../../../electron/core/engine.js';
import { IngestionPipeline } from '../../../electron/core/pipeline.js';
import { SyncService } from '../../../electron/core/service.js';
import { KnowledgeStore } from '../../../electron/core/store.js';
import { WriterThread } from '../../../electron/core/writer-thread.js';
import { silentLogger } from '../../../shared/logger.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-writer-thread-');
const services: SyncService[] = [];

afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
});

function writeNotes(dir: string, n: number, word: (i: number) => string): void {
  for (let i = 0; i < n; i++) {
    const folder = join(dir, `f${i % 7}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, `note-${i}.md`),
      `---\ntags: [t${i % 5}]\n---\n# Note ${i}\n\n${word(i)} intro\n\n## Part\n\nsection ${i} of ${word(i)}\n`,
    );
  }
}

/** Every document with its chunk text, as the index holds it: what search can show. */
function indexContents(dataDir: string): string[] {
  const db = new Database(join(dataDir, 'index.sqlite'), { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT d.doc_id AS doc, d.title AS title, d.chunk_count AS n,
                (SELECT group_concat(heading || '|' || body, '¶') FROM chunk_text c
                  WHERE c.id BETWEEN d.id * 65536 AND d.id * 65536 + 65535) AS text
           FROM documents d ORDER BY d.doc_id`,
      )
      .all() as { doc: string; title: string; n: number; text: string }[];
    return rows.map((r) => `${r.doc}\t${r.title}\t${r.n}\t${r.text}`);
  } finally {
    db.close();
  }
}

function capturingLogger(lines: string[]): (scope: string) => Logger {
  return (scope) => ({
    ...silentLogger,
    warn: (...args: unknown[]) => lines.push(`${scope}: ${args.join(' ')}`),
  });
}

async function syncTwice(writer: 'thread' | 'inline', notes: string, dataDir: string, extra = {}) {
  const service = await SyncService.open({ dataDir, owner: 'cli', writer, ...extra });
  services.push(service);
  const { id } = await service.addConnector({ kind: 'folder', path: notes }, { syncNow: false });
  const first = await service.syncNow([id]);
  return { service, id, first: first.results[id] };
}

describe('writer thread', () => {
  it('indexes, re-indexes edits and applies deletions exactly as the inline writer does', async () => {
    const root = tempDir();
    const notes = join(root, 'notes');
    writeNotes(notes, 1200, (i) => `word${i % 97}`);

    const warnings: string[] = [];
    const thread = await syncTwice('thread', notes, join(root, 'data-thread'), {
      createLogger: capturingLogger(warnings),
    });
    const inline = await syncTwice('inline', notes, join(root, 'data-inline'));
    expect(thread.first).toMatchObject({ added: 1200, updated: 0, deleted: 0, failed: 0 });
    expect(thread.first?.chunks).toBe(inline.first?.chunks);

    // Edits, deletions and a new note, then the second sync of each.
    writeNotes(join(notes, 'f1'), 30, (i) => `changed${i}`);
    for (const name of readdirSync(join(notes, 'f2')).slice(0, 40)) rmSync(join(notes, 'f2', name));
    writeFileSync(join(notes, 'f3', 'note-3.md'), '# Note 3\n\nrewritten with zebras\n');
    const second = await thread.service.syncNow([thread.id]);
    const secondInline = await inline.service.syncNow([inline.id]);
    expect(second.results[thread.id]).toMatchObject({
      added: secondInline.results[inline.id]?.added,
      updated: secondInline.results[inline.id]?.updated,
      deleted: 40,
    });
    expect(thread.service.search('zebras').map((h) => h.title)).toEqual(['Note 3']);
    // Written by the thread, not by the fallback.
    expect(warnings.filter((w) => w.includes('writer thread'))).toEqual([]);

    await thread.service.stop();
    await inline.service.stop();
    // The thread's connection closed before the store's, so the last close removed the WAL.
    expect(existsSync(join(root, 'data-thread', 'index.sqlite-wal'))).toBe(false);
    const threadIndex = indexContents(join(root, 'data-thread'));
    expect(threadIndex).toHaveLength(1200 - 40 + 30);
    expect(threadIndex).toEqual(indexContents(join(root, 'data-inline')));
  });

  it('writes on the main thread when the thread cannot start, and says so', async () => {
    const root = tempDir();
    const notes = join(root, 'notes');
    writeNotes(notes, 50, (i) => `word${i}`);
    const warnings: string[] = [];
    const { service, id, first } = await syncTwice('thread', notes, join(root, 'data'), {
      writerEntry: join(root, 'no-such-entry.js'),
      createLogger: capturingLogger(warnings),
    });
    expect(first).toMatchObject({ added: 50, failed: 0 });
    expect(service.search('word7').length).toBe(1);
    expect(warnings.some((w) => /writer thread .*main thread/.test(w))).toBe(true);
    expect(service.getConnector(id).state).not.toBe('error');
  });

  it('rejects a batch whose transaction fails with the SQLite error code, and commits nothing of it', async () => {
    const root = tempDir();
    const file = join(root, 'index.sqlite');
    const store = KnowledgeStore.open(file, { log: silentLogger });
    const pipeline = new IngestionPipeline(store);
    const writer = new WriterThread({ file, store, pipeline, log: silentLogger });
    try {
      const checkpoint = emptyCheckpoint('c');
      const doc = { id: 'a.md', title: 'A', content: 'alpha text', docType: 'note' as const, path: '/a.md' };
      const good = await writer.write({
        connectorId: 'c',
        runId: 1,
        ops: [{ kind: 'doc', doc: pipeline.prepare('c', 'a.md', doc) }],
        checkpoint,
        now: 1,
      });
      expect(good).toEqual({ added: 1, updated: 0, deleted: 0, chunks: 1 });
      expect(writer.running).toBe(true);

      // An item error without a message breaks a NOT NULL constraint after the document was written.
      const bad = writer.write({
        connectorId: 'c',
        runId: 1,
        ops: [
          { kind: 'doc', doc: pipeline.prepare('c', 'b.md', { ...doc, id: 'b.md', content: 'beta text' }) },
          {
            kind: 'issue',
            issue: { path: '/x', code: 'E_READ', message: null as unknown as string, severity: 'error' },
          },
        ],
        checkpoint,
        now: 2,
      });
      // Given while the failing batch was pending (the engine keeps two in flight): its run must not commit past it.
      const next = writer.write({
        connectorId: 'c',
        runId: 1,
        ops: [{ kind: 'doc', doc: pipeline.prepare('c', 'c.md', { ...doc, id: 'c.md', content: 'gamma text' }) }],
        checkpoint: { ...checkpoint, cursor: 'c.md' },
        now: 3,
      });
      await expect(bad).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_CONSTRAINT/) });
      await expect(next).rejects.toMatchObject({ code: 'E_WRITE_SKIPPED' });
      expect(store.search('beta')).toEqual([]);
      expect(store.search('gamma')).toEqual([]);
      expect(store.getCheckpoint('c')?.cursor ?? null).toBeNull();
      expect(store.search('alpha').map((h) => h.title)).toEqual(['A']);

      // Nor does any later batch of that run; the next run's batches commit.
      await expect(
        writer.write({ connectorId: 'c', runId: 1, ops: [], checkpoint: { ...checkpoint, cursor: 'x' }, now: 4 }),
      ).rejects.toMatchObject({ code: 'E_WRITE_SKIPPED' });
      const retry = await writer.write({
        connectorId: 'c',
        runId: 2,
        ops: [{ kind: 'doc', doc: pipeline.prepare('c', 'c.md', { ...doc, id: 'c.md', content: 'gamma text' }) }],
        checkpoint: { ...checkpoint, cursor: 'c.md' },
        now: 4,
      });
      expect(retry).toMatchObject({ added: 1 });
      expect(store.search('gamma').map((h) => h.title)).toEqual(['A']);
    } finally {
      writer.close();
      store.close();
    }
  });

  it.each([
    ['fails as it starts', (root: string) => join(root, 'no-such-entry.js')],
    ['cannot be created', () => 'no-such-entry.js'],
  ])(
    'when its thread %s, writes the batches inline in order, none of a run after one that failed',
    async (_, entry) => {
      const root = tempDir();
      const file = join(root, 'index.sqlite');
      const store = KnowledgeStore.open(file, { log: silentLogger });
      const pipeline = new IngestionPipeline(store);
      const warnings: string[] = [];
      const writer = new WriterThread({
        file,
        store,
        pipeline,
        log: capturingLogger(warnings)('writer'),
        entry: entry(root),
      });
      const checkpoint = emptyCheckpoint('c');
      const batch = (runId: number, id: string, word: string, extra: object[] = []) => ({
        connectorId: 'c',
        runId,
        ops: [
          {
            kind: 'doc' as const,
            doc: pipeline.prepare('c', id, { id, title: id, content: word, docType: 'note', path: null }),
          },
          ...(extra as never[]),
        ],
        checkpoint: { ...checkpoint, cursor: id },
        now: 1,
      });
      const badIssue = { kind: 'issue', issue: { path: '/x', code: 'E_READ', message: null, severity: 'error' } };
      try {
        // All are given before the caller sees any outcome, as the engine does with two batches in flight.
        const writes = [
          writer.write(batch(1, 'a.md', 'alpha')),
          writer.write(batch(1, 'b.md', 'beta', [badIssue])),
          writer.write(batch(1, 'c.md', 'gamma')),
        ];
        const settled = await Promise.allSettled(writes);
        expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
        expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: expect.stringMatching(/^SQLITE_/) });
        expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'E_WRITE_SKIPPED' });
        expect(store.search('alpha').map((h) => h.title)).toEqual(['a.md']);
        expect(store.search('beta')).toEqual([]);
        expect(store.search('gamma')).toEqual([]);
        expect(store.getCheckpoint('c')?.cursor).toBe('a.md');
        // The next run is written.
        expect(await writer.write(batch(2, 'd.md', 'delta'))).toMatchObject({ added: 1 });
        expect(store.search('delta').map((h) => h.title)).toEqual(['d.md']);
        expect(warnings.some((w) => /writer thread .*main thread/.test(w))).toBe(true);
      } finally {
        writer.close();
        store.close();
      }
    },
  );

  it('lets its thread go when idle and starts it again for the next batch', async () => {
    const file = join(tempDir(), 'index.sqlite');
    const store = KnowledgeStore.open(file, { log: silentLogger });
    const pipeline = new IngestionPipeline(store);
    const writer = new WriterThread({ file, store, pipeline, log: silentLogger, idleMs: 50 });
    const batch = (id: string) => ({
      connectorId: 'c',
      runId: 1,
      ops: [
        {
          kind: 'doc' as const,
          doc: pipeline.prepare('c', id, { id, title: id, content: `${id} text`, docType: 'note', path: null }),
        },
      ],
      checkpoint: emptyCheckpoint('c'),
      now: 1,
    });
    try {
      expect(await writer.write(batch('first'))).toMatchObject({ added: 1 });
      expect(writer.running).toBe(true);
      await vi.waitFor(() => expect(writer.running).toBe(false), { timeout: 5_000, interval: 20 });
      expect(await writer.write(batch('second'))).toMatchObject({ added: 1 });
      expect(writer.running).toBe(true);
      expect(writer.concurrent).toBe(true);
      expect(store.search('second').map((h) => h.title)).toEqual(['second']);
    } finally {
      writer.close();
      store.close();
    }
  });
});

describe('WriterThread from source: the bundled worker', () => {
  const index = join(process.cwd(), 'node_modules', '.cache', 'jarvis-sync', 'writer-worker.json');

  /** A fresh copy of the module (its per-process bundle state reset), writing one batch on its thread. */
  async function writeWithFreshModule(): Promise<void> {
    vi.resetModules();
    const fresh = await import('../../../electron/core/writer-thread.js');
    fresh.prepareWriterThread();
    const file = join(tempDir(), 'index.sqlite');
    const store = KnowledgeStore.open(file, { log: silentLogger });
    const pipeline = new IngestionPipeline(store);
    const writer = new fresh.WriterThread({ file, store, pipeline, log: silentLogger });
    try {
      const doc = pipeline.prepare('c', 'a.md', {
        id: 'a.md',
        title: 'A',
        content: 'avocet',
        docType: 'note',
        path: null,
      });
      await writer.write({
        connectorId: 'c',
        runId: 1,
        ops: [{ kind: 'doc', doc }],
        checkpoint: emptyCheckpoint('c'),
        now: 1,
      });
      expect(writer.running).toBe(true);
      expect(store.search('avocet').map((h) => h.title)).toEqual(['A']);
    } finally {
      writer.close();
      store.close();
    }
  }

  it('is reused while its sources are unchanged, and bundled again when one of them changed', async () => {
    await writeWithFreshModule();
    const recorded = JSON.parse(readFileSync(index, 'utf8')) as { inputs: Record<string, string> };
    expect(Object.keys(recorded.inputs).some((f) => f.endsWith('writer-worker.ts'))).toBe(true);

    // Same sources: a new process takes the cached bundle and leaves the index as it is.
    const old = new Date(2000, 0, 1);
    utimesSync(index, old, old);
    await writeWithFreshModule();
    expect(statSync(index).mtime.getTime()).toBe(old.getTime());

    // A source stamped differently (as if edited): bundled again, and the index records it anew.
    const [first] = Object.keys(recorded.inputs);
    writeFileSync(index, JSON.stringify({ ...recorded, inputs: { ...recorded.inputs, [first]: '0:0' } }));
    utimesSync(index, old, old);
    await writeWithFreshModule();
    expect(statSync(index).mtime.getTime()).not.toBe(old.getTime());
    expect(JSON.parse(readFileSync(index, 'utf8'))).toEqual(recorded);

    // The bundle of another checkout sharing this node_modules (its sources unchanged too) is not taken for ours.
    writeFileSync(index, JSON.stringify({ ...recorded, entry: '/elsewhere/electron/core/writer-worker.ts' }));
    utimesSync(index, old, old);
    await writeWithFreshModule();
    expect(statSync(index).mtime.getTime()).not.toBe(old.getTime());
    expect(JSON.parse(readFileSync(index, 'utf8'))).toEqual(recorded);
  });
});
