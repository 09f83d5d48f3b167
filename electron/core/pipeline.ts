/**
 * The IngestionPipeline turns a connector's documents into index writes: it decides, by content hash, whether a
 * document is new, changed or unchanged, and replaces a changed document's chunks as a whole.
 *
 * Upstream skipped every document id it had seen before, so edits never reached the index; here identity is
 * (connector id, document id) and change is a hash over every indexed field. Transactions are the caller's: the
 * engine wraps a batch of ingests in `store.transaction`, and each document write is atomic within it.
 */
import { hash } from 'node:crypto';
import type { SourceDocument } from '../connectors/types.js';
import { Chunker } from './chunker.js';
import { MAX_CHUNKS_PER_DOCUMENT, finiteOrNull } from './store.js';
import type { ChunkRow, DocumentRow, KnowledgeStore, StoredDocument, UnitDocument } from './store.js';

export type IngestOutcome = 'added' | 'updated' | 'unchanged';

export interface IngestResult {
  outcome: IngestOutcome;
  /** Chunks written for this document (0 when unchanged). */
  chunks: number;
}

/** Joins list items for hashing; a control character no tag, alias or address contains. */
const ITEM = '\u0001';

function list(values: readonly string[] | undefined): readonly string[] {
  return values ?? [];
}

/**
 * A document ready to be written: its row (with the content hash) and its chunks. Plain data, so the thread that
 * reads and parses can prepare it and another thread write it.
 */
export interface PreparedDocument {
  row: DocumentRow;
  chunks: ChunkRow[];
}

export class IngestionPipeline {
  private readonly store: KnowledgeStore;
  private readonly chunker: Chunker;

  constructor(store: KnowledgeStore, chunker: Chunker = new Chunker()) {
    this.store = store;
    this.chunker = chunker;
  }

  /** Indexes one document of `unitKey`: `write(prepare(…))`. */
  ingest(connectorId: string, unitKey: string, doc: SourceDocument): IngestResult {
    return this.write(this.prepare(connectorId, unitKey, doc));
  }

  /**
   * The CPU work of indexing a document, without touching the store: its content hash (over title, content, type,
   * tags, aliases, links, author, participants, timestamp, thread, path and metadata, and the chunker version) and
   * its chunks. The engine prepares documents as it parses them, so a writer thread only writes: on a first sync
   * that thread bounds the speed, while the one that parses has time to spare.
   */
  prepare(connectorId: string, unitKey: string, doc: SourceDocument): PreparedDocument {
    const metadataJson = doc.metadata && Object.keys(doc.metadata).length > 0 ? JSON.stringify(doc.metadata) : null;
    const tags = list(doc.tags);
    const aliases = list(doc.aliases);
    const links = list(doc.links);
    const participants = list(doc.participants);
    const timestamp = finiteOrNull(doc.timestamp);
    const timestampEnd = finiteOrNull(doc.timestampEnd);
    const fields = [
      `v${this.chunker.version}`,
      doc.docType,
      doc.title,
      doc.path ?? '',
      doc.author ?? '',
      timestamp === null ? '' : String(timestamp),
      doc.threadId ?? '',
      tags.join(ITEM),
      aliases.join(ITEM),
      links.join(ITEM),
      participants.join(ITEM),
      metadataJson ?? '',
      doc.content,
    ];
    // Only where there is one, so the hash of every document without it stays as it was before the field existed.
    if (timestampEnd !== null) fields.push(String(timestampEnd));
    // Length-prefixed, so text moving from one field to the next can never produce the same input. The one-shot
    // hash(): a Hash object per document cost ~8 µs more than hashing its ~2 KB.
    const contentHash = hash('sha1', fields.map((f) => `${f.length}:${f}`).join(''), 'base64url');
    const allChunks = this.chunker.chunk(doc);
    return {
      row: {
        connectorId,
        docId: doc.id,
        unitKey,
        title: doc.title,
        docType: doc.docType,
        path: doc.path,
        author: doc.author ?? null,
        participants,
        timestamp,
        ...(timestampEnd !== null ? { timestampEnd } : {}),
        threadId: doc.threadId ?? null,
        tags,
        aliases,
        links,
        metadataJson,
        contentHash,
      },
      // Only a document of over ~100 MB of text gets past the limit; its tail is not indexed rather than failing.
      chunks: allChunks.length > MAX_CHUNKS_PER_DOCUMENT ? allChunks.slice(0, MAX_CHUNKS_PER_DOCUMENT) : allChunks,
    };
  }

  /**
   * Writes a prepared document. Guarantees: 'unchanged' (same content hash as the indexed version) writes nothing,
   * except the unit key when the document moved to another unit. 'updated' replaces the old chunks, so the old text
   * stops being findable in the same commit the new text becomes findable. SQLite errors propagate unchanged.
   * `indexed`: the document as the caller already read it from the index in this transaction (by its unit), so it
   * is not looked up again; when omitted, it is looked up by id.
   */
  write({ row, chunks }: PreparedDocument, indexed?: StoredDocument): IngestResult {
    const existing = indexed ?? this.store.getDocument(row.connectorId, row.docId);
    if (existing && existing.contentHash === row.contentHash) {
      if (existing.unitKey !== row.unitKey) this.store.setDocumentUnit(existing.rowid, row.unitKey);
      return { outcome: 'unchanged', chunks: 0 };
    }
    if (existing) {
      this.store.replaceDocument(existing.rowid, row, chunks);
      return { outcome: 'updated', chunks: chunks.length };
    }
    this.store.insertDocument(row, chunks);
    return { outcome: 'added', chunks: chunks.length };
  }

  /**
   * Deletes the unit's documents whose ids are not in `keepDocIds` (all of them when it is omitted), with their
   * chunks. Returns how many documents were deleted. `listed`: the unit's documents as the caller read them in this
   * transaction, when no write since has moved a document out of the unit.
   */
  removeUnit(
    connectorId: string,
    unitKey: string,
    keepDocIds?: ReadonlySet<string>,
    listed?: readonly UnitDocument[],
  ): number {
    let deleted = 0;
    for (const d of listed ?? this.store.listUnitDocuments(connectorId, unitKey)) {
      if (keepDocIds?.has(d.docId)) continue;
      this.store.deleteDocument(d.rowid, d.chunkCount);
      deleted++;
    }
    return deleted;
  }

  /** Deletes one document and its chunks; false when it was not indexed. */
  removeDocument(connectorId: string, docId: string): boolean {
    const existing = this.store.getDocument(connectorId, docId);
    if (!existing) return false;
    this.store.deleteDocument(existing.rowid, existing.chunkCount);
    return true;
  }
}
