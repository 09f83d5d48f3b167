/**
 * Crash-safe JSON files with a last-known-good copy.
 * Writes go to a temp file, are fsynced and renamed over the target (then the folder is fsynced), so a crash
 * leaves either the old or the new file. `<file>.bak` holds the last file that was read or written successfully, and
 * is what a corrupt, unreadable or missing file is restored from; a corrupt file is moved aside to
 * `<file>.corrupt-<timestamp>` (an unreadable one to `<file>.unreadable-<timestamp>`)
 * and never silently overwritten. Defaults never replace an existing backup.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface LoadResult<T> {
  value: T;
  /** How the value was obtained; anything but 'file'/'missing' deserves a notice to the user. */
  source: 'file' | 'missing' | 'backup' | 'defaults';
  /** Plain-words description of what went wrong, when something did. */
  problem: string | null;
  quarantinedTo: string | null;
}

export class JsonFile<T> {
  constructor(
    readonly path: string,
    private readonly parse: (raw: unknown) => T,
    readonly defaults: () => T,
    /** What `save` writes for a value, when that is not the value itself. */
    private readonly serialize: (value: T) => unknown = (value) => value,
  ) {}

  /** Set while defaults are in use beside a backup that stayed in place: a save must not turn defaults into it. */
  #backupSpared = false;
  /** The file as this process last read or wrote it, to tell an edit made by someone else (readIfEdited). */
  #known: { text: string; stamp: string } | null = null;

