/**
 * What the desktop host adds to the contract (core/handlers.ts HostAdapters): the native picker, opening a file
 * or the logs folder in the OS, and start at login. `openPath` is the one call that can start a program, so it
 * only opens paths inside a configured connector and never anything that runs.
 */
import { posix, win32 } from 'node:path';
import type { BrowserWindow, Dialog, OpenDialogOptions, Shell } from 'electron';
import type { HostAdapters } from '../core/handlers.js';
import type { ConnectorKind } from '../../shared/types.js';
import type { StartAtLogin } from './login-item.js';

/** Kinds whose source is a folder; the others are one file. */
const FOLDER_KINDS: ReadonlySet<ConnectorKind> = new Set(['folder', 'obsidian', 'maildir']);

export function pickerOptions(kind: ConnectorKind): OpenDialogOptions {
  if (FOLDER_KINDS.has(kind)) {
    return {
      title:
        kind === 'obsidian'
          ? 'Choose an Obsidian vault'
          : kind === 'maildir'
            ? 'Choose a Maildir folder'
            : 'Choose a folder',
      properties: ['openDirectory', 'dontAddToRecent'],
    };
  }
  const all = { name: 'All files', extensions: ['*'] };
  return kind === 'mbox'
    ? {
        title: 'Choose an mbox file',
        properties: ['openFile', 'dontAddToRecent'],
        filters: [{ name: 'Mailbox', extensions: ['mbox', 'mbx'] }, all],
      }
    : {
        title: 'Choose a calendar file',
        properties: ['openFile', 'dontAddToRecent'],
        filters: [{ name: 'Calendar', extensions: ['ics', 'ical', 'ifb', 'icalendar'] }, all],
      };
}

/** Extensions the OS would run rather than show. */
const RUNNABLE = new Set(
  '.exe .com .bat .cmd .msi .msp .msc .ps1 .psm1 .vbs .vbe .js .jse .wsf .wsh .wsc .hta .scr .cpl .lnk .pif .reg .url .jar .jnlp .gadget .inf .settingcontent-ms .iso .img .vhd .vhdx .docm .xlsm .pptm .app .command .sh .bash .zsh .py .pyw .pl .rb .scpt .applescript .action .desktop .appimage .run .bin .deb .rpm .pkg .dmg .workflow .terminal'.split(
    ' ',
  ),
);

/** True when `path` is absolute, inside one of `roots` (or one of them) and not a runnable file. */
export function isSafeToOpen(path: string, roots: readonly string[], platform: NodeJS.Platform): boolean {
  const paths = platform === 'win32' ? win32 : posix;
  if (!paths.isAbsolute(path)) return false;
  // The extension of what the OS will open: `Evil.app/.` is the bundle `Evil.app`, and Windows drops trailing dots
  // and spaces, so `evil.exe. ` runs `evil.exe`.
  const resolved = paths.resolve(path);
  const opened = platform === 'win32' ? resolved.replace(/[. ]+$/, '') : resolved;
  if (RUNNABLE.has(paths.extname(opened).toLowerCase())) return false;
  const fold = (p: string) => (platform === 'win32' || platform === 'darwin' ? p.toLowerCase() : p);
  const target = fold(resolved);
  return roots.some((root) => {
    const rel = paths.relative(fold(paths.resolve(root)), target);
    return rel === '' || (!rel.startsWith('..') && !paths.isAbsolute(rel));
  });
}

export interface DesktopHostDeps {
  dialog: Pick<Dialog, 'showOpenDialog'>;
  shell: Pick<Shell, 'openPath'>;
  platform: NodeJS.Platform;
  logsDir: string;
  /** The dashboard, as the picker's parent (so the dialog is modal to it). */
  window(): BrowserWindow | null;
  /** Roots of the configured connectors: the only places `openPath` may open. */
  connectorRoots(): string[];
  startAtLogin: StartAtLogin;
  /** Called after start at login was changed, with the OS's word (the tray re-renders its checkbox). */
  onStartAtLoginChanged?(on: boolean | null): void;
}

async function open(shell: Pick<Shell, 'openPath'>, path: string): Promise<void> {
  const problem = await shell.openPath(path);
  if (problem) throw new Error(`Could not open the file: ${problem}`);
}

export function createDesktopHost(deps: DesktopHostDeps): HostAdapters {
  return {
    capabilities: { host: 'desktop', nativePicker: true, openPath: true, startAtLogin: deps.startAtLogin.supported },
    logsDir: deps.logsDir,
    async pickPath(kind) {
      const parent = deps.window();
      const options = pickerOptions(kind);
      const result = parent
        ? await deps.dialog.showOpenDialog(parent, options)
        : await deps.dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    async openPath(path) {
      if (!isSafeToOpen(path, deps.connectorRoots(), deps.platform)) {
        throw new Error('Only files inside a synced folder can be opened, and never programs.');
      }
      await open(deps.shell, path);
    },
    openLogs: () => open(deps.shell, deps.logsDir),
    getStartAtLogin: () => deps.startAtLogin.get(),
    setStartAtLogin(on) {
      const now = deps.startAtLogin.set(on);
      deps.onStartAtLoginChanged?.(now);
      return now;
    },
  };
}
