/**
 * The daemon's log file (`logs/daemon.log`), kept to two files of at most ~`maxBytes` each however long the daemon
 * runs: when a write takes the file past `maxBytes`, it becomes `daemon.1.log` (replacing the older one) and a new
 * `daemon.log` is started. A daemon runs for weeks, and a log rotated only at start grew by a line or three per sync.
 *
 * Each file is opened synchronously and handed to its stream as a descriptor, so the rename never races the stream's
 * own open: lines still queued on the old stream land in the renamed file, in order. Write errors are ignored (a full
 * disk must not stop the daemon for its log).
 */
import { createWriteStream, mkdirSync, openSync, renameSync, statSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

export const LOG_ROTATE_BYTES = 5 * 1024 * 1024;

export interface LogFile {
  write(text: string): void;
  /** Flushes and closes the file; `done` is called once everything written is on disk (or failed). */
  end(done?: () => void): void;
}

/** Opens `<dir>/<name>.log` for appending, creating `dir`; null when it cannot be opened. */
export function openLogFile(dir: string, name = 'daemon', maxBytes = LOG_ROTATE_BYTES): LogFile | null {
  const path = join(dir, `${name}.log`);
  const older = join(dir, `${name}.1.log`);
  const open = (): WriteStream => {
    const stream = createWriteStream(path, { fd: openSync(path, 'a') });
    stream.on('error', () => undefined);
    return stream;
  };
  let stream: WriteStream;
  let bytes = 0;
  let ended = false;
  try {
    mkdirSync(dir, { recursive: true });
    try {
      bytes = statSync(path).size;
      if (bytes > maxBytes) {
        renameSync(path, older);
        bytes = 0;
      }
    } catch {
      // No log yet.
    }
    stream = open();
  } catch {
    return null;
  }
  return {
    write(text) {
      if (ended) return; // a line logged while the daemon exits: the file is closed
      stream.write(text);
      bytes += Buffer.byteLength(text);
      if (bytes <= maxBytes) return;
      try {
        renameSync(path, older);
        const next = open();
        stream.end();
        stream = next;
        bytes = 0;
      } catch {
        // Cannot rotate now (the folder is read-only, the disk full): go on writing this file, and try again after
        // the next `maxBytes`.
        bytes = 0;
      }
    },
    end(done) {
      ended = true;
      stream.end(() => done?.());
    },
  };
}
