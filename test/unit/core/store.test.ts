import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/logger.js';
import type { DocType, SearchHit } from '../../../shared/types.js';
import { cjkIndexText } from '../../../electron/core/cjk.js';
import { IngestionPipeline } from '../../../electron/core/pipeline.js';
import { documentRow } from '../../helpers/document-row.js';
import {
  CONNECTOR_TOTALS_SQL,
  DOCUMENT_SPANS_SQL,
  MIGRATIONS,
  OLDEST_READABLE_VERSION,
  SCHEMA_VERSION,
  migrate,
} from '../../../electron/core/schema.js';
import {
  CHUNK_ROWID_SPAN,
  INTERRUPTED_ERROR_CODE,
  KnowledgeStore,
  parseSnippet,
  type Checkpoint,
  type DocumentRow,
} from '../../../electron/core/store.js';
import { manifestOf } from '../../helpers/manifest.js';

let dir: string;
let dbPath: string;
const open: KnowledgeStore[] = [];

function openStore(opts: { readonly?: boolean; file?: string } = {}): KnowledgeStore {
  const store = KnowledgeStore.open(opts.file ?? dbPath, { log: silentLogger, readonly: opts.readonly });
  open.push(store);
  return store;
}

const row = documentRow;

function addDoc(
  store: KnowledgeStore,
  connectorId: string,
  docId: string,
  body: string,
  overrides: Partial<DocumentRow> = {},
): number {
  return store.insertDocument(row(connectorId, docId, overrides), [{ heading: '', body }]);
}

function ids(hits: SearchHit[]): string[] {
  return hits.map((h) => h.docId);
}

/** The CJK re-index mark, read outside the store (undefined once the re-index is done). */
function cjkReindexMark(file: string): string | undefined {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT value FROM meta WHERE key = 'cjk_reindex_pending'").pluck().get() as string | undefined;
  } finally {
    db.close();
  }
}

/** The normalising re-index mark (schema.ts, TEXT_REINDEX_KEY), read outside the store. */
function textReindexMark(file: string): string | undefined {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT value FROM meta WHERE key = 'text_reindex_pending'").pluck().get() as string | undefined;
  } finally {
    db.close();
  }
}

function rawCount(file: string, sql: string, ...params: unknown[]): number {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare(sql)
      .pluck()
      .get(...params) as number;
  } finally {
    db.close();
  }
}

/** Takes the index back to the schema before connector_totals, as the builds before that migration left it. */
function revertConnectorTotals(db: Database.Database): void {
  db.exec(`
    DROP TRIGGER documents_add_to_totals;
    DROP TRIGGER documents_take_from_totals;
    DROP TRIGGER documents_move_in_totals;
    DROP TABLE connector_totals;
    CREATE INDEX documents_by_type ON documents (connector_id, doc_type, chunk_count);
  `);
  rewindSchema(db, MIGRATIONS.indexOf(CONNECTOR_TOTALS_SQL));
}

/**
 * Sets the index's schema version back to `version`, undoing the migrations after it that a second run would refuse
 * (a column added twice), as the builds before them left the index.
 */
function rewindSchema(db: Database.Database, version: number): void {
  const hasSpans = db.prepare("SELECT 1 FROM pragma_table_info('documents') WHERE name = 'timestamp_end'").get();
  if (hasSpans && version <= MIGRATIONS.indexOf(DOCUMENT_SPANS_SQL)) {
    db.exec('ALTER TABLE documents DROP COLUMN timestamp_end');
  }
  db.pragma(`user_version = ${version}`);
}

/**
 * Writes `chunks` into the full-text index as an older version indexed them, takes the index back to the schema
 * before the migration that set the re-index mark `markKey`, and opens it again, keeping what it logs.
 */
function reopenFromBefore(
  markKey: string,
  chunks: readonly { rowid: number; title: string; body: string }[],
): { store: KnowledgeStore; logged: string[] } {
  const db = new Database(dbPath);
  for (const { rowid, title, body } of chunks) {
    db.prepare('DELETE FROM chunks WHERE rowid = ?').run(rowid * CHUNK_ROWID_SPAN);
    db.prepare("INSERT INTO chunks (rowid, title, heading, body, tags, facets) VALUES (?, ?, '', ?, '', '')").run(
      rowid * CHUNK_ROWID_SPAN,
      title,
      body,
    );
  }
  db.prepare('DELETE FROM meta WHERE key = ?').run(markKey);
  rewindSchema(
    db,
    MIGRATIONS.findIndex((m) => m.includes(`'${markKey}'`)),
  );
  db.close();
  const logged: string[] = [];
  const store = KnowledgeStore.open(dbPath, { log: { ...silentLogger, info: (m: string) => logged.push(m) } });
  open.push(store);
  return { store, logged };
}

/** The connector's documents and chunks as a scan of `documents` finds them. */
function scannedCounts(file: string, connectorId: string): { documents: number; chunks: number } {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare(
        'SELECT count(*) AS documents, coalesce(sum(chunk_count), 0) AS chunks FROM documents WHERE connector_id = ?',
      )
      .get(connectorId) as { documents: number; chunks: number };
  } finally {
    db.close();
  }
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jarvis-'));
  dbPath = path.join(dir, 'index.db');
});

