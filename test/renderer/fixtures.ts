/**
 * Test fixtures for the renderer: AppState builders for every connector state, and a fake JarvisApi whose methods
 * are vi.fn()s answering from an in-memory state, with `pushState` / `pushProgress` to play the core's pushes.
 */
import { vi } from 'vitest';
import type { Capabilities, ConnectionStatus, JarvisApi, ProgressEvent, SettingsView } from '../../shared/contract.js';
import type {
  AppState,
  ConnectorStatus,
  ItemError,
  Notice,
  Progress,
  RunRecord,
  SearchHit,
} from '../../shared/types.js';
import { DEFAULT_SETTINGS } from '../../shared/types.js';

const MINUTE = 60_000;
/**
 * The dashboard's clock may lag real time by up to a second (it is shared and refreshed lazily), so times are
 * placed 5 s further from "now" than asked: "5 min ago" and "in 55 min" read the same either way.
 */
const SLACK = 5_000;
export const minutesAgo = (m: number): number => Date.now() - m * MINUTE - SLACK;
export const inMinutes = (m: number): number => Date.now() + m * MINUTE - SLACK;

let nextId = 0;
const uid = (prefix: string): string => `${prefix}-${++nextId}`;

export function buildProgress(over: Partial<Progress> = {}): Progress {
  return {
    done: 340,
    found: 1200,
    foundAll: true,
    currentItem: 'Projects/plan.md',
    startedAt: minutesAgo(1),
    ...over,
  };
}

/** An idle connector that last synced 5 minutes ago and runs again in 55. */
export function buildConnector(over: Partial<ConnectorStatus> = {}): ConnectorStatus {
  return {
    id: over.id ?? uid('conn'),
    kind: 'folder',
    name: 'Notes',
    path: '/home/ada/Notes',
    excludes: [],
    intervalSeconds: null,
    paused: false,
    createdAt: minutesAgo(24 * 60),
    state: 'idle',
    documents: 1234,
    chunks: 5678,
    lastSuccessAt: minutesAgo(5),
    lastAttemptAt: minutesAgo(5),
    nextRunAt: inMinutes(55),
    lastResult: { added: 3, updated: 2, deleted: 1, unchanged: 1228, failed: 0, chunks: 40, durationMs: 3200 },
    lastError: null,
    consecutiveFailures: 0,
    itemErrors: 0,
    itemWarnings: 0,
    progress: null,
    ...over,
  };
}

export const idleConnector = (over: Partial<ConnectorStatus> = {}): ConnectorStatus => buildConnector(over);

export const syncingConnector = (over: Partial<ConnectorStatus> = {}): ConnectorStatus =>
  buildConnector({ state: 'syncing', progress: buildProgress(), lastAttemptAt: minutesAgo(1), ...over });

export const queuedConnector = (over: Partial<ConnectorStatus> = {}): ConnectorStatus =>
  buildConnector({ state: 'queued', ...over });

export const pausedConnector = (over: Partial<ConnectorStatus> = {}): ConnectorStatus =>
  buildConnector({ state: 'paused', paused: true, nextRunAt: null, ...over });

/** Failing three times in a row; its last success was 2 h ago. */
export const failingConnector = (over: Partial<ConnectorStatus> = {}): ConnectorStatus =>
  buildConnector({
    state: 'error',
    name: 'Mail',
    kind: 'maildir',
    path: '/home/ada/Maildir',
    lastSuccessAt: minutesAgo(120),
    lastAttemptAt: minutesAgo(2),
    nextRunAt: inMinutes(8),
    lastError: { code: 'EACCES', message: 'Permission denied: /home/ada/Maildir/cur', at: minutesAgo(2) },
    consecutiveFailures: 3,
    ...over,
  });