  /**
   * The file's value when it was changed since this process last loaded or saved it (edited by hand, or by another
   * process), null when it was not (or is gone: the next save writes it again). A file that does not parse is left
   * where it is and reported: it may be half-written by an editor, and the next check reads it again.
   */
  readIfEdited(): { value: T } | { error: string } | null {
    let stamp: string;
    let text: string;
    try {
      stamp = fileStamp(this.path);
      if (stamp === this.#known?.stamp) return null;
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      return { error: `it could not be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
    }
    if (text === this.#known?.text) {
      this.#known = { text, stamp };
      return null;
    }
    const parsed = this.#tryParse(text);
    if (!parsed.ok) return { error: parsed.error };
    this.#known = { text, stamp };
    this.#refreshBackup(text);
    return { value: parsed.value };
  }

  #remember(text: string): void {
    try {
      this.#known = { text, stamp: fileStamp(this.path) };
    } catch {
      this.#known = null;
    }
  }

  /** Never throws for bad content: falls back to the backup, then to defaults, and says so. */
  load(now = Date.now()): LoadResult<T> {
    this.#backupSpared = false;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A deleted file (by the user, a sync tool, a disk cleanup) is no first run while its last good copy exists:
      // defaults here would be saved over that copy and the configuration lost for good.
      if (code === 'ENOENT') return this.#fallBack('was missing', null, now);
      // Unreadable (permissions, a lock, an I/O error, a folder in its place): running on defaults would let the
      // next save replace the file, and the next good load then replace the backup. So the file goes aside and the
      // last good copy is used, as for a corrupt file; where it cannot be moved, the caller runs on defaults and
      // they are never saved over the backup.
      const movedTo = `${this.path}.unreadable-${now}`;
      try {
        renameSync(this.path, movedTo);
      } catch {
        this.#backupSpared = true;
        throw err;
      }
      return this.#fallBack(`could not be read (${code ?? (err as Error).message})`, movedTo, now, 'unreadable file');
    }
    const primary = this.#tryParse(text);
    if (primary.ok) {
      this.#remember(text);
      this.#refreshBackup(text);
      return { value: primary.value, source: 'file', problem: null, quarantinedTo: null };
    }
    const quarantinedTo = `${this.path}.corrupt-${now}`;
    try {
      renameSync(this.path, quarantinedTo);
    } catch {
      // Keep going with the fallback even if the bad file cannot be moved (read-only folder).
    }
    return this.#fallBack(`was unreadable (${primary.error})`, quarantinedTo, now);
  }

  #fallBack(whatHappened: string, quarantinedTo: string | null, now: number, what = 'damaged file'): LoadResult<T> {
    const name = basename(this.path);
    const kept = quarantinedTo === null ? '' : ` The ${what} was kept as ${basename(quarantinedTo)}.`;
    let backupText: string | null;
    let backupError: string | null = null;
    try {
      backupText = readFileSync(`${this.path}.bak`, 'utf8');
    } catch (err) {
      backupText = null;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') backupError = (err as Error).message;
    }
    if (backupText === null && backupError === null && quarantinedTo === null) {
      return { value: this.defaults(), source: 'missing', problem: null, quarantinedTo: null };
    }
    const backup = backupText === null ? null : this.#tryParse(backupText);
    if (backup?.ok && backupText !== null) {
      // Restore means putting the good copy back: with the damaged file only moved aside, the next start would find
      // no file at all and silently fall back to defaults (every connector gone).
      try {
        writeAtomic(this.path, backupText);
        this.#remember(backupText);
      } catch {
        // A read-only folder: this run still uses the restored value.
      }
      return {
        value: backup.value,
        source: 'backup',
        problem: `${name} ${whatHappened}; the last good copy was restored.${kept}`,
        quarantinedTo,
      };
    }
    const backupProblem = backup && !backup.ok ? backup.error : backupError;
    if (backupProblem === null) {
      return {
        value: this.defaults(),
        source: 'defaults',
        problem: `${name} ${whatHappened} and no backup exists; defaults are in use.${kept}`,
        quarantinedTo,
      };
    }
    // The unusable backup goes aside like a damaged file: it may be the only copy left worth repairing by hand, and
    // the next save would otherwise make the defaults the "last good copy" over it.
    const backupKeptAs = `${this.path}.bak.corrupt-${now}`;
    let keptBackup: string;
    try {
      renameSync(`${this.path}.bak`, backupKeptAs);
      keptBackup = ` The unusable backup was kept as ${basename(backupKeptAs)}.`;
    } catch {
      this.#backupSpared = true;
      keptBackup = '';
    }
    return {
      value: this.defaults(),
      source: 'defaults',
      problem: `${name} ${whatHappened} and its backup is unusable too (${backupProblem}); defaults are in use.${kept}${keptBackup}`,
      quarantinedTo,
    };
  }

  /** Atomic replace; refreshes the backup with what was written. */
  save(value: T): void {
    const text = `${JSON.stringify(this.serialize(value), null, 2)}\n`;
    writeAtomic(this.path, text);
    this.#remember(text);
    if (!this.#backupSpared) this.#refreshBackup(text);
  }

  #tryParse(text: string): { ok: true; value: T } | { ok: false; error: string } {
    try {
      if (text.includes('\u0000')) return { ok: false, error: 'it contains zero bytes' };
      if (text.trim() === '') return { ok: false, error: 'it is empty' };
      return { ok: true, value: this.parse(JSON.parse(text)) };
    } catch (err) {
      return { ok: false, error: err instanceof SyntaxError ? 'it is not valid JSON' : (err as Error).message };
    }
  }

  #refreshBackup(text: string): void {
    // Most loads find the backup already holding the file (every save writes both): nothing to write then, so a
    // command that only reads (`status`, `search`) leaves the data folder as it was.
    if (this.#backupHolds(text)) return;
    try {
      writeAtomic(`${this.path}.bak`, text);
    } catch {
      // A missing backup only matters after a later corruption; not worth failing a save for.
    }
  }

  #backupHolds(text: string): boolean {
    try {
      return readFileSync(`${this.path}.bak`, 'utf8') === text;
    } catch {
      return false;
    }
  }
}

/** What changes when a file is replaced or written: its inode (an atomic save renames a new one in), size, mtime. */
function fileStamp(path: string): string {
  const st = statSync(path, { bigint: true });
  return `${st.ino}:${st.size}:${st.mtimeNs}`;
}

export function writeAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    // A full disk creates the temp file and then fails to write it: it must not stay behind, one per failed save.
    try {
      unlinkSync(tmp);
    } catch {
      // Never created (a read-only folder), or not ours to remove.
    }
    throw err;
  }
  try {
    const dirFd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
  }
}
