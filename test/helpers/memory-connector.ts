/**
 * An in-memory source for engine and service tests: units are plain objects the test edits between syncs,
 * with switches for the failures a real source produces (unreadable units, a vanished root, hangs, crashes).
 */
import type { ConnectorConfig } from '../../shared/types.js';
import {
  ItemReadError,
  SourceUnavailableError,
  type Connector,
  type ConnectorContext,
  type ConnectorKindModule,
  type ItemIssue,
  type ItemIssueCode,
  type ReadEvent,
  type SourceDocument,
  type SourceUnit,
  type UnitRead,
  type UnitRecord,
} from '../../electron/connectors/types.js';

export interface MemoryUnit {
  docs: (Pick<SourceDocument, 'id' | 'title' | 'content'> & Partial<SourceDocument>)[];
  version: number;
  /** Makes `read` throw ItemReadError with this code, or this error itself. */
  failWith?: ItemIssueCode | Error;
}

export class MemorySource {
  units = new Map<string, MemoryUnit>();
  rootIdentity = 'dev:1';
  rootAvailable = true;
  /** Unit keys enumeration reports as unreadable (kept, not deleted). */
  unreadablePrefixes: string[] = [];
  /** Called before each unit read; a test can throw or wait here to simulate a crash or hang. */
  beforeRead: ((key: string) => void | Promise<void>) | null = null;
  reads: string[] = [];
  lastCtx: ConnectorContext | null = null;

  setNote(key: string, text: string, title = key): void {
    const prev = this.units.get(key);
    this.units.set(key, { docs: [{ id: key, title, content: text }], version: (prev?.version ?? 0) + 1 });
  }
}

export function memoryConnector(id: string, source: MemorySource): Connector {
  return {
    id,
    kind: 'folder',
    displayName: id,
    isConnected: () => true,
    open(ctx) {
      source.lastCtx = ctx;
      if (!source.rootAvailable) {
        return Promise.reject(new SourceUnavailableError('E_ROOT_UNAVAILABLE', `The folder for ${id} is missing.`));
      }
      return Promise.resolve({ identity: source.rootIdentity });
    },
    async *enumerate(): AsyncGenerator<SourceUnit | ItemIssue> {
      for (const prefix of source.unreadablePrefixes) {
        yield {
          path: `/mem/${prefix}`,
          code: 'EACCES',
          message: 'permission denied',
          severity: 'error',
          keepPrefix: prefix,
        };
      }
      for (const [key, unit] of [...source.units]) {
        if (source.unreadablePrefixes.some((p) => key.startsWith(`${p}/`))) continue;
        await Promise.resolve();
        yield { key, path: `/mem/${key}`, fingerprint: `v${unit.version}`, size: 1 };
      }
    },
    async read(unit: SourceUnit, _previous: UnitRecord | null): Promise<UnitRead> {
      source.reads.push(unit.key);
      await source.beforeRead?.(unit.key);
      const u = source.units.get(unit.key);
      if (!u) throw new ItemReadError('E_VANISHED', `${unit.key} vanished`);
      if (u.failWith instanceof Error) throw u.failWith;
      if (u.failWith) throw new ItemReadError(u.failWith, `${unit.key}: ${u.failWith}`);
      const docs = u.docs.map((d) => ({ docType: 'note' as const, path: `/mem/${unit.key}`, ...d }));
      return {
        mode: 'replace',
        events: (async function* (): AsyncGenerator<ReadEvent> {
          for (const doc of docs) {
            await Promise.resolve();
            yield { type: 'doc', doc };
          }
        })(),
      };
    },
  };
}

/** A kind module over shared MemorySources, so a SyncService can be tested with in-memory connectors. */
export function memoryKind(sources: Map<string, MemorySource>): ConnectorKindModule {
  return {
    kind: 'folder',
    label: 'Memory',
    description: 'in-memory test source',
    pathType: 'directory',
    create(config: ConnectorConfig) {
      let source = sources.get(config.path);
      if (!source) {
        source = new MemorySource();
        sources.set(config.path, source);
      }
      return memoryConnector(config.id, source);
    },
    checkPath: (path: string) => Promise.resolve(path.startsWith('/mem') ? null : `${path} is not a memory path`),
  };
}
