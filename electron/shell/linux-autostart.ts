/**
 * Start at login on Linux: an XDG autostart entry, `$XDG_CONFIG_HOME/autostart/jarvis-sync.desktop`
 * (XDG_CONFIG_HOME defaults to ~/.config). Written atomically (temp file + rename), removed when turned off.
 * The file on disk is the truth: nothing is cached.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';

export const AUTOSTART_FILE_NAME = 'jarvis-sync.desktop';

export function autostartPath(env: NodeJS.ProcessEnv, home: string): string {
  // The spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const base = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(home, '.config');
  return join(base, 'autostart', AUTOSTART_FILE_NAME);
}

/** The program to start: the AppImage itself when run from one (its mount point changes every run). */
export function autostartExecutable(env: NodeJS.ProcessEnv, execPath: string): string {
  return env.APPIMAGE || execPath;
}

const RESERVED = /[\s"'\\><~|&;$*?#()`]/;

/**
 * Quotes one Exec argument per the Desktop Entry spec: an argument with a reserved character is put in double
 * quotes, with `"`, `` ` ``, `$` and `\` escaped by a backslash; `%` is doubled (field codes).
 */
export function quoteExecArg(arg: string): string {
  const escaped = arg.replace(/%/g, '%%');
  if (arg !== '' && !RESERVED.test(arg)) return escaped;
  return `"${escaped.replace(/["`$\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * Escapes a value of type string. Readers undo this before they parse the quoting, so a literal backslash inside
 * a quoted argument ends up as four backslashes in the file, as the spec says.
 */
export function escapeDesktopString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
}

export function desktopEntry(argv: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    'Name=Jarvis Sync',
    'Comment=Keeps a searchable index of your notes, mail and calendars up to date',
    `Exec=${escapeDesktopString(argv.map(quoteExecArg).join(' '))}`,
    'Icon=jarvis-sync',
    'Terminal=false',
    'Categories=Utility;',
    'X-GNOME-Autostart-enabled=true',
    // Starting a few seconds after login lets the panel's tray host come up first (nextcloud/desktop#105).
    'X-GNOME-Autostart-Delay=5',
    '',
  ].join('\n');
}

export interface LinuxAutostart {
  readonly path: string;
  isEnabled(): boolean;
  enable(): void;
  disable(): void;
  /** Rewrites an enabled entry whose contents are out of date (the app moved, an update renamed it). */
  refresh(): void;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** An entry the desktop will skip (`Hidden=true`, or GNOME's switch off) does not count as enabled. */
function entryIsActive(text: string): boolean {
  return !/^Hidden\s*=\s*true\s*$/im.test(text) && !/^X-GNOME-Autostart-enabled\s*=\s*false\s*$/im.test(text);
}

export function createLinuxAutostart(opts: { env: NodeJS.ProcessEnv; home: string; execPath: string }): LinuxAutostart {
  const path = autostartPath(opts.env, opts.home);
  const contents = () => desktopEntry([autostartExecutable(opts.env, opts.execPath), '--hidden']);
  const write = () => {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, contents(), { mode: 0o644 });
      renameSync(tmp, path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  };
  return {
    path,
    isEnabled() {
      const text = read(path);
      return text !== null && entryIsActive(text);
    },
    enable: write,
    disable() {
      rmSync(path, { force: true });
    },
    refresh() {
      const text = read(path);
      if (text !== null && entryIsActive(text) && text !== contents()) write();
    },
  };
}
