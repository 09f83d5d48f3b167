/**
 * What a person can do about a connector failure, by error code, where the core's message says what went wrong
 * but not what to do. Codes whose messages already say it (SQLITE_*, ENOSPC, EMFILE) get no hint, and unknown
 * codes get none either: never a guess. A connector's path cannot be edited, so a moved source means remove + add.
 */
const HINTS: Record<string, string> = {
  E_ROOT_UNAVAILABLE:
    'If it is on a removable or network drive, connect it and press Retry. If it moved, remove this connector and add the new location. What is already indexed stays searchable meanwhile.',
  E_ROOT_UNREADABLE:
    'Check that Jarvis Sync may read it (file permissions; on macOS, Full Disk Access), then press Retry.',
  E_ROOT_NOT_A_DIRECTORY:
    'The path now points to something of the wrong kind. Remove this connector and add it again with the right path.',
  E_ROOT_INVALID:
    'The path now points to something of the wrong kind. Remove this connector and add it again with the right path.',
  ENOENT:
    'If it is on a removable or network drive, connect it and press Retry. If it moved, remove this connector and add the new location.',
  EACCES: 'Check that Jarvis Sync may read it (file permissions), then press Retry.',
  EPERM: 'Check that Jarvis Sync may read it (file permissions; on macOS, Full Disk Access), then press Retry.',
};

export function errorHint(code: string): string | null {
  return HINTS[code] ?? null;
}

/** The name, HTTP status and message of something a transport threw, as far as it has them. */
function errorParts(err: unknown): { name: string; status: number | null; message: string } {
  if (!err || typeof err !== 'object') return { name: '', status: null, message: typeof err === 'string' ? err : '' };
  const e = err as { name?: unknown; status?: unknown; message?: unknown };
  return {
    name: typeof e.name === 'string' ? e.name : '',
    status: typeof e.status === 'number' ? e.status : null,
    message: typeof e.message === 'string' ? e.message : '',
  };
}

/**
 * Whether a failed call failed on the link to the core rather than in the core: the headless dashboard's daemon
 * could not be reached, refused the page's token, or was stopping (renderer/web-api.ts: `WebApiError`). Such a
 * failure says nothing about the request itself, so its message is stale once the page is connected again.
 */
export function isConnectionError(err: unknown): boolean {
  const { name, status } = errorParts(err);
  return (
    name === 'NetworkError' ||
    name === 'Unauthorized' ||
    name === 'ServiceUnavailable' ||
    status === 0 ||
    status === 401 ||
    status === 503
  );
}

/**
 * What a person can do about a failed request (a search, a page of results), where the message says what went
 * wrong but not what to do: the index's database busy or damaged. The transport's own messages (daemon unreachable,
 * token refused) already say what to do, so they get none; neither does anything unknown.
 */
export function requestHint(err: unknown): string | null {
  const { message } = errorParts(err);
  if (/\b(?:database (?:table )?is locked|SQLITE_BUSY|SQLITE_LOCKED)\b/i.test(message)) {
    return 'The index is busy (another program may be writing to it). Try again in a moment.';
  }
  if (/\b(?:database disk image is malformed|file is not a database|SQLITE_CORRUPT|SQLITE_NOTADB)\b/i.test(message)) {
    return 'The index is damaged: Jarvis Sync sets it aside and rebuilds it from your files. Try again once that sync is done.';
  }
  return null;
}
