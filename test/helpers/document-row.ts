import type { DocumentRow } from '../../electron/core/store.js';

/** A plausible document row for store-level tests; `overrides` changes what a test is about. */
export function documentRow(connectorId: string, docId: string, overrides: Partial<DocumentRow> = {}): DocumentRow {
  return {
    connectorId,
    docId,
    unitKey: docId,
    title: `Title of ${docId}`,
    docType: 'note',
    path: `/notes/${docId}`,
    author: null,
    participants: [],
    timestamp: 1_700_000_000_000,
    threadId: null,
    tags: [],
    aliases: [],
    links: [],
    metadataJson: null,
    contentHash: `hash-${docId}`,
    ...overrides,
  };
}
