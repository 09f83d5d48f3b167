/**
 * The KnowledgeStore: one SQLite file (WAL, one writer connection) holding the full-text index, the per-connector
 * manifests and checkpoints, run history and per-item errors.
 *
 * The index is derived data: when the file is damaged it is moved aside and rebuilt from the sources rather than
 * repaired in place. Errors from SQLite (SQLITE_BUSY, SQLITE_FULL, SQLITE_READONLY, …) are never swallowed: they
 * reach the caller with their `.code`, because the engine decides what is retryable.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import type { Logger } from '../../shared/logger.js';
import type {
  ConnectorError,
  DocType,
  Highlight,
  ItemError,
  RunRecord,
  RunResult,
  RunTrigger,
  SearchHit,
  SearchOptions,
  SyncCounts,
} from '../../shared/types.js';
import { ZERO_COUNTS } from '../../shared/types.js';
import type { ItemIssue, UnitRecord } from '../connectors/types.js';
import { hasCjk } from './cjk.js';
import { DataDirFullError, dataDirMayHaveWriter, isDiskFull } from './data-dir.js';
import { parseSearchQuery, prefixCompletions } from './fts-query.js';
import {
  hasNonAscii,
  hasPairedScript,
  indexText,
  indexTextChanged,
  letterFoldsChange,
  pairedRuns,
  scriptFoldsChange,
  snippetText,
  writtenSnippet,
} from './index-text.js';
import {
  APPLICATION_ID,
  CHUNKS_FTS_SETTINGS_SQL,
  CHUNKS_FTS_SQL,
  CHUNK_ROWID_SPAN,
  CJK_REINDEX_KEY,
  LETTER_REINDEX_KEY,
  OLDEST_READABLE_VERSION,
  SCHEMA_VERSION,
  SCRIPT_REINDEX_KEY,
  TEXT_REINDEX_KEY,
  migrate,
} from './schema.js';
import {
  WAL_HARD_CAP_PAGES,
  WalCheckpointer,
  type CheckpointerOptions,
  type CheckpointerStats,
} from './wal-checkpointer.js';

export { CHUNK_ROWID_SPAN } from './schema.js';

// better-sqlite3 opens no `file:` URI unless this is set when its addon loads (at the first `new Database`, after
// every module is loaded); the read-only open of an index on a full disk needs one (connectReadonly). Only names that
// start with `file:` change meaning, which an index path does only in a relative data folder named so. A value the
// user set is kept (then that open fails as before).
process.env.SQLITE_USE_URI ??= '1';

/** A document's chunks beyond this many cannot get a rowid of their own (65,536 × 2 KB ≈ 128 MB of text). */
export const MAX_CHUNKS_PER_DOCUMENT = CHUNK_ROWID_SPAN;

/**
 * A unit whose read failed this many syncs in a row on the same fingerprint is quarantined: later syncs skip it
 * without reading it until its fingerprint changes or the user asks for a retry. 3, not 1 or 2: a read that fails
 * once or twice may have met a passing condition the fingerprint does not show (a cloud placeholder being fetched,
 * a parse that timed out under load), while a third failure on an unchanged file is all but certain to repeat.
 * Each extra failure costs one more full read of the file.
 */
export const QUARANTINE_AFTER_FAILURES = 3;

/** A unit at one fingerprint: what a failed read counts against (quarantine) or an issue was reported for. */
export interface UnitVersion {
  key: string;
  fingerprint: string;
}

function quarantineNote(failures: number): string {
  return (
    `Not retried automatically: it failed ${failures} times in a row and the file has not changed since. ` +
    'It is read again when the file changes, or when you retry it.'
  );
}

/** Error code recorded on a run that was still 'running' when the process stopped. */
export const INTERRUPTED_ERROR_CODE = 'E_INTERRUPTED';

/** How long a statement waits for another connection's lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;
/**
 * Page cache of a writable connection (SQLite's default is 2 MB). FTS5 merges re-read the segments they merge, and
 * at 2 MB a large sync kept re-reading them from the OS: a cold sync of 5,000 notes measured 9 % faster (alternating
 * runs, medians) with 32 MB, for ~12 MB more peak RSS.
 */
export const CACHE_SIZE_PRAGMA = 'cache_size = -32768';
/**
 * The writer thread's connection (attach): 4 MB. It only appends during bulk syncs, and its cache comes on top of
 * the opening connection's for as long as the thread runs; 100,000 files synced on it peaked at 255–266 MB RSS with
 * 32 MB and 232–241 MB with 8 MB, at the same speed. 4 MB (with the thread's young generation at 16 MB instead of
 * 24), 5 alternating runs: 100,000 files 243.7 → 238.9 MB (highest 254.2 → 244.5), 5,000 notes the same speed.
 */
const WRITER_THREAD_CACHE_SIZE_PRAGMA = 'cache_size = -4096';
const RUNS_KEPT_PER_CONNECTOR = 200;
const DEFAULT_SEARCH_LIMIT = 20;
const MAX_SEARCH_LIMIT = 200;
/** Paging deeper than this is not something a person does; it only makes the query slower. */
const MAX_SEARCH_OFFSET = 10_000;
/** Tokens around the match in a snippet (FTS5 allows at most 64). */
const SNIPPET_TOKENS = 24;
/** Length of the opening text shown when the match was in the title or tags rather than the body. */
const LEAD_SNIPPET_CHARS = 160;
const TOKENIZER = 'porter unicode61 remove_diacritics 2';
/** A mailing-list message can list hundreds of recipients; the first ones are what people search for. */
const MAX_INDEXED_PARTICIPANTS = 50;

/** bm25() weights in column order (title, heading, body, tags, facets): title ≫ tags > heading > body. */
const BM25_WEIGHTS = '10.0, 2.0, 1.0, 5.0, 0.0';
/** User terms are matched in these columns only: facet tokens are filters, never words someone searched for. */
const CONTENT_COLUMNS = '{title heading body tags}';
/** Queries matching more chunks than this rank only the newest ones (see buildSearchSql). */
const CANDIDATE_CHUNKS = 4_000;
/** Columns that say what a document is about; every chunk carries them (its document's title, aliases, tags). */
const TITLE_COLUMNS = '{title tags}';
/**
 * Problems about the tail of a unit read in parts (an mbox's last message, cut in its headers): an append pass starts
 * there, so it reports them again while they hold, and they are never carried over to the grown file (a warning that
 * the message "will be read once it is complete" stayed listed after it was read, until the next full read).
 */
const TAIL_ISSUE_CODES: readonly ItemIssue['code'][] = ['W_MBOX_TRUNCATED'];

/**
 * With `-word`, hits are listed from the first until a page is full of documents that lack the word anywhere; at most
 * this many, each of which costs a probe of its document (0.1–0.3 ms): past them a page stays short.
 */
const MAX_EXCLUSION_SCAN = 1_000;

/** Chunks matching in TITLE_COLUMNS ranked beside the candidates, whatever their age: a few per document. */
const TITLE_CANDIDATE_CHUNKS = 400;
/**
 * Documents with a query's terms in different chunks (KnowledgeStore.spreadMatches): a term matching at most this
 * many chunks is listed in full; a commoner one is asked about at most SPREAD_MAX_PROBES documents.
 */
const SPREAD_TERM_CHUNKS = 1_000;
const SPREAD_MAX_PROBES = 8;
/** A source or type filter holding at most this share of all chunks is applied as a facet token (see SearchPlan). */
const FACET_MAX_SHARE = 0.2;
// Private-use characters mark the matched words in snippet() output; they are removed from indexed bodies so
// document text can never forge a highlight.
const MARK_START = '\uE000';
const MARK_END = '\uE001';
const MARKERS = /[\uE000\uE001]/g;

const CLEAN_SHUTDOWN_KEY = 'clean_shutdown';

/** What the pipeline writes for one document. The connector id and document id are its identity. */
export interface DocumentRow {
  connectorId: string;
  docId: string;
  unitKey: string;
  title: string;
  docType: DocType;
  path: string | null;
  author: string | null;
  participants: readonly string[];
  timestamp: number | null;
  /** When what the document describes ends (SourceDocument.timestampEnd); null for a moment. */
  timestampEnd?: number | null;
  threadId: string | null;
  tags: readonly string[];
  aliases: readonly string[];
  links: readonly string[];
  /** The connector's metadata as JSON text (null when there is none); stored as given. */
  metadataJson: string | null;
  contentHash: string;
}

/** One chunk of a document's text; the document's title and tags are indexed with every chunk. */
export interface ChunkRow {
  heading: string;
  body: string;
}

export interface StoredDocument {
  rowid: number;
  contentHash: string;
  chunkCount: number;
  unitKey: string;
}

export interface UnitDocument {
  docId: string;
  rowid: number;
  chunkCount: number;
}

/** A document of a unit as the pipeline compares it with a new version (unitDocumentVersions). */
export interface UnitDocumentVersion extends StoredDocument {
  docId: string;
}

export interface Checkpoint {
  connectorId: string;
  cursor: string | null;
  /** Start time of the last successful run. */
  watermark: number | null;
  lastSuccessAt: number | null;
  lastAttemptAt: number | null;
  lastResult: RunResult | null;
  lastError: ConnectorError | null;
  consecutiveFailures: number;
  rootIdentity: string | null;
  /**
   * The connector may have documents whose unit has no manifest row, so the next complete run's sweep must scan
   * the documents' unit keys to find them (60–80 ms for 100,000 files, every run if done unconditionally). Set by
   * a batch that commits documents of a unit before the unit's row, by a read that fails after some of its
   * documents were queued, and by a reset; cleared by a successful run whose sweep leaves no such documents.
   */
  orphanScanDue: boolean;
}

/** When, and in which run (`runs.id`), an item error was seen. */
export interface ItemErrorSeen {
  at: number;
  run: number;
}

/** The stored manifest of one connector (store.loadManifestIndex). */
export interface ManifestIndex {
  /** Each unit's fingerprint by key. Fingerprints never hold NUL (putUnit refuses them). */
  fingerprints: Map<string, string>;
  /** The cursor of each unit that has one (an mbox read up to a byte offset). */
  cursors: Map<string, string>;
}

export interface StoreRecovery {
  /** Where the damaged file was moved. */
  movedTo: string;
  /** Why, in a few words (the SQLite error or the failed check). */
  reason: string;
}

export interface OpenOptions {
  log: Logger;
  /** For readers beside a running writer (CLI status/search): never migrates, repairs or moves anything. */
  readonly?: boolean;
  /**
   * How long the open waits for another program's lock before failing with SQLITE_BUSY (default BUSY_TIMEOUT_MS).
   * The connection's statements wait BUSY_TIMEOUT_MS whatever this is.
   */
  lockTimeoutMs?: number;
  /** Test hooks for the WAL checkpoint thread (see wal-checkpointer.ts). */
  checkpointer?: CheckpointerOptions;
}

