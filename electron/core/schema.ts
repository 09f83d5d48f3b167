/**
 * The index's SQLite schema and its migrations.
 *
 * `PRAGMA user_version` holds the number of migrations applied. All pending migrations run in one IMMEDIATE
 * transaction together with the version bump, so a crash or error part-way leaves the file exactly as it was:
 * never a half-created schema that later opens look at and take for complete.
 */
import type Database from 'better-sqlite3';
import { crashPoint } from './crash-points.js';

/** Marks the file as ours (`PRAGMA application_id`, "JRVS"), to tell a foreign SQLite file from an empty one. */
export const APPLICATION_ID = 0x4a525653;

/**
 * The migration that marks every chunk for the re-index whose mark is `key`, from chunk rowid 0 (store.ts,
 * REINDEX_PASSES); on a new index, which has no chunks, nothing.
 */
function reindexFromStartSql(key: string): string {
  return `INSERT INTO meta (key, value) SELECT '${key}', '0'
  WHERE EXISTS (SELECT 1 FROM chunk_text) ON CONFLICT (key) DO UPDATE SET value = excluded.value;`;
}

/** In `meta` while chunks with CJK text may still be indexed the old way: the last chunk rowid re-indexed since. */
export const CJK_REINDEX_KEY = 'cjk_reindex_pending';

/**
 * In `meta` while chunks may still be indexed in the form before index-text.ts (NFKC, ß as "ss", Thai, Lao, Khmer and
 * Myanmar as pairs): the last chunk rowid re-indexed since (store.ts, the re-index steps).
 */
export const TEXT_REINDEX_KEY = 'text_reindex_pending';

/**
 * In `meta` while chunks may still be indexed in the form before the script folds of index-text.ts (Greek accents, ё,
 * Arabic and Hebrew marks, Indic marks inside words): the last chunk rowid re-indexed since.
 */
export const SCRIPT_REINDEX_KEY = 'script_reindex_pending';

/**
 * In `meta` while chunks may still be indexed in the form before the letter folds of index-text.ts (Arabic alef, yeh,
 * kaf and teh marbuta spellings, Devanagari nukta): the last chunk rowid re-indexed since.
 */
export const LETTER_REINDEX_KEY = 'letter_reindex_pending';

/** Chunk rowids are `documentRowid * CHUNK_ROWID_SPAN + ordinal`, so a document's chunks are one rowid range. */
export const CHUNK_ROWID_SPAN = 65_536;

/**
 * The full-text index. Contentless with delete support: deleting or replacing a document writes tombstones
 * instead of re-reading and re-tokenizing its old text (a regular FTS5 table does the latter, and deletes by
 * rowid range scan the whole table). Chunk text lives once, in `chunk_text`; title and tags once, in `documents`.
 * `facets` holds one token for the connector and one for the document type, so a filter on a small source or a
 * rare type is evaluated inside the full-text query. No `prefix` index: on natural text each prefix length nearly
 * doubles the index (positions are stored again per prefix), which would break the 3× size budget; prefix
 * queries are rare and expand the matching terms at query time instead.
 *
 * Used by the first migration and by index rebuilds, which always recreate the current definition.
 */
export const CHUNKS_FTS_SQL = `CREATE VIRTUAL TABLE chunks USING fts5(
    title, heading, body, tags, facets,
    content = '', contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2'
  )`;

/**
 * The full-text index's merge policy, kept in its config table: applied after every creation of `chunks` (the
 * second migration, index rebuilds). FTS5 merges the segments of one size into a bigger one once `automerge` of
 * them exist; 8 instead of the default 4 rewrites each posting about half as often while a large sync commits
 * batch after batch (measured on 50,000 notes: index writes ~25 % faster, commit time −33 %), and search over
 * 200,000 chunks measured no slower for the few more segments it reads.
 */
export const CHUNKS_FTS_CONFIG_SQL = `INSERT INTO chunks (chunks, rank) VALUES ('automerge', 8)`;

