import type { UnitRecord } from '../../electron/connectors/types.js';
import type { KnowledgeStore } from '../../electron/core/store.js';

/** Every unit the store records for the connector, as records by key (built from what a sync reads). */
export function manifestOf(store: KnowledgeStore, connectorId: string): Map<string, UnitRecord> {
  const { fingerprints, cursors } = store.loadManifestIndex(connectorId);
  const manifest = new Map<string, UnitRecord>();
  for (const [key, fingerprint] of fingerprints)
    manifest.set(key, { key, fingerprint, cursor: cursors.get(key) ?? null });
  return manifest;
}