/** Added but never synced successfully: its only attempt failed. */
export const neverSyncedConnector = (over: Partial<ConnectorStatus> = {}): ConnectorStatus =>
  buildConnector({
    state: 'error',
    documents: 0,
    chunks: 0,
    lastSuccessAt: null,
    lastAttemptAt: minutesAgo(3),
    lastResult: null,
    lastError: { code: 'ENOENT', message: 'No such folder: /media/usb/Notes', at: minutesAgo(3) },
    consecutiveFailures: 1,
    ...over,
  });

export function buildState(over: Partial<AppState> = {}): AppState {
  return {
    paused: false,
    holdReason: null,
    connectors: [],
    dataDir: '/home/ada/.local/share/jarvis-sync',
    dbPath: '/home/ada/.local/share/jarvis-sync/index.sqlite',
    logsDir: '/home/ada/.local/state/jarvis-sync/logs',
    notices: [],
    ...over,
  };
}

export function buildNotice(over: Partial<Notice> = {}): Notice {
  return {
    id: uid('notice'),
    level: 'warning',
    message: 'The index was damaged and has been rebuilt.',
    at: minutesAgo(1),
    ...over,
  };
}

export function buildHit(over: Partial<SearchHit> = {}): SearchHit {
  return {
    docId: uid('doc'),
    title: 'Q3 plan',
    titleHighlights: [],
    timestampEnd: null,
    source: 'notes',
    docType: 'note',
    path: '/home/ada/Notes/Projects/plan.md',
    snippet: 'The project plan for Q3',
    highlights: [[12, 16]],
    score: -3.2,
    timestamp: Date.UTC(2025, 2, 14, 10, 0),
    author: null,
    ...over,
  };
}

let runId = 0;
export function buildRun(over: Partial<RunRecord> = {}): RunRecord {
  const startedAt = over.startedAt ?? minutesAgo(60);
  return {
    id: ++runId,
    connectorId: 'notes',
    trigger: 'schedule',
    startedAt,
    endedAt: startedAt + 4000,
    outcome: 'success',
    counts: { added: 2, updated: 3, deleted: 0, unchanged: 100, failed: 0, chunks: 12 },
    error: null,
    ...over,
  };
}

export function buildItemError(over: Partial<ItemError> = {}): ItemError {
  return {
    connectorId: 'notes',
    path: '/home/ada/Notes/broken.pdf',
    code: 'E_PARSE',
    message: 'Could not read the PDF: it is encrypted',
    severity: 'error',
    firstSeen: minutesAgo(60),
    lastSeen: minutesAgo(5),
    attempts: 2,
    quarantined: false,
    ...over,
  };
}

export const desktopCapabilities: Capabilities = {
  host: 'desktop',
  nativePicker: true,
  openPath: true,
  startAtLogin: true,
};
export const headlessCapabilities: Capabilities = {
  host: 'headless',
  nativePicker: false,
  openPath: false,
  startAtLogin: false,
};

export function buildSettingsView(over: Partial<SettingsView> = {}): SettingsView {
  return {
    settings: { ...DEFAULT_SETTINGS },
    startAtLogin: true,
    dataDir: '/home/ada/.local/share/jarvis-sync',
    logsDir: '/home/ada/.local/state/jarvis-sync/logs',
    ...over,
  };
}

export interface FakeApiInit {
  state?: AppState;
  capabilities?: Capabilities;
  settings?: SettingsView;
}