/**
 * The idle-time compaction (index-maintainer.ts) merges a level once it holds `usermerge` segments, or finishes a
 * merge already started. 2: after it every level holds at most one segment, so the next seven commits add theirs
 * without meeting an automerge. With 8, like automerge (migration 3), compaction left levels of up to seven, and the
 * first commits after it paid for merging a full level: on the index of 5,000 notes, the commit of 50 edits took
 * 16–26 ms and that of 25 deletions 13–18 ms, against 8–11 and 2–4 ms after compacting with 2, and the compaction
 * after that re-sync 69–78 ms against 1–6. It merges more once, after a first sync: 0.8 s of idle steps for 5,000
 * notes (~0.25 s with 8), 6.1 s for 50,000 (0.4 s), two thirds of it the gaps between steps.
 */
export const CHUNKS_FTS_USERMERGE_SQL = `INSERT INTO chunks (chunks, rank) VALUES ('usermerge', 2)`;

/** Everything index rebuilds run after recreating `chunks` (CHUNKS_FTS_SQL). */
export const CHUNKS_FTS_SETTINGS_SQL = `${CHUNKS_FTS_CONFIG_SQL}; ${CHUNKS_FTS_USERMERGE_SQL};`;

/**
 * `connector_totals` and the triggers that keep it equal to `documents` in every transaction, whatever statement
 * writes it. Rows whose documents fall to 0 stay (they add nothing to any total) until the connector is removed.
 *
 * A trigger makes its statement open a statement journal, and a statement journal is a savepoint to FTS5, which
 * flushes its pending in-memory index at every savepoint. That costs nothing here only because the store queues
 * every full-text write of a transaction and applies them at its end, after the last documents write (store.ts,
 * applyFtsWrites); measured so, a cold insert costs the same as with the index this replaces, and twice as much
 * with the writes interleaved. The UPDATE trigger names its columns: an edit that keeps them fires nothing.
 */
export const CONNECTOR_TOTALS_SQL = `
  CREATE TABLE connector_totals (
    connector_id TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    documents INTEGER NOT NULL,
    chunks INTEGER NOT NULL,
    PRIMARY KEY (connector_id, doc_type)
  ) WITHOUT ROWID;
  INSERT INTO connector_totals (connector_id, doc_type, documents, chunks)
    SELECT connector_id, doc_type, count(*), sum(chunk_count) FROM documents GROUP BY connector_id, doc_type;
  CREATE TRIGGER documents_add_to_totals AFTER INSERT ON documents BEGIN
    INSERT INTO connector_totals (connector_id, doc_type, documents, chunks)
      VALUES (new.connector_id, new.doc_type, 1, new.chunk_count)
      ON CONFLICT DO UPDATE SET documents = documents + 1, chunks = chunks + excluded.chunks;
  END;
  CREATE TRIGGER documents_take_from_totals AFTER DELETE ON documents BEGIN
    UPDATE connector_totals SET documents = documents - 1, chunks = chunks - old.chunk_count
      WHERE connector_id = old.connector_id AND doc_type = old.doc_type;
  END;
  CREATE TRIGGER documents_move_in_totals AFTER UPDATE OF connector_id, doc_type, chunk_count ON documents BEGIN
    UPDATE connector_totals SET documents = documents - 1, chunks = chunks - old.chunk_count
      WHERE connector_id = old.connector_id AND doc_type = old.doc_type;
    INSERT INTO connector_totals (connector_id, doc_type, documents, chunks)
      VALUES (new.connector_id, new.doc_type, 1, new.chunk_count)
      ON CONFLICT DO UPDATE SET documents = documents + 1, chunks = chunks + excluded.chunks;
  END;
  DROP INDEX documents_by_type;
`;

/** Adds `documents.timestamp_end` (SourceDocument.timestampEnd). */
export const DOCUMENT_SPANS_SQL = `ALTER TABLE documents ADD COLUMN timestamp_end INTEGER;`;