afterEach(() => {
  for (const s of open.splice(0)) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('KnowledgeStore: opening', () => {
  it('creates the schema in WAL mode and reopens without migrating again', () => {
    const store = openStore();
    addDoc(store, 'c1', 'a', 'persistent words');
    store.close();
    const db = new Database(dbPath, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare("SELECT value FROM meta WHERE key = 'clean_shutdown'").pluck().get()).toBe('1');
    db.close();
    const again = openStore();
    expect(again.recovery).toBeNull();
    expect(ids(again.search('persistent', {}))).toEqual(['c1:a']);
  });

  it('creates the schema atomically: a failing migration leaves no table behind', () => {
    const db = new Database(dbPath);
    const broken = [...MIGRATIONS, 'CREATE TABLE extra (x); CREATE TABLE broken ('];
    expect(() => migrate(db, broken)).toThrow();
    expect(db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get()).toBe(0);
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    // The real migrations then apply cleanly on the same file.
    expect(migrate(db)).toBe(0);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('refuses a file written by a newer schema instead of destroying it', () => {
    openStore().close();
    const db = new Database(dbPath);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openStore()).toThrow(expect.objectContaining({ code: 'E_STORE_TOO_NEW' }));
    expect(fs.existsSync(dbPath)).toBe(true);
  });

  it('moves an 8 KB garbage file aside and starts a fresh, working index', () => {
    const garbage = Buffer.alloc(8192);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 251;
    fs.writeFileSync(dbPath, garbage);
    fs.writeFileSync(`${dbPath}-wal`, 'stale wal');
    const store = openStore();
    expect(store.recovery).not.toBeNull();
    expect(store.recovery!.reason).toMatch(/not a database/i);
    expect(store.recovery!.movedTo).toMatch(/index\.db\.corrupt-/);
    expect(fs.readFileSync(store.recovery!.movedTo)).toEqual(garbage);
    expect(fs.readFileSync(`${store.recovery!.movedTo}-wal`, 'utf8')).toBe('stale wal');
    addDoc(store, 'c1', 'a', 'fresh start');
    expect(ids(store.search('fresh', {}))).toEqual(['c1:a']);
  });

  it('moves a foreign SQLite database aside rather than writing into it', () => {
    const foreign = new Database(dbPath);
    foreign.exec('CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES (1)');
    foreign.close();
    const store = openStore();
    expect(store.recovery?.reason).toMatch(/another program/);
    const moved = new Database(store.recovery!.movedTo, { readonly: true });
    expect(moved.prepare('SELECT count(*) FROM contacts').pluck().get()).toBe(1);
    moved.close();
  });

  function corruptPages(file: string, pages: number[]): void {
    const fd = fs.openSync(file, 'r+');
    const junk = Buffer.alloc(64, 0xa5);
    for (const page of pages) fs.writeSync(fd, junk, 0, junk.length, (page - 1) * 4096);
    fs.closeSync(fd);
  }

  function populated(): void {
    const store = KnowledgeStore.open(dbPath, { log: silentLogger });
    const pipeline = new IngestionPipeline(store);
    store.transaction(() => {
      for (let i = 0; i < 200; i++) {
        pipeline.ingest('c1', `n${i}`, {
          id: `n${i}`,
          title: `Note ${i}`,
          content: `alpha beta ${i} `.repeat(80),
          docType: 'note',
          path: null,
        });
      }
    });
    store.close();
  }

  it('detects a database whose pages were overwritten and rebuilds it', () => {
    populated();
    const pageCount = fs.statSync(dbPath).size / 4096;
    corruptPages(
      dbPath,
      Array.from({ length: pageCount - 1 }, (_, i) => i + 2),
    );
    const store = openStore();
    expect(store.recovery).not.toBeNull();
    expect(store.recovery!.reason).toMatch(/CORRUPT|malformed|integrity/i);
    expect(store.search('alpha', {})).toEqual([]);
    expect(store.integrityCheck().ok).toBe(true);
  });

  function pagesOf(table: string, pagetype: string): number[] {
    const db = new Database(dbPath, { readonly: true });
    try {
      return db
        .prepare('SELECT pageno FROM dbstat WHERE name = ? AND pagetype = ?')
        .pluck()
        .all(table, pagetype) as number[];
    } finally {
      db.close();
    }
  }

  function markUncleanShutdown(): void {
    const db = new Database(dbPath);
    db.prepare("UPDATE meta SET value = '0' WHERE key = 'clean_shutdown'").run();
    db.close();
  }

  it('checks the file after an unclean shutdown and catches damage a normal start does not read', () => {
    populated();
    const textPages = pagesOf('chunk_text', 'leaf');
    expect(textPages.length).toBeGreaterThan(3);
    markUncleanShutdown();
    corruptPages(dbPath, textPages.slice(1, 3));
    const store = openStore();
    expect(store.recovery?.reason).toMatch(/CORRUPT|malformed|integrity/i);
    expect(fs.existsSync(store.recovery!.movedTo)).toBe(true);
  });

  it('keeps the reason a damaged index was replaced to its first finding, and logs them all', () => {
    const store = KnowledgeStore.open(dbPath, { log: silentLogger });
    const pipeline = new IngestionPipeline(store);
    store.transaction(() => {
      for (let i = 0; i < 2000; i++) {
        pipeline.ingest('c1', `n${i}`, {
          id: `n${i}`,
          title: `Note ${i}`,
          content: `alpha ${i}`,
          docType: 'note',
          path: null,
        });
      }
    });
    store.close();
    // An index b-tree the full-text check does not read: the integrity check lists one line per damaged page.
    const pages = pagesOf('documents_by_unit', 'leaf');
    expect(pages.length).toBeGreaterThan(4);
    markUncleanShutdown();
    const fd = fs.openSync(dbPath, 'r+');
    for (const page of pages) fs.writeSync(fd, Buffer.alloc(1), 0, 1, (page - 1) * 4096);
    fs.closeSync(fd);
    const warnings: string[] = [];
    const reopened = KnowledgeStore.open(dbPath, { log: { ...silentLogger, warn: (m) => warnings.push(String(m)) } });
    open.push(reopened);
    const reason = reopened.recovery!.reason;
    // Before: "integrity check failed: *** in database main ***" and a line per page, all of it in the notice.
    expect(reason).toMatch(
      /^integrity check failed: Tree \d+ page \d+: [^;]+; and \d+ more problems, listed in the log$/,
    );
    expect(reason).not.toContain('\n');
    const logged = warnings.join('\n');
    for (const page of pages) expect(logged).toContain(`page ${page}: `);
  });

  it('skips the check after a clean shutdown, so normal starts stay fast', () => {
    populated();
    corruptPages(dbPath, pagesOf('chunk_text', 'leaf').slice(1, 3));
    const store = openStore();
    expect(store.recovery).toBeNull();
    expect(store.integrityCheck().ok).toBe(false);
  });

  it('rebuilds only the full-text index when that is all that is damaged', () => {
    populated();
    // Pages holding a single large segment block: their last bytes are blob payload, so overwriting them leaves
    // every b-tree valid and only FTS5's own check (part of quick_check) notices.
    const db = new Database(dbPath, { readonly: true });
    const blockPages = db
      .prepare(
        "SELECT pageno FROM dbstat WHERE name = 'chunks_data' AND pagetype = 'leaf' AND ncell = 1 AND payload > 1000",
      )
      .pluck()
      .all() as number[];
    db.close();
    expect(blockPages.length).toBeGreaterThan(2);
    markUncleanShutdown();
    const fd = fs.openSync(dbPath, 'r+');
    for (const page of blockPages) fs.writeSync(fd, Buffer.alloc(48, 0x5a), 0, 48, page * 4096 - 48);
    fs.closeSync(fd);
    const check = new Database(dbPath, { readonly: true });
    expect(check.pragma('quick_check', { simple: true })).toMatch(/^fts5: corruption/);
    check.close();
    const store = openStore();
    expect(store.recovery).toBeNull();
    expect(store.search('alpha', { limit: 200 })).toHaveLength(200);
    expect(store.integrityCheck()).toEqual({ ok: true, details: 'quick_check: ok\nfull-text index: ok' });
  });

  it('creates the full-text index with its merge policy (automerge 8, usermerge 2), also when it rebuilds it', () => {
    const automerge = () => rawCount(dbPath, "SELECT v FROM chunks_config WHERE k = 'automerge'");
    const usermerge = () => rawCount(dbPath, "SELECT v FROM chunks_config WHERE k = 'usermerge'");
    const store = openStore();
    expect(automerge()).toBe(8);
    expect(usermerge()).toBe(2);
    store.transaction(() => {
      for (let i = 0; i < 30; i++) addDoc(store, 'big', `d${i}`, `walrus ${i}`);
      addDoc(store, 'small', 'k', 'kept heron');
    });
    // Removing most of the index rebuilds it from what stays (see removeConnector).
    store.removeConnector('big');
    expect(automerge()).toBe(8);
    expect(usermerge()).toBe(2);
    expect(ids(store.search('heron', {}))).toEqual(['small:k']);
  });

  it('moves an index compacted with usermerge 8 (schema 3) to usermerge 2, keeping its documents', () => {
    const db = new Database(dbPath);
    migrate(db, MIGRATIONS.slice(0, 3));
    db.close();
    expect(rawCount(dbPath, "SELECT v FROM chunks_config WHERE k = 'usermerge'")).toBe(8);
    const store = openStore();
    addDoc(store, 'c1', 'a', 'migrated words');
    expect(rawCount(dbPath, "SELECT v FROM chunks_config WHERE k = 'usermerge'")).toBe(2);
    expect(ids(store.search('migrated', {}))).toEqual(['c1:a']);
  });

  it('keeps the problems of an index from before quarantines (schema 4), none of them quarantined', () => {
    const db = new Database(dbPath);
    migrate(db, MIGRATIONS.slice(0, 4));
    db.prepare(
      `INSERT INTO item_errors (connector_id, path, code, message, severity, first_seen, last_seen, attempts)
       VALUES ('c1', '/a.md', 'E_BINARY', 'binary', 'error', 100, 300, 7)`,
    ).run();
    db.close();
    const store = openStore();
    expect(store.listItemErrors('c1')).toEqual([expect.objectContaining({ attempts: 7, quarantined: false })]);
    expect(store.loadQuarantine('c1').size).toBe(0);
    // The next failed reads of the unit count from there.
    const issue = { path: '/a.md', code: 'E_BINARY' as const, message: 'binary', severity: 'error' as const };
    for (let i = 0; i < 3; i++)
      store.recordItemError('c1', issue, { at: 400 + i, run: 1 + i }, { key: 'a.md', fingerprint: 'f1' });
    expect(store.listItemErrors('c1')).toEqual([expect.objectContaining({ attempts: 10, quarantined: true })]);
    expect(store.loadQuarantine('c1')).toEqual(new Map([['a.md', 'f1']]));
  });

  it('a problem released (Retry) while a run still skips its quarantined file stays listed through that run', () => {
    const store = openStore();
    const issue = { path: '/a.md', code: 'E_BINARY' as const, message: 'binary', severity: 'error' as const };
    const unit = { key: 'a.md', fingerprint: 'f1' };
    for (let i = 0; i < 3; i++) store.recordItemError('c1', issue, { at: 100 + i, run: 1 + i }, unit);
    // Run 4 starts at 200 with the quarantine it loaded; the user presses Retry; the run skips the file anyway.
    expect(store.loadQuarantine('c1')).toEqual(new Map([['a.md', 'f1']]));
    expect(store.releaseQuarantine('c1', '/a.md')).toBe(1);
    store.touchQuarantined('c1', unit, { at: 250, run: 4 });
    store.clearItemErrorsNotSeenIn('c1', 4);
    expect(store.listItemErrors('c1')).toEqual([
      expect.objectContaining({ path: '/a.md', attempts: 3, firstSeen: 100, quarantined: false }),
    ]);
  });

  it('reports a run left running by a crash as failed with an interrupted error', () => {
    const crashed = openStore();
    const runId = crashed.startRun('c1', 'schedule', 1000);
    // A second open of the file stands in for the next start after a crash.
    const next = KnowledgeStore.open(dbPath, { log: silentLogger });
    open.push(next);
    const [run] = next.listRuns('c1', 10);
    expect(run).toMatchObject({ id: runId, outcome: 'failed', startedAt: 1000 });
    expect(run.error?.code).toBe(INTERRUPTED_ERROR_CODE);
    expect(run.error?.message).toMatch(/interrupted/i);
  });
});

describe('KnowledgeStore: read-only', () => {
  it('behaves as empty when the file does not exist, without creating it', () => {
    const store = openStore({ readonly: true });
    expect(store.search('anything', {})).toEqual([]);
    expect(store.counts('c1')).toEqual({ documents: 0, chunks: 0 });
    expect(store.listCheckpoints()).toEqual([]);
    expect(fs.existsSync(dbPath)).toBe(false);
  });

  it('reads an index one migration behind when that migration changes nothing reads need, and refuses older ones', () => {
    const writer = openStore();
    addDoc(writer, 'c1', 'a', 'shared words');
    writer.close();
    open.length = 0;
    const setVersion = (v: number) => {
      const db = new Database(dbPath);
      db.pragma(`user_version = ${v}`);
      db.close();
    };
    setVersion(OLDEST_READABLE_VERSION);
    expect(ids(openStore({ readonly: true }).search('shared', {}))).toEqual(['c1:a']);
    setVersion(OLDEST_READABLE_VERSION - 1);
    expect(() => openStore({ readonly: true })).toThrow(
      expect.objectContaining({ code: 'E_STORE_TOO_OLD', message: expect.stringMatching(/Start the app once/) }),
    );
  });

  it('searches by date an index from before documents had an end, read-only, by their start', () => {
    const writer = openStore();
    addDoc(writer, 'c1', 'old', 'shared words', { timestamp: 1_000 });
    addDoc(writer, 'c1', 'new', 'shared words', { timestamp: 5_000 });
    writer.close();
    open.length = 0;
    const db = new Database(dbPath);
    rewindSchema(db, MIGRATIONS.indexOf(DOCUMENT_SPANS_SQL));
    db.close();
    const reader = openStore({ readonly: true });
    expect(ids(reader.search('shared', { since: 2_000 }))).toEqual(['c1:new']);
    // The writable store adds the column, and then writes ends.
    const upgraded = openStore();
    addDoc(upgraded, 'c1', 'series', 'shared words', { timestamp: 0, timestampEnd: 9_000 });
    expect(ids(upgraded.search('shared', { since: 2_000 })).sort()).toEqual(['c1:new', 'c1:series']);
  });

  it('counts an index from before connector_totals: read-only by scanning, and after the upgrade from the totals', () => {
    const writer = openStore();
    addDoc(writer, 'c1', 'a', 'shared words');
    writer.insertDocument(row('c1', 'b', { docType: 'document' }), [
      { heading: '', body: 'shared one' },
      { heading: '', body: 'two' },
    ]);
    for (let i = 0; i < 8; i++) addDoc(writer, 'c2', `n${i}`, 'shared other words');
    writer.close();
    open.length = 0;
    const db = new Database(dbPath);
    revertConnectorTotals(db);
    db.close();

    const reader = openStore({ readonly: true });
    expect(reader.counts('c1')).toEqual({ documents: 2, chunks: 3 });
    // The filter totals come from the scan too: a small source's filter still finds its documents.
    expect(ids(reader.search('shared', { source: 'c1' })).sort()).toEqual(['c1:a', 'c1:b']);
    expect(ids(reader.search('shared', { docType: 'document' }))).toEqual(['c1:b']);
    reader.close();

    const upgraded = openStore();
    expect(upgraded.counts('c1')).toEqual({ documents: 2, chunks: 3 });
    expect(upgraded.counts('c2')).toEqual({ documents: 8, chunks: 8 });
    expect(rawCount(dbPath, "SELECT count(*) FROM sqlite_schema WHERE name = 'documents_by_type'")).toBe(0);
    addDoc(upgraded, 'c1', 'c', 'after the upgrade');
    expect(upgraded.counts('c1')).toEqual({ documents: 3, chunks: 4 });
  });

  it('reads what a writer committed, and refuses writes with SQLITE_READONLY', () => {
    const writer = openStore();
    addDoc(writer, 'c1', 'a', 'shared words');
    const reader = openStore({ readonly: true });
    expect(ids(reader.search('shared', {}))).toEqual(['c1:a']);
    expect(() => reader.putUnit('c1', { key: 'k', fingerprint: 'f', cursor: null })).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/^SQLITE_READONLY/) }),
    );
  });

  it('never moves a damaged file', () => {
    fs.writeFileSync(dbPath, Buffer.alloc(8192, 0x42));
    expect(() => openStore({ readonly: true })).toThrow();
    expect(fs.readdirSync(dir)).toEqual(['index.db']);
  });
});