/** Thrown internally when the file opens but is not a usable index of ours. */
class DamagedStoreError extends Error {
  readonly code = 'SQLITE_CORRUPT';
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function isCorruption(err: unknown): boolean {
  const code = errorCode(err);
  return err instanceof DamagedStoreError || code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB');
}

function errorText(err: unknown): string {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return code && !(err instanceof DamagedStoreError) ? `${code}: ${message}` : message;
}

function jsonList(list: readonly string[]): string | null {
  return list.length > 0 ? JSON.stringify(list) : null;
}

function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

function clampInt(value: number | undefined, fallback: number, min: number, max: number): number {
  const n = typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : fallback;
  return Math.max(min, Math.min(n, max));
}

export function finiteOrNull(n: number | null | undefined): number | null {
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

export interface ParsedSnippet {
  snippet: string;
  highlights: Highlight[];
}

/** Snippet text with marker characters → plain text plus [start, end) ranges in UTF-16 code units. */
export function parseSnippet(marked: string): ParsedSnippet {
  const highlights: Highlight[] = [];
  let snippet = '';
  let start = -1;
  let from = 0;
  for (let i = 0; i < marked.length; i++) {
    const ch = marked[i];
    if (ch !== MARK_START && ch !== MARK_END) continue;
    snippet += marked.slice(from, i);
    from = i + 1;
    if (ch === MARK_START) {
      start = snippet.length;
    } else if (start >= 0) {
      if (snippet.length > start) highlights.push([start, snippet.length]);
      start = -1;
    }
  }
  snippet += marked.slice(from);
  return { snippet, highlights };
}

/** A combining mark, or the second half of a surrogate pair: where a cut would leave part of a character. */
const CONTINUES_CHARACTER = /^[\p{M}\uDC00-\uDFFF]/u;

/** The opening words of a body, cut at a word boundary (or, without one, never inside a character). */
function leadText(body: string): string {
  const text = body
    .slice(0, LEAD_SNIPPET_CHARS * 2)
    .replace(/\s+/g, ' ')
    .trim();
  if (text.length <= LEAD_SNIPPET_CHARS && body.length <= LEAD_SNIPPET_CHARS * 2) return text;
  let end = text.lastIndexOf(' ', LEAD_SNIPPET_CHARS);
  if (end < LEAD_SNIPPET_CHARS / 2) {
    // Not between the halves of a surrogate pair, nor between a Thai letter and its vowel or tone marks.
    end = LEAD_SNIPPET_CHARS;
    while (end > LEAD_SNIPPET_CHARS / 2 && CONTINUES_CHARACTER.test(text.slice(end, end + 1))) end--;
  }
  return `${text.slice(0, end)}…`;
}

/** Chunks read per step of a re-index (KnowledgeStore.reindexStep): ~2–5 ms of reading. */
const REINDEX_SCAN = 500;
/** Chunks re-indexed per step at most (~150 µs each), so a step on CJK-heavy text stays ~10 ms. */
const REINDEX_WRITES = 64;
/**
 * Characters of text other than ASCII a step looks at, at most: telling whether such text is indexed differently now
 * costs up to ~0.1 ms per 1,000 characters (normalising it), so a step through Japanese or Thai text stays ~10 ms.
 */
const REINDEX_EXAMINED_CHARS = 100_000;

/** An idle-time re-index: its mark in `meta` (schema.ts) and the chunks it indexes again. */
interface ReindexPass {
  key: string;
  /** Whether a chunk with this text (its heading or body, its document's title or tags) is indexed differently now. */
  changed: (text: string) => boolean;
  /** What the chunks it indexed again had, for its one log line. */
  what: string;
}

/**
 * The re-indexes, in the order they run. A CJK re-index that an older version left pending goes first: it also
 * reaches CJK chunks that the second skips, as the form before it (cjkIndexText) is not what they are indexed in yet.
 */
const REINDEX_PASSES: readonly ReindexPass[] = [
  { key: CJK_REINDEX_KEY, changed: hasCjk, what: 'with Chinese, Japanese or Korean text' },
  {
    key: TEXT_REINDEX_KEY,
    changed: indexTextChanged,
    what: 'whose words normalising (NFKC, ß) or pairing (Thai, Lao, Khmer, Myanmar) changes',
  },
  // After the ones before: they write the chunks they take in the current form, these folds included, but take no
  // chunk that only these folds change.
  {
    key: SCRIPT_REINDEX_KEY,
    changed: scriptFoldsChange,
    what: 'with Greek accents, ё, Arabic or Hebrew marks or Indic text',
  },
  {
    key: LETTER_REINDEX_KEY,
    changed: letterFoldsChange,
    what: 'with Arabic alef, yeh, kaf or teh marbuta spellings or Devanagari nukta',
  },
];

/**
 * Characters of context shown before a match in a paired script (CJK, Thai …) that FTS5's snippet() could not place
 * (see snippetsFor).
 */
const PAIRED_SNIPPET_BEFORE = 40;

/** The text around the first of `runs` in `body`, or its opening words when none is in it (a title match). */
function pairedSnippet(body: string, runs: readonly string[]): ParsedSnippet {
  let at = -1;
  for (const run of runs) {
    const i = body.indexOf(run);
    if (i !== -1 && (at === -1 || i < at)) at = i;
  }
  if (at === -1) return { snippet: leadText(body), highlights: [] };
  let start = Math.max(0, at - PAIRED_SNIPPET_BEFORE);
  // Never half a surrogate pair, nor a Thai vowel or tone mark without its letter.
  while (start > 0 && CONTINUES_CHARACTER.test(body.slice(start, start + 1))) start--;
  const lead = leadText(body.slice(start));
  return { snippet: start > 0 ? `…${lead.trimStart()}` : lead, highlights: [] };
}

/**
 * Highlights the places where `runs` occur in the snippet. FTS5's own highlights of text in paired scripts are
 * dropped: it reads a whole clause as one word, so a search for "日" would light up all of "日本語のテキストです".
 */
function withPairedHighlights(found: ParsedSnippet, runs: readonly string[]): ParsedSnippet {
  const parsed = {
    ...found,
    highlights: found.highlights.filter(([a, b]) => !hasPairedScript(found.snippet.slice(a, b))),
  };
  const added: Highlight[] = [];
  for (const run of runs) {
    for (let i = parsed.snippet.indexOf(run); i !== -1; i = parsed.snippet.indexOf(run, i + run.length)) {
      const range: Highlight = [i, i + run.length];
      const overlaps = (h: Highlight) => h[0] < range[1] && range[0] < h[1];
      if (!parsed.highlights.some(overlaps) && !added.some(overlaps)) added.push(range);
    }
  }
  return { snippet: parsed.snippet, highlights: [...parsed.highlights, ...added].sort((a, b) => a[0] - b[0]) };
}

interface DocumentHitRow {
  connector_id: string;
  doc_id: string;
  title: string;
  doc_type: string;
  path: string | null;
  timestamp: number | null;
  timestamp_end: number | null;
  author: string | null;
}

interface CheckpointRow {
  connector_id: string;
  cursor: string | null;
  watermark: number | null;
  last_success_at: number | null;
  last_attempt_at: number | null;
  last_result: string | null;
  last_error: string | null;
  consecutive_failures: number;
  root_identity: string | null;
  orphan_scan_due: number;
}

interface RunRow {
  id: number;
  connector_id: string;
  run_trigger: string;
  started_at: number;
  ended_at: number | null;
  outcome: string;
  counts: string;
  error: string | null;
}

interface ItemErrorRow {
  connector_id: string;
  path: string;
  code: string;
  message: string;
  severity: string;
  first_seen: number;
  last_seen: number;
  attempts: number;
  unit_key: string | null;
  fingerprint: string | null;
  streak: number;
}

type Statement = Database.Statement<unknown[], unknown>;

/** Values of the full-text columns after the rowid: title, heading, body, tags, facets. */
type FtsRow = [string, string, string, string, string];

/** A chunk rowid's pending full-text change: delete the row that existed before, insert these values, or both. */
interface FtsWrite {
  deleteOld: boolean;
  insert: FtsRow | null;
}

/** Prepared once per connection: statement preparation would otherwise dominate per-document cost. */
function prepareStatements(db: Database.Database) {
  const p = (sql: string): Statement => db.prepare(sql);
  // Only a read-only open of an index from before migration 10 lacks the table; it counts the documents instead.
  const hasTotals = db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'connector_totals'").get() !== undefined;
  const totals = hasTotals
    ? 'connector_totals'
    : '(SELECT connector_id, doc_type, count(*) AS documents, sum(chunk_count) AS chunks FROM documents GROUP BY 1, 2)';
  // Only a read-only open of an index from before `timestamp_end` lacks it; such a store never writes documents, so
  // the statements that name the column are prepared on first use.
  const hasDocumentSpans =
    db.prepare("SELECT 1 FROM pragma_table_info('documents') WHERE name = 'timestamp_end'").get() !== undefined;
  const onFirstUse = (sql: string): (() => Statement) => {
    let statement: Statement | null = null;
    return () => (statement ??= p(sql));
  };
  const insertDocument = onFirstUse(
    `INSERT INTO documents (connector_id, doc_id, unit_key, title, doc_type, path, author, participants, timestamp,
       timestamp_end, thread_id, tags, aliases, links, metadata, content_hash, chunk_count, indexed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const updateDocument = onFirstUse(
    `UPDATE documents SET unit_key = ?, title = ?, doc_type = ?, path = ?, author = ?, participants = ?,
       timestamp = ?, timestamp_end = ?, thread_id = ?, tags = ?, aliases = ?, links = ?, metadata = ?,
       content_hash = ?, chunk_count = ?, indexed_at = ?
     WHERE id = ?`,
  );
  // SQLite rewrites an index entry whenever its column is SET, even to the same value: an edit that keeps the
  // unit, type and chunk count leaves documents_by_unit and connector_totals (its trigger) alone with this one.
  const updateDocumentContent = onFirstUse(
    `UPDATE documents SET title = ?, path = ?, author = ?, participants = ?, timestamp = ?, timestamp_end = ?,
       thread_id = ?, tags = ?, aliases = ?, links = ?, metadata = ?, content_hash = ?, indexed_at = ?
     WHERE id = ?`,
  );
  return {
    /** Whether documents have `timestamp_end` (SearchPlan.spans). */
    hasDocumentSpans,
    get insertDocument() {
      return insertDocument();
    },
    get updateDocument() {
      return updateDocument();
    },
    get updateDocumentContent() {
      return updateDocumentContent();
    },
    setMeta: p('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    getMeta: p('SELECT value FROM meta WHERE key = ?').pluck(),
    deleteMeta: p('DELETE FROM meta WHERE key = ?'),
    chunkTextAfter: p('SELECT id, heading, body FROM chunk_text WHERE id > ? ORDER BY id LIMIT ?'),

    // One string per unit, not a row: better-sqlite3 builds a row array per row, which cost more than reading them
    // (100,000 units: ~180 ms as rows, ~60 ms like this). `fingerprint NUL key [NUL cursor]`: fingerprints and keys
    // (paths) never hold NUL, a cursor may hold anything.
    loadManifest: p(
      `SELECT fingerprint || char(0) || key || coalesce(char(0) || cursor, '') FROM units WHERE connector_id = ?`,
    ).pluck(),
    putUnit: p(
      `INSERT INTO units (connector_id, key, fingerprint, cursor) VALUES (?, ?, ?, ?)
       ON CONFLICT (connector_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, cursor = excluded.cursor`,
    ),
    deleteUnit: p('DELETE FROM units WHERE connector_id = ? AND key = ?'),
    clearManifest: p('DELETE FROM units WHERE connector_id = ?'),

    getDocument: p(
      `SELECT id AS rowid, content_hash AS contentHash, chunk_count AS chunkCount, unit_key AS unitKey
       FROM documents WHERE connector_id = ? AND doc_id = ?`,
    ),
    setDocumentUnit: p('UPDATE documents SET unit_key = ? WHERE id = ?'),
    deleteDocument: p('DELETE FROM documents WHERE id = ?'),
    insertChunk: p('INSERT INTO chunks (rowid, title, heading, body, tags, facets) VALUES (?, ?, ?, ?, ?, ?)'),
    mergeFullText: p("INSERT INTO chunks (chunks, rank) VALUES ('merge', ?)"),
    totalChanges: p('SELECT total_changes()').pluck(),
    insertChunkText: p('INSERT INTO chunk_text (id, heading, body) VALUES (?, ?, ?)'),
    // Exact rowids: on a contentless table a rowid range is a scan of the whole index.
    deleteChunk: p('DELETE FROM chunks WHERE rowid = ?'),
    chunkIdsInRange: p('SELECT id FROM chunk_text WHERE id BETWEEN ? AND ?').pluck(),
    chunkTextInRange: p('SELECT id, heading, body FROM chunk_text WHERE id BETWEEN ? AND ? ORDER BY id'),
    updateChunkText: p('UPDATE chunk_text SET heading = ?, body = ? WHERE id = ?'),
    deleteChunkText: p('DELETE FROM chunk_text WHERE id = ?'),
    documentForReplace: p(
      `SELECT connector_id, title, doc_type, author, participants, tags, aliases, unit_key, chunk_count
       FROM documents WHERE id = ?`,
    ),
    deleteChunkTextRange: p('DELETE FROM chunk_text WHERE id BETWEEN ? AND ?'),
    chunkBody: p('SELECT body FROM chunk_text WHERE id = ?').pluck(),
    listUnitDocuments: p(
      `SELECT doc_id AS docId, id AS rowid, chunk_count AS chunkCount
       FROM documents WHERE connector_id = ? AND unit_key = ?`,
    ),
    unitDocumentVersions: p(
      `SELECT doc_id AS docId, id AS rowid, content_hash AS contentHash, chunk_count AS chunkCount, unit_key AS unitKey
       FROM documents WHERE connector_id = ? AND unit_key = ? LIMIT ?`,
    ),
    listDocumentUnitKeys: p('SELECT DISTINCT unit_key FROM documents WHERE connector_id = ?').pluck(),
    listConnectorDocumentRowids: p('SELECT id FROM documents WHERE connector_id = ? ORDER BY id').pluck(),
    counts: p(
      `SELECT coalesce(sum(documents), 0) AS documents, coalesce(sum(chunks), 0) AS chunks
       FROM ${totals} WHERE connector_id = ?`,
    ),
    totalChunks: p(`SELECT coalesce(sum(chunks), 0) FROM ${totals}`).pluck(),
    chunkTotals: p(`SELECT connector_id, doc_type, chunks FROM ${totals}`).raw(),
    deleteConnectorDocuments: p('DELETE FROM documents WHERE connector_id = ?'),

    getCheckpoint: p('SELECT * FROM checkpoints WHERE connector_id = ?'),
    listCheckpoints: p('SELECT * FROM checkpoints ORDER BY connector_id'),
    saveCheckpoint: p(
      `INSERT INTO checkpoints (connector_id, cursor, watermark, last_success_at, last_attempt_at, last_result,
         last_error, consecutive_failures, root_identity, orphan_scan_due)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (connector_id) DO UPDATE SET cursor = excluded.cursor, watermark = excluded.watermark,
         last_success_at = excluded.last_success_at, last_attempt_at = excluded.last_attempt_at,
         last_result = excluded.last_result, last_error = excluded.last_error,
         consecutive_failures = excluded.consecutive_failures, root_identity = excluded.root_identity,
         orphan_scan_due = excluded.orphan_scan_due`,
    ),
    // The manifest is cleared with it, so every indexed document is then one without a unit row.
    resetCheckpoint: p(
      `UPDATE checkpoints SET cursor = NULL, watermark = NULL, root_identity = NULL, orphan_scan_due = 1
       WHERE connector_id = ?`,
    ),
    deleteCheckpoint: p('DELETE FROM checkpoints WHERE connector_id = ?'),

    startRun: p(
      `INSERT INTO runs (connector_id, run_trigger, started_at, ended_at, outcome, counts, error)
       VALUES (?, ?, ?, NULL, 'running', ?, NULL)`,
    ),
    pruneRuns: p(
      `DELETE FROM runs WHERE connector_id = @connectorId AND id <= (
         SELECT id FROM runs WHERE connector_id = @connectorId ORDER BY id DESC LIMIT 1 OFFSET @keep)`,
    ),
    finishRun: p('UPDATE runs SET outcome = ?, counts = ?, error = ?, ended_at = ? WHERE id = ?'),
    addRunProgress: p(
      `UPDATE runs SET counts = json_set(counts,
         '$.added', json_extract(counts, '$.added') + @added,
         '$.updated', json_extract(counts, '$.updated') + @updated,
         '$.deleted', json_extract(counts, '$.deleted') + @deleted,
         '$.chunks', json_extract(counts, '$.chunks') + @chunks)
       WHERE id = @id AND outcome = 'running'`,
    ),
    listRuns: p('SELECT * FROM runs WHERE connector_id = ? ORDER BY id DESC LIMIT ?'),
    markInterruptedRuns: p(`UPDATE runs SET outcome = 'failed', error = ? WHERE outcome = 'running'`),
    deleteRuns: p('DELETE FROM runs WHERE connector_id = ?'),

    // The streak grows only while the failed reads are of the same unit at the same fingerprint (the file has not
    // changed); a failure that says nothing about the file, or an issue of a read that succeeded, ends it.
    recordItemError: p(
      `INSERT INTO item_errors (connector_id, path, code, message, severity, first_seen, last_seen, attempts,
         unit_key, fingerprint, streak, seen_in_run)
       VALUES (@connectorId, @path, @code, @message, @severity, @now, @now, 1, @unitKey, @fingerprint, @counts, @runId)
       ON CONFLICT (connector_id, path, code) DO UPDATE SET message = excluded.message,
         severity = excluded.severity, last_seen = excluded.last_seen, seen_in_run = excluded.seen_in_run,
         attempts = attempts + 1,
         streak = CASE
           WHEN excluded.streak = 0 THEN 0
           WHEN unit_key IS excluded.unit_key AND fingerprint IS excluded.fingerprint THEN streak + 1
           ELSE 1 END,
         unit_key = excluded.unit_key, fingerprint = excluded.fingerprint`,
    ),
    loadQuarantine: p(
      'SELECT unit_key, fingerprint FROM item_errors WHERE connector_id = ? AND streak >= ? AND unit_key IS NOT NULL',
    ).raw(),
    touchQuarantined: p(
      `UPDATE item_errors SET last_seen = @now, seen_in_run = @runId
       WHERE connector_id = @connectorId AND unit_key = @key AND fingerprint = @fingerprint`,
    ),
    releaseQuarantine: p(
      `UPDATE item_errors SET streak = 0
       WHERE connector_id = @connectorId AND (@path IS NULL OR path = @path) AND streak >= @after`,
    ),
    carryItemErrors: p(
      `UPDATE item_errors SET fingerprint = @fingerprint
       WHERE connector_id = @connectorId AND unit_key = @key AND streak = 0
         AND code NOT IN (${TAIL_ISSUE_CODES.map((c) => `'${c}'`).join(', ')})`,
    ),
    // Kept: issues a completed read reported for a unit still at that fingerprint (unchanged, so not read again).
    clearItemErrorsNotSeenIn: p(
      `DELETE FROM item_errors WHERE connector_id = @connectorId AND seen_in_run IS NOT @runId
         AND NOT EXISTS (SELECT 1 FROM units u WHERE u.connector_id = @connectorId AND u.key = item_errors.unit_key
           AND u.fingerprint = item_errors.fingerprint AND item_errors.streak = 0)`,
    ),
    listItemErrors: p(
      `SELECT * FROM item_errors WHERE connector_id = ?
       ORDER BY severity = 'warning', last_seen DESC, path`,
    ),
    listAllItemErrors: p(`SELECT * FROM item_errors ORDER BY connector_id, severity = 'warning', last_seen DESC, path`),
    countItemErrors: p(
      `SELECT count(*) AS total, count(*) FILTER (WHERE severity = 'warning') AS warnings
         FROM item_errors WHERE connector_id = ?`,
    ),
    hasItemError: p('SELECT 1 FROM item_errors WHERE connector_id = ? AND path = ? LIMIT 1').pluck(),
    deleteItemErrors: p('DELETE FROM item_errors WHERE connector_id = ?'),

    documentPath: p('SELECT path FROM documents WHERE connector_id = ? AND doc_id = ?'),
    hitDocument: p(
      `SELECT connector_id, doc_id, title, doc_type, path, timestamp,
         ${hasDocumentSpans ? 'timestamp_end' : 'NULL AS timestamp_end'}, author FROM documents WHERE id = ?`,
    ),
    insertSnippetBody: p('INSERT INTO temp.snippet_body (id, body) VALUES (?, ?)'),
    insertSnippetSource: p('INSERT INTO temp.snippet_source (rowid, body) VALUES (?, ?)'),
    // A title (a negative id: snippetsFor) is highlighted whole; a body is cut around its matches.
    snippets: p(
      `SELECT rowid, CASE WHEN rowid < 0 THEN highlight(snippet_source, 0, char(0xE000), char(0xE001))
         ELSE snippet(snippet_source, 0, char(0xE000), char(0xE001), '…', ${SNIPPET_TOKENS}) END
       FROM temp.snippet_source WHERE snippet_source MATCH ?`,
    ).raw(),
    clearSnippetSource: p("INSERT INTO temp.snippet_source (snippet_source) VALUES ('delete-all')"),
    clearSnippetBody: p('DELETE FROM temp.snippet_body'),
    insertStemProbe: p('INSERT INTO temp.stem_probe (rowid, words) VALUES (1, ?)'),
    stemProbeTerms: p('SELECT term, "offset" FROM temp.stem_probe_terms'),
    clearStemProbe: p("INSERT INTO temp.stem_probe (stem_probe) VALUES ('delete-all')"),
    documentProbeFields: p(
      'SELECT connector_id, title, doc_type, author, participants, tags, aliases FROM documents WHERE id = ?',
    ),
    insertDocumentProbe: p('INSERT INTO temp.document_probe (title, heading, body, tags) VALUES (?, ?, ?, ?)'),
    documentProbeMatches: p('SELECT 1 FROM temp.document_probe WHERE document_probe MATCH ? LIMIT 1').pluck(),
    clearDocumentProbe: p("INSERT INTO temp.document_probe (document_probe) VALUES ('delete-all')"),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

/** A document in a page of results, by the chunk that stands for it (its snippet) and that chunk's score. */
interface RankedChunk {
  doc: number;
  chunkRowid: number;
  score: number;
}

/** How a search applies each filter; one prepared statement pair per distinct plan. */
interface SearchPlan {
  /** Filter by a facet token inside MATCH: fast when few chunks carry it, slow (a long list to AND) otherwise. */
  sourceFacet: boolean;
  typeFacet: boolean;
  /** Filter by looking up each matching chunk's document: about a microsecond a row, whatever the selectivity. */
  sourceJoin: boolean;
  typeJoin: boolean;
  since: boolean;
  until: boolean;
  /** Documents have `timestamp_end`, so `since` takes a document whose span reaches it. */
  spans: boolean;
}

/**
 * The statement of one search plan.
 *
 * Only the newest @candidates matching chunks are ranked: FTS5 walks the matches in descending rowid order and
 * stops there, so bm25() (a lookup per row) is never computed for the rest. Without this a one-word query
 * matching half the corpus would spend most of its time ranking chunks nobody pages to. Document filters sit in
 * the WHERE clause, so bm25() runs only for rows that pass them. bm25() cannot be called inside an aggregate,
 * hence the materialised CTE before reducing to one row (the best chunk) per document.
 */
function buildSearchSql(plan: SearchPlan): string {
  const { join, where } = searchFilters(plan);
  const titled = searchFilters(plan, 'titleQuery');
  return `WITH matched AS MATERIALIZED (
      SELECT c.rowid AS chunk_rowid, bm25(chunks, ${BM25_WEIGHTS}) AS score
      FROM chunks c ${join} WHERE ${where}
      ORDER BY c.rowid DESC LIMIT @candidates
    ), titled AS MATERIALIZED (
      SELECT c.rowid AS chunk_rowid, bm25(chunks, ${BM25_WEIGHTS}) AS score
      FROM chunks c ${titled.join} WHERE ${titled.where}
      ORDER BY c.rowid DESC LIMIT @titleCandidates
    )
    SELECT chunk_rowid / ${CHUNK_ROWID_SPAN} AS doc, chunk_rowid AS chunkRowid, min(score) AS score
    FROM (SELECT * FROM matched UNION ALL SELECT * FROM titled)
    GROUP BY doc ORDER BY score, doc LIMIT @limit OFFSET @offset`;
}

const docOfChunk = (chunkRowid: number): number => Math.floor(chunkRowid / CHUNK_ROWID_SPAN);

/** The cache key of a plan's statements: its switches, in order. */
const planKey = (plan: SearchPlan): string =>
  Object.values(plan)
    .map((on) => (on ? '1' : '0'))
    .join('');

/** The FROM join and WHERE clause of a plan's filters, around `chunks MATCH @<match>`. */
function searchFilters(plan: SearchPlan, match = 'query'): { join: string; where: string } {
  const conditions: string[] = [];
  if (plan.sourceJoin) conditions.push('d.connector_id = @source');
  if (plan.typeJoin) conditions.push('d.doc_type = @docType');
  // A document that lasts (a repeating event, a conference) is in a range its span meets.
  if (plan.since) conditions.push(`${plan.spans ? 'coalesce(d.timestamp_end, d.timestamp)' : 'd.timestamp'} >= @since`);
  if (plan.until) conditions.push('d.timestamp <= @until');
  const join = conditions.length > 0 ? `JOIN documents d ON d.id = c.rowid / ${CHUNK_ROWID_SPAN}` : '';
  return { join, where: [`chunks MATCH @${match}`, ...conditions].join(' AND ') };
}

/** The spread-out pass's listing (KnowledgeStore.spreadMatches): the newest chunks matching one term. */
function buildSpreadSql(plan: SearchPlan): string {
  const { join, where } = searchFilters(plan);
  return `SELECT c.rowid FROM chunks c ${join} WHERE ${where} ORDER BY c.rowid DESC LIMIT @candidates`;
}

/** The facets-column token for a connector: letters and digits only, so the tokenizer keeps it whole. */
function sourceFacet(connectorId: string): string {
  return `src${createHash('sha1').update(connectorId).digest('hex').slice(0, 20)}`;
}

function typeFacet(docType: string): string {
  return `type${docType.toLowerCase().replace(/[^a-z]/g, '')}`;
}

/**
 * Opens the file for writing and brings it to a usable state, or throws. Corruption surfaces as an error for
 * which `isCorruption` is true; anything else (permissions, a newer schema, BUSY) is the caller's to report.
 * `ftsDamaged`: the tables are sound but the full-text index is not; the caller rebuilds it.
 */
function connectWritable(file: string, lockTimeoutMs: number): { db: Database.Database; ftsDamaged: boolean } {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Checked before SQLite sees the file: closing a connection to a non-database deletes its -wal and -shm,
  // which we want to keep beside the moved-aside file.
  if (!hasSqliteHeader(file)) throw new DamagedStoreError('the file is not a database (unknown header)');
  const db = new Database(file, { timeout: lockTimeoutMs });
  try {
    // The first statement reads the header: a foreign or garbage file fails here with SQLITE_NOTADB.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(CACHE_SIZE_PRAGMA);
    // Opening ends with a write (the shutdown marker), so another program holding the write lock makes it fail with
    // SQLITE_BUSY. Asked for first, before the check after an unclean shutdown reads the whole file: a service
    // waiting for the lock retries this open, and each failed try must cost next to nothing.
    db.exec('BEGIN IMMEDIATE; ROLLBACK');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    let ftsDamaged = false;
    const version = db.pragma('user_version', { simple: true }) as number;
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    if (version === 0) {
      const objects = db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number;
      if (objects > 0) throw new DamagedStoreError('the file is a database of another program');
    } else if (applicationId !== APPLICATION_ID) {
      throw new DamagedStoreError('the file is a database of another program');
    } else {
      const clean = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(CLEAN_SHUTDOWN_KEY) === '1';
      if (!clean) ftsDamaged = !checkAfterUncleanShutdown(db);
    }
    migrate(db);
    db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(CLEAN_SHUTDOWN_KEY, '0');
    return { db, ftsDamaged };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** A file's dev:ino, or '' when it is gone. */
function fileIdentity(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.dev}:${st.ino}`;
  } catch {
    return '';
  }
}

/** A full disk said in plain words (DataDirFullError) rather than as SQLite's "disk I/O error"; other errors as they are. */
function plainDiskFull(err: unknown, file: string): unknown {
  const dir = path.dirname(file);
  return isDiskFull(err, dir) ? new DataDirFullError(dir, err) : err;
}

/** Lines of a check's findings the reason shown to the user keeps (the log gets them all). */
const REASON_LINES = 1;
const REASON_LINE_CHARS = 200;

/**
 * The reason a damaged index was replaced, short enough for a notice: SQLite's integrity check lists every damaged
 * page on a line of its own (a hundred lines of "Tree 11 page 14216: btreeInitPage() returns error code 11" for one
 * overwritten range), which says nothing more to the user than its first line and how many followed.
 */
export function briefReason(details: string): string {
  const lines = details
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const shown = lines
    .slice(0, REASON_LINES)
    .map((line) => (line.length > REASON_LINE_CHARS ? `${line.slice(0, REASON_LINE_CHARS - 1)}…` : line))
    .join('; ');
  const more = lines.length - REASON_LINES;
  return more > 0 ? `${shown}; and ${more} more ${more === 1 ? 'problem' : 'problems'}, listed in the log` : shown;
}

/** Opens the index read-only and reads its schema version (the first read, which fails where the open cannot). */
function connectReadonly(file: string, lockTimeoutMs: number, log: Logger): { db: Database.Database; version: number } {
  try {
    return withVersion(new Database(file, { readonly: true, fileMustExist: true, timeout: lockTimeoutMs }));
  } catch (err) {
    const dir = path.dirname(file);
    if (!(isSharedMemoryFailure(err) && walIsEmpty(file) && !dataDirMayHaveWriter(dir))) throw err;
    let opened: { db: Database.Database; version: number };
    try {
      opened = withVersion(
        new Database(`${pathToFileURL(file).href}?immutable=1`, { readonly: true, fileMustExist: true }),
      );
    } catch {
      throw err;
    }
    log.warn(
      `store: the index could not be opened read-only (${errorText(err)}${isDiskFull(err, dir) ? ', the disk is full' : ''}); ` +
        'no other process writes it and its WAL is empty, so it is read as an immutable file',
    );
    return opened;
  }
}

function withVersion(db: Database.Database): { db: Database.Database; version: number } {
  try {
    return { db, version: db.pragma('user_version', { simple: true }) as number };
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * A read-only connection to a WAL index needs its -shm file, created and grown beside it on first use: on a full disk
 * that fails (SQLITE_IOERR_SHMSIZE), in a folder it may not write it cannot be created (SQLITE_CANTOPEN).
 */
function isSharedMemoryFailure(err: unknown): boolean {
  return /^SQLITE_(IOERR|CANTOPEN|FULL|READONLY_CANTINIT)/.test(errorCode(err));
}

/**
 * True when the index's WAL is missing or empty: then the main file holds every commit, and a reader that ignores the
 * WAL (immutable=1) misses nothing. An immutable read is sound only while nothing writes the file, which the caller
 * makes sure of with the data folder's lock: a writer (the app, a daemon, a sync) holds it for as long as it runs.
 */
function walIsEmpty(file: string): boolean {
  try {
    return fs.statSync(`${file}-wal`).size === 0;
  } catch (err) {
    return errorCode(err) === 'ENOENT';
  }
}

/**
 * Full structural check, only after a crash: on a normal start it would cost a read of the whole file.
 * Throws when the file is damaged; returns false when only the full-text index is (quick_check also runs FTS5's
 * own check, whose findings start with "fts5:").
 */
function checkAfterUncleanShutdown(db: Database.Database): boolean {
  const problems = (db.pragma('quick_check', { simple: false }) as { quick_check: string }[])
    .map((r) => r.quick_check)
    .filter((r) => r !== 'ok');
  // One finding may hold many lines (one per damaged page), headed by "*** in database main ***".
  const structural = problems.filter((p) => !p.startsWith('fts5:'));
  if (structural.length > 0) {
    const lines = structural
      .flatMap((p) => p.split('\n'))
      .filter((line) => line.trim() !== '' && !/^\*\*\* in database \S+ \*\*\*$/.test(line.trim()));
    throw new DamagedStoreError(`integrity check failed: ${(lines.length > 0 ? lines : structural).join('\n')}`);
  }
  return problems.length === 0 && fullTextIndexProblem(db) === null;
}

/** The FTS5 index's own consistency check: null when sound, else the error text. Needs a writable connection. */
function fullTextIndexProblem(db: Database.Database): string | null {
  try {
    db.prepare("INSERT INTO chunks (chunks) VALUES ('integrity-check')").run();
    return null;
  } catch (err) {
    if (!isCorruption(err)) throw err;
    return errorText(err);
  }
}

interface DocumentFtsFields {
  title: string;
  tags: string;
  facets: string;
}

/** The columns of a documents row that documentFields reads. */
interface StoredFtsFields {
  connector_id: string;
  title: string;
  doc_type: string;
  author: string | null;
  participants: string | null;
  tags: string | null;
  aliases: string | null;
}

/** Positions of some columns in documentValues (insertDocument's column order). */
const AT = { unitKey: 2, title: 3, docType: 4, path: 5, contentHash: 15, chunkCount: 16, indexedAt: 17 } as const;

/** What replaceDocument reads of the row it replaces: the full-text fields, and the indexed columns it may keep. */
interface StoredReplaceFields extends StoredFtsFields {
  unit_key: string;
  chunk_count: number;
}

interface ChunkTextRow {
  id: number;
  heading: string;
  body: string;
}

/** Chunk text as stored: the snippet markers (control characters) cannot appear in it. */
function withoutMarkers(body: string): string {
  return body.includes(MARK_START) || body.includes(MARK_END) ? body.replace(MARKERS, ' ') : body;
}

/** Values for the full-text columns that come from the document rather than the chunk. */
function documentFields(
  connectorFacet: string,
  doc: {
    title: string;
    docType: string;
    author: string | null;
    tags: readonly string[];
    aliases: readonly string[];
    participants: readonly string[];
  },
): DocumentFtsFields {
  // Aliases are alternative titles; author and participants are searched as keywords. All of it goes with every
  // chunk, so a query mixing a title word and a body word still finds the chunk that holds the body word.
  const title = doc.aliases.length > 0 ? `${doc.title}\n${doc.aliases.join('\n')}` : doc.title;
  const keywords = [...doc.tags];
  if (doc.author) keywords.push(doc.author);
  for (const p of doc.participants.slice(0, MAX_INDEXED_PARTICIPANTS)) keywords.push(p);
  return { title, tags: keywords.join('\n'), facets: `${connectorFacet} ${typeFacet(doc.docType)}` };
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** True for a missing or empty file (SQLite creates it) or one starting with the SQLite header. */
function hasSqliteHeader(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return true;
    throw err;
  }
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    const read = fs.readSync(fd, head, 0, head.length, 0);
    return read === 0 || (read === head.length && head.equals(SQLITE_HEADER));
  } finally {
    fs.closeSync(fd);
  }
}

/** Moves the damaged file and its WAL/SHM companions aside; returns the new name of the main file. */
function moveAside(file: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let target = `${file}.corrupt-${stamp}`;
  for (let n = 1; fs.existsSync(target); n++) target = `${file}.corrupt-${stamp}-${n}`;
  fs.renameSync(file, target);
  // A WAL left beside a fresh file would be replayed into it, so the companions must go too.
  for (const suffix of ['-wal', '-shm']) {
    try {
      fs.renameSync(file + suffix, target + suffix);
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
    }
  }
  return target;
}

export class KnowledgeStore {
  readonly path: string;
  /** Set when the file was damaged or foreign at open and was replaced by a fresh, empty index. */
  readonly recovery: StoreRecovery | null;
  readonly readonly: boolean;
  private readonly db: Database.Database;
  private readonly log: Logger;
  /** Chunks the running re-index has written so far in this process (for its one log line). */
  private reindexed = 0;
  /**
   * How many of REINDEX_PASSES are known to be done: only a migration at open sets their marks, so once one is gone it
   * is not read again.
   */
  private reindexesDone = 0;
  private readonly s: Statements;
  private readonly searchStatementCache = new Map<string, Statement>();
  private readonly spreadStatementCache = new Map<string, Statement>();
  private readonly sourceFacets = new Map<string, string>();
  private closed = false;
  /** The index file's identity when opened (fileIdentity), to tell it was deleted or replaced since; null in memory. */
  private readonly openedFile: string | null;
  /** Checkpoints the WAL from a worker thread; null for read-only stores. */
  private readonly checkpointer: WalCheckpointer | null;
  /** Set when an operation hit corruption, so close() leaves the unclean marker and the next open checks. */
  private sawCorruption = false;
  /** A second connection (see attach()): the connection that opened the index owns its shutdown marker. */
  private readonly attached: boolean;

  private constructor(
    file: string,
    db: Database.Database,
    log: Logger,
    readonly_: boolean,
    recovery: StoreRecovery | null,
    checkpointer: CheckpointerOptions | 'attached' = {},
  ) {
    this.path = file;
    this.db = db;
    this.log = log;
    this.readonly = readonly_;
    this.openedFile = db.memory ? null : fileIdentity(file);
    this.recovery = recovery;
    this.attached = checkpointer === 'attached';
    this.checkpointer =
      readonly_ || db.memory || checkpointer === 'attached' ? null : new WalCheckpointer(file, db, log, checkpointer);
    // Snippets are cut by FTS5 itself from a scratch table holding only the page of hits (the main index keeps no
    // text). In memory and per connection, so it also works on a read-only connection.
    // External content, so clearing it is FTS5's cheap 'delete-all' rather than re-tokenizing every row.
    db.pragma('temp_store = MEMORY');
    db.exec(`
      CREATE TEMP TABLE IF NOT EXISTS snippet_body (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
      CREATE VIRTUAL TABLE IF NOT EXISTS temp.snippet_source USING fts5(
        body, content = 'snippet_body', content_rowid = 'id', tokenize = '${TOKENIZER}'
      );
      CREATE VIRTUAL TABLE IF NOT EXISTS temp.stem_probe USING fts5(words, content = '', tokenize = '${TOKENIZER}');
      CREATE VIRTUAL TABLE IF NOT EXISTS temp.stem_probe_terms USING fts5vocab(temp, stem_probe, instance);
      CREATE VIRTUAL TABLE IF NOT EXISTS temp.document_probe USING fts5(
        title, heading, body, tags, content = '', tokenize = '${TOKENIZER}'
      );`);
    this.s = prepareStatements(db);
  }

  /**
   * Opens (creating if needed) the index at `file`.
   *
   * Writable mode: WAL, synchronous=NORMAL, 5 s busy timeout; the schema is created or migrated in one
   * transaction. After an unclean shutdown a quick_check runs, and a broken full-text index alone is rebuilt.
   * A file that is not a database, is damaged or belongs to another program is moved to
   * `<file>.corrupt-<timestamp>` (with its -wal/-shm) and a fresh index is created; `recovery` then says so.
   * Runs left 'running' by a crash are marked failed with code E_INTERRUPTED.
   *
   * Read-only mode never writes, migrates or moves anything; a missing or not-yet-initialised file reads as an
   * empty index. Other errors (permissions, SQLITE_BUSY, a schema newer than this build) are thrown.
   */
  static open(file: string, opts: OpenOptions): KnowledgeStore {
    const { log } = opts;
    if (opts.readonly) return KnowledgeStore.openReadonly(file, log, opts.lockTimeoutMs ?? BUSY_TIMEOUT_MS);
    let connection: { db: Database.Database; ftsDamaged: boolean };
    let recovery: StoreRecovery | null = null;
    try {
      connection = connectWritable(file, opts.lockTimeoutMs ?? BUSY_TIMEOUT_MS);
    } catch (err) {
      if (!isCorruption(err)) throw plainDiskFull(err, file);
      const details = errorText(err);
      const movedTo = moveAside(file);
      log.warn(`store: ${file} is damaged; moved to ${movedTo}, starting a fresh index. What was found:\n${details}`);
      try {
        connection = connectWritable(file, opts.lockTimeoutMs ?? BUSY_TIMEOUT_MS);
      } catch (again) {
        throw plainDiskFull(again, file);
      }
      recovery = { movedTo, reason: briefReason(details) };
    }
    try {
      const store = new KnowledgeStore(file, connection.db, log, false, recovery, opts.checkpointer);
      if (connection.ftsDamaged) {
        // The tables are sound and only the inverted index disagrees: rebuilding it from chunk_text keeps every
        // document and is far cheaper than a full re-sync.
        log.warn('store: full-text index damaged after an unclean shutdown; rebuilding it');
        store.transaction(() => store.rebuildFullTextIndex());
      }
      store.markInterruptedRuns();
      return store;
    } catch (err) {
      connection.db.close();
      throw err;
    }
  }

  /**
   * A second writable connection to an index that `open` has already opened, checked and migrated in this process,
   * for the writer thread. It migrates, recovers and marks nothing (the first connection owns that), and runs no
   * checkpoint thread: its automatic checkpoint is the same hard cap as the first connection's, whose checkpoint
   * thread is told about its commits (noteCommitElsewhere). Throws if the file is not an index of this schema.
   */
  static attach(file: string, log: Logger): KnowledgeStore {
    const db = new Database(file, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    try {
      db.pragma('synchronous = NORMAL');
      db.pragma(WRITER_THREAD_CACHE_SIZE_PRAGMA);
      db.pragma(`wal_autocheckpoint = ${WAL_HARD_CAP_PAGES}`);
      const version = db.pragma('user_version', { simple: true }) as number;
      const applicationId = db.pragma('application_id', { simple: true }) as number;
      if (version !== SCHEMA_VERSION || applicationId !== APPLICATION_ID) {
        throw new Error(`${file} is not an open index of schema ${SCHEMA_VERSION} (found ${version})`);
      }
      return new KnowledgeStore(file, db, log, false, null, 'attached');
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Another connection (the writer thread's) committed: the WAL grew, which the checkpoint thread paces itself by. */
  noteCommitElsewhere(): void {
    this.afterCommit();
  }

  /** An operation on another connection to this index ran into corruption: close() leaves the file to be checked. */
  noteCorruptionElsewhere(err: unknown): void {
    this.noteCorruption(err);
  }

  private static openReadonly(file: string, log: Logger, lockTimeoutMs: number): KnowledgeStore {
    const empty = (): KnowledgeStore => {
      // An in-memory database with the schema answers every read with "nothing yet".
      const memory = new Database(':memory:');
      migrate(memory);
      return new KnowledgeStore(file, memory, log, true, null);
    };
    if (!fs.existsSync(file)) return empty();
    const { db, version } = connectReadonly(file, lockTimeoutMs, log);
    try {
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      if (version === 0) {
        db.close();
        return empty();
      }
      if (version < OLDEST_READABLE_VERSION || version > SCHEMA_VERSION) {
        throw Object.assign(
          new Error(
            `The index has schema version ${version}; this build reads version ${SCHEMA_VERSION}. ` +
              'Start the app once (not read-only) to upgrade it.',
          ),
          { code: version > SCHEMA_VERSION ? 'E_STORE_TOO_NEW' : 'E_STORE_TOO_OLD' },
        );
      }
      return new KnowledgeStore(file, db, log, true, null);
    } catch (err) {
      if (db.open) db.close();
      throw err;
    }
  }

  /**
   * Whether the index file at `path` is no longer the one this store has open: deleted (a user cleaning up, a sync
   * tool) or replaced (a backup restored). SQLite goes on writing the open file, unseen by any other process and lost
   * at exit, so the service reopens the index then.
   */
  fileWasReplaced(): boolean {
    if (this.openedFile === null || this.closed) return false;
    return fileIdentity(this.path) !== this.openedFile;
  }

  /**
   * Closes the connection. In writable mode it first records a clean shutdown, so the next open skips the
   * integrity check (unless an operation ran into corruption). Calling it twice is harmless.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // The checkpoint thread closes its connection meanwhile: this one must be the last, which removes the WAL.
    this.checkpointer?.requestStop();
    try {
      if (!this.readonly && !this.attached && !this.sawCorruption) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        this.ftsWrites = null;
        // Refreshes planner statistics where useful; the limit keeps shutdown quick on a large index.
        this.db.pragma('analysis_limit = 400');
        this.db.pragma('optimize');
        this.s.setMeta.run(CLEAN_SHUTDOWN_KEY, '1');
      }
    } catch (err) {
      // Best effort: without the marker the next start only runs one extra check.
      this.log.warn('store: could not record a clean shutdown', errorText(err));
    } finally {
      this.checkpointer?.waitStopped();
      this.db.close();
    }
  }

  /** What the WAL checkpoint thread did; null for read-only stores. For tests and diagnostics. */
  get walCheckpoints(): CheckpointerStats | null {
    return this.checkpointer?.stats ?? null;
  }

  /**
   * Runs `fn` in a BEGIN IMMEDIATE transaction: commits if it returns, rolls back and rethrows if it throws.
   * Nested calls become savepoints. `fn` must be synchronous (a returned promise is rejected by the driver).
   */
  transaction<T>(fn: () => T): T {
    // Also covers the empty in-memory stand-in of a read-only store, which SQLite itself would let us write.
    if (this.readonly)
      throw Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' });
    const outermost = this.ftsWrites === null;
    // A nested call is a savepoint: if it rolls back, so must the full-text writes it queued.
    const saved = outermost ? null : new Map([...this.ftsWrites!].map(([rowid, w]) => [rowid, { ...w }]));
    let result: T;
    try {
      result = this.db
        .transaction(() => {
          if (outermost) this.ftsWrites = new Map();
          try {
            const result = fn();
            if (outermost) this.applyFtsWrites();
            return result;
          } catch (err) {
            if (!outermost) this.ftsWrites = saved;
            throw err;
          } finally {
            if (outermost) this.ftsWrites = null;
          }
        })
        .immediate();
    } catch (err) {
      this.noteCorruption(err);
      throw err;
    }
    if (outermost) this.afterCommit();
    return result;
  }

  /**
   * One step of full-text index compaction, in its own transaction: FTS5 merges segments until about `pages` pages
   * (4 KB each) were written. Returns false when there was nothing to merge. See index-maintainer.ts for why.
   */
  compactFullTextStep(pages: number): boolean {
    return this.transaction(() => {
      const before = this.s.totalChanges.get() as number;
      this.s.mergeFullText.run(pages);
      // The 'merge' command itself counts as one change; more means it merged something (FTS5 documentation).
      return (this.s.totalChanges.get() as number) - before >= 2;
    });
  }

  /** Lets the checkpoint thread know the WAL grew. Never throws: the transaction is committed. */
  private afterCommit(): void {
    try {
      this.checkpointer?.afterCommit();
    } catch (err) {
      this.log.warn('store: WAL checkpoint scheduling failed', errorText(err));
    }
  }

  /** Runs `fn` in the caller's transaction if there is one, else in its own. */
  private atomically<T>(fn: () => T): T {
    return this.db.inTransaction ? fn() : this.transaction(fn);
  }

  // ── Manifest ────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * The manifest as a sync reads it (a no-change re-sync is little more than this and a walk): each unit's
   * fingerprint by key, and the cursors of the few units that have one. No record object per unit: the engine marks
   * the units a run meets in this map itself (engine.ts, RunManifest).
   */
  loadManifestIndex(connectorId: string): ManifestIndex {
    const fingerprints = new Map<string, string>();
    const cursors = new Map<string, string>();
    for (const entry of this.s.loadManifest.all(connectorId) as string[]) {
      const keyAt = entry.indexOf('\0') + 1;
      const cursorAt = entry.indexOf('\0', keyAt) + 1;
      const key = cursorAt === 0 ? entry.slice(keyAt) : entry.slice(keyAt, cursorAt - 1);
      if (cursorAt !== 0) cursors.set(key, entry.slice(cursorAt));
      fingerprints.set(key, entry.slice(0, keyAt - 1));
    }
    return { fingerprints, cursors };
  }

  /** Inserts or replaces the unit's record. */
  putUnit(connectorId: string, rec: UnitRecord): void {
    // loadManifest splits at NULs: one in a fingerprint or key would misplace the split.
    if (rec.fingerprint.includes('\0') || rec.key.includes('\0')) {
      throw new Error(`A unit fingerprint or key contains NUL (unit ${JSON.stringify(rec.key)})`);
    }
    this.s.putUnit.run(connectorId, rec.key, rec.fingerprint, rec.cursor);
  }

  deleteUnit(connectorId: string, key: string): void {
    this.s.deleteUnit.run(connectorId, key);
  }

  /** Forgets every unit of the connector, so the next sync reads them all again. Documents are kept. */
  clearManifest(connectorId: string): void {
    this.s.clearManifest.run(connectorId);
  }

  // ── Documents ───────────────────────────────────────────────────────────────────────────────────────────────

  getDocument(connectorId: string, docId: string): StoredDocument | undefined {
    return this.s.getDocument.get(connectorId, docId) as StoredDocument | undefined;
  }

  /** The file a document came from: undefined when the index has no such document, null when it has no file. */
  documentPath(connectorId: string, docId: string): string | null | undefined {
    const row = this.s.documentPath.get(connectorId, docId) as { path: string | null } | undefined;
    return row?.path;
  }

  /**
   * Adds a document and its chunks; returns its rowid. Throws on a duplicate (connectorId, docId). At most
   * MAX_CHUNKS_PER_DOCUMENT chunks are written; `chunkCount` records what was written.
   *
   * Atomic: outside a transaction it runs in its own; inside the caller's, it relies on the caller letting an
   * error roll that transaction back (as `transaction()` does). No savepoint of its own, deliberately: FTS5
   * flushes its in-memory index at every savepoint, which would cost about a third of the ingest speed.
   */
  insertDocument(row: DocumentRow, chunks: readonly ChunkRow[]): number {
    return this.atomically(() => {
      const info = this.s.insertDocument.run(...this.documentValues(row, chunks.length));
      const rowid = Number(info.lastInsertRowid);
      this.insertChunks(rowid, row, chunks);
      return rowid;
    });
  }

  /**
   * Replaces a document's fields and all of its chunks: its old text is no longer findable once the new text
   * is. Atomic in the same way as insertDocument.
   *
   * When the fields every chunk carries in the full-text index (title, aliases, tags, author, participants, type)
   * are unchanged, only the chunks whose heading or text changed are rewritten: an edit usually touches one section
   * of a note, and each rewritten chunk costs a full-text deletion (a tombstone) and an insertion. Likewise the
   * documents row is updated without touching its indexed columns when the unit, type and chunk count are the same.
   */
  replaceDocument(rowid: number, row: DocumentRow, chunks: readonly ChunkRow[]): void {
    this.atomically(() => {
      const fields = documentFields(this.sourceFacet(row.connectorId), row);
      const stored = this.s.documentForReplace.get(rowid) as StoredReplaceFields | undefined;
      const indexed = stored ? this.storedDocumentFields(stored) : null;
      if (
        indexed &&
        indexed.title === fields.title &&
        indexed.tags === fields.tags &&
        indexed.facets === fields.facets
      ) {
        this.replaceChangedChunks(rowid, fields, chunks);
      } else {
        this.deleteChunks(rowid);
        this.insertChunks(rowid, row, chunks);
      }
      const v = this.documentValues(row, chunks.length);
      const keepsIndexed =
        stored !== undefined &&
        stored.unit_key === v[AT.unitKey] &&
        stored.doc_type === v[AT.docType] &&
        stored.chunk_count === v[AT.chunkCount];
      if (keepsIndexed) {
        this.s.updateDocumentContent.run(v[AT.title], ...v.slice(AT.path, AT.contentHash + 1), v[AT.indexedAt], rowid);
      } else {
        this.s.updateDocument.run(...v.slice(AT.unitKey), rowid);
      }
    });
  }

  /** documentFields of a documents row as stored (list fields as JSON). */
  private storedDocumentFields(d: StoredFtsFields): DocumentFtsFields {
    const list = (json: string | null): string[] => parseJson<string[]>(json) ?? [];
    return documentFields(this.sourceFacet(d.connector_id), {
      title: d.title,
      docType: d.doc_type,
      author: d.author,
      tags: list(d.tags),
      aliases: list(d.aliases),
      participants: list(d.participants),
    });
  }

  /** Rewrites the chunks whose heading or text differ at the same position; drops the old ones past the new end. */
  private replaceChangedChunks(rowid: number, fields: DocumentFtsFields, chunks: readonly ChunkRow[]): void {
    const base = rowid * CHUNK_ROWID_SPAN;
    const old = new Map<number, { heading: string; body: string }>();
    for (const r of this.s.chunkTextInRange.all(base, base + CHUNK_ROWID_SPAN - 1) as ChunkTextRow[]) old.set(r.id, r);
    const count = Math.min(chunks.length, MAX_CHUNKS_PER_DOCUMENT);
    for (let i = 0; i < count; i++) {
      const id = base + i;
      const { heading } = chunks[i];
      const body = withoutMarkers(chunks[i].body);
      const before = old.get(id);
      old.delete(id);
      if (before && before.heading === heading && before.body === body) continue;
      if (before) {
        this.ftsDelete(id);
        this.s.updateChunkText.run(heading, body, id);
      } else {
        this.s.insertChunkText.run(id, heading, body);
      }
      this.ftsInsert(id, [fields.title, heading, body, fields.tags, fields.facets]);
    }
    for (const id of old.keys()) {
      this.ftsDelete(id);
      this.s.deleteChunkText.run(id);
    }
  }

  /** Records that the document now comes from another unit (a message moved between files); text unchanged. */
  setDocumentUnit(rowid: number, unitKey: string): void {
    this.s.setDocumentUnit.run(unitKey, rowid);
  }

  /**
   * Deletes the document and its chunks, atomically in the same way as insertDocument. The chunks are found
   * from the rowid; `chunkCount` 0 only skips looking for them.
   */
  deleteDocument(rowid: number, chunkCount: number): void {
    this.atomically(() => {
      if (chunkCount > 0) this.deleteChunks(rowid);
      this.s.deleteDocument.run(rowid);
    });
  }

  listUnitDocuments(connectorId: string, unitKey: string): UnitDocument[] {
    return this.s.listUnitDocuments.all(connectorId, unitKey) as UnitDocument[];
  }

  /**
   * The unit's documents with what the pipeline compares (content hash, chunk count), or undefined when it has more
   * than `limit`: one query for a changed unit instead of a lookup by document id per document.
   */
  unitDocumentVersions(connectorId: string, unitKey: string, limit: number): UnitDocumentVersion[] | undefined {
    const rows = this.s.unitDocumentVersions.all(connectorId, unitKey, limit + 1) as UnitDocumentVersion[];
    return rows.length > limit ? undefined : rows;
  }

  /** Unit keys that have at least one document (including units missing from the manifest after a crash). */
  listDocumentUnitKeys(connectorId: string): string[] {
    return this.s.listDocumentUnitKeys.all(connectorId) as string[];
  }

  /** Documents and chunks currently indexed for the connector (an index-only scan). */
  counts(connectorId: string): { documents: number; chunks: number } {
    return this.s.counts.get(connectorId) as { documents: number; chunks: number };
  }

  /** The documents columns in insertDocument's order (positions in AT). */
  private documentValues(row: DocumentRow, chunkCount: number): unknown[] {
    const participants = row.participants.length > 0 ? JSON.stringify(row.participants) : null;
    return [
      row.connectorId,
      row.docId,
      row.unitKey,
      row.title,
      row.docType,
      row.path,
      row.author,
      participants,
      finiteOrNull(row.timestamp),
      finiteOrNull(row.timestampEnd),
      row.threadId,
      jsonList(row.tags),
      jsonList(row.aliases),
      jsonList(row.links),
      row.metadataJson,
      row.contentHash,
      Math.min(chunkCount, MAX_CHUNKS_PER_DOCUMENT),
      Date.now(),
    ];
  }

  /**
   * Full-text writes of the running transaction, applied just before it commits: deletions, then insertions, each
   * in rowid order, only the net effect per rowid. FTS5 buffers new rows in memory only while rowids ascend; a
   * write at or below the previous rowid first flushes the buffer into a new segment. Replacing a document in
   * place (deleting its chunk rowids, inserting them again) flushed once per document, so a batch of edits wrote a
   * segment per edit and then merged them all: measured, 50 edits of ~2 KB notes took 2.5 ms each instead of 0.1.
   */
  private ftsWrites: Map<number, FtsWrite> | null = null;

  private ftsInsert(rowid: number, values: FtsRow): void {
    if (this.ftsWrites === null) {
      this.insertFullText(rowid, values);
      return;
    }
    const w = this.ftsWrites.get(rowid);
    if (w) w.insert = values;
    else this.ftsWrites.set(rowid, { deleteOld: false, insert: values });
  }

  private ftsDelete(rowid: number): void {
    if (this.ftsWrites === null) {
      this.s.deleteChunk.run(rowid);
      return;
    }
    const w = this.ftsWrites.get(rowid);
    // Deleting a row inserted in this transaction cancels the insertion; a row from before is deleted at commit.
    if (w) w.insert = null;
    else this.ftsWrites.set(rowid, { deleteOld: true, insert: null });
  }

  /**
   * The one place a chunk enters the full-text index: its text normalised, and CJK, Thai, Lao, Khmer and Myanmar as
   * character pairs (index-text.ts); facets as they are.
   */
  private insertFullText(rowid: number, [title, heading, body, tags, facets]: FtsRow): void {
    this.s.insertChunk.run(rowid, indexText(title), indexText(heading), indexText(body), indexText(tags), facets);
  }

  private applyFtsWrites(): void {
    const writes = this.ftsWrites;
    if (writes === null || writes.size === 0) return;
    const rowids = [...writes.keys()].sort((a, b) => a - b);
    for (const rowid of rowids) if (writes.get(rowid)!.deleteOld) this.s.deleteChunk.run(rowid);
    for (const rowid of rowids) {
      const { insert } = writes.get(rowid)!;
      if (insert) this.insertFullText(rowid, insert);
    }
    writes.clear();
  }

  private insertChunks(rowid: number, row: DocumentRow, chunks: readonly ChunkRow[]): void {
    if (chunks.length === 0) return;
    const { title, tags, facets } = documentFields(this.sourceFacet(row.connectorId), row);
    const base = rowid * CHUNK_ROWID_SPAN;
    const count = Math.min(chunks.length, MAX_CHUNKS_PER_DOCUMENT);
    for (let i = 0; i < count; i++) {
      const { heading } = chunks[i];
      const body = withoutMarkers(chunks[i].body);
      this.ftsInsert(base + i, [title, heading, body, tags, facets]);
      this.s.insertChunkText.run(base + i, heading, body);
    }
  }

  /** Deletes a document's chunks; chunk_text says which rowids exist, so no count has to be trusted. */
  private deleteChunks(rowid: number): void {
    const base = rowid * CHUNK_ROWID_SPAN;
    const last = base + CHUNK_ROWID_SPAN - 1;
    for (const id of this.s.chunkIdsInRange.all(base, last) as number[]) this.ftsDelete(id);
    this.s.deleteChunkTextRange.run(base, last);
  }

  /**
   * One step of the index's idle-time upkeep (index-maintainer.ts), in its own transaction: a re-index while one is
   * pending, then compaction. Returns false when nothing was left to do.
   */
  maintenanceStep(pages: number): boolean {
    return this.reindexStep() || this.compactFullTextStep(pages);
  }

  /**
   * One step of the first pending re-index (REINDEX_PASSES), or false when none is pending. A re-index indexes again
   * the chunks that an older version indexed in another form (schema.ts, CJK_REINDEX_KEY, TEXT_REINDEX_KEY,
   * SCRIPT_REINDEX_KEY and LETTER_REINDEX_KEY): CJK text as whole clauses, text before normalising, Greek accents and
   * Indic words split at their marks, Arabic spellings and the nukta unfolded. Its mark holds the last chunk rowid
   * looked at, saved with each step's writes; the last step deletes it. Steps are bounded (chunks read, chunks
   * written, characters other than ASCII looked at), so an index of 100,000 CJK chunks (~15 s of writes) never holds
   * the thread for long, and its words are found as each part is done.
   */
  private reindexStep(): boolean {
    while (this.reindexesDone < REINDEX_PASSES.length) {
      const pass = REINDEX_PASSES[this.reindexesDone];
      const mark = this.s.getMeta.get(pass.key) as string | undefined;
      if (mark !== undefined) {
        this.transaction(() => this.reindexPassStep(pass, Number(mark) || 0));
        return true;
      }
      this.reindexesDone++;
      this.reindexed = 0;
    }
    return false;
  }

  private reindexPassStep(pass: ReindexPass, after: number): void {
    const rows = this.s.chunkTextAfter.all(after, REINDEX_SCAN) as ChunkTextRow[];
    let last = after;
    let writes = 0;
    let examined = 0;
    let doc = null as { rowid: number; fields: DocumentFtsFields | null; changed: boolean } | null;
    const changed = (text: string): boolean => {
      if (hasNonAscii(text)) examined += text.length;
      return pass.changed(text);
    };
    for (const chunk of rows) {
      if (writes === REINDEX_WRITES || examined >= REINDEX_EXAMINED_CHARS) break;
      last = chunk.id;
      const rowid = Math.floor(chunk.id / CHUNK_ROWID_SPAN);
      if (doc?.rowid !== rowid) {
        const stored = this.s.documentForReplace.get(rowid) as StoredReplaceFields | undefined;
        const fields = stored ? this.storedDocumentFields(stored) : null;
        doc = { rowid, fields, changed: fields !== null && (changed(fields.title) || changed(fields.tags)) };
      }
      if (!doc.fields) continue;
      const { title, tags, facets } = doc.fields;
      if (!doc.changed && !changed(chunk.heading) && !changed(chunk.body)) continue;
      this.ftsDelete(chunk.id);
      this.ftsInsert(chunk.id, [title, chunk.heading, chunk.body, tags, facets]);
      writes++;
    }
    this.reindexed += writes;
    const finished = rows.length < REINDEX_SCAN && last === (rows.at(-1)?.id ?? after);
    if (!finished) {
      this.s.setMeta.run(pass.key, String(last));
      return;
    }
    this.s.deleteMeta.run(pass.key);
    if (this.reindexed > 0)
      this.log.info(`store: indexed ${this.reindexed} chunks ${pass.what} again, for word search`);
  }

  /**
   * Recreates the full-text index from chunk_text and documents (a contentless FTS5 table cannot 'rebuild'
   * itself). Must run inside a transaction.
   */
  private rebuildFullTextIndex(): void {
    // The new index is built from chunk_text, which already holds every change of this transaction.
    this.ftsWrites?.clear();
    this.db.exec(`DROP TABLE IF EXISTS chunks; ${CHUNKS_FTS_SQL}; ${CHUNKS_FTS_SETTINGS_SQL}`);
    const page = this.db.prepare(
      `SELECT id, connector_id, title, doc_type, author, participants, tags, aliases
       FROM documents WHERE id > ? ORDER BY id LIMIT 500`,
    );
    for (let after = 0; ;) {
      const docs = page.all(after) as (StoredFtsFields & { id: number })[];
      if (docs.length === 0) break;
      for (const d of docs) {
        const fields = this.storedDocumentFields(d);
        const base = d.id * CHUNK_ROWID_SPAN;
        for (const c of this.s.chunkTextInRange.all(base, base + CHUNK_ROWID_SPAN - 1) as ChunkTextRow[]) {
          this.insertFullText(c.id, [fields.title, c.heading, c.body, fields.tags, fields.facets]);
        }
      }
      after = docs[docs.length - 1].id;
    }
  }

  // ── Checkpoints ─────────────────────────────────────────────────────────────────────────────────────────────

  getCheckpoint(connectorId: string): Checkpoint | null {
    const row = this.s.getCheckpoint.get(connectorId) as CheckpointRow | undefined;
    return row ? toCheckpoint(row) : null;
  }

  /** Inserts or replaces the connector's checkpoint. */
  saveCheckpoint(cp: Checkpoint): void {
    this.s.saveCheckpoint.run(
      cp.connectorId,
      cp.cursor,
      finiteOrNull(cp.watermark),
      finiteOrNull(cp.lastSuccessAt),
      finiteOrNull(cp.lastAttemptAt),
      cp.lastResult ? JSON.stringify(cp.lastResult) : null,
      cp.lastError ? JSON.stringify(cp.lastError) : null,
      cp.consecutiveFailures,
      cp.rootIdentity,
      cp.orphanScanDue ? 1 : 0,
    );
  }

  /**
   * Makes the next sync start from nothing: cursor, watermark and root identity are cleared, the manifest is
   * forgotten and quarantines are lifted, so every unit is read again. Indexed documents stay; unchanged ones are
   * then skipped by hash.
   */
  resetCheckpoint(connectorId: string): void {
    this.transaction(() => {
      this.s.resetCheckpoint.run(connectorId);
      this.s.clearManifest.run(connectorId);
      this.releaseQuarantine(connectorId, null);
    });
  }

  listCheckpoints(): Checkpoint[] {
    return (this.s.listCheckpoints.all() as CheckpointRow[]).map(toCheckpoint);
  }

  /**
   * Connector ids that own anything in the index: documents, or a checkpoint (and with it a manifest). A connector
   * removed with its index kept leaves these behind, and a new connector must not be given its id. Prepared here:
   * only a writable (migrated) store adds connectors.
   */
  connectorIdsWithData(): string[] {
    return this.db
      .prepare(
        'SELECT connector_id FROM connector_totals WHERE documents > 0 UNION SELECT connector_id FROM checkpoints',
      )
      .pluck()
      .all() as string[];
  }

  // ── Runs ────────────────────────────────────────────────────────────────────────────────────────────────────

  /** Records a run as 'running' and returns its id; the connector's oldest runs beyond 200 are dropped. */
  startRun(connectorId: string, trigger: RunTrigger, startedAt: number): number {
    return this.transaction(() => {
      const info = this.s.startRun.run(connectorId, trigger, startedAt, JSON.stringify(ZERO_COUNTS));
      this.s.pruneRuns.run({ connectorId, keep: RUNS_KEPT_PER_CONNECTOR });
      return Number(info.lastInsertRowid);
    });
  }

  /**
   * Adds what a batch of a run still going wrote to its recorded counts, in the batch's transaction: a run that the
   * process does not live to finish (SIGKILL, power loss) then shows in the history with what it did commit, not 0.
   */
  addRunProgress(runId: number, written: { added: number; updated: number; deleted: number; chunks: number }): void {
    const { added, updated, deleted, chunks } = written;
    if (added + updated + deleted + chunks === 0) return;
    this.s.addRunProgress.run({ id: runId, added, updated, deleted, chunks });
  }

  finishRun(
    runId: number,
    outcome: 'success' | 'failed' | 'cancelled',
    counts: SyncCounts,
    error: ConnectorError | null,
    endedAt: number,
  ): void {
    const { added, updated, deleted, unchanged, failed, chunks } = counts;
    this.s.finishRun.run(
      outcome,
      JSON.stringify({ added, updated, deleted, unchanged, failed, chunks }),
      error ? JSON.stringify(error) : null,
      endedAt,
      runId,
    );
  }

  /** The connector's most recent runs, newest first. */
  listRuns(connectorId: string, limit: number): RunRecord[] {
    const n = Math.max(0, Math.min(Math.floor(limit), RUNS_KEPT_PER_CONNECTOR));
    return (this.s.listRuns.all(connectorId, n) as RunRow[]).map((r) => ({
      id: r.id,
      connectorId: r.connector_id,
      trigger: r.run_trigger as RunTrigger,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      outcome: r.outcome as RunRecord['outcome'],
      counts: { ...ZERO_COUNTS, ...parseJson<Partial<SyncCounts>>(r.counts) },
      error: parseJson<ConnectorError>(r.error),
    }));
  }

  private markInterruptedRuns(): void {
    const error: ConnectorError = {
      code: INTERRUPTED_ERROR_CODE,
      message: 'Interrupted: the app stopped before this sync finished. Nothing was lost; it will run again.',
      at: Date.now(),
    };
    const changed = this.s.markInterruptedRuns.run(JSON.stringify(error)).changes;
    if (changed > 0) this.log.info(`store: ${changed} run(s) left running by the last session marked interrupted`);
  }

  // ── Item errors ─────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Records a per-item problem `seen` at that time by that run; on repeat, attempts grows and last_seen moves while
   * first_seen is kept. `unit` is given for a failed read of a whole unit that counts towards its quarantine (see
   * QUARANTINE_AFTER_FAILURES); `from` for an issue that a completed read of the unit reported, kept while the unit is
   * unchanged (clearItemErrorsNotSeenIn).
   */
  recordItemError(
    connectorId: string,
    issue: ItemIssue,
    seen: ItemErrorSeen,
    unit?: UnitVersion,
    from?: UnitVersion,
  ): void {
    const version = unit ?? from;
    this.s.recordItemError.run({
      connectorId,
      path: issue.path,
      code: issue.code,
      message: issue.message,
      severity: issue.severity,
      now: seen.at,
      runId: seen.run,
      unitKey: version?.key ?? null,
      fingerprint: version?.fingerprint ?? null,
      counts: unit ? 1 : 0,
    });
  }

  /**
   * The connector's quarantined units: unit key → the fingerprint their reads kept failing on. One query, loaded
   * with the manifest, so the engine's check per unit is a map lookup.
   */
  loadQuarantine(connectorId: string): Map<string, string> {
    const rows = this.s.loadQuarantine.all(connectorId, QUARANTINE_AFTER_FAILURES) as [string, string][];
    return new Map(rows);
  }

  /** A quarantined unit was found unchanged and skipped: its problem is still current (clearItemErrorsNotSeenIn). */
  touchQuarantined(connectorId: string, unit: UnitVersion, seen: ItemErrorSeen): void {
    // Whatever its streak now: a Retry pressed during the run released it, and it stays listed until it is read.
    this.s.touchQuarantined.run({ connectorId, ...unit, now: seen.at, runId: seen.run });
  }

  /**
   * Lifts the quarantine of the connector's items (or of the one at `path`): the next sync reads them again, and
   * they are quarantined again only after as many failed reads as the first time. Returns how many were lifted.
   */
  releaseQuarantine(connectorId: string, path: string | null): number {
    return this.s.releaseQuarantine.run({ connectorId, path, after: QUARANTINE_AFTER_FAILURES }).changes;
  }

  /**
   * An append pass read only the unit's new part: the issues its earlier reads reported are still current, so they
   * follow the unit to its new fingerprint (clearItemErrorsNotSeenIn keeps them while it stays).
   */
  carryItemErrors(connectorId: string, key: string, fingerprint: string): void {
    this.s.carryItemErrors.run({ connectorId, key, fingerprint });
  }

  /**
   * Drops the connector's item errors that run `runId` did not see (fixed or gone), except those a completed read
   * reported for a unit the manifest still holds at that fingerprint: an unchanged file is not read again, so its
   * warnings (bad UTF-8, malformed frontmatter, a message it could not parse) would otherwise vanish unfixed.
   */
  clearItemErrorsNotSeenIn(connectorId: string, runId: number): void {
    this.s.clearItemErrorsNotSeenIn.run({ connectorId, runId });
  }

  /** Item errors of one connector (or all when null): errors before warnings, most recent first. */
  listItemErrors(connectorId: string | null): ItemError[] {
    const rows = (
      connectorId === null ? this.s.listAllItemErrors.all() : this.s.listItemErrors.all(connectorId)
    ) as ItemErrorRow[];
    return rows.map((r) => {
      const quarantined = r.streak >= QUARANTINE_AFTER_FAILURES;
      return {
        connectorId: r.connector_id,
        path: r.path,
        code: r.code,
        message: quarantined ? `${r.message} ${quarantineNote(r.streak)}` : r.message,
        severity: r.severity === 'warning' ? 'warning' : 'error',
        firstSeen: r.first_seen,
        lastSeen: r.last_seen,
        attempts: r.attempts,
        quarantined,
      };
    });
  }

  hasItemError(connectorId: string, path: string): boolean {
    return this.s.hasItemError.get(connectorId, path) !== undefined;
  }

  /** The connector's listed problems: all of them, and how many are warnings (items indexed anyway). */
  countItemErrors(connectorId: string): { total: number; warnings: number } {
    return this.s.countItemErrors.get(connectorId) as { total: number; warnings: number };
  }

  // ── Whole connector ─────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Deletes everything the store holds for the connector (documents, chunks, manifest, checkpoint, runs, item
   * errors) in one transaction: afterwards no row of it is left and none of its text is findable.
   */
  removeConnector(connectorId: string): void {
    this.transaction(() => {
      const rowids = this.s.listConnectorDocumentRowids.all(connectorId) as number[];
      const removedChunks = this.counts(connectorId).chunks;
      const keptChunks = (this.s.totalChunks.get() as number) - removedChunks;
      // Deleting a chunk from the index costs about as much as inserting one (measured 0.5–1×): when little else
      // is indexed, rebuilding the index from what stays is cheaper than deleting what goes.
      const rebuild = removedChunks > 0 && keptChunks * 3 <= removedChunks;
      // Rowids of documents added together are contiguous, so most connectors are a handful of ranges.
      for (let i = 0; i < rowids.length;) {
        let j = i;
        while (j + 1 < rowids.length && rowids[j + 1] === rowids[j] + 1) j++;
        if (rebuild) {
          this.s.deleteChunkTextRange.run(rowids[i] * CHUNK_ROWID_SPAN, (rowids[j] + 1) * CHUNK_ROWID_SPAN - 1);
        } else {
          for (let k = i; k <= j; k++) this.deleteChunks(rowids[k]);
        }
        i = j + 1;
      }
      this.s.deleteConnectorDocuments.run(connectorId);
      // Its totals rows are at 0 now, and go with it. Prepared here, not with the other statements: a read-only store
      // of an index from before migration 10 has no such table (and never removes connectors).
      this.db.prepare('DELETE FROM connector_totals WHERE connector_id = ?').run(connectorId);
      if (rebuild) this.rebuildFullTextIndex();
      this.s.clearManifest.run(connectorId);
      this.s.deleteCheckpoint.run(connectorId);
      this.s.deleteRuns.run(connectorId);
      this.s.deleteItemErrors.run(connectorId);
    });
  }

  // ── Search ──────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Full-text search. Any text is accepted (see toFtsQuery); text with nothing searchable gives [].
   *
   * Returns at most one hit per document (its best chunk), ranked by BM25 with column weights
   * title ≫ tags > heading > body (lower score is better; ties by document rowid). Filters: `source` (connector
   * id), `docType`, `since`/`until` (inclusive, on the document timestamp; documents without one are excluded
   * when a bound is given). `limit` defaults to 20 (1–200), `offset` to 0. The snippet is plain text from the
   * best chunk's body; `highlights` are [start, end) UTF-16 ranges of the matched words in it.
   *
   * Bounded cost: when more than max(4,000, 20 × (offset + limit)) chunks match, only that many of the most
   * recently indexed matching chunks are ranked, plus the newest 400 that match in a title or tags (so a document
   * about the words is never left out for being old). Such a query is barely selective; this keeps it fast.
   *
   * A document counts as a whole: with several terms, the documents that have them in different chunks (the
   * sections of a long note, a mail and the message it quotes) follow those with them in one chunk (spreadMatches).
   */
  search(query: string, options: SearchOptions = {}): SearchHit[] {
    const { terms, excluded } = parseSearchQuery(query, this.widenPrefix);
    if (terms.length === 0) return [];
    const since = finiteOrNull(options.since);
    const until = finiteOrNull(options.until);
    const limit = clampInt(options.limit, DEFAULT_SEARCH_LIMIT, 1, MAX_SEARCH_LIMIT);
    const offset = clampInt(options.offset, 0, 0, MAX_SEARCH_OFFSET);
    const selective = this.selectiveFilters(options.source, options.docType);
    const plan: SearchPlan = {
      sourceFacet: options.source !== undefined && selective.source,
      typeFacet: options.docType !== undefined && selective.docType,
      sourceJoin: options.source !== undefined && !selective.source,
      typeJoin: options.docType !== undefined && !selective.docType,
      since: since !== null,
      until: until !== null,
      spans: this.s.hasDocumentSpans,
    };
    const facets: string[] = [];
    if (plan.sourceFacet) facets.push(`"${this.sourceFacet(options.source!)}"`);
    if (plan.typeFacet) facets.push(`"${typeFacet(options.docType!)}"`);
    const matching = (expression: string, without: readonly string[] = [], columns = CONTENT_COLUMNS): string => {
      let content = `${columns}: (${expression})`;
      if (without.length > 0) content = `(${content} NOT ${CONTENT_COLUMNS}: (${without.join(' OR ')}))`;
      return facets.length > 0 ? `{facets}: (${facets.join(' ')}) AND ${content}` : content;
    };
    // AND spelled out: FTS5 reads juxtaposition as AND between phrases only, not after an `(a OR b)` group.
    const params: Record<string, unknown> = { query: matching(terms.join(' AND '), excluded) };
    // The documents with the words in their title or tags are ranked whatever the cap on the other matches: the
    // newest 4,000 chunks that mention a common name must not push out the note that is about it.
    const titleParams = { titleQuery: matching(terms.join(' AND '), excluded, TITLE_COLUMNS) };
    if (plan.sourceJoin) params.source = options.source;
    if (plan.typeJoin) params.docType = options.docType;
    if (plan.since) params.since = since;
    if (plan.until) params.until = until;
    try {
      const rank = (page: { limit: number; offset: number }) =>
        this.searchStatementFor(plan).all({
          ...params,
          ...titleParams,
          candidates: Math.max(CANDIDATE_CHUNKS, (page.offset + page.limit) * 20),
          titleCandidates: TITLE_CANDIDATE_CHUNKS,
          ...page,
        }) as RankedChunk[];
      /** The hits from `start` on, at most `count`, before `-word` is applied to whole documents. */
      const rankedPage = (start: number, count: number): RankedChunk[] => {
        const page = rank({ limit: count, offset: start });
        if (terms.length < 2 || page.length >= count) return page;
        // Every document with all the words in one chunk is listed by now: then come those with them in different
        // chunks (a long note's sections, a mail and the reply it quotes).
        const inOneChunk = start === 0 ? page : rank({ limit: start + count, offset: 0 });
        const spread = this.spreadMatches(
          plan,
          params,
          terms.map((term) => ({ listing: matching(term), inDocument: `${CONTENT_COLUMNS}: (${term})` })),
          {
            exclude: new Set(inOneChunk.map((r) => r.doc)),
            skip: Math.max(0, start - inOneChunk.length),
            take: count - page.length,
          },
        );
        return [...page, ...spread];
      };
      let ranked: RankedChunk[];
      if (excluded.length === 0) {
        ranked = rankedPage(offset, limit);
      } else {
        // `-word`: the chunk that matched lacks it (NOT above); the document's other chunks must lack it too. The
        // page is cut from the documents left, so that one left out does not shorten it: a page of long notes that
        // all had the word in another section came back empty, "No results" while later matches had no such word.
        // Asked of one document that the filters let through already: its words alone.
        const without = `${CONTENT_COLUMNS}: (${excluded.join(' OR ')})`;
        const lacksIt = new Map<number, boolean>();
        const kept = (rows: RankedChunk[]) =>
          rows.filter(({ doc }) => {
            let lacks = lacksIt.get(doc);
            if (lacks === undefined) lacksIt.set(doc, (lacks = !this.documentMatches(doc, without)));
            return lacks;
          });
        let asked = (offset + limit) * 2;
        for (;;) {
          const rows = rankedPage(0, asked);
          const left = kept(rows);
          if (left.length >= offset + limit || rows.length < asked || asked >= MAX_EXCLUSION_SCAN) {
            ranked = left.slice(offset, offset + limit);
            break;
          }
          asked = Math.min(MAX_EXCLUSION_SCAN, asked * 4);
        }
      }
      const documents = new Map<number, DocumentHitRow>();
      for (const { doc, chunkRowid } of ranked) {
        const d = this.s.hitDocument.get(doc) as DocumentHitRow | undefined;
        if (d) documents.set(chunkRowid, d);
      }
      const snippets = this.snippetsFor(
        ranked.map((r) => r.chunkRowid),
        terms,
        pairedRuns(query),
        documents,
      );
      const hits: SearchHit[] = [];
      for (const { chunkRowid, score } of ranked) {
        const d = documents.get(chunkRowid);
        if (!d) continue;
        const { snippet, highlights } = snippets.bodies.get(chunkRowid) ?? { snippet: '', highlights: [] };
        hits.push({
          docId: `${d.connector_id}:${d.doc_id}`,
          title: d.title,
          titleHighlights: snippets.titles.get(chunkRowid) ?? [],
          source: d.connector_id,
          docType: d.doc_type as DocType,
          path: d.path,
          snippet,
          highlights,
          score,
          timestamp: d.timestamp,
          timestampEnd: d.timestamp_end,
          author: d.author,
        });
      }
      return hits;
    } catch (err) {
      this.noteCorruption(err);
      throw err;
    }
  }

  /**
   * The words a prefix query adds (PrefixWidener): of the prefix's completions, one per stem that a match on the
   * prefix misses, i.e. that does not begin with the prefix's own stem. A stem must keep the prefix's letters (the
   * stemmer changes at most the last one it keeps, happy → happi), so an odd completion never brings in a stranger.
   */
  private readonly widenPrefix = (prefix: string): string[] => {
    const words = prefixCompletions(prefix);
    if (words.length === 0) return [];
    const typed = prefix.toLowerCase();
    const stems = this.stemsOf([typed, ...words]);
    const own = stems[0] ?? typed;
    const seen = new Set<string>();
    const wider: string[] = [];
    words.forEach((word, i) => {
      const stem = stems[i + 1];
      if (stem === undefined || stem.length < 3 || stem.startsWith(own) || seen.has(stem)) return;
      if (!typed.startsWith(stem.slice(0, -1))) return;
      seen.add(stem);
      wider.push(word);
    });
    return wider;
  };

  /** The index tokenizer's stem of each word (one token each), by position. */
  private stemsOf(words: readonly string[]): (string | undefined)[] {
    const stems: (string | undefined)[] = [];
    this.s.insertStemProbe.run(words.join(' '));
    try {
      for (const { term, offset } of this.s.stemProbeTerms.all() as { term: string; offset: number }[]) {
        stems[offset] = term;
      }
    } finally {
      this.s.clearStemProbe.run();
    }
    return stems;
  }

  /**
   * Documents that have every term, though in different chunks, newest first (after `skip`, at most `take`, none of
   * `exclude`). Each term's newest matching chunks are listed, up to SPREAD_TERM_CHUNKS (a list scan, no ranking:
   * ~0.5 ms for that many, 200,000 chunks indexed); a term with no more than that is known in full, and the
   * documents are those of the smallest such list that every other full list has too. A term past it (a common
   * word) is asked per document (documentMatches, ~0.1 ms each), at most SPREAD_MAX_PROBES times in all: search
   * stays within milliseconds. With no term known in full nothing is added: such words nearly always meet in one
   * chunk somewhere, and the documents that have them are too many to tell apart this way.
   * The hit's chunk is one with the driving term, and its score 0, after every hit that has the words together.
   */
  private spreadMatches(
    plan: SearchPlan,
    params: Record<string, unknown>,
    termQueries: readonly { listing: string; inDocument: string }[],
    page: { exclude: ReadonlySet<number>; skip: number; take: number },
  ): RankedChunk[] {
    const termChunks = this.spreadStatementFor(plan);
    const docsOf = termQueries.map(({ listing: query }) => {
      const rows = termChunks.all({ ...params, query, candidates: SPREAD_TERM_CHUNKS + 1 }) as number[];
      return rows.length > SPREAD_TERM_CHUNKS ? null : { rows, docs: new Set(rows.map(docOfChunk)) };
    });
    let driver = -1;
    docsOf.forEach((list, i) => {
      if (list && (driver < 0 || list.docs.size < docsOf[driver]!.docs.size)) driver = i;
    });
    const found: RankedChunk[] = [];
    if (driver < 0) return found;
    const looked = new Set<number>();
    let skip = page.skip;
    let probes = 0;
    for (const chunkRowid of docsOf[driver]!.rows) {
      const doc = docOfChunk(chunkRowid);
      if (looked.has(doc) || page.exclude.has(doc)) continue;
      looked.add(doc);
      if (!docsOf.every((list) => list === null || list.docs.has(doc))) continue;
      const hasCommonTerms = termQueries.every(({ inDocument }, i) => {
        if (docsOf[i] !== null) return true;
        probes++;
        return this.documentMatches(doc, inDocument);
      });
      if (hasCommonTerms) {
        if (skip > 0) skip--;
        else found.push({ doc, chunkRowid, score: 0 });
      }
      if (found.length >= page.take || probes >= SPREAD_MAX_PROBES) break;
    }
    return found;
  }

  /**
   * Whether one of the document's chunks matches `expression` (columns and words, no filters: the document has passed
   * them). Its chunks are indexed alone in a scratch table and asked there: in the main index a word's rowids are read
   * from one end of its list up to the document (on 200,000 chunks, 1.5–6 ms for a word in 17,000–76,000 of them,
   * half of a three-word search's time), here a document's few chunks are tokenized (~0.1 ms).
   */
  private documentMatches(doc: number, expression: string): boolean {
    const d = this.s.documentProbeFields.get(doc) as StoredFtsFields | undefined;
    if (!d) return false;
    const fields = this.storedDocumentFields(d);
    const title = indexText(fields.title);
    const tags = indexText(fields.tags);
    const lo = doc * CHUNK_ROWID_SPAN;
    try {
      for (const c of this.s.chunkTextInRange.all(lo, lo + CHUNK_ROWID_SPAN - 1) as ChunkTextRow[]) {
        this.s.insertDocumentProbe.run(title, indexText(c.heading), indexText(c.body), tags);
      }
      return this.s.documentProbeMatches.get(expression) !== undefined;
    } finally {
      this.s.clearDocumentProbe.run();
    }
  }

  private spreadStatementFor(plan: SearchPlan): Statement {
    const key = planKey(plan);
    let statement = this.spreadStatementCache.get(key);
    if (!statement) {
      statement = this.db.prepare(buildSpreadSql(plan)).pluck();
      this.spreadStatementCache.set(key, statement);
    }
    return statement;
  }

  /**
   * Snippets for the page of hits only: their bodies go into the scratch FTS5 table, which is queried with the
   * terms ORed (the hit may have matched some terms in the title or tags only). A body matching none of them
   * gets its opening words, unhighlighted. The table indexes each body's words normalised as the index has them
   * (snippetText: "Straße" as "strasse"), in their places, and FTS5 cuts and highlights the body as written (with the
   * marks the index keeps inside a word shown as letters, so the word lights up whole, and then put back). The
   * query's runs in paired scripts (`paired`: CJK, Thai …) cannot match there, as the text shown is not split into
   * pairs: they are found as written, and a body with no other match shows the text around the first.
   */
  private snippetsFor(
    chunkRowids: readonly number[],
    terms: readonly string[],
    paired: readonly string[],
    /** The hits' documents by chunk rowid, whose titles are highlighted too. */
    documents: ReadonlyMap<number, { title: string }>,
  ): { bodies: Map<number, ParsedSnippet>; titles: Map<number, Highlight[]> } {
    const result = new Map<number, ParsedSnippet>();
    const titleHighlights = new Map<number, Highlight[]>();
    if (chunkRowids.length === 0) return { bodies: result, titles: titleHighlights };
    const bodies = new Map<number, string>();
    const shownOtherwise = new Set<number>();
    // A hit's title goes in under the negative of its chunk's rowid (chunk rowids are positive).
    const add = (id: number, text: string) => {
      const { shown, indexed } = snippetText(text);
      if (shown !== text) shownOtherwise.add(id);
      this.s.insertSnippetBody.run(id, shown);
      this.s.insertSnippetSource.run(id, indexed);
    };
    try {
      for (const id of chunkRowids) {
        const body = (this.s.chunkBody.get(id) as string | undefined) ?? '';
        bodies.set(id, body);
        if (body.length > 0) add(id, body);
        const title = documents.get(id)?.title;
        if (title) add(-id, title);
      }
      for (const [id, marked] of this.s.snippets.all(terms.join(' OR ')) as [number, string][]) {
        const parsed = parseSnippet(shownOtherwise.has(id) ? writtenSnippet(marked) : marked);
        if (id < 0) titleHighlights.set(-id, parsed.highlights);
        else result.set(id, parsed);
      }
    } finally {
      this.s.clearSnippetSource.run();
      this.s.clearSnippetBody.run();
    }
    for (const [id, body] of bodies) {
      const found = result.get(id);
      if (paired.length > 0) result.set(id, withPairedHighlights(found ?? pairedSnippet(body, paired), paired));
      else if (!found) result.set(id, { snippet: leadText(body), highlights: [] });
    }
    if (paired.length > 0) {
      for (const [id, { title }] of documents) {
        const found = { snippet: title, highlights: titleHighlights.get(id) ?? [] };
        titleHighlights.set(id, withPairedHighlights(found, paired).highlights);
      }
    }
    return { bodies: result, titles: titleHighlights };
  }

  private searchStatementFor(plan: SearchPlan): Statement {
    const key = planKey(plan);
    let statement = this.searchStatementCache.get(key);
    if (!statement) {
      statement = this.db.prepare(buildSearchSql(plan));
      this.searchStatementCache.set(key, statement);
    }
    return statement;
  }

  /** Which filters select few enough chunks to be applied as facet tokens (from the totals as they are now). */
  private selectiveFilters(
    source: string | undefined,
    docType: string | undefined,
  ): { source: boolean; docType: boolean } {
    if (source === undefined && docType === undefined) return { source: false, docType: false };
    let total = 0;
    let ofSource = 0;
    let ofType = 0;
    for (const [connectorId, type, chunks] of this.s.chunkTotals.all() as [string, string, number][]) {
      total += chunks;
      if (connectorId === source) ofSource += chunks;
      if (type === docType) ofType += chunks;
    }
    const limit = total * FACET_MAX_SHARE;
    return { source: source !== undefined && ofSource <= limit, docType: docType !== undefined && ofType <= limit };
  }

  private sourceFacet(connectorId: string): string {
    let facet = this.sourceFacets.get(connectorId);
    if (facet === undefined) {
      facet = sourceFacet(connectorId);
      this.sourceFacets.set(connectorId, facet);
    }
    return facet;
  }

  // ── Maintenance ─────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * SQLite quick_check (which includes FTS5's own check) plus, on a writable connection, FTS5's integrity-check
   * command. Damage is reported in the result, not thrown; other errors (BUSY…) are thrown. Reads the whole
   * file: not for hot paths. When damage is found, the next open checks the file again.
   */
  integrityCheck(): { ok: boolean; details: string } {
    const details: string[] = [];
    let ok: boolean;
    try {
      const problems = (this.db.pragma('quick_check', { simple: false }) as { quick_check: string }[]).map(
        (r) => r.quick_check,
      );
      ok = problems.length === 1 && problems[0] === 'ok';
      details.push(`quick_check: ${problems.slice(0, 20).join('; ')}`);
    } catch (err) {
      if (!isCorruption(err)) throw err;
      ok = false;
      details.push(`quick_check: ${errorText(err)}`);
    }
    if (this.readonly) {
      // The FTS5 check is written as an INSERT command, which a read-only connection refuses.
      details.push('full-text index: not checked separately (read-only connection)');
    } else {
      const problem = fullTextIndexProblem(this.db);
      if (problem !== null) ok = false;
      details.push(`full-text index: ${problem ?? 'ok'}`);
    }
    if (!ok) this.sawCorruption = true;
    return { ok, details: details.join('\n') };
  }

  private noteCorruption(err: unknown): void {
    if (isCorruption(err)) this.sawCorruption = true;
  }
}

function toCheckpoint(r: CheckpointRow): Checkpoint {
  return {
    connectorId: r.connector_id,
    cursor: r.cursor,
    watermark: r.watermark,
    lastSuccessAt: r.last_success_at,
    lastAttemptAt: r.last_attempt_at,
    lastResult: parseJson<RunResult>(r.last_result),
    lastError: parseJson<ConnectorError>(r.last_error),
    consecutiveFailures: r.consecutive_failures,
    rootIdentity: r.root_identity,
    orphanScanDue: r.orphan_scan_due !== 0,
  };
}
