import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/logger.js';
import type { SourceDocument } from '../../../electron/connectors/types.js';
import { Chunker } from '../../../electron/core/chunker.js';
import { IngestionPipeline } from '../../../electron/core/pipeline.js';
import { KnowledgeStore } from '../../../electron/core/store.js';

let dir: string;
let dbPath: string;
let store: KnowledgeStore;
let pipeline: IngestionPipeline;
/** A second connection, to observe commits the way another process would. */
let observer: Database.Database;

function note(id: string, content: string, extra: Partial<SourceDocument> = {}): SourceDocument {
  return { id, title: `Note ${id}`, content, docType: 'note', path: `/vault/${id}`, timestamp: 1_000, ...extra };
}

function found(query: string): string[] {
  return store.search(query, { limit: 200 }).map((h) => h.docId);
}

/** Changes whenever any connection commits a change to the file (SQLite's own counter). */
function dataVersion(): number {
  return observer.pragma('data_version', { simple: true }) as number;
}

function chunkRowids(): number[] {
  return observer.prepare('SELECT id FROM chunk_text ORDER BY id').pluck().all() as number[];
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jarvis-'));
  dbPath = path.join(dir, 'index.db');
  store = KnowledgeStore.open(dbPath, { log: silentLogger });
  pipeline = new IngestionPipeline(store);
  observer = new Database(dbPath, { readonly: true });
});