describe('KnowledgeStore: errors', () => {
  it('lets SQLITE_BUSY through with its code when another connection holds the write lock', () => {
    const store = openStore();
    const other = new Database(dbPath);
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      expect(() => store.transaction(() => store.putUnit('c1', { key: 'k', fingerprint: 'f', cursor: null }))).toThrow(
        expect.objectContaining({ code: 'SQLITE_BUSY' }),
      );
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    expect(manifestOf(store, 'c1').size).toBe(0);
  });

  it('an open while another connection holds the write lock fails with SQLITE_BUSY, even after an unclean shutdown', () => {
    addDoc(openStore(), 'c1', 'a', 'kept words');
    open.pop()!.close();
    const other = new Database(dbPath);
    // Left as a crash leaves it, so the open would check the whole file before its first write.
    other.prepare("UPDATE meta SET value = '0' WHERE key = 'clean_shutdown'").run();
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      expect(() => KnowledgeStore.open(dbPath, { log: silentLogger, lockTimeoutMs: 0 })).toThrow(
        expect.objectContaining({ code: 'SQLITE_BUSY' }),
      );
      // Readers are not kept out by a write lock: the read-only open that stands in meanwhile finds what is indexed.
      const reader = KnowledgeStore.open(dbPath, { log: silentLogger, readonly: true, lockTimeoutMs: 0 });
      open.push(reader);
      expect(reader.search('kept', {})).toHaveLength(1);
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    expect(openStore().search('kept', {})).toHaveLength(1);
  });

  it('rolls back everything done in a transaction that throws', () => {
    const store = openStore();
    expect(() =>
      store.transaction(() => {
        addDoc(store, 'c1', 'a', 'rolled back words');
        store.putUnit('c1', { key: 'a', fingerprint: 'f', cursor: null });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.search('rolled', {})).toEqual([]);
    expect(store.counts('c1')).toEqual({ documents: 0, chunks: 0 });
    expect(manifestOf(store, 'c1').size).toBe(0);
  });
});

describe('KnowledgeStore: documents and search', () => {
  it('applies the full-text changes of a transaction by their net effect, savepoints and rollbacks included', () => {
    const store = openStore();
    const a = addDoc(store, 'c1', 'a', 'aardvark first');
    const b = addDoc(store, 'c1', 'b', 'badger');
    store.transaction(() => {
      store.replaceDocument(a, row('c1', 'a', { contentHash: 'h2' }), [{ heading: '', body: 'aardvark second' }]);
      store.deleteDocument(b, 1);
      const c = store.insertDocument(row('c1', 'c'), [{ heading: '', body: 'cheetah' }]);
      store.deleteDocument(c, 1);
      expect(() =>
        store.transaction(() => {
          store.insertDocument(row('c1', 'd'), [{ heading: '', body: 'dingo' }]);
          throw new Error('inner');
        }),
      ).toThrow('inner');
      store.insertDocument(row('c1', 'e'), [{ heading: '', body: 'emu' }]);
    });
    expect(() =>
      store.transaction(() => {
        store.insertDocument(row('c1', 'f'), [{ heading: '', body: 'ferret' }]);
        throw new Error('outer');
      }),
    ).toThrow('outer');
    expect(ids(store.search('first', {}))).toEqual([]);
    expect(ids(store.search('aardvark second', {}))).toEqual(['c1:a']);
    for (const gone of ['badger', 'cheetah', 'dingo', 'ferret']) expect(store.search(gone, {})).toEqual([]);
    expect(ids(store.search('emu', {}))).toEqual(['c1:e']);
    expect(store.integrityCheck().ok).toBe(true);
  });

  it('replaces a document: old text gone, new text found, same rowid', () => {
    const store = openStore();
    const rowid = addDoc(store, 'c1', 'a', 'original wording');
    store.replaceDocument(rowid, row('c1', 'a', { contentHash: 'h2' }), [
      { heading: 'Part', body: 'revised wording' },
      { heading: '', body: 'second chunk' },
    ]);
    expect(store.search('original', {})).toEqual([]);
    expect(ids(store.search('revised', {}))).toEqual(['c1:a']);
    expect(store.getDocument('c1', 'a')).toEqual({ rowid, contentHash: 'h2', chunkCount: 2, unitKey: 'a' });
    expect(store.counts('c1')).toEqual({ documents: 1, chunks: 2 });
  });

  it('replacing a document with the same title and tags rewrites changed chunks and keeps the others findable', () => {
    const store = openStore();
    const chunks = (...bodies: string[]) => bodies.map((body, i) => ({ heading: `Part ${i}`, body }));
    const rowid = store.insertDocument(row('c1', 'a'), chunks('alpha one', 'bravo two', 'charlie three', 'delta four'));
    // One section edited, the last one removed (same document-level fields: only those chunks change).
    store.replaceDocument(rowid, row('c1', 'a', { contentHash: 'h2' }), chunks('alpha one', 'bravo two', 'echo five'));
    for (const kept of ['alpha', 'bravo', 'echo']) expect(ids(store.search(kept, {})), kept).toEqual(['c1:a']);
    for (const gone of ['charlie', 'delta']) expect(store.search(gone, {}), gone).toEqual([]);
    expect(
      rawCount(
        dbPath,
        'SELECT count(*) FROM chunk_text WHERE id BETWEEN ? AND ?',
        rowid * 65536,
        rowid * 65536 + 65535,
      ),
    ).toBe(3);

    // Twice in one transaction, growing again, with an unchanged chunk whose heading changed.
    store.transaction(() => {
      store.replaceDocument(rowid, row('c1', 'a', { contentHash: 'h3' }), chunks('alpha one', 'foxtrot', 'echo five'));
      store.replaceDocument(rowid, row('c1', 'a', { contentHash: 'h4' }), [
        { heading: 'Renamed', body: 'alpha one' },
        ...chunks('alpha one', 'golf', 'echo five', 'hotel').slice(1),
        { heading: 'Part 4', body: 'india' },
      ]);
    });
    for (const kept of ['alpha', 'golf', 'echo', 'hotel', 'india', 'renamed']) {
      expect(ids(store.search(kept, {})), kept).toEqual(['c1:a']);
    }
    for (const gone of ['bravo', 'foxtrot']) expect(store.search(gone, {}), gone).toEqual([]);
    expect(rawCount(dbPath, "SELECT count(*) FROM chunk_text WHERE heading = 'Renamed' AND body = 'alpha one'")).toBe(
      1,
    );

    // A new title is carried by every chunk: all of them are rewritten, so a title word finds each one's text.
    store.replaceDocument(
      rowid,
      row('c1', 'a', { contentHash: 'h5', title: 'Zanzibar notes' }),
      chunks('alpha one', 'golf'),
    );
    expect(ids(store.search('zanzibar golf', {}))).toEqual(['c1:a']);
    expect(ids(store.search('zanzibar alpha', {}))).toEqual(['c1:a']);
    expect(store.search('echo', {})).toEqual([]);
    expect(store.counts('c1')).toEqual({ documents: 1, chunks: 2 });
    expect(store.integrityCheck().ok).toBe(true);
  });

  it('replacing a document updates every column, whether or not its unit, type and chunk count change', () => {
    const store = openStore();
    const rowid = addDoc(store, 'c1', 'a', 'first text', { unitKey: 'a.md' });
    const stored = () => {
      const db = new Database(dbPath, { readonly: true });
      try {
        return db
          .prepare(
            `SELECT unit_key, title, doc_type, path, author, participants, timestamp, thread_id, tags, aliases, links,
               metadata, content_hash, chunk_count FROM documents WHERE id = ?`,
          )
          .get(rowid);
      } finally {
        db.close();
      }
    };
    const byIndex = (sql: string, ...params: unknown[]) => rawCount(dbPath, sql, ...params);

    // Same unit, type and chunk count: every other column still takes the new value.
    store.replaceDocument(
      rowid,
      row('c1', 'a', {
        unitKey: 'a.md',
        path: '/notes/moved-a.md',
        author: 'Ada',
        participants: ['ada@example.com'],
        timestamp: 1_800_000_000_000,
        threadId: 't1',
        links: ['b'],
        metadataJson: '{"k":1}',
        contentHash: 'h2',
      }),
      [{ heading: '', body: 'second text' }],
    );
    expect(stored()).toEqual({
      unit_key: 'a.md',
      title: 'Title of a',
      doc_type: 'note',
      path: '/notes/moved-a.md',
      author: 'Ada',
      participants: '["ada@example.com"]',
      timestamp: 1_800_000_000_000,
      thread_id: 't1',
      tags: null,
      aliases: null,
      links: '["b"]',
      metadata: '{"k":1}',
      content_hash: 'h2',
      chunk_count: 1,
    });

    // Each of unit, type and chunk count changing alone: the index and the totals kept on them follow.
    store.replaceDocument(rowid, row('c1', 'a', { unitKey: 'b.md', contentHash: 'h3' }), [{ heading: '', body: 'x' }]);
    expect(store.listUnitDocuments('c1', 'a.md')).toEqual([]);
    expect(store.listUnitDocuments('c1', 'b.md')).toEqual([{ docId: 'a', rowid, chunkCount: 1 }]);
    store.replaceDocument(rowid, row('c1', 'a', { unitKey: 'b.md', docType: 'document', contentHash: 'h4' }), [
      { heading: '', body: 'y' },
    ]);
    const typeCount = "SELECT chunks FROM connector_totals WHERE connector_id = 'c1' AND doc_type = ?";
    expect(byIndex(typeCount, 'document')).toBe(1);
    store.replaceDocument(rowid, row('c1', 'a', { unitKey: 'b.md', docType: 'document', contentHash: 'h5' }), [
      { heading: '', body: 'third text' },
      { heading: '', body: 'more' },
    ]);
    expect(stored()).toMatchObject({ unit_key: 'b.md', doc_type: 'document', content_hash: 'h5', chunk_count: 2 });
    expect(store.listUnitDocuments('c1', 'b.md')).toEqual([{ docId: 'a', rowid, chunkCount: 2 }]);
    expect(byIndex(typeCount, 'document')).toBe(2);
    expect(byIndex(typeCount, 'note')).toBe(0);
    expect(ids(store.search('third', {}))).toEqual(['c1:a']);
    expect(store.integrityCheck().ok).toBe(true);
  });

  it('keeps the counts equal to the documents through inserts, replacements, deletions and a failed transaction', () => {
    const store = openStore();
    const chunks = (n: number) => Array.from({ length: n }, (_, i) => ({ heading: '', body: `part ${i}` }));
    const rowids = new Map<string, number>();
    for (let i = 0; i < 12; i++) {
      rowids.set(
        `d${i}`,
        store.insertDocument(row('c1', `d${i}`, { docType: i % 3 ? 'note' : 'email' }), chunks(1 + (i % 4))),
      );
    }
    const check = () => {
      for (const id of ['c1', 'c2']) expect(store.counts(id)).toEqual(scannedCounts(dbPath, id));
    };
    check();
    // Same type and count (no trigger fires), another type, another chunk count, a moved unit.
    store.replaceDocument(rowids.get('d1')!, row('c1', 'd1', { contentHash: 'x1' }), chunks(2));
    store.replaceDocument(rowids.get('d2')!, row('c1', 'd2', { docType: 'event', contentHash: 'x2' }), chunks(3));
    store.replaceDocument(rowids.get('d3')!, row('c1', 'd3', { contentHash: 'x3' }), chunks(9));
    store.setDocumentUnit(rowids.get('d4')!, 'elsewhere.md');
    check();
    expect(store.counts('c1')).toEqual({ documents: 12, chunks: 1 + 2 + 3 + 9 + 1 + 2 + 3 + 4 + 1 + 2 + 3 + 4 });
    store.deleteDocument(rowids.get('d5')!, 2);
    store.deleteDocument(rowids.get('d6')!, 3);
    addDoc(store, 'c2', 'other', 'words');
    check();
    expect(() =>
      store.transaction(() => {
        store.deleteDocument(rowids.get('d7')!, 4);
        addDoc(store, 'c1', 'new', 'words');
        addDoc(store, 'c1', 'd8', 'a duplicate id fails the transaction');
      }),
    ).toThrow(/UNIQUE/);
    expect(store.counts('c1').documents).toBe(10);
    check();
    store.removeConnector('c1');
    expect(store.counts('c1')).toEqual({ documents: 0, chunks: 0 });
    check();
  });

  it('deletes a document with its chunks', () => {
    const store = openStore();
    const rowid = addDoc(store, 'c1', 'a', 'doomed words');
    store.deleteDocument(rowid, 1);
    expect(store.search('doomed', {})).toEqual([]);
    expect(store.getDocument('c1', 'a')).toBeUndefined();
    expect(rawCount(dbPath, 'SELECT count(*) FROM chunk_text')).toBe(0);
  });

  it('gives chunk rowids derived from the document rowid', () => {
    const store = openStore();
    const rowid = store.insertDocument(row('c1', 'a'), [
      { heading: '', body: 'one' },
      { heading: '', body: 'two' },
    ]);
    const db = new Database(dbPath, { readonly: true });
    expect(db.prepare('SELECT id FROM chunk_text ORDER BY id').pluck().all()).toEqual([
      rowid * CHUNK_ROWID_SPAN,
      rowid * CHUNK_ROWID_SPAN + 1,
    ]);
    db.close();
  });

  it('lists and moves documents between units', () => {
    const store = openStore();
    const rowid = addDoc(store, 'c1', 'm1', 'x', { unitKey: 'inbox.mbox' });
    addDoc(store, 'c1', 'm2', 'y', { unitKey: 'inbox.mbox' });
    store.setDocumentUnit(rowid, 'archive.mbox');
    expect(store.listUnitDocuments('c1', 'inbox.mbox').map((d) => d.docId)).toEqual(['m2']);
    expect(store.listUnitDocuments('c1', 'archive.mbox')).toEqual([{ docId: 'm1', rowid, chunkCount: 1 }]);
    expect(store.listDocumentUnitKeys('c1').sort()).toEqual(['archive.mbox', 'inbox.mbox']);
  });

  it('returns one hit per document, from its best chunk', () => {
    const store = openStore();
    store.insertDocument(
      row('c1', 'long'),
      Array.from({ length: 12 }, (_, i) => ({ heading: `Part ${i}`, body: `zebra mention number ${i}` })),
    );
    addDoc(store, 'c1', 'short', 'a zebra too');
    const hits = store.search('zebra', {});
    expect(ids(hits).sort()).toEqual(['c1:long', 'c1:short']);
  });

  it('ranks a title match above a body match, and tags above body', () => {
    const store = openStore();
    addDoc(store, 'c1', 'body', 'we talked about the budget for a long time and then about other things');
    addDoc(store, 'c1', 'title', 'nothing relevant in here at all, just words', { title: 'Budget' });
    addDoc(store, 'c1', 'tag', 'also nothing relevant in here, other words', { title: 'Misc', tags: ['budget'] });
    expect(ids(store.search('budget', {}))).toEqual(['c1:title', 'c1:tag', 'c1:body']);
  });

  it('finds a document by its title when it has no text, and by aliases', () => {
    const store = openStore();
    store.insertDocument(row('c1', 'empty', { title: 'Quarterly planning', aliases: ['Q3 plan'] }), [
      { heading: '', body: '' },
    ]);
    expect(ids(store.search('quarterly', {}))).toEqual(['c1:empty']);
    expect(ids(store.search('q3', {}))).toEqual(['c1:empty']);
    expect(store.search('quarterly', {})[0].snippet).toBe('');
  });

  it('matches words across title and body of the same chunk', () => {
    const store = openStore();
    addDoc(store, 'c1', 'a', 'the offsite is in Lisbon', { title: 'Offsite logistics' });
    expect(ids(store.search('logistics lisbon', {}))).toEqual(['c1:a']);
  });

  it('finds a document whose words are in different chunks, after those that have them together', () => {
    const store = openStore();
    const sections = (...bodies: string[]) => bodies.map((body, i) => ({ heading: `Part ${i}`, body }));
    // A long note: the budget for the offsite in January, the kubernetes upgrade in June.
    store.insertDocument(
      row('notes', 'year'),
      sections('january: the budget for the offsite', 'march: nothing', 'june: the kubernetes upgrade'),
    );
    addDoc(store, 'notes', 'together', 'the offsite after the kubernetes upgrade');
    addDoc(store, 'notes', 'one-word', 'an offsite only');
    addDoc(store, 'mail', 'reply', 'invoice attached');
    store.insertDocument(row('mail', 'quoting'), sections('invoice attached', '> old quoted text about pelicans'));
    // Before, each of these found nothing (or only "together"): all the words had to be in one chunk.
    expect(ids(store.search('offsite upgrade', {}))).toEqual(['notes:together', 'notes:year']);
    expect(ids(store.search('budget kubernetes', {}))).toEqual(['notes:year']);
    expect(ids(store.search('attached pelicans', {}))).toEqual(['mail:quoting']);
    const hit = store.search('budget kubernetes', {})[0];
    expect(hit.snippet.slice(hit.highlights[0][0], hit.highlights[0][1]).toLowerCase()).toMatch(/budget|kubernetes/);
    // Filters and pages hold for them as for the others.
    expect(store.search('offsite upgrade', { source: 'mail' })).toEqual([]);
    expect(ids(store.search('offsite upgrade', { limit: 1, offset: 1 }))).toEqual(['notes:year']);
    expect(store.search('offsite upgrade', { limit: 1, offset: 2 })).toEqual([]);
    expect(store.search('offsite pelicans', {})).toEqual([]);
  });

  it('finds words in different chunks when one of them is common (asked per document), in any column and form', () => {
    const store = openStore();
    const sections = (...bodies: string[]) => bodies.map((body, i) => ({ heading: `Part ${i}`, body }));
    store.insertDocument(row('notes', 'body'), sections('the pelican report', 'a word on the Straße'));
    store.insertDocument(row('notes', 'title', { title: 'Straße works' }), sections('the pelican count', 'other'));
    store.insertDocument(row('mail', 'author', { author: 'Ann Straße' }), sections('pelican sighting', 'thanks'));
    store.insertDocument(row('notes', 'without'), sections('the pelican story', 'nothing else'));
    // Over SPREAD_TERM_CHUNKS chunks say "strasse": it is asked of each candidate document, not listed in full.
    store.transaction(() => {
      for (let i = 0; i < 1_100; i++) addDoc(store, 'notes', `s${i}`, `strasse number ${i}`);
    });
    expect(ids(store.search('pelican strasse', {})).sort()).toEqual(['mail:author', 'notes:body', 'notes:title']);
    expect(ids(store.search('pelican strasse', { source: 'mail' }))).toEqual(['mail:author']);
    // -word asks each document the same way: every chunk of a hit must lack it.
    expect(ids(store.search('pelican -strasse', {}))).toEqual(['notes:without']);
  });

  it('ranks a document with the word in its title even when thousands of newer chunks mention it', () => {
    const store = openStore();
    addDoc(store, 'notes', 'about', 'all about the animal', { title: 'Project Zebra' });
    store.transaction(() => {
      for (let i = 0; i < 4_100; i++) addDoc(store, 'notes', `m${i}`, `met someone who mentioned a zebra once ${i}`);
    });
    // Before, only the newest 4,000 matching chunks were ranked: the note about zebras was not in the results at all.
    expect(ids(store.search('zebra', { limit: 5 }))[0]).toBe('notes:about');
  });

  it('reads OR and -word in a query, and leaves out a document with the -word in any of its chunks', () => {
    const store = openStore();
    const sections = (...bodies: string[]) => bodies.map((body, i) => ({ heading: `Part ${i}`, body }));
    store.insertDocument(row('notes', 'year'), sections('january: the offsite budget', 'june: a spam filter upgrade'));
    addDoc(store, 'notes', 'clean', 'offsite planning');
    // Before, "-spam" was the word "spam", required: only "year" came back, the opposite of what was asked.
    expect(ids(store.search('offsite -spam', {}))).toEqual(['notes:clean']);
    expect(ids(store.search('budget OR planning', {})).sort()).toEqual(['notes:clean', 'notes:year']);
    expect(ids(store.search('offsite (budget OR spam)', {}))).toEqual(['notes:year']);
    expect(store.search('-offsite', {})).toEqual([]);
  });

  it('-word leaves documents out before the page is cut, so pages stay full and in order', () => {
    const store = openStore();
    const sections = (...bodies: string[]) => bodies.map((body, i) => ({ heading: `Part ${i}`, body }));
    // Six long notes rank first (kickoff said often) but name the vendor in another section; seven short ones don't.
    for (let i = 0; i < 6; i++) {
      store.insertDocument(
        row('notes', `long${i}`, { title: `Kickoff ${i}` }),
        sections('kickoff kickoff kickoff kickoff', 'the legacy vendor'),
      );
    }
    for (let i = 0; i < 7; i++) addDoc(store, 'notes', `short${i}`, `a kickoff for office ${i}`);
    // Before: the first page of 5 was the long notes, all then dropped: "No results".
    const first = ids(store.search('kickoff -vendor', { limit: 5 }));
    expect(first).toHaveLength(5);
    expect(first.every((id) => id.startsWith('notes:short'))).toBe(true);
    const second = ids(store.search('kickoff -vendor', { limit: 5, offset: 5 }));
    expect(second).toHaveLength(2);
    expect([...first, ...second].sort()).toEqual(Array.from({ length: 7 }, (_, i) => `notes:short${i}`));
  });

  it('filters by source, type and time, and pages with limit and offset', () => {
    const store = openStore();
    const types: DocType[] = ['note', 'email', 'event', 'document'];
    for (let i = 0; i < 20; i++) {
      addDoc(store, i % 2 === 0 ? 'even' : 'odd', `d${i}`, `shared keyword ${i}`, {
        docType: types[i % 4],
        timestamp: 1_000 * i,
      });
    }
    addDoc(store, 'even', 'undated', 'shared keyword', { timestamp: null });
    expect(store.search('shared', { limit: 200 })).toHaveLength(21);
    expect(store.search('shared', { source: 'odd', limit: 200 }).every((h) => h.source === 'odd')).toBe(true);
    expect(store.search('shared', { source: 'odd', limit: 200 })).toHaveLength(10);
    expect(store.search('shared', { source: 'nobody' })).toEqual([]);
    expect(ids(store.search('shared', { docType: 'event', limit: 200 })).sort()).toEqual(
      ['even:d10', 'even:d18', 'even:d2', 'even:d6', 'even:d14'].sort(),
    );
    expect(store.search('shared', { source: 'odd', docType: 'email', limit: 200 })).toHaveLength(5);
    expect(store.search('shared', { source: 'odd', docType: 'event' })).toEqual([]);
    const ranged = store.search('shared', { since: 5_000, until: 9_000, limit: 200 });
    expect(ranged.map((h) => h.timestamp).sort((a, b) => a! - b!)).toEqual([5_000, 6_000, 7_000, 8_000, 9_000]);
    const all = ids(store.search('shared', { limit: 200 }));
    const pages = [0, 7, 14].flatMap((offset) => ids(store.search('shared', { limit: 7, offset })));
    expect(pages).toEqual(all);
    expect(store.search('shared', { limit: 5 })).toHaveLength(5);
    expect(store.search('shared', { limit: 10_000 })).toHaveLength(21);
  });

  it('takes a document that lasts into a date range its span meets: a series still running, a conference under way', () => {
    const store = openStore();
    addDoc(store, 'cal', 'weekly-since-2020', 'standup', { docType: 'event', timestamp: 1_000, timestampEnd: 9e15 });
    addDoc(store, 'cal', 'ended-series', 'standup', { docType: 'event', timestamp: 1_000, timestampEnd: 4_000 });
    addDoc(store, 'cal', 'conference', 'standup', { docType: 'event', timestamp: 9_000, timestampEnd: 12_000 });
    addDoc(store, 'notes', 'note', 'standup', { timestamp: 6_000 });
    const inRange = (since: number, until?: number) =>
      ids(store.search('standup', { since, ...(until === undefined ? {} : { until }), limit: 20 })).sort();
    // "Upcoming" at 10,000: the series that goes on and the conference under way, not what ended or is past.
    expect(inRange(10_000)).toEqual(['cal:conference', 'cal:weekly-since-2020']);
    // "Past week" at 7,000: what happened or went on in 5,000–7,000.
    expect(inRange(5_000, 7_000)).toEqual(['cal:weekly-since-2020', 'notes:note']);
    // A range before a document starts never takes it, whatever its end.
    expect(inRange(0, 500)).toEqual([]);
  });

  it('applies filters the same way whether the filtered set is small or large', () => {
    const store = openStore();
    for (let i = 0; i < 30; i++) addDoc(store, 'big', `b${i}`, `common word ${i}`);
    addDoc(store, 'small', 's0', 'common word small', { docType: 'event' });
    // "small" holds few chunks (a facet token filter), "big" most of them (a document lookup filter).
    expect(ids(store.search('common', { source: 'small' }))).toEqual(['small:s0']);
    expect(store.search('common', { source: 'big', limit: 200 })).toHaveLength(30);
    expect(ids(store.search('common', { docType: 'event' }))).toEqual(['small:s0']);
    expect(store.search('common', { docType: 'note', limit: 200 })).toHaveLength(30);
  });

  it('fills every hit field with provenance', () => {
    const store = openStore();
    addDoc(store, 'mail', 'msg-1@x', 'quarterly numbers attached', {
      title: 'Numbers',
      docType: 'email',
      path: '/mail/inbox.mbox',
      author: 'Ann Author <ann@example.com>',
      timestamp: 42,
    });
    const [hit] = store.search('numbers', {});
    expect(hit).toMatchObject({
      docId: 'mail:msg-1@x',
      title: 'Numbers',
      source: 'mail',
      docType: 'email',
      path: '/mail/inbox.mbox',
      timestamp: 42,
      author: 'Ann Author <ann@example.com>',
    });
    expect(hit.score).toBeLessThan(0);
    expect(ids(store.search('ann', {}))).toEqual(['mail:msg-1@x']); // the author is searchable
  });

  it('returns highlights that point at the matched words in a plain-text snippet', () => {
    const store = openStore();
    addDoc(store, 'c1', 'a', 'Some intro. The deployments were running late on 2020-10-27, said the team lead.');
    const [hit] = store.search('deployment run 2020-10-27', {});
    expect(hit.snippet).not.toMatch(/[\uE000\uE001<>]/);
    const marked = hit.highlights.map(([s, e]) => hit.snippet.slice(s, e).toLowerCase());
    expect(marked).toEqual(['deployments', 'running', '2020-10-27']);
  });

  it('highlights body words even when other query words matched only the title', () => {
    const store = openStore();
    addDoc(store, 'c1', 'a', 'the offsite is in Lisbon', { title: 'Offsite logistics' });
    const [hit] = store.search('logistics lisbon', {});
    expect(hit.highlights.map(([s, e]) => hit.snippet.slice(s, e))).toEqual(['Lisbon']);
  });

  it('gives the opening words, unhighlighted, when the match is only in the title', () => {
    const store = openStore();
    addDoc(store, 'c1', 'a', `First words of the body. ${'filler '.repeat(100)}`, { title: 'Kangaroo' });
    const [hit] = store.search('kangaroo', {});
    expect(hit.snippet.startsWith('First words of the body.')).toBe(true);
    expect(hit.snippet.length).toBeLessThan(200);
    expect(hit.highlights).toEqual([]);
  });

  it('does not let marker characters in a document forge highlights', () => {
    const store = openStore();
    addDoc(store, 'c1', 'a', 'evil \uE000fake\uE001 highlight and a real target');
    const [hit] = store.search('target', {});
    expect(hit.highlights.map(([s, e]) => hit.snippet.slice(s, e))).toEqual(['target']);
  });

  it('a prefix finds the words it starts, though the index keeps them shorter than the prefix (stems)', () => {
    const store = openStore();
    addDoc(store, 'c1', 'meeting', 'Notes from the weekly meeting with the team.');
    addDoc(store, 'c1', 'org', 'The organization chart changed again.');
    addDoc(store, 'c1', 'running', 'Running the numbers for the budget.');
    addDoc(store, 'c1', 'relational', 'Relational databases and their joins.');
    addDoc(store, 'c1', 'cars', 'Two cars in the garage.');
    addDoc(store, 'c1', 'orange', 'An orange on the table.');
    const found = (q: string) => ids(store.search(q, {})).sort();
    // Typed part of the way: "meeting" is indexed as "meet", "organization" as "organ", "running" as "run".
    expect(found('meetin*')).toEqual(['c1:meeting']);
    expect(found('organiz*')).toEqual(['c1:org']);
    expect(found('organizat*')).toEqual(['c1:org']);
    expect(found('runn*')).toEqual(['c1:running']);
    expect(found('relatio*')).toEqual(['c1:relational']);
    expect(found('orga*')).toEqual(['c1:org']);
    expect(found('ora*')).toEqual(['c1:orange']);
    // No stranger comes in: "cart" is no start of "cars", "organiz" none of "orange".
    expect(found('cart*')).toEqual([]);
    expect(found('organiz* table')).toEqual([]);
    // With other words, as a negation, and highlighted where it matched.
    expect(found('weekly meetin*')).toEqual(['c1:meeting']);
    expect(found('team -meetin*')).toEqual([]);
    const [hit] = store.search('meetin*', {});
    expect(hit.highlights.map(([s, e]) => hit.snippet.slice(s, e))).toEqual(['meeting']);
  });

  it('finds words inside Chinese, Japanese and Korean text, which puts no spaces between them', () => {
    const store = openStore();
    // A new index has nothing to index again.
    expect(cjkReindexMark(dbPath)).toBeUndefined();
    addDoc(store, 'c1', 'ja', '東京で日本語のテキストを書きました。コーヒーを飲みながら。');
    addDoc(store, 'c1', 'zh', '我的猫喜欢在阳光下睡觉。');
    addDoc(store, 'c1', 'ko', '한국어 문서를 검색합니다');
    addDoc(store, 'c1', 'en', 'An English note about coffee and the API設計 review.', { title: '会議のメモ' });
    const found = (q: string) => ids(store.search(q, {})).sort();
    expect(found('日本語')).toEqual(['c1:ja']);
    expect(found('テキスト')).toEqual(['c1:ja']);
    expect(found('コーヒー')).toEqual(['c1:ja']);
    expect(found('テキストを書')).toEqual(['c1:ja']);
    expect(found('阳光')).toEqual(['c1:zh']);
    expect(found('문서')).toEqual(['c1:ko']);
    // One character: found where it starts a pair, and where it only ends a run (す in です, 觉 before 。).
    expect(found('猫')).toEqual(['c1:zh']);
    expect(found('觉')).toEqual(['c1:zh']);
    expect(found('た')).toEqual(['c1:ja']);
    // A phrase running from CJK text into Latin letters, from inside a run and ending in one character.
    expect(found('"語のテキ"')).toEqual(['c1:ja']);
    expect(found('計 review')).toEqual(['c1:en']);
    expect(found('"設計 review"')).toEqual(['c1:en']);
    expect(found('"計 review"')).toEqual(['c1:en']);
    expect(found('"API設"')).toEqual(['c1:en']);
    // In the title, and next to Latin letters; words AND together across scripts.
    expect(found('会議')).toEqual(['c1:en']);
    expect(found('設計')).toEqual(['c1:en']);
    expect(found('設計 coffee')).toEqual(['c1:en']);
    expect(found('日本語 coffee')).toEqual([]);
    // Characters that are not in a row in the text do not match.
    expect(found('語テ')).toEqual([]);
    expect(found('日本語テキスト')).toEqual([]);
  });

  it('highlights CJK matches as written, and shows the text around a match past the opening', () => {
    const store = openStore();
    addDoc(store, 'c1', 'zh', `${'Opening words in English. '.repeat(12)}我的猫喜欢在阳光下睡觉。`);
    const [hit] = store.search('阳光', {});
    expect(hit.snippet).toContain('阳光');
    expect(hit.snippet.startsWith('…')).toBe(true);
    expect(hit.highlights.map(([a, b]) => hit.snippet.slice(a, b))).toEqual(['阳光']);
    // A single character lights up alone, not the whole clause it stands in.
    const [one] = store.search('猫', {});
    expect(one.highlights.map(([a, b]) => one.snippet.slice(a, b))).toEqual(['猫']);
    // Mixed with a Latin word: both, where the snippet shows them.
    addDoc(store, 'c1', 'mix', 'English words, then 睡觉 at night.');
    const mixed = store.search('english 睡觉', {}).find((h) => h.docId === 'c1:mix')!;
    expect(mixed.highlights.map(([a, b]) => mixed.snippet.slice(a, b))).toEqual(['English', '睡觉']);
  });

  it('an index from before CJK pairs has its CJK chunks indexed again in idle-time steps', () => {
    let store = openStore();
    const zh = addDoc(store, 'c1', 'zh', '我的猫喜欢在阳光下睡觉。');
    addDoc(store, 'c1', 'en', 'Nothing to do here.');
    store.close();
    open.length = 0;
    // What the previous version wrote: the clause as one token, and the schema before the upgrade mark.
    const db = new Database(dbPath);
    db.prepare('DELETE FROM chunks WHERE rowid = ?').run(zh * CHUNK_ROWID_SPAN);
    db.prepare(
      "INSERT INTO chunks (rowid, title, heading, body, tags, facets) VALUES (?, 'Title of zh', '', ?, '', '')",
    ).run(zh * CHUNK_ROWID_SPAN, '我的猫喜欢在阳光下睡觉。');
    db.prepare("DELETE FROM meta WHERE key = 'cjk_reindex_pending'").run();
    revertConnectorTotals(db);
    rewindSchema(db, MIGRATIONS.indexOf(CONNECTOR_TOTALS_SQL) - 1);
    db.close();

    store = openStore();
    // Opening does not wait for it (on a large CJK index it takes seconds): the maintainer's steps do it.
    expect(ids(store.search('阳光', {}))).toEqual([]);
    while (store.maintenanceStep(64));
    expect(ids(store.search('阳光', {}))).toEqual(['c1:zh']);
    expect(ids(store.search('nothing', {}))).toEqual(['c1:en']);
    expect(rawCount(dbPath, "SELECT count(*) FROM meta WHERE key = 'cjk_reindex_pending'")).toBe(0);
  });

  it('the CJK re-index goes in bounded steps, each saving how far it got with its writes', () => {
    let store = openStore();
    for (let i = 1; i <= 150; i++) addDoc(store, 'c1', `zh${i}`, `第${i}号：我的猫喜欢在阳光下睡觉。`);
    addDoc(store, 'c1', 'en', 'Nothing to do here.', { title: '会議のメモ' });
    while (store.maintenanceStep(64));
    store.close();
    open.length = 0;
    const db = new Database(dbPath);
    db.prepare("INSERT INTO meta (key, value) VALUES ('cjk_reindex_pending', '0')").run();
    db.close();

    store = openStore();
    const mark = () => cjkReindexMark(dbPath);
    expect(store.maintenanceStep(64)).toBe(true);
    // 64 chunks written: the mark is at the 64th document's chunk.
    expect(mark()).toBe(String(64 * CHUNK_ROWID_SPAN));
    expect(store.maintenanceStep(64)).toBe(true);
    expect(mark()).toBe(String(128 * CHUNK_ROWID_SPAN));
    while (store.maintenanceStep(64));
    expect(mark()).toBeUndefined();
    expect(store.search('阳光', { limit: 200 })).toHaveLength(150);
    // A document whose title alone is CJK was indexed again too.
    expect(ids(store.search('会議', {}))).toEqual(['c1:en']);
  });

  it('finds words across compatibility forms, ß and Thai text, and shows and highlights them as written', () => {
    const store = openStore();
    addDoc(store, 'c1', 'de', 'Wir wohnen in der Straße am Fluss, seit Jahren.', { title: 'Größe der Wohnung' });
    addDoc(store, 'c1', 'ja', 'コード ＡＢＣ１２３ の会議は明日です。');
    addDoc(store, 'c1', 'lig', 'Open the ﬁle first.');
    addDoc(store, 'c1', 'tm', 'The Apple™ keynote.');
    addDoc(store, 'c1', 'th', 'ภาษาไทยง่ายนิดเดียว');
    const found = (q: string) => ids(store.search(q, {})).sort();
    const marked = (q: string) => {
      const [hit] = store.search(q, {});
      // Never the text as indexed: no folded words, no private-use marks.
      expect(hit.snippet).not.toMatch(/strasse|ABC123|[\u{F0000}-\u{FFFFD}]/u);
      return hit.highlights.map(([a, b]) => hit.snippet.slice(a, b));
    };
    expect(found('strasse')).toEqual(['c1:de']);
    expect(found('STRAẞE')).toEqual(['c1:de']);
    expect(found('grosse')).toEqual(['c1:de']);
    expect(found('abc123')).toEqual(['c1:ja']);
    expect(found('file')).toEqual(['c1:lig']);
    expect(found('apple')).toEqual(['c1:tm']);
    expect(found('ไทย')).toEqual(['c1:th']);
    expect(found('ง่าย')).toEqual(['c1:th']);
    expect(marked('strasse')).toEqual(['Straße']);
    expect(marked('abc123')).toEqual(['ＡＢＣ１２３']);
    expect(marked('file')).toEqual(['ﬁle']);
    expect(marked('ง่าย')).toEqual(['ง่าย']);
    expect(store.search('strasse', {})[0].snippet).toBe('Wir wohnen in der Straße am Fluss, seit Jahren.');
  });

  it('starts and ends a snippet of Thai text on whole characters, never on a vowel or tone mark alone', () => {
    const store = openStore();
    // 40 characters before the match falls on a vowel mark (ิ) of the text before it.
    addDoc(store, 'c1', 'before', `${'A '.repeat(100)}${'กิ'.repeat(30)}xy ภาษา`);
    const [around] = store.search('ภาษา', {});
    expect(around.snippet).toMatch(/^…กิ/u);
    expect(around.highlights.map(([a, b]) => around.snippet.slice(a, b))).toEqual(['ภาษา']);
    // Opening words without a space to cut at: the cut falls after a vowel mark, not between it and its letter.
    addDoc(store, 'c1', 'lead', `x${'กิ'.repeat(200)}`);
    const [lead] = store.search('x', {});
    expect(lead.snippet).toMatch(/^xกิ(กิ)+…$/u);
    // A Thai clause is one word to FTS5 (up to a mark): a prefix search lights up the letters typed, not all of it.
    addDoc(store, 'c1', 'prefix', 'ไมโครซอฟท์');
    const [prefix] = store.search('ไม', {});
    expect(prefix.highlights.map(([a, b]) => prefix.snippet.slice(a, b))).toEqual(['ไม']);
  });

  it('an index from before normalising has the chunks whose words change indexed again in idle-time steps', () => {
    let store = openStore();
    const old: Record<string, { rowid: number; title: string; body: string }> = {};
    const add = (docId: string, body: string, title = `Title of ${docId}`) => {
      old[docId] = { rowid: addDoc(store, 'c1', docId, body, { title }), title, body };
    };
    add('de', 'Die Straße am Fluss.');
    add('th', 'ภาษาไทยง่ายนิดเดียว');
    add('title', 'Plain body.', 'Größe');
    add('zh', '我的猫，喜欢（阳光）！');
    add('en', 'Nothing to do here.');
    store.close();
    open.length = 0;
    // What the previous version wrote: each chunk in the form before (cjkIndexText), and the schema before the mark.
    const { store: reopened, logged } = reopenFromBefore(
      'text_reindex_pending',
      Object.values(old).map(({ rowid, title, body }) => ({
        rowid,
        title: cjkIndexText(title),
        body: cjkIndexText(body),
      })),
    );
    store = reopened;
    expect(textReindexMark(dbPath)).toBe('0');
    // Opening does not wait for it: the maintainer's steps do it.
    expect(ids(store.search('strasse', {}))).toEqual([]);
    expect(ids(store.search('ไทย', {}))).toEqual([]);
    while (store.maintenanceStep(64));
    expect(ids(store.search('strasse', {}))).toEqual(['c1:de']);
    expect(ids(store.search('ไทย', {}))).toEqual(['c1:th']);
    expect(ids(store.search('grosse', {}))).toEqual(['c1:title']);
    expect(ids(store.search('阳光', {}))).toEqual(['c1:zh']);
    expect(ids(store.search('nothing', {}))).toEqual(['c1:en']);
    expect(textReindexMark(dbPath)).toBeUndefined();
    // Only the three whose words changed: not the Chinese text whose full-width punctuation alone NFKC changes.
    expect(logged.filter((m) => m.includes('again'))).toEqual([
      expect.stringMatching(/^store: indexed 3 chunks whose words normalising/),
    ]);
  });

  it('an index from before the script folds has its Greek, Cyrillic, Indic, Arabic and Hebrew chunks indexed again', () => {
    let store = openStore();
    const old: Record<string, { rowid: number; title: string; body: string }> = {};
    const add = (docId: string, body: string, title = `Title of ${docId}`) => {
      old[docId] = { rowid: addDoc(store, 'c1', docId, body, { title }), title, body };
    };
    add('el', 'Ταξίδι στην Αθήνα τον Μάιο.');
    add('ru', 'Новогодняя ёлка в парке.');
    add('hi', 'सबको नमस्ते, आज हम हिन्दी सीखेंगे।');
    add('ar', 'ذهبتُ إلى المَكْتَبَةِ أمس.');
    add('he-title', 'Plain body.', 'שָׁלוֹם עֲלֵיכֶם');
    add('el-plain', 'Ελληνικα χωρις τονους');
    add('en', 'Nothing to do here.');
    store.close();
    open.length = 0;
    // What the previous version wrote: these texts are already in NFKC and hold no paired script, so the index text
    // of schema 13 was the text itself. And the schema before the mark.
    const { store: reopened, logged } = reopenFromBefore('script_reindex_pending', Object.values(old));
    store = reopened;
    expect(rawCount(dbPath, "SELECT count(*) FROM meta WHERE key = 'script_reindex_pending'")).toBe(1);
    // Opening does not wait for it: the maintainer's steps do it.
    expect(ids(store.search('αθηνα', {}))).toEqual([]);
    expect(ids(store.search('नमस्ते', {}))).toEqual([]);
    while (store.maintenanceStep(64));
    expect(ids(store.search('αθηνα', {}))).toEqual(['c1:el']);
    expect(ids(store.search('Αθήνα', {}))).toEqual(['c1:el']);
    expect(ids(store.search('елка', {}))).toEqual(['c1:ru']);
    expect(ids(store.search('नमस्ते', {}))).toEqual(['c1:hi']);
    expect(ids(store.search('المكتبة', {}))).toEqual(['c1:ar']);
    expect(ids(store.search('שלום', {}))).toEqual(['c1:he-title']);
    expect(ids(store.search('τονους', {}))).toEqual(['c1:el-plain']);
    expect(ids(store.search('nothing', {}))).toEqual(['c1:en']);
    expect(rawCount(dbPath, "SELECT count(*) FROM meta WHERE key = 'script_reindex_pending'")).toBe(0);
    // Only the five whose words changed: not the Greek text without accents, nor the English one. The letter folds'
    // re-index, which comes after it, takes the Arabic one again (إ, ة).
    expect(logged.filter((m) => m.includes('again'))).toEqual([
      expect.stringMatching(/^store: indexed 5 chunks with Greek/),
      expect.stringMatching(/^store: indexed 1 chunks with Arabic alef/),
    ]);
  });

  it('finds Greek, Russian, Indic, Arabic and Hebrew words typed without accents or marks, highlighted as written', () => {
    const store = openStore();
    addDoc(store, 'c1', 'el', 'Ταξίδι στην Αθήνα τον Μάιο.');
    addDoc(store, 'c1', 'ru', 'Новогодняя ёлка в парке.');
    addDoc(store, 'c1', 'hi', 'सबको नमस्ते, आज हम हिन्दी सीखेंगे। नमक');
    addDoc(store, 'c1', 'ar', 'هذا كتـــاب جديد في المَكْتَبَةِ');
    addDoc(store, 'c1', 'he', 'שָׁלוֹם עֲלֵיכֶם');
    const found = (q: string) => ids(store.search(q, {})).sort();
    const marked = (q: string) => {
      const [hit] = store.search(q, {});
      // Never the text as indexed: no folded words, no private-use marks.
      expect(hit.snippet).not.toMatch(/Αθηνα|Новогодняя елка|كتاب|[\u{F0000}-\u{FFFFD}]/u);
      return hit.highlights.map(([a, b]) => hit.snippet.slice(a, b));
    };
    expect(found('αθηνα')).toEqual(['c1:el']);
    expect(found('елка')).toEqual(['c1:ru']);
    expect(found('नमस्ते')).toEqual(['c1:hi']);
    expect(found('हिन्दी')).toEqual(['c1:hi']);
    expect(found('كتاب')).toEqual(['c1:ar']);
    expect(found('المكتبة')).toEqual(['c1:ar']);
    expect(found('שלום')).toEqual(['c1:he']);
    expect(marked('αθηνα')).toEqual(['Αθήνα']);
    expect(marked('ΑΘΗΝΑ')).toEqual(['Αθήνα']);
    expect(marked('елка')).toEqual(['ёлка']);
    expect(marked('नमस्ते')).toEqual(['नमस्ते']);
    expect(marked('हिन्दी')).toEqual(['हिन्दी']);
    // A word without marks is highlighted by FTS5, whole: not the start of "नमस्ते" or "हिन्दी".
    expect(marked('नमक')).toEqual(['नमक']);
    // A prefix lights up the word it starts, as it does in other scripts.
    expect(marked('नमस*')).toEqual(['नमस्ते']);
    expect(marked('كتاب')).toEqual(['كتـــاب']);
    expect(store.search('αθηνα', {})[0].snippet).toBe('Ταξίδι στην Αθήνα τον Μάιο.');
  });

  it("highlights the matched words in a hit's title too, by their stems, in any script", () => {
    const store = openStore();
    addDoc(store, 'c1', 'review', 'Bring the quarterly spreadsheet.', { title: 'Budget review with finance' });
    addDoc(store, 'c1', 'meetings', 'Nothing here names them.', { title: 'Weekly Meetings, and a meeting room' });
    addDoc(store, 'c1', 'cafe', 'notes', { title: 'Café Straße' });
    addDoc(store, 'c1', 'ja', 'メモ', { title: '日本語のテキスト' });
    const titleMarks = (q: string, docId: string) => {
      const hit = store.search(q, {}).find((h) => h.docId === docId)!;
      return hit.titleHighlights.map(([a, b]) => hit.title.slice(a, b));
    };
    expect(titleMarks('budget spreadsheet', 'c1:review')).toEqual(['Budget']);
    expect(titleMarks('meeting', 'c1:meetings')).toEqual(['Meetings', 'meeting']);
    expect(titleMarks('cafe strasse', 'c1:cafe')).toEqual(['Café', 'Straße']);
    expect(titleMarks('日本', 'c1:ja')).toEqual(['日本']);
    // The words matched in the body only: the title is shown as it is.
    expect(titleMarks('spreadsheet', 'c1:review')).toEqual([]);
  });

  it('highlights Arabic and Hebrew words written with their marks whole, marks included, and shows them as written', () => {
    const store = openStore();
    const arabic = 'ذهبتُ إلى المَكْتَبَةِ أمس، وقرأت كتـــابا.';
    const hebrew = 'אָמַר שָׁלוֹם עֲלֵיכֶם לַחֲבֵרִים';
    addDoc(store, 'c1', 'ar', arabic);
    addDoc(store, 'c1', 'he', hebrew);
    addDoc(store, 'c1', 'ar-far', `${'كلام عادي بلا علامات. '.repeat(20)}ثم وصلنا إلى المَكْتَبَةِ أخيرا.`);
    const marked = (q: string, docId: string) => {
      const hit = store.search(q, {}).find((h) => h.docId === docId)!;
      // The text as written: no private-use stand-ins for the marks.
      expect(hit.snippet).not.toMatch(/[\uE000-\uF8FF\u{F0000}-\u{FFFFD}]/u);
      return hit.highlights.map(([a, b]) => hit.snippet.slice(a, b));
    };
    expect(marked('المكتبة', 'c1:ar')).toEqual(['المَكْتَبَةِ']);
    expect(marked('المَكْتَبَةِ', 'c1:ar')).toEqual(['المَكْتَبَةِ']);
    expect(marked('ذهبت', 'c1:ar')).toEqual(['ذهبتُ']);
    expect(marked('ذهبت المكتبة', 'c1:ar')).toEqual(['ذهبتُ', 'المَكْتَبَةِ']);
    expect(marked('שלום', 'c1:he')).toEqual(['שָׁלוֹם']);
    expect(marked('עליכם', 'c1:he')).toEqual(['עֲלֵיכֶם']);
    expect(store.search('שלום', {})[0].snippet).toBe(hebrew);
    expect(store.search('ذهبت', {})[0].snippet).toBe(arabic);
    // Past the opening words: the snippet is cut around the word, which it shows whole.
    expect(marked('المكتبة', 'c1:ar-far')).toEqual(['المَكْتَبَةِ']);
    const far = store.search('المكتبة', {}).find((h) => h.docId === 'c1:ar-far')!;
    expect(far.snippet).toContain('وصلنا إلى المَكْتَبَةِ أخيرا.');
  });

  it('finds Arabic, Persian and Hindi words in either of the spellings people type, highlighted as written', () => {
    const store = openStore();
    addDoc(store, 'c1', 'ar', 'قال أحمد إنه ذهب إلى المكتبة في آخر الأسبوع');
    addDoc(store, 'c1', 'ar-plain', 'قال احمد انه ذهب الي المكتبه في اخر الاسبوع');
    addDoc(store, 'c1', 'fa', 'کتابخانه ملی ایران');
    addDoc(store, 'c1', 'hi', 'वह ज़रूर आएगा');
    addDoc(store, 'c1', 'hi-plain', 'वह जरूर आएगा');
    const found = (q: string) => ids(store.search(q, {})).sort();
    const marked = (q: string, docId: string) => {
      const hit = store.search(q, {}).find((h) => h.docId === docId)!;
      return hit.highlights.map(([a, b]) => hit.snippet.slice(a, b));
    };
    for (const q of ['أحمد', 'احمد', 'إلى', 'الى', 'الي', 'المكتبة', 'المكتبه', 'آخر', 'اخر'])
      expect(found(q), q).toEqual(['c1:ar', 'c1:ar-plain']);
    // Persian keyboards type ک and ی where Arabic ones type ك and ي.
    expect(found('كتابخانه')).toEqual(['c1:fa']);
    expect(found('ايران')).toEqual(['c1:fa']);
    expect(found('کتابخانه ملی')).toEqual(['c1:fa']);
    // With the nukta, composed or not, and without it.
    for (const q of ['ज़रूर', '\u095Bरूर', 'जरूर']) expect(found(q), q).toEqual(['c1:hi', 'c1:hi-plain']);
    expect(marked('احمد الي المكتبه', 'c1:ar')).toEqual(['أحمد', 'إلى', 'المكتبة']);
    expect(marked('أحمد', 'c1:ar-plain')).toEqual(['احمد']);
    expect(marked('जरूर', 'c1:hi')).toEqual(['ज़रूर']);
    expect(marked('ज़रूर', 'c1:hi-plain')).toEqual(['जरूर']);
  });

  it('an index from before the letter folds has its chunks with those Arabic letters or the nukta indexed again', () => {
    let store = openStore();
    const old: Record<string, { rowid: number; title: string; body: string; indexed: string }> = {};
    const add = (docId: string, body: string, indexed = body) => {
      const title = `Title of ${docId}`;
      old[docId] = { rowid: addDoc(store, 'c1', docId, body, { title }), title, body, indexed };
    };
    const indicMark = (cp: number) => String.fromCodePoint(0xf0000 + cp);
    add('ar', 'ذهب إلى المكتبة');
    add('fa', 'کتابخانه ملی');
    // Indexed before with the nukta and the vowel sign as private-use characters inside the word.
    add('hi', 'वह ज\u093Cरूर आएगा', `वह ज${indicMark(0x093c)}र${indicMark(0x0942)}र आएगा`);
    add('ar-none', 'كتب جديد');
    add('en', 'Nothing to do here.');
    store.close();
    open.length = 0;
    // What the previous version wrote, and the schema before the mark.
    const { store: reopened, logged } = reopenFromBefore(
      'letter_reindex_pending',
      Object.values(old).map(({ rowid, title, indexed }) => ({ rowid, title, body: indexed })),
    );
    store = reopened;
    expect(rawCount(dbPath, "SELECT count(*) FROM meta WHERE key = 'letter_reindex_pending'")).toBe(1);
    // Opening does not wait for it: the maintainer's steps do it.
    expect(ids(store.search('الي', {}))).toEqual([]);
    expect(ids(store.search('जरूर', {}))).toEqual([]);
    while (store.maintenanceStep(64));
    expect(ids(store.search('الي', {}))).toEqual(['c1:ar']);
    expect(ids(store.search('إلى المكتبة', {}))).toEqual(['c1:ar']);
    expect(ids(store.search('كتابخانه', {}))).toEqual(['c1:fa']);
    expect(ids(store.search('जरूर', {}))).toEqual(['c1:hi']);
    expect(ids(store.search('ज़रूर', {}))).toEqual(['c1:hi']);
    expect(ids(store.search('جديد', {}))).toEqual(['c1:ar-none']);
    expect(ids(store.search('nothing', {}))).toEqual(['c1:en']);
    expect(rawCount(dbPath, "SELECT count(*) FROM meta WHERE key = 'letter_reindex_pending'")).toBe(0);
    // Only the three whose words changed.
    expect(logged.filter((m) => m.includes('again'))).toEqual([expect.stringMatching(/^store: indexed 3 chunks /)]);
  });

  it('highlights Indic words whole: not inside a longer word, and a prefix lights up the word it starts', () => {
    const store = openStore();
    addDoc(store, 'c1', 'hi', 'हिन्दीभाषी लोग हिन्दी बोलते हैं, नमस्तेजी और नमस्ते कहते हैं।');
    const marked = (q: string) => {
      const [hit] = store.search(q, {});
      expect(hit.snippet).not.toMatch(/[\uE000-\uF8FF\u{F0000}-\u{FFFFD}]/u);
      return hit.highlights.map(([a, b]) => hit.snippet.slice(a, b));
    };
    expect(marked('हिन्दी')).toEqual(['हिन्दी']);
    expect(marked('नमस्ते')).toEqual(['नमस्ते']);
    expect(marked('हिन्दीभाषी')).toEqual(['हिन्दीभाषी']);
    expect(marked('बोल*')).toEqual(['बोलते']);
  });

  it('the normalising re-index goes in bounded steps: chunks written, characters other than ASCII looked at', () => {
    let store = openStore();
    for (let i = 1; i <= 150; i++) addDoc(store, 'c1', `de${i}`, `Haus Nr. ${i} in der Straße.`);
    // Text other than ASCII that it leaves as it is, ~27,000 characters each: four of them fill a step's look.
    for (let i = 1; i <= 6; i++) addDoc(store, 'c1', `el${i}`, 'Ελληνικά '.repeat(3_000));
    addDoc(store, 'c1', 'last', 'Größe');
    while (store.maintenanceStep(64));
    store.close();
    open.length = 0;
    const db = new Database(dbPath);
    db.prepare("INSERT INTO meta (key, value) VALUES ('text_reindex_pending', '0')").run();
    db.close();

    store = openStore();
    const mark = () => textReindexMark(dbPath);
    expect(store.maintenanceStep(64)).toBe(true);
    // 64 chunks written: the mark is at the 64th document's chunk.
    expect(mark()).toBe(String(64 * CHUNK_ROWID_SPAN));
    expect(store.maintenanceStep(64)).toBe(true);
    expect(mark()).toBe(String(128 * CHUNK_ROWID_SPAN));
    // 22 more written, then 4 Greek ones looked at: 108,000 characters, past the step's 100,000.
    expect(store.maintenanceStep(64)).toBe(true);
    expect(mark()).toBe(String(154 * CHUNK_ROWID_SPAN));
    while (store.maintenanceStep(64));
    expect(mark()).toBeUndefined();
    expect(store.search('strasse', { limit: 200 })).toHaveLength(150);
    expect(ids(store.search('grosse', {}))).toEqual(['c1:last']);
  });

  it('answers nasty queries without throwing', () => {
    const store = openStore();
    addDoc(store, 'c1', 'a', 'The review is on 2020-10-27 NEAR the station');
    for (const q of [
      '2020-10-27',
      'foo"bar',
      'a:b -c',
      'NEAR(',
      '*',
      'AND OR NOT',
      '🎉',
      '"',
      '\u0000',
      'x'.repeat(10_240),
      '{title}: x',
    ]) {
      expect(() => store.search(q, {})).not.toThrow();
    }
    expect(ids(store.search('2020-10-27', {}))).toEqual(['c1:a']);
    expect(store.search('*', {})).toEqual([]);
  });
});

describe('parseSnippet', () => {
  it('converts marker characters into ranges over the plain text', () => {
    expect(parseSnippet('a \uE000bc\uE001 d \uE000e\uE001')).toEqual({
      snippet: 'a bc d e',
      highlights: [
        [2, 4],
        [7, 8],
      ],
    });
    expect(parseSnippet('no marks')).toEqual({ snippet: 'no marks', highlights: [] });
    expect(parseSnippet('😀 \uE000ü\uE001')).toEqual({ snippet: '😀 ü', highlights: [[3, 4]] });
  });
});

describe('KnowledgeStore: manifest, checkpoints, runs, item errors', () => {
  it('stores and loads the manifest in one query, also for many units', () => {
    const store = openStore();
    store.transaction(() => {
      for (let i = 0; i < 20_000; i++)
        store.putUnit('c1', { key: `dir/file-${i}.md`, fingerprint: `${i}:1`, cursor: null });
      store.putUnit('c2', { key: 'other', fingerprint: 'x', cursor: '42' });
    });
    store.putUnit('c1', { key: 'dir/file-7.md', fingerprint: 'changed', cursor: 'c' });
    const start = performance.now();
    const manifest = manifestOf(store, 'c1');
    console.log(`loadManifest: 20,000 units in ${(performance.now() - start).toFixed(1)} ms`);
    expect(manifest.size).toBe(20_000);
    expect(manifest.get('dir/file-7.md')).toEqual({ key: 'dir/file-7.md', fingerprint: 'changed', cursor: 'c' });
    store.deleteUnit('c1', 'dir/file-7.md');
    expect(manifestOf(store, 'c1').has('dir/file-7.md')).toBe(false);
    store.clearManifest('c1');
    expect(manifestOf(store, 'c1').size).toBe(0);
    expect(manifestOf(store, 'c2').get('other')?.cursor).toBe('42');
  });

  it('loads manifest keys whatever characters they hold, with and without cursors', () => {
    const store = openStore();
    const keys = ['a:b/c.md', 'tab\there.md', 'line\nbreak.md', 'ctrl\u0001\u0002.md', 'ünïcode/😀.md', ' lead.md'];
    for (const [i, key] of keys.entries()) {
      store.putUnit('c1', { key, fingerprint: `${i}:1.5:${i}`, cursor: i % 2 === 0 ? null : `${i}:cursor` });
    }
    expect([...manifestOf(store, 'c1').values()].sort((a, b) => a.fingerprint.localeCompare(b.fingerprint))).toEqual(
      keys.map((key, i) => ({ key, fingerprint: `${i}:1.5:${i}`, cursor: i % 2 === 0 ? null : `${i}:cursor` })),
    );
    // Cursors are the connector's own strings: empty, or with any character.
    store.putUnit('c2', { key: 'empty.mbox', fingerprint: 'f1', cursor: '' });
    store.putUnit('c2', { key: 'odd.mbox', fingerprint: 'f2', cursor: 'a\0b\0' });
    expect(manifestOf(store, 'c2')).toEqual(
      new Map([
        ['empty.mbox', { key: 'empty.mbox', fingerprint: 'f1', cursor: '' }],
        ['odd.mbox', { key: 'odd.mbox', fingerprint: 'f2', cursor: 'a\0b\0' }],
      ]),
    );
    // A NUL in a fingerprint or key would move the splits: refused where it would be written.
    expect(() => store.putUnit('c1', { key: 'x.md', fingerprint: 'a\0b', cursor: null })).toThrow(/NUL/);
    expect(() => store.putUnit('c1', { key: 'x\0.md', fingerprint: 'f', cursor: null })).toThrow(/NUL/);
    expect(manifestOf(store, 'c1').has('x.md')).toBe(false);
  });

  const checkpoint: Checkpoint = {
    connectorId: 'c1',
    cursor: 'cur',
    watermark: 1000,
    lastSuccessAt: 2000,
    lastAttemptAt: 3000,
    lastResult: { added: 1, updated: 2, deleted: 3, unchanged: 4, failed: 5, chunks: 6, durationMs: 7 },
    lastError: { code: 'E_X', message: 'bad', at: 3000 },
    consecutiveFailures: 2,
    rootIdentity: '1:2',
    orphanScanDue: false,
  };

  it('saves, overwrites and lists checkpoints', () => {
    const store = openStore();
    expect(store.getCheckpoint('c1')).toBeNull();
    store.saveCheckpoint(checkpoint);
    expect(store.getCheckpoint('c1')).toEqual(checkpoint);
    store.saveCheckpoint({ ...checkpoint, lastError: null, consecutiveFailures: 0 });
    expect(store.getCheckpoint('c1')).toEqual({ ...checkpoint, lastError: null, consecutiveFailures: 0 });
    store.saveCheckpoint({ ...checkpoint, connectorId: 'a0' });
    expect(store.listCheckpoints().map((c) => c.connectorId)).toEqual(['a0', 'c1']);
  });

  it('resets a checkpoint: cursor, watermark, root identity and manifest go, documents stay', () => {
    const store = openStore();
    store.saveCheckpoint(checkpoint);
    store.putUnit('c1', { key: 'a', fingerprint: 'f', cursor: null });
    addDoc(store, 'c1', 'a', 'kept words');
    store.resetCheckpoint('c1');
    // The documents are now without unit rows: the next sweep must look for them.
    expect(store.getCheckpoint('c1')).toEqual({
      ...checkpoint,
      cursor: null,
      watermark: null,
      rootIdentity: null,
      orphanScanDue: true,
    });
    expect(manifestOf(store, 'c1').size).toBe(0);
    expect(ids(store.search('kept', {}))).toEqual(['c1:a']);
  });

  it('records runs newest first and keeps at most 200 per connector', () => {
    const store = openStore();
    const first = store.startRun('c1', 'first', 1);
    store.finishRun(
      first,
      'success',
      { added: 3, updated: 0, deleted: 0, unchanged: 0, failed: 0, chunks: 9 },
      null,
      5,
    );
    const second = store.startRun('c1', 'manual', 10);
    store.finishRun(
      second,
      'failed',
      { added: 0, updated: 0, deleted: 0, unchanged: 0, failed: 1, chunks: 0 },
      { code: 'E', message: 'm', at: 11 },
      12,
    );
    store.startRun('c2', 'schedule', 20);
    const runs = store.listRuns('c1', 10);
    expect(runs.map((r) => r.id)).toEqual([second, first]);
    expect(runs[1]).toEqual({
      id: first,
      connectorId: 'c1',
      trigger: 'first',
      startedAt: 1,
      endedAt: 5,
      outcome: 'success',
      counts: { added: 3, updated: 0, deleted: 0, unchanged: 0, failed: 0, chunks: 9 },
      error: null,
    });
    expect(runs[0].error).toEqual({ code: 'E', message: 'm', at: 11 });
    expect(store.listRuns('c2', 10)[0].outcome).toBe('running');
    for (let i = 0; i < 210; i++) store.startRun('c1', 'schedule', 100 + i);
    const kept = store.listRuns('c1', 1000);
    expect(kept).toHaveLength(200);
    expect(kept[0].startedAt).toBe(309);
    expect(store.listRuns('c2', 10)).toHaveLength(1);
  });

  it('upserts item errors, counts repeats and warnings, and drops the ones not seen in the current run', () => {
    const store = openStore();
    const issue = { path: '/a.md', code: 'EACCES' as const, message: 'denied', severity: 'error' as const };
    store.recordItemError('c1', issue, { at: 100, run: 1 });
    store.recordItemError('c1', { ...issue, message: 'still denied' }, { at: 200, run: 3 });
    store.recordItemError(
      'c1',
      { path: '/b.md', code: 'W_BAD_UTF8', message: 'bad', severity: 'warning' },
      {
        at: 150,
        run: 1,
      },
    );
    store.recordItemError('c2', issue, { at: 100, run: 2 });
    expect(store.listItemErrors('c1')).toEqual([
      {
        connectorId: 'c1',
        path: '/a.md',
        code: 'EACCES',
        message: 'still denied',
        severity: 'error',
        firstSeen: 100,
        lastSeen: 200,
        attempts: 2,
        quarantined: false,
      },
      {
        connectorId: 'c1',
        path: '/b.md',
        code: 'W_BAD_UTF8',
        message: 'bad',
        severity: 'warning',
        firstSeen: 150,
        lastSeen: 150,
        attempts: 1,
        quarantined: false,
      },
    ]);
    expect(store.countItemErrors('c1')).toEqual({ total: 2, warnings: 1 });
    expect(store.listItemErrors(null)).toHaveLength(3);
    store.clearItemErrorsNotSeenIn('c1', 3);
    expect(store.listItemErrors('c1').map((e) => e.path)).toEqual(['/a.md']);
    expect(store.countItemErrors('c2')).toEqual({ total: 1, warnings: 0 });
    expect(store.countItemErrors('none')).toEqual({ total: 0, warnings: 0 });
  });
});

describe('KnowledgeStore: removing a connector', () => {
  function fill(store: KnowledgeStore, connectorId: string, n: number, word: string): void {
    store.transaction(() => {
      for (let i = 0; i < n; i++) {
        store.insertDocument(row(connectorId, `${word}-${i}`), [
          { heading: '', body: `${word} one ${i}` },
          { heading: 'h', body: `${word} two ${i}` },
        ]);
        store.putUnit(connectorId, { key: `${word}-${i}`, fingerprint: 'f', cursor: null });
      }
      store.saveCheckpoint({
        connectorId,
        cursor: null,
        watermark: 1,
        lastSuccessAt: 1,
        lastAttemptAt: 1,
        lastResult: null,
        lastError: null,
        consecutiveFailures: 0,
        rootIdentity: null,
        orphanScanDue: false,
      });
      store.finishRun(
        store.startRun(connectorId, 'first', 1),
        'success',
        { added: n, updated: 0, deleted: 0, unchanged: 0, failed: 0, chunks: 2 * n },
        null,
        2,
      );
      store.recordItemError(
        connectorId,
        { path: '/x', code: 'E_READ', message: 'm', severity: 'error' },
        { at: 1, run: 1 },
      );
    });
  }

  function rowsOf(connectorId: string): number {
    const db = new Database(dbPath, { readonly: true });
    try {
      let n = 0;
      for (const table of ['documents', 'connector_totals', 'units', 'checkpoints', 'runs', 'item_errors']) {
        n += db.prepare(`SELECT count(*) FROM ${table} WHERE connector_id = ?`).pluck().get(connectorId) as number;
      }
      return n;
    } finally {
      db.close();
    }
  }

  it('leaves no rows behind and keeps other connectors searchable (few removed: deleted row by row)', () => {
    const store = openStore();
    fill(store, 'keep', 40, 'apple');
    fill(store, 'gone', 10, 'pear');
    store.removeConnector('gone');
    expect(rowsOf('gone')).toBe(0);
    expect(store.search('pear', {})).toEqual([]);
    expect(store.search('apple', { limit: 200 })).toHaveLength(40);
    expect(store.counts('keep')).toEqual({ documents: 40, chunks: 80 });
    expect(rawCount(dbPath, 'SELECT count(*) FROM chunk_text')).toBe(80);
    expect(store.integrityCheck().ok).toBe(true);
  });

  it('leaves no rows behind and keeps other connectors searchable (most removed: index rebuilt)', () => {
    const store = openStore();
    fill(store, 'keep', 5, 'apple');
    fill(store, 'gone', 100, 'pear');
    fill(store, 'keep', 0, 'apple');
    store.removeConnector('gone');
    expect(rowsOf('gone')).toBe(0);
    expect(store.search('pear', {})).toEqual([]);
    expect(store.search('apple', { limit: 200 })).toHaveLength(5);
    expect(rawCount(dbPath, 'SELECT count(*) FROM chunk_text')).toBe(10);
    expect(store.integrityCheck().ok).toBe(true);
    // The rebuilt index keeps working for writes.
    addDoc(store, 'keep', 'new', 'banana');
    expect(ids(store.search('banana', {}))).toEqual(['keep:new']);
  });
});
