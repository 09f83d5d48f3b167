/**
 * Domain types shared by every process: the core (main process / daemon), the transports and the renderer.
 * Plain data only (JSON-serialisable): these cross IPC, HTTP and the CLI's --json output unchanged.
 */

export const CONNECTOR_KINDS = ['folder', 'obsidian', 'mbox', 'maildir', 'ics'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

export const DOC_TYPES = ['note', 'document', 'email', 'event', 'task'] as const;
export type DocType = (typeof DOC_TYPES)[number];

/**
 * What a connector is doing, as a person would describe it.
 * `queued`: due or requested, waiting for a free sync slot. `error`: the last run failed (a retry is scheduled).
 */
export type ConnectorState = 'idle' | 'queued' | 'syncing' | 'paused' | 'error';

/** Why a run started. `change`: files under the connector's path changed (the change watcher). */
export type RunTrigger = 'schedule' | 'manual' | 'catch-up' | 'retry' | 'first' | 'change';

/** Counts of one run. Documents and chunks are counted separately (upstream conflated them). */
export interface SyncCounts {
  added: number;
  updated: number;
  deleted: number;
  unchanged: number;
  failed: number;
  chunks: number;
}

export interface RunResult extends SyncCounts {
  durationMs: number;
}

export interface Progress {
  /** Source units (files, messages) finished in this run. */
  done: number;
  /** Units found so far by the enumeration; grows while the walk goes on. */
  found: number;
  /** True once enumeration has finished, so `found` is final. */
  foundAll: boolean;
  /**
   * About how many units the run will find, while the enumeration goes on: the units the last sync stored, or for a
   * first sync a quick count of the source's files. A first sync finds files only a few dozen ahead of the ones it
   * reads, so without this the total would trail the count of done ones all run long. Absent when unknown.
   */
  expected?: number;
  currentItem: string | null;
  startedAt: number;
  /**
   * How far the read of the current item has got, for an item read in parts (a mailbox file, in bytes); absent
   * otherwise. A run of one large mailbox would else show "0 / 1" from its start to its end.
   */
  part?: { done: number; total: number };
}

/** A connector as the user configured it (persisted in connectors.json). */
export interface ConnectorConfig {
  id: string;
  kind: ConnectorKind;
  name: string;
  /** Absolute path of the folder or file this connector reads. */
  path: string;
  /** Extra exclude globs, matched against the POSIX path relative to the root. */
  excludes: string[];
  /** Overrides the default interval when set. */
  intervalSeconds: number | null;
  paused: boolean;
  createdAt: number;
}

export interface ConnectorError {
  code: string;
  message: string;
  at: number;
}

/** One connector's live status: its config plus what the scheduler and store know. */
export interface ConnectorStatus extends ConnectorConfig {
  state: ConnectorState;
  /** Documents and chunks currently in the index for this connector. */
  documents: number;
  chunks: number;
  lastSuccessAt: number | null;
  lastAttemptAt: number | null;
  nextRunAt: number | null;
  lastResult: RunResult | null;
  /** Kept until a run succeeds. */
  lastError: ConnectorError | null;
  consecutiveFailures: number;
  /** Per-item problems listed for this connector (Problems view), errors and warnings. */
  itemErrors: number;
  /** Of itemErrors, the warnings: items that were indexed, but not perfectly (bad encoding, malformed frontmatter). */
  itemWarnings: number;
  progress: Progress | null;
}

/**
 * Why automatic syncs (scheduled, retries, file changes) are held back while "Sync now" still runs:
 * 'battery' = the machine is on battery power and the `pauseOnBattery` setting is on.
 */
export type HoldReason = 'battery';

/** The whole state snapshot that every front end renders. */
export interface AppState {
  /** The user paused everything ("Pause all"). */
  paused: boolean;
  /** Set while automatic syncs are held back without a pause; null otherwise. */
  holdReason: HoldReason | null;
  connectors: ConnectorStatus[];
  dataDir: string;
  dbPath: string;
  logsDir: string | null;
  /** Set when the store had to be rebuilt or a settings file was restored; shown once to the user. */
  notices: Notice[];
}

export interface Notice {
  id: string;
  level: 'info' | 'warning' | 'error';
  message: string;
  at: number;
}

export interface Settings {
  /** Default interval between syncs of a connector. */
  intervalSeconds: number;
  /** Files larger than this are skipped with E_TOO_LARGE. */
  maxFileSizeMb: number;
  pauseOnBattery: boolean;
  notifications: boolean;
  /** Watch connector paths and sync a few seconds after a change; the interval sync stays as the full reconcile. */
  watchForChanges: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  intervalSeconds: 3600,
  maxFileSizeMb: 10,
  pauseOnBattery: false,
  notifications: true,
  watchForChanges: true,
};

export interface SearchOptions {
  /** Connector id. */
  source?: string;
  docType?: DocType;
  /** Epoch ms bounds on the document timestamp. */
  since?: number;
  until?: number;
  limit?: number;
  offset?: number;
}

/** A highlighted range in a snippet: [start, end) in UTF-16 code units. */
export type Highlight = [number, number];

/** A document's end (SearchHit.timestampEnd) when it has none: a series that repeats without end. The latest Date. */
export const NO_END = 8_640_000_000_000_000;

export interface SearchHit {
  docId: string;
  title: string;
  /** The matched words in the title, as `highlights` marks them in the snippet. */
  titleHighlights: Highlight[];
  /** Connector id. */
  source: string;
  docType: DocType;
  path: string | null;
  /** Plain text; `highlights` marks the matched words. */
  snippet: string;
  highlights: Highlight[];
  /** BM25 score: lower is better (SQLite convention). */
  score: number;
  timestamp: number | null;
  /** When what it describes ends (an event, a repeating one's last occurrence; NO_END: never); null for a moment. */
  timestampEnd: number | null;
  author: string | null;
}

export interface RunRecord {
  id: number;
  connectorId: string;
  trigger: RunTrigger;
  startedAt: number;
  endedAt: number | null;
  outcome: 'success' | 'failed' | 'cancelled' | 'running';
  counts: SyncCounts;
  error: ConnectorError | null;
}

export interface ItemError {
  connectorId: string;
  path: string;
  code: string;
  message: string;
  severity: 'error' | 'warning';
  firstSeen: number;
  lastSeen: number;
  attempts: number;
  /**
   * The item's read failed several syncs in a row on an unchanged file, so syncs skip it until the file changes or
   * the user asks for a retry (its message says so).
   */
  quarantined: boolean;
}

export interface AddConnectorInput {
  kind: ConnectorKind;
  path: string;
  name?: string;
  excludes?: string[];
  intervalSeconds?: number | null;
}

export interface UpdateConnectorInput {
  name?: string;
  excludes?: string[];
  intervalSeconds?: number | null;
}

export const ZERO_COUNTS: SyncCounts = { added: 0, updated: 0, deleted: 0, unchanged: 0, failed: 0, chunks: 0 };