afterEach(() => {
  observer.close();
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('IngestionPipeline', () => {
  it('adds a document and makes it findable', () => {
    expect(pipeline.ingest('vault', 'a.md', note('a.md', 'the first draft of the plan'))).toEqual({
      outcome: 'added',
      chunks: 1,
    });
    expect(found('draft')).toEqual(['vault:a.md']);
  });

  it('prepares a document without touching the index, as plain data another thread can write', () => {
    const before = dataVersion();
    const prepared = pipeline.prepare('vault', 'a.md', note('a.md', '# Plan\n\nthe first draft of the plan'));
    expect(dataVersion()).toBe(before);
    expect(found('draft')).toEqual([]);
    expect(prepared.chunks).toEqual([{ heading: 'Plan', body: expect.stringContaining('first draft') }]);

    // What a writer thread receives is a structured clone.
    expect(pipeline.write(structuredClone(prepared))).toEqual({ outcome: 'added', chunks: 1 });
    expect(found('draft')).toEqual(['vault:a.md']);
    // The same document prepared again (a re-sync of an untouched file) writes nothing.
    const again = pipeline.prepare('vault', 'a.md', note('a.md', '# Plan\n\nthe first draft of the plan'));
    const version = dataVersion();
    expect(pipeline.write(again)).toEqual({ outcome: 'unchanged', chunks: 0 });
    expect(dataVersion()).toBe(version);
  });

  it('re-indexes an edited document: the old text is no longer found, the new text is', () => {
    pipeline.ingest('vault', 'a.md', note('a.md', 'the first draft of the plan'));
    const result = pipeline.ingest('vault', 'a.md', note('a.md', 'the final version of the plan'));
    expect(result).toEqual({ outcome: 'updated', chunks: 1 });
    expect(found('draft')).toEqual([]);
    expect(found('final')).toEqual(['vault:a.md']);
    expect(store.counts('vault')).toEqual({ documents: 1, chunks: 1 });
  });

  it('writes nothing at all for an unchanged document', () => {
    pipeline.ingest('vault', 'a.md', note('a.md', `# Heading\n\n${'some words here. '.repeat(200)}`, { tags: ['x'] }));
    const before = { version: dataVersion(), rowids: chunkRowids() };
    const result = store.transaction(() =>
      pipeline.ingest(
        'vault',
        'a.md',
        note('a.md', `# Heading\n\n${'some words here. '.repeat(200)}`, { tags: ['x'] }),
      ),
    );
    expect(result).toEqual({ outcome: 'unchanged', chunks: 0 });
    expect(dataVersion()).toBe(before.version);
    expect(chunkRowids()).toEqual(before.rowids);
  });

  it('detects a change in any indexed field, not only the text', () => {
    const base = note('a.md', 'same body', {
      tags: ['t'],
      aliases: ['al'],
      links: ['l'],
      author: 'me',
      participants: ['p'],
      threadId: 'th',
      metadata: { k: 1 },
    });
    pipeline.ingest('vault', 'a.md', base);
    const variants: Partial<SourceDocument>[] = [
      { title: 'Other title' },
      { docType: 'document' },
      { tags: ['t', 'u'] },
      { aliases: ['al2'] },
      { links: ['l2'] },
      { author: 'you' },
      { participants: ['q'] },
      { timestamp: 2_000 },
      { threadId: 'th2' },
      { path: '/elsewhere' },
      { metadata: { k: 2 } },
      // Moving a value between two list fields must not hash the same.
      { tags: [], aliases: ['t', 'al'] },
    ];
    for (const change of variants) {
      expect(pipeline.ingest('vault', 'a.md', { ...base, ...change }).outcome, JSON.stringify(change)).toBe('updated');
      expect(pipeline.ingest('vault', 'a.md', { ...base, ...change }).outcome).toBe('unchanged');
    }
  });

  it('makes title and tag changes searchable', () => {
    pipeline.ingest('vault', 'a.md', note('a.md', 'body text', { tags: ['alpha'] }));
    pipeline.ingest('vault', 'a.md', note('a.md', 'body text', { title: 'Renamed', tags: ['omega'] }));
    expect(found('alpha')).toEqual([]);
    expect(found('omega')).toEqual(['vault:a.md']);
    expect(found('renamed')).toEqual(['vault:a.md']);
  });

  it('keeps documents of different connectors apart even with the same id', () => {
    pipeline.ingest('one', 'x.md', note('x.md', 'apples'));
    pipeline.ingest('two', 'x.md', note('x.md', 'pears'));
    expect(found('apples')).toEqual(['one:x.md']);
    expect(found('pears')).toEqual(['two:x.md']);
  });

  it('records a document that moved to another unit without rewriting it', () => {
    pipeline.ingest('mail', 'inbox.mbox', { ...note('<m1@x>', 'hello'), docType: 'email' });
    const version = dataVersion();
    expect(pipeline.ingest('mail', 'archive.mbox', { ...note('<m1@x>', 'hello'), docType: 'email' }).outcome).toBe(
      'unchanged',
    );
    expect(dataVersion()).not.toBe(version);
    expect(store.listUnitDocuments('mail', 'inbox.mbox')).toEqual([]);
    expect(store.listUnitDocuments('mail', 'archive.mbox').map((d) => d.docId)).toEqual(['<m1@x>']);
  });

  it('removes a unit’s documents except the ones to keep', () => {
    for (const id of ['m1', 'm2', 'm3'])
      pipeline.ingest('mail', 'box', { ...note(id, `message ${id} text`), docType: 'email' });
    pipeline.ingest('mail', 'other', { ...note('m4', 'message m4 text'), docType: 'email' });
    expect(pipeline.removeUnit('mail', 'box', new Set(['m2']))).toBe(2);
    expect(found('message')).toEqual(['mail:m2', 'mail:m4']);
    expect(pipeline.removeUnit('mail', 'box')).toBe(1);
    expect(pipeline.removeUnit('mail', 'box')).toBe(0);
    expect(found('message')).toEqual(['mail:m4']);
  });

  it('removes a single document', () => {
    pipeline.ingest('vault', 'a.md', note('a.md', 'to be deleted'));
    expect(pipeline.removeDocument('vault', 'a.md')).toBe(true);
    expect(pipeline.removeDocument('vault', 'a.md')).toBe(false);
    expect(found('deleted')).toEqual([]);
    expect(store.counts('vault')).toEqual({ documents: 0, chunks: 0 });
  });

  it('reports the chunks it wrote, matching what the store counts', () => {
    const long = Array.from({ length: 12 }, (_, i) => `## Section ${i}\n\n${'a sentence of text. '.repeat(30)}`).join(
      '\n\n',
    );
    const { chunks } = pipeline.ingest('vault', 'long.md', note('long.md', long));
    expect(chunks).toBeGreaterThan(10);
    expect(store.counts('vault').chunks).toBe(chunks);
    expect(found('section')).toEqual(['vault:long.md']);
  });

  it('indexes an event as one chunk and an empty note by its title', () => {
    expect(
      pipeline.ingest('cal', 'e1', {
        id: 'e1',
        title: 'Standup',
        content: '# A\n\nx\n\n# B\n\ny',
        docType: 'event',
        path: null,
      }).chunks,
    ).toBe(1);
    expect(pipeline.ingest('vault', 'empty.md', note('empty.md', '', { title: 'Shopping list' })).chunks).toBe(1);
    expect(found('shopping')).toEqual(['vault:empty.md']);
  });

  it('leaves nothing half-indexed when the surrounding batch fails', () => {
    pipeline.ingest('vault', 'a.md', note('a.md', 'stable words'));
    expect(() =>
      store.transaction(() => {
        pipeline.ingest('vault', 'a.md', note('a.md', 'replacement words'));
        pipeline.ingest('vault', 'b.md', note('b.md', 'brand new words'));
        throw Object.assign(new Error('disk full'), { code: 'SQLITE_FULL' });
      }),
    ).toThrow('disk full');
    expect(found('stable')).toEqual(['vault:a.md']);
    expect(found('replacement')).toEqual([]);
    expect(found('brand')).toEqual([]);
  });

  it('re-chunks documents when the chunker changes', () => {
    pipeline.ingest('vault', 'a.md', note('a.md', 'words'));
    class NewChunker extends Chunker {
      override readonly version = 2;
    }
    expect(new IngestionPipeline(store, new NewChunker()).ingest('vault', 'a.md', note('a.md', 'words')).outcome).toBe(
      'updated',
    );
  });
});

describe('IngestionPipeline: size and speed (reported, not asserted as timing)', () => {
  it('keeps the database within 3× the text it holds', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const vocabulary = Array.from({ length: 5_000 }, (_, i) => {
      let w = '';
      const len = 3 + (i % 7);
      for (let k = 0; k < len; k++) w += String.fromCharCode(97 + Math.floor(random() * 26));
      return w;
    });
    const word = (): string => vocabulary[Math.floor(random() ** 2 * vocabulary.length)];
    const docs: SourceDocument[] = [];
    for (let i = 0; i < 1_000; i++) {
      const paragraphs: string[] = [];
      let length = 0;
      while (length < 2_000) {
        const sentences = Array.from({ length: 3 }, () => `${Array.from({ length: 12 }, word).join(' ')}.`);
        const p = (paragraphs.length % 3 === 0 ? `## ${word()} ${word()}\n\n` : '') + sentences.join(' ');
        paragraphs.push(p);
        length += p.length + 2;
      }
      docs.push(note(`notes/${i}.md`, paragraphs.join('\n\n'), { title: `${word()} ${word()}`, tags: [word()] }));
    }
    const textBytes = docs.reduce((n, d) => n + Buffer.byteLength(d.content) + Buffer.byteLength(d.title), 0);
    const start = performance.now();
    let chunks = 0;
    for (let i = 0; i < docs.length; i += 100) {
      store.transaction(() => {
        for (const d of docs.slice(i, i + 100)) chunks += pipeline.ingest('vault', d.id, d).chunks;
      });
    }
    const seconds = (performance.now() - start) / 1000;
    store.close();
    const dbBytes = fs.statSync(dbPath).size;
    const ratio = dbBytes / textBytes;
    console.log(
      `pipeline: ${docs.length} notes (${(textBytes / 1e6).toFixed(2)} MB of text, ${chunks} chunks) in ` +
        `${seconds.toFixed(2)} s = ${Math.round(docs.length / seconds)} docs/s; database ${(dbBytes / 1e6).toFixed(2)} MB ` +
        `= ${ratio.toFixed(2)}× the text`,
    );
    expect(ratio).toBeLessThanOrEqual(3);
    store = KnowledgeStore.open(dbPath, { log: silentLogger }); // for afterEach
  });
});