/** A JarvisApi made of vi.fn()s. Commands answer with the current state; nothing changes unless a test pushes. */
export function createFakeApi(init: FakeApiInit = {}) {
  let state = init.state ?? buildState();
  let settings = init.settings ?? buildSettingsView();
  const capabilities = init.capabilities ?? desktopCapabilities;
  const stateListeners = new Set<(s: AppState) => void>();
  const progressListeners = new Set<(e: ProgressEvent) => void>();
  // The headless dashboard's link to its daemon (web-api.ts); the Electron preload has none.
  const connectionListeners = new Set<(status: ConnectionStatus) => void>();

  const api = {
    getState: vi.fn<JarvisApi['getState']>(() => Promise.resolve(state)),
    getCapabilities: vi.fn<JarvisApi['getCapabilities']>(() => Promise.resolve(capabilities)),
    runNow: vi.fn<JarvisApi['runNow']>(() => Promise.resolve({ accepted: true })),
    pause: vi.fn<JarvisApi['pause']>(() => Promise.resolve(state)),
    resume: vi.fn<JarvisApi['resume']>(() => Promise.resolve(state)),
    cancel: vi.fn<JarvisApi['cancel']>(() => Promise.resolve({ accepted: true })),
    addConnector: vi.fn<JarvisApi['addConnector']>((input) =>
      Promise.resolve(buildConnector({ kind: input.kind, path: input.path, name: input.name ?? 'New' })),
    ),
    removeConnector: vi.fn<JarvisApi['removeConnector']>(() => Promise.resolve(state)),
    updateConnector: vi.fn<JarvisApi['updateConnector']>((id) =>
      Promise.resolve(state.connectors.find((c) => c.id === id) ?? buildConnector({ id })),
    ),
    checkPath: vi.fn<JarvisApi['checkPath']>(() => Promise.resolve({ ok: true, message: null })),
    previewExcludes: vi.fn<JarvisApi['previewExcludes']>(() => Promise.resolve(null)),
    getSettings: vi.fn<JarvisApi['getSettings']>(() => Promise.resolve(settings)),
    setSettings: vi.fn<JarvisApi['setSettings']>((patch) => {
      settings = { ...settings, settings: { ...settings.settings, ...patch } };
      return Promise.resolve(settings);
    }),
    setStartAtLogin: vi.fn<JarvisApi['setStartAtLogin']>((on) => {
      settings = { ...settings, startAtLogin: on };
      return Promise.resolve(settings);
    }),
    search: vi.fn<JarvisApi['search']>(() => Promise.resolve([])),
    history: vi.fn<JarvisApi['history']>(() => Promise.resolve([])),
    itemErrors: vi.fn<JarvisApi['itemErrors']>(() => Promise.resolve([])),
    retryItem: vi.fn<JarvisApi['retryItem']>(() => Promise.resolve({ accepted: true })),
    dismissNotice: vi.fn<JarvisApi['dismissNotice']>(() => Promise.resolve(state)),
    pickPath: vi.fn<JarvisApi['pickPath']>(() => Promise.resolve(null)),
    openItem: vi.fn<JarvisApi['openItem']>(() => Promise.resolve()),
    openLogs: vi.fn<JarvisApi['openLogs']>(() => Promise.resolve()),
    onStateChanged: vi.fn<JarvisApi['onStateChanged']>((listener) => {
      stateListeners.add(listener);
      return () => {
        stateListeners.delete(listener);
      };
    }),
    onProgress: vi.fn<JarvisApi['onProgress']>((listener) => {
      progressListeners.add(listener);
      return () => {
        progressListeners.delete(listener);
      };
    }),
    onConnectionChanged: (listener: (status: ConnectionStatus) => void) => {
      connectionListeners.add(listener);
      return () => void connectionListeners.delete(listener);
    },
  } satisfies JarvisApi;

  return {
    api,
    /** What getState and the commands answer from now on, without pushing it. */
    setState(next: AppState): void {
      state = next;
    },
    /** The core pushes a new snapshot (it also becomes what getState answers). */
    pushState(next: AppState): void {
      state = next;
      for (const l of [...stateListeners]) l(next);
    },
    pushProgress(connectorId: string, progress: Progress): void {
      for (const l of [...progressListeners]) l({ connectorId, progress });
    },
    /** The headless daemon's link drops, comes back, or refuses the page's token. */
    pushConnection(status: ConnectionStatus): void {
      for (const l of [...connectionListeners]) l(status);
    },
    listenerCount: () => stateListeners.size + progressListeners.size,
  };
}

export type FakeApi = ReturnType<typeof createFakeApi>;
