/**
 * What the desktop host adds to the contract (core/handlers.ts HostAdapters): the native picker, opening a file
 * or the logs folder in the OS, and start at login. `shell.openPath` can start a program, so it is only given
 * what the core chose and checked (core/open-file.ts: an indexed file, inside its connector, not runnable).
 */
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

export interface DesktopHostDeps {
  dialog: Pick<Dialog, 'showOpenDialog'>;
  shell: Pick<Shell, 'openPath'>;
  logsDir: string;
  /** The dashboard, as the picker's parent (so the dialog is modal to it). */
  window(): BrowserWindow | null;
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
    async openFile(locate) {
      await open(deps.shell, await locate());
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
