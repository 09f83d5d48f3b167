/**
 * The one contract between the core and every front end. Channel names are its keys. The Electron IPC
 * handlers (electron/shell/ipc.ts), the preload (electron/preload.ts), the headless web bridge
 * (electron/headless/) and the renderer's API all derive from this file, so the transports cannot drift.
 */
import type {
  AddConnectorInput,
  AppState,
  ConnectorKind,
  ConnectorStatus,
  ItemError,
  Progress,
  RunRecord,
  SearchHit,
  SearchOptions,
  Settings,
  UpdateConnectorInput,
} from './types.js';

/** What the host can do: the desktop app has a native picker and can open files; a headless daemon cannot. */
export interface Capabilities {
  host: 'desktop' | 'headless';
  nativePicker: boolean;
  openPath: boolean;
  /** Start-at-login means nothing for a daemon. */
  startAtLogin: boolean;
}

export interface SettingsView {
  settings: Settings;
  /** The OS's word, not ours; null where it means nothing (headless, development builds). */
  startAtLogin: boolean | null;
  dataDir: string;
  logsDir: string | null;
}

export interface PathCheck {
  ok: boolean;
  /** Why the path cannot be used, in plain words; null when ok. */
  message: string | null;
}

/** What a list of exclude patterns would do to a connector's folder, shown before the list is saved. */
export interface ExcludePreview {
  /** Files in the folder that the connector's kind reads, before any pattern. */
  files: number;
  /** Of those, the ones the patterns leave out (by name, or in a folder they leave out). */
  leftOut: number;
  /** The first few of them, as paths from the folder. */
  leftOutExamples: string[];
  /** False when counting stopped at its time limit (a huge folder): the figures are then a lower bound. */
  complete: boolean;
}

export interface Accepted {
  accepted: boolean;
  /** Why a request was not accepted (e.g. "already syncing; one follow-up run queued"). */
  reason?: string;
}

/**
 * What the dashboard may ask the OS to open: a document of the index (`docId` as its search hit gives it) or a
 * listed problem (its connector and path, as `errors:list` gives them). Never a free path: the core looks the
 * file up in the index, so a compromised page cannot open what it likes.
 */
export type OpenTarget =
  { kind: 'document'; connectorId: string; docId: string } | { kind: 'problem'; connectorId: string; path: string };

/** renderer → core, request/response. A `connectorId` of null means "all connectors". */
export interface Invokes {
  'state:get': () => AppState;
  'app:capabilities': () => Capabilities;
  'sync:run-now': (connectorId: string | null) => Accepted;
  'sync:pause': (connectorId: string | null) => AppState;
  'sync:resume': (connectorId: string | null) => AppState;
  /** Stops a running sync without pausing: what it committed stays; the next run comes at the interval. */
  'sync:cancel': (connectorId: string | null) => Accepted;
  'connector:add': (input: AddConnectorInput) => ConnectorStatus;
  'connector:remove': (connectorId: string, options: { keepIndex: boolean }) => AppState;
  'connector:update': (connectorId: string, input: UpdateConnectorInput) => ConnectorStatus;
  'connector:check-path': (kind: ConnectorKind, path: string) => PathCheck;
  /** Null for a kind that reads no folder of files (an mbox or a calendar file), or a path it cannot read. */
  'connector:preview-excludes': (kind: ConnectorKind, path: string, excludes: string[]) => ExcludePreview | null;
  'settings:get': () => SettingsView;
  'settings:set': (patch: Partial<Settings>) => SettingsView;
  'settings:set-start-at-login': (on: boolean) => SettingsView;
  'search:query': (query: string, options: SearchOptions) => SearchHit[];
  'history:list': (connectorId: string, limit: number) => RunRecord[];
  'errors:list': (connectorId: string | null) => ItemError[];
  /** Reads the problem's item again now, even one no longer retried automatically (ItemError.quarantined). */
  'errors:retry': (connectorId: string, path: string) => Accepted;
  'notice:dismiss': (noticeId: string) => AppState;
  'dialog:pick-path': (kind: ConnectorKind) => string | null;
  /** Opens the target's file with the OS's default app; refuses programs and anything outside its connector. */
  'shell:open-item': (target: OpenTarget) => void;
  'shell:open-logs': () => void;
}

export interface ProgressEvent {
  connectorId: string;
  progress: Progress;
}

/** core → renderer, pushed. */
export interface Pushes {
  'state:changed': (state: AppState) => void;
  'sync:progress': (event: ProgressEvent) => void;
}

export type InvokeChannel = keyof Invokes;
export type PushChannel = keyof Pushes;
export type InvokeArgs<K extends InvokeChannel> = Parameters<Invokes[K]>;
export type InvokeResult<K extends InvokeChannel> = ReturnType<Invokes[K]>;

/** Method names of the renderer API, mapped to their channels. Preload and web bridge are built from this. */
export const API_METHODS = {
  getState: 'state:get',
  getCapabilities: 'app:capabilities',
  runNow: 'sync:run-now',
  pause: 'sync:pause',
  resume: 'sync:resume',
  cancel: 'sync:cancel',
  addConnector: 'connector:add',
  removeConnector: 'connector:remove',
  updateConnector: 'connector:update',
  checkPath: 'connector:check-path',
  previewExcludes: 'connector:preview-excludes',
  getSettings: 'settings:get',
  setSettings: 'settings:set',
  setStartAtLogin: 'settings:set-start-at-login',
  search: 'search:query',
  history: 'history:list',
  itemErrors: 'errors:list',
  retryItem: 'errors:retry',
  dismissNotice: 'notice:dismiss',
  pickPath: 'dialog:pick-path',
  openItem: 'shell:open-item',
  openLogs: 'shell:open-logs',
} as const satisfies Record<string, InvokeChannel>;

export const PUSH_METHODS = {
  onStateChanged: 'state:changed',
  onProgress: 'sync:progress',
} as const satisfies Record<string, PushChannel>;

type ApiMethods = typeof API_METHODS;
type PushMethods = typeof PUSH_METHODS;

/**
 * The API the renderer talks to (`window.jarvis` in Electron, the web bridge in headless mode).
 * Every call is async; every subscription returns its unsubscribe function.
 */
export type JarvisApi = {
  [M in keyof ApiMethods]: (...args: InvokeArgs<ApiMethods[M]>) => Promise<InvokeResult<ApiMethods[M]>>;
} & {
  [M in keyof PushMethods]: (listener: (...args: Parameters<Pushes[PushMethods[M]]>) => void) => () => void;
} & {
  /**
   * The headless dashboard's link to the daemon, which can stop or restart under an open page (the Electron preload
   * has none: its window lives and dies with the core). Told at once, then on every change.
   */
  onConnectionChanged?: (listener: (status: ConnectionStatus) => void) => () => void;
};

/**
 * 'connected': pushes arrive. 'reconnecting': the stream dropped or went silent (daemon stopped, machine asleep) and is
 * being reopened. 'refused': the daemon no longer accepts this page's token (it restarted: each start has a new one).
 */
export type ConnectionStatus = 'connected' | 'reconnecting' | 'refused';

/** The side that answers the contract: SyncService plus host adapters. Transports call this and nothing else. */
export type ContractHandlers = {
  [K in InvokeChannel]: (...args: InvokeArgs<K>) => InvokeResult<K> | Promise<InvokeResult<K>>;
};