/**
 * Migration N (0-based) takes the schema from version N to N+1. Append only: never edit a released entry.
 *
 * Size notes: text is stored once (chunk_text) besides the inverted index; `documents` keeps the provenance
 * shown in results, list-valued fields as JSON (NULL when empty). Chunk rows carry no document id column: the
 * rowid encodes it, so a document's chunks are one rowid range.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    connector_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    unit_key TEXT NOT NULL,
    title TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    path TEXT,
    author TEXT,
    participants TEXT,
    timestamp INTEGER,
    thread_id TEXT,
    tags TEXT,
    aliases TEXT,
    links TEXT,
    metadata TEXT,
    content_hash TEXT NOT NULL,
    chunk_count INTEGER NOT NULL,
    indexed_at INTEGER NOT NULL,
    UNIQUE (connector_id, doc_id)
  );
  CREATE INDEX documents_by_unit ON documents (connector_id, unit_key);
  -- Covering index for the per-connector totals (read on every status refresh) and the per-source and per-type
  -- totals that choose how search filters are applied: both become index-only scans.
  CREATE INDEX documents_by_type ON documents (connector_id, doc_type, chunk_count);

  ${CHUNKS_FTS_SQL};

  -- The text of each chunk, for snippets and for rebuilding the full-text index (which stores none). Same rowid.
  CREATE TABLE chunk_text (
    id INTEGER PRIMARY KEY,
    heading TEXT NOT NULL,
    body TEXT NOT NULL
  );

  CREATE TABLE units (
    connector_id TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    cursor TEXT,
    PRIMARY KEY (connector_id, key)
  ) WITHOUT ROWID;

  CREATE TABLE checkpoints (
    connector_id TEXT PRIMARY KEY,
    cursor TEXT,
    watermark INTEGER,
    last_success_at INTEGER,
    last_attempt_at INTEGER,
    last_result TEXT,
    last_error TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    root_identity TEXT
  ) WITHOUT ROWID;

  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    connector_id TEXT NOT NULL,
    run_trigger TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    outcome TEXT NOT NULL,
    counts TEXT NOT NULL,
    error TEXT
  );
  CREATE INDEX runs_by_connector ON runs (connector_id, id);
  CREATE INDEX runs_running ON runs (outcome) WHERE outcome = 'running';

  CREATE TABLE item_errors (
    connector_id TEXT NOT NULL,
    path TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    severity TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    PRIMARY KEY (connector_id, path, code)
  ) WITHOUT ROWID;
  `,
  `${CHUNKS_FTS_CONFIG_SQL};`,
  `INSERT INTO chunks (chunks, rank) VALUES ('usermerge', 8);`,
  `${CHUNKS_FTS_USERMERGE_SQL};`,
  // Quarantine of units whose read keeps failing on the same file (engine.ts): the unit and the fingerprint its
  // last failed read was for (NULL when the failure says nothing about the file), and how many reads in a row have
  // failed on that fingerprint. `attempts` cannot serve: it counts across edits of the file.
  `
  ALTER TABLE item_errors ADD COLUMN unit_key TEXT;
  ALTER TABLE item_errors ADD COLUMN fingerprint TEXT;
  ALTER TABLE item_errors ADD COLUMN streak INTEGER NOT NULL DEFAULT 0;
  `,
  // Whether the connector may have documents whose unit has no manifest row (a run cut off between a unit's
  // documents and its row, a read that failed part-way, a reset): only then does the end-of-run sweep scan the
  // documents for them (store.ts, Checkpoint.orphanScanDue). Existing connectors get one scan.
  `ALTER TABLE checkpoints ADD COLUMN orphan_scan_due INTEGER NOT NULL DEFAULT 1;`,
  // The run (`runs.id`) that last saw each item error: a successful run drops the errors it did not see. Times
  // cannot tell that apart: two runs may start within the same millisecond, and the clock may be set back.
  `ALTER TABLE item_errors ADD COLUMN seen_in_run INTEGER;`,
  // Chinese, Japanese and Korean text is now indexed as character pairs (cjk.ts): the chunks holding any, indexed
  // before as whole clauses, are indexed again in idle-time steps from chunk rowid 0 on (store.ts, reindexCjkStep).
  // A new index (no chunks yet) has nothing to do.
  reindexFromStartSql(CJK_REINDEX_KEY),
  // Each CJK run is now also indexed with its last character alone (cjk.ts), so a one-character search finds it where
  // it only ends a run: the chunks holding any CJK text are indexed again, from the start, as migration 8 does.
  reindexFromStartSql(CJK_REINDEX_KEY),
  // Each connector's documents and chunks per document type, kept by triggers instead of counted: the count was an
  // index scan (~8 ms at 100,000 documents, linear in them) on every status refresh, twice per sync, and for the
  // totals that choose how search filters run. documents_by_type existed only for those scans.
  CONNECTOR_TOTALS_SQL,
  // Text is now normalised before FTS5 reads it, and Thai, Lao, Khmer and Myanmar are indexed as pairs
  // (index-text.ts): the chunks whose words that changes are indexed again in idle-time steps, from chunk rowid 0 on,
  // after any CJK re-index still pending. Like 8 and 9 it changes nothing reads depend on (a read-only store finds
  // such words once the re-index has reached them). A new index has nothing to do.
  reindexFromStartSql(TEXT_REINDEX_KEY),
  // Greek accents, ё, Arabic and Hebrew marks are now folded, and Indic marks kept inside words (index-text.ts, steps
  // 4 and 5): the chunks holding any are indexed again in idle-time steps, from chunk rowid 0 on, after the re-indexes
  // above. Like 12 it changes nothing reads depend on. A new index has nothing to do.
  reindexFromStartSql(SCRIPT_REINDEX_KEY),
  // The Arabic spellings people type for one another (أ إ آ ٱ as ا, ى and ی as ي, ک as ك, ة as ه) and the Devanagari
  // nukta are now folded (index-text.ts, step 4): the chunks holding any are indexed again in idle-time steps, from
  // chunk rowid 0 on, after the re-indexes above. Like the one before it changes nothing reads depend on. A new index
  // has nothing to do.
  reindexFromStartSql(LETTER_REINDEX_KEY),
  // When what a document describes ends (SourceDocument.timestampEnd): a repeating event's last occurrence, a
  // conference's last day. A date filter takes a document whose span meets its range, so "Upcoming" finds a weekly
  // meeting that started years ago. NULL for a moment (every other document); calendars get theirs as they are read
  // again (the calendar reader's version changed with it). Reads of an index without it filter by the start alone.
  DOCUMENT_SPANS_SQL,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * The oldest schema a read-only open accepts as it is (read-only opens never migrate): the migrations after it change
 * nothing a read depends on. 8 and 9 only mark the CJK re-index, which the writable store does; so after an update the
 * CLI's `search` and `status` still work before the app or daemon has opened the index once. 10 adds
 * `connector_totals`, which a read-only store of an older index does without (it counts the documents instead).
 * Raise it with a migration that reads need.
 */
export const OLDEST_READABLE_VERSION = 7;

/**
 * Brings the schema up to the latest version. Returns the version found before.
 *
 * Guarantees: all pending migrations and the version bump commit together or not at all; a database already
 * at the latest version is not written to. Throws (with no change made) if a migration fails or the file is
 * newer than this code knows.
 */
export function migrate(db: Database.Database, migrations: readonly string[] = MIGRATIONS): number {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > migrations.length) {
    throw Object.assign(
      new Error(
        `The index was created by a newer version of Jarvis Sync (schema ${from}, this build knows ${migrations.length}).`,
      ),
      { code: 'E_STORE_TOO_NEW' },
    );
  }
  if (from === migrations.length) return from;
  db.transaction(() => {
    for (let v = from; v < migrations.length; v++) {
      db.exec(migrations[v]);
      crashPoint('schema:migrate'); // test-only (crash-points.ts)
    }
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${migrations.length}`);
    crashPoint('schema:version');
  }).immediate();
  crashPoint('schema:commit');
  return from;
}
