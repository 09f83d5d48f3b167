/** Small builders for AppState and friends, shared by the shell tests. */
import type { IpcMainInvokeEvent } from 'electron';
import { DEFAULT_SETTINGS, type AppState, type ConnectorStatus, type Settings } from '../../shared/types.js';

export const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
export const MIN = 60_000;

export function connector(overrides: Partial<ConnectorStatus> = {}): ConnectorStatus {
  return {
    id: 'notes',
    kind: 'folder',
    name: 'Notes',
    path: '/home/ada/Notes',
    excludes: [],
    intervalSeconds: null,
    paused: false,
    createdAt: NOW - 86_400_000,
    state: 'idle',
    documents: 1200,
    chunks: 3400,
    lastSuccessAt: NOW - 5 * MIN,
    lastAttemptAt: NOW - 5 * MIN,
    nextRunAt: NOW + 55 * MIN,
    lastResult: { added: 12, updated: 3, deleted: 1, unchanged: 1184, failed: 0, chunks: 40, durationMs: 900 },
    lastError: null,
    consecutiveFailures: 0,
    itemErrors: 0,
    itemWarnings: 0,
    progress: null,
    ...overrides,
  };
}

export function appState(connectors: ConnectorStatus[] = [], overrides: Partial<AppState> = {}): AppState {
  return {
    paused: false,
    holdReason: null,
    connectors,
    dataDir: '/home/ada/.config/Jarvis Sync',
    dbPath: '/home/ada/.config/Jarvis Sync/index.sqlite',
    logsDir: '/home/ada/.config/Jarvis Sync/logs',
    notices: [],
    ...overrides,
  };
}

export const settings = (overrides: Partial<Settings> = {}): Settings => ({ ...DEFAULT_SETTINGS, ...overrides });

/** The canonical mixed set used across tests: Notes idle, Mail failing, Calendar syncing. */
export const mail = (overrides: Partial<ConnectorStatus> = {}) =>
  connector({ id: 'mail', kind: 'mbox', name: 'Mail', path: '/home/ada/Mail/inbox.mbox', ...overrides });
export const calendar = (overrides: Partial<ConnectorStatus> = {}) =>
  connector({ id: 'calendar', kind: 'ics', name: 'Calendar', path: '/home/ada/cal.ics', ...overrides });

/** An IPC event as Electron would hand it to a handler. */
export function ipcEvent(url: string | null, opts: { subframe?: boolean } = {}): IpcMainInvokeEvent {
  const senderFrame = url === null ? null : { url, parent: opts.subframe ? { url, parent: null } : null };
  return { senderFrame, sender: { id: 1 }, processId: 1, frameId: 1 } as unknown as IpcMainInvokeEvent;
}
