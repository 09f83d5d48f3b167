/**
 * Turns whatever a run threw into a ConnectorError a person can act on, and says whether retrying can help.
 * The messages are shown as-is in the dashboard, the tray and the CLI.
 */
import type { ConnectorError } from '../../shared/types.js';
import { SourceUnavailableError } from '../connectors/types.js';

/** A run failure with a stable code (the scheduler and UI read `code`). */
export class SyncFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'SyncFailure';
  }
}

const SQLITE_MESSAGES: Record<string, { message: string; retryable: boolean }> = {
  SQLITE_BUSY: {
    message: 'The index is busy: another program holds its write lock. Nothing was lost; the sync will retry.',
    retryable: true,
  },
  SQLITE_LOCKED: { message: 'The index is locked by another operation. The sync will retry.', retryable: true },
  SQLITE_FULL: {
    message: 'The disk is full, so the index could not be updated. Nothing was lost; free some space and retry.',
    retryable: true,
  },
  SQLITE_IOERR: {
    message: 'The disk reported an I/O error while updating the index. The sync will retry.',
    retryable: true,
  },
  SQLITE_READONLY: {
    message: 'The index is not writable (read-only file or folder). Check the data folder permissions.',
    retryable: false,
  },
  SQLITE_CANTOPEN: {
    message: 'The index file cannot be opened for writing. Check the data folder permissions.',
    retryable: false,
  },
  SQLITE_CORRUPT: { message: 'The index is damaged; it will be rebuilt from your files.', retryable: false },
  SQLITE_NOTADB: { message: 'The index file is not a database; it will be rebuilt from your files.', retryable: false },
};

function sqliteFamily(code: string): string | undefined {
  if (code in SQLITE_MESSAGES) return code;
  // better-sqlite3 reports extended codes such as SQLITE_IOERR_WRITE or SQLITE_READONLY_DBMOVED.
  return Object.keys(SQLITE_MESSAGES).find((family) => code.startsWith(`${family}_`));
}

export function classifyError(err: unknown): SyncFailure {
  if (err instanceof SyncFailure) return err;
  if (err instanceof SourceUnavailableError) return new SyncFailure(err.code, err.message, true);
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : '';
  const family = code ? sqliteFamily(code) : undefined;
  if (family) {
    const known = SQLITE_MESSAGES[family];
    return new SyncFailure(code, known.message, known.retryable);
  }
  if (code === 'ENOSPC') return new SyncFailure(code, SQLITE_MESSAGES.SQLITE_FULL.message, true);
  if (code === 'EMFILE' || code === 'ENFILE') {
    return new SyncFailure(code, 'Too many open files on this system; the sync will retry.', true);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new SyncFailure(code || 'E_SYNC_FAILED', message || 'The sync failed for an unknown reason.', true);
}

export function toConnectorError(err: unknown, at: number): ConnectorError {
  const f = classifyError(err);
  return { code: f.code, message: f.message, at };
}

/** Another connection held the lock SQLite waited for (extended codes included, e.g. SQLITE_BUSY_SNAPSHOT). */
export function isIndexBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && sqliteFamily(code) === 'SQLITE_BUSY';
}

/** What a sync (or, with `change`, another write) is refused with while another program holds the index's lock. */
export function indexBusyFailure(what: 'sync' | 'change'): SyncFailure {
  return new SyncFailure(
    'SQLITE_BUSY',
    what === 'sync'
      ? SQLITE_MESSAGES.SQLITE_BUSY.message
      : 'The index is busy: another program holds its write lock. Nothing was changed; try again once it lets go.',
    true,
  );
}

/** Database damage cannot be fixed by retrying: the service must rebuild the store. */
export function isStoreCorruption(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB'));
}
