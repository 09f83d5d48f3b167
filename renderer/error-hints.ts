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
