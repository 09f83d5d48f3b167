/**
 * SyncService: the one facade every front end uses (Electron IPC, the headless web bridge, the CLI).
 * It owns the data folder (lock, index, settings, connectors), the engine and the scheduler; it publishes a
 * state snapshot and throttled progress, and takes commands. It contains no transport.
 */
import { existsSync } from 'node:fs';
import type { Accepted, ExcludePreview, OpenTarget, PathCheck, ProgressEvent } from '../../shared/contract.js';
import { Emitter } from '../../shared/emitter.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { parseSettingsPatch, parseStoredSettings } from '../../shared/settings.js';
import {
  DEFAULT_SETTINGS,
  type AddConnectorInput,
  type AppState,
  type ConnectorConfig,
  type ConnectorKind,
  type ConnectorState,
  type ConnectorStatus,
  type ItemError,
  type Notice,
  type Progress,
  type RunRecord,
  type RunResult,
  type SearchHit,
  type SearchOptions,
  type Settings,
  type UpdateConnectorInput,
} from '../../shared/types.js';
import { createKindRegistry, type KindRegistry } from '../connectors/registry.js';
import type { Connector, ConnectorKindModule } from '../connectors/types.js';
import { SyncCancelledError, isCancellation } from './abort.js';
import { ChangeWatcher, type ChangeWatcherOptions, type WatchOptions } from './change-watcher.js';
import { systemClock, type Clock } from './clock.js';
import {
  emptyConnectorsFile,
  checkedExcludes,
  checkedName,
  checkInterval,
  newConnectorConfig,
  overlapProblem,
  parseConnectorsFile,
  serializeConnectorsFile,
  UserInputError,
  type ConnectorsFile,
} from './connector-config.js';
import {
  acquireDataDirLock,
  dataDirWriter,
  dataPaths,
  ensurePrivateDataDir,
  type DataDirLock,
  type LockInfo,
  type LockOwner,
} from './data-dir.js';
import { SyncEngine } from './engine.js';
import { classifyError, indexBusyFailure, isIndexBusy, isStoreCorruption, toConnectorError } from './errors.js';
import { JsonFile, type LoadResult } from './json-file.js';
import { OpenRefusedError, checkFileToOpen, fileOfProblem } from './open-file.js';
import { IngestionPipeline } from './pipeline.js';
import { SCHEDULER_DEFAULTS, SyncScheduler, type SchedulerOptions, type SyncRunner } from './scheduler.js';
import { KnowledgeStore } from './store.js';
import { WriterThread, prepareWriterThread } from './writer-thread.js';
import { IndexMaintainer } from './index-maintainer.js';

/** The data folder or index cannot be written (permissions, read-only file or mount). */
function isNotWritable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return ['EACCES', 'EPERM', 'EROFS'].includes(code) || /^SQLITE_(READONLY|CANTOPEN)/.test(code);
}

export { UserInputError } from './connector-config.js';
export { DataDirLockedError } from './data-dir.js';

export interface ServiceOpenOptions {
  dataDir: string;
  createLogger?: (scope: string) => Logger;
  /** Read-only: no lock, no scheduler, no writes (CLI status/search while the app runs). */
  readonly?: boolean;
  owner?: LockOwner;
  clock?: Clock;
  scheduler?: Omit<SchedulerOptions, 'intervalSeconds' | 'clock' | 'log'>;
  /** Source kinds; tests inject extra ones. */
  kinds?: readonly ConnectorKindModule[];
  /**
   * Change watching (the `watchForChanges` setting turns it on and off). Its timers run on `watch.clock`, default
   * the real clock (not `clock`: a quiet period on disk is real time even when a test runs the scheduler faster).
   */
  watch?: Pick<ChangeWatcherOptions, 'debounceMs' | 'maxWaitMs' | 'clock' | 'mode'>;
  /** Minimum time between two state pushes. */
  pushIntervalMs?: number;
  logsDir?: string | null;
  /**
   * Where batches are committed. 'auto' (default): on this thread, except bulk runs — a connector's first sync past
   * 100 documents, or any run past 2,000 — which move to a writer thread with its own connection (writer-thread.ts):
   * the next batch is parsed while one is written, on the second core (BENCHMARKS.md, change 22). 'inline': always on
   * this thread. 'thread': always on the writer thread. The environment variable JARVIS_SYNC_WRITER sets the default.
   */
  writer?: WriterMode;
  /** The writer thread's bundled entry file (the Electron app passes out/main/writer-worker.js). */
  writerEntry?: string;
  /**
   * While another program holds the index's write lock (it did when the service opened it), how often to try to take
   * it, besides before every sync and write.
   */
  indexLockRetryMs?: number;
}

export type WriterMode = 'auto' | 'inline' | 'thread';

function writerModeFromEnv(): WriterMode {
  const v = process.env.JARVIS_SYNC_WRITER;
  return v === 'inline' || v === 'thread' ? v : 'auto';
}

/**
 * Documents per batch with the writer thread. Larger batches make each document's write cheaper (fewer commits and
 * segment merges: 5,000 notes at 100 a batch took ~25 % longer to write than at 500) and block nobody there; this
 * bounds the memory of the batch being filled and the one being written, and how much a crash makes redo.
 */
const THREAD_BATCH_MAX_DOCS = 500;

const INDEX_LOCK_RETRY_MS = 30_000;
/**
 * How long a try to take a held write lock waits for it: not at all. SQLite waits by sleeping on the thread that
 * answers the dashboard and the tray, and the lock is tried again soon anyway.
 */
const INDEX_LOCK_TRY_TIMEOUT_MS = 0;
/** How often a running service looks for an edit of connectors.json (a stat; the file is read only when it changed). */
const CONNECTORS_EDIT_CHECK_MS = 3_000;
/** Notices kept until dismissed; past this many, the oldest go. */
const MAX_NOTICES = 20;
/** How long previewExcludes counts files before answering with what it has: a dialog waits for it. */
const EXCLUDE_PREVIEW_MS = 3_000;
/** How long the read-only open that stands in for the locked index waits for a lock. */
const INDEX_READ_FALLBACK_TIMEOUT_MS = 250;

export class ReadOnlyServiceError extends Error {
  constructor() {
    super('This command needs to write the data folder, which is opened read-only here.');
    this.name = 'ReadOnlyServiceError';
  }
}

/** A settings file that could not be written; the change it was for was not made. */
export class SettingsNotSavedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsNotSavedError';
  }
}

function settingsNotSaved(path: string, err: unknown): SettingsNotSavedError {
  const code = (err as { code?: unknown } | null)?.code;
  const why =
    code === 'ENOSPC'
      ? 'the disk is full'
      : code === 'EROFS'
        ? 'the disk is read-only'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : err instanceof Error
            ? err.message
            : String(err);
  return new SettingsNotSavedError(`Nothing was changed: ${path} could not be saved (${why}).`);
}

export interface SyncReport {
  results: Record<string, RunResult>;
  failures: Record<string, string>;
  cancelled: boolean;
}

/** What a connector's status counts in the index, cached until its next write. */
type ConnectorCounts = Pick<ConnectorStatus, 'documents' | 'chunks' | 'itemErrors' | 'itemWarnings'>;

type Events = {
  state: (state: AppState) => void;
  progress: (event: ProgressEvent) => void;
};

export class SyncService {
  readonly events = new Emitter<Events>();
  readonly paths: ReturnType<typeof dataPaths>;
  readonly readonly: boolean;
  /**
   * For a read-only service: the app, daemon or CLI sync that has the data folder open meanwhile. Its syncs change
   * what this one reads, and a run of it still going shows as "syncing" (the runs table has it as running).
   */
  readonly writerElsewhere: LockInfo | null;

  readonly #log: Logger;
  #store: KnowledgeStore;
  #engine: SyncEngine;
  /** Commits the engine's batches; null when they are written on this thread. Belongs to #store. */
  #writer: WriterThread | null = null;
  readonly #writerMode: WriterMode;
  readonly #writerEntry: string | undefined;
  readonly #createLogger: (scope: string) => Logger;
  #recoveryWanted = false;
  #lastRecoveryAt = 0;
  /**
   * Non-null while another program holds the index's write lock, which it did when the service opened the index:
   * #store is then read-only (search still answers), and #takeIndexLock reopens it writable once the lock is free.
   */
  #lockWait: { noticeId: string; timer: ReturnType<typeof setInterval>; lastProblem: string } | null = null;
  readonly #indexLockRetryMs: number;
  #activeSyncs = 0;
  /** Finishes the full-text index's merges in idle time (index-maintainer.ts); null for a read-only service. */
  readonly #maintainer: IndexMaintainer | null;
  readonly #scheduler: SyncScheduler | null;
  readonly #kinds: KindRegistry;
  readonly #lock: DataDirLock | null;
  readonly #settingsFile: JsonFile<Settings>;
  readonly #connectorsFile: JsonFile<ConnectorsFile>;
  /** What the last parse of connectors.json could not use as written (noticeConnectorProblems). */
  #connectorProblems: string[] = [];
  /** Looks for edits of connectors.json made while this service runs (adoptConnectorsEdit). */
  #editCheck: NodeJS.Timeout | null = null;
  /** The last edit of connectors.json that could not be read, noticed once. */
  #unreadableEdit: string | null = null;
  readonly #now: () => number;
  readonly #pushIntervalMs: number;
  readonly #logsDir: string | null;
  #settings: Settings;
  #config: ConnectorsFile;
  #connectors = new Map<string, Connector>();
  #notices: Notice[] = [];
  /** Notices ever made: numbers their ids, which stay unique after some are dismissed or withdrawn. */
  #noticesMade = 0;
  #countsCache = new Map<string, ConnectorCounts>();
  #pushTimer: ReturnType<typeof setTimeout> | null = null;
  #lastPushAt = 0;
  #lastProgressPush = new Map<string, number>();
  #onBattery = false;
  #heldOnBattery = false;
  #started = false;
  #stopped = false;
  readonly #watchOptions: ServiceOpenOptions['watch'];
  /** Non-null while started with `watchForChanges` on. */
  #watcher: ChangeWatcher | null = null;

  private constructor(opts: ServiceOpenOptions, lock: DataDirLock | null, lockProblem: Error | null) {
    const createLogger = opts.createLogger ?? (() => silentLogger);
    this.#createLogger = createLogger;
    this.#log = createLogger('service');
    this.readonly = opts.readonly ?? false;
    this.paths = dataPaths(opts.dataDir);
    this.writerElsewhere = this.readonly ? dataDirWriter(opts.dataDir) : null;
    this.#lock = lock;
    this.#now = opts.clock ? () => opts.clock!.now() : Date.now;
    this.#pushIntervalMs = opts.pushIntervalMs ?? 100;
    this.#logsDir = opts.logsDir ?? null;
    this.#watchOptions = opts.watch;
    this.#kinds = createKindRegistry(opts.kinds);
    this.#writerMode = opts.writer ?? writerModeFromEnv();
    this.#writerEntry = opts.writerEntry;

    // Values the file holds but this version cannot use (out of range, wrong type, unknown): of the copy loaded.
    let settingsProblems: string[] = [];
    this.#settingsFile = new JsonFile(
      this.paths.settings,
      (raw) => {
        if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
          throw new Error('it does not hold an object');
        const parsed = parseStoredSettings(raw);
        settingsProblems = parsed.problems;
        return parsed.settings;
      },
      () => ({ ...DEFAULT_SETTINGS }),
    );
    this.#connectorsFile = new JsonFile(
      this.paths.connectors,
      (raw) => {
        this.#connectorProblems = [];
        return parseConnectorsFile(raw, this.#connectorProblems);
      },
      emptyConnectorsFile,
      serializeConnectorsFile,
    );
    this.#settings = this.#loadFile(this.#settingsFile);
    if (settingsProblems.length > 0) {
      // A hand-edited or older settings file: say which values were not taken, rather than change them silently.
      this.#notice(
        'warning',
        `Some settings in ${this.paths.settings} could not be used (${settingsProblems.join('; ')}); ` +
          'those use the nearest allowed value or their default.',
      );
    }
    this.#config = this.#loadFile(this.#connectorsFile);
    this.#noticeConnectorProblems();

    this.#indexLockRetryMs = opts.indexLockRetryMs ?? INDEX_LOCK_RETRY_MS;
    this.#store = this.#openStore(createLogger('store'), lockProblem);
    this.#noticeRecovery();
    this.#engine = this.#createEngine();

    for (const config of this.#config.connectors) this.#instantiate(config);

    if (this.readonly) {
      this.#scheduler = null;
      this.#maintainer = null;
      return;
    }
    this.#maintainer = new IndexMaintainer({
      store: () => this.#store,
      busy: () => this.#activeSyncs > 0,
      log: createLogger('maintenance'),
    });
    // A sync interrupted by a quit, or an older version, may have left merges for this process to finish.
    this.#maintainer.kick();
    const runner: SyncRunner = {
      sync: (connector, o) => this.#tracked(() => this.#engine.sync(this.#connectorOrThrow(connector.id), o)),
      lastSuccessAt: (id) => this.#engine.lastSuccessAt(id),
      consecutiveFailures: (id) => this.#engine.consecutiveFailures(id),
      lastAttemptAt: (id) => this.#engine.lastAttemptAt(id),
      lastError: (id) => this.#engine.lastError(id),
    };
    this.#scheduler = new SyncScheduler(runner, {
      ...opts.scheduler,
      // A connector never synced (added with the CLI) is indexed soon after start, not an interval later.
      firstRunDelayMs:
        opts.scheduler?.firstRunDelayMs === undefined
          ? (opts.scheduler?.catchUpDelayMs ?? SCHEDULER_DEFAULTS.catchUpDelayMs)
          : opts.scheduler.firstRunDelayMs,
      intervalSeconds: this.#settings.intervalSeconds,
      clock: opts.clock,
      log: createLogger('scheduler'),
    });
    if (this.#config.paused) this.#scheduler.pause(null);
    for (const config of this.#config.connectors) {
      const connector = this.#connectors.get(config.id);
      if (connector) this.#scheduler.add(connector, { intervalSeconds: config.intervalSeconds, paused: config.paused });
    }
    this.#scheduler.events.on('changed', () => this.#schedulePush());
    this.#scheduler.events.on('runFinished', (id, outcome) => {
      this.#countsCache.delete(id);
      // A run is a good moment to retry watches that failed (the path is back) or broke (folder replaced).
      this.#watcher?.refresh();
      if (outcome.kind === 'failed' && isStoreCorruption(outcome.error)) this.#scheduleRecovery();
      this.#schedulePush();
    });
    this.#scheduler.events.on('progress', (id, progress) => this.#pushProgress(id, progress));
  }

  /**
   * Opens the data folder. Takes its lock unless `readonly` (throws DataDirLockedError when another process
   * holds it). Never throws for a corrupt settings/connectors file or index: those are recovered and noticed.
   */
  static open(opts: ServiceOpenOptions): Promise<SyncService> {
    // Reading never creates the folder: `jarvis-sync status --data-dir ~/typo` must not leave a ~/typo behind. A
    // missing one reads as empty (no connectors, an empty index).
    if (!opts.readonly || existsSync(opts.dataDir)) ensurePrivateDataDir(opts.dataDir);
    let lock: DataDirLock | null = null;
    let lockProblem: Error | null = null;
    if (!opts.readonly) {
      try {
        lock = acquireDataDirLock(opts.dataDir, opts.owner ?? 'desktop');
      } catch (err) {
        // A folder we cannot write (permissions, read-only mount): nothing can be written there, so nothing can
        // conflict; run on a read-only index and say so instead of refusing to start.
        if (!isNotWritable(err)) throw err;
        lockProblem = err as Error;
      }
    }
    try {
      return Promise.resolve(new SyncService(opts, lock, lockProblem));
    } catch (err) {
      lock?.release();
      throw err;
    }
  }

  /** Starts the background schedule and, with `watchForChanges` on, the change watcher. Idempotent. */
  start(): void {
    this.#writable().start();
    if (!this.#started) {
      this.#editCheck = setInterval(() => {
        this.#adoptConnectorsEdit();
        this.#reopenReplacedIndex();
      }, CONNECTORS_EDIT_CHECK_MS);
      this.#editCheck.unref();
    }
    this.#started = true;
    this.#applyWatching();
  }

  /** Stops the scheduler (≤ 5 s; running syncs stop at a batch boundary), closes the index, releases the lock. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#maintainer?.close();
    this.#applyWatching();
    if (this.#pushTimer) clearTimeout(this.#pushTimer);
    if (this.#editCheck) clearInterval(this.#editCheck);
    if (this.#lockWait) clearInterval(this.#lockWait.timer);
    try {
      await this.#scheduler?.stop();
    } finally {
      this.#closeWriter();
      this.#store.close();
      this.#lock?.release();
    }
  }

  /** The writer's connection closes first: the store's must be the last, which removes the WAL. */
  #closeWriter(): void {
    this.#writer?.close();
    this.#writer = null;
  }

  getState(): AppState {
    const snapshot = this.#scheduler?.snapshot();
    const connectors = this.#config.connectors.map((config) => this.#status(config, snapshot?.connectors[config.id]));
    return {
      paused: this.#config.paused,
      holdReason: this.#heldOnBattery ? 'battery' : null,
      connectors,
      dataDir: this.paths.dataDir,
      dbPath: this.paths.db,
      logsDir: this.#logsDir,
      notices: [...this.#notices],
    };
  }

  getConnector(id: string): ConnectorStatus {
    const status = this.getState().connectors.find((c) => c.id === id);
    if (!status) throw new UserInputError(`No connector with id "${id}". See \`jarvis-sync list\`.`);
    return status;
  }

  getSettings(): Settings {
    return { ...this.#settings };
  }

  setSettings(patch: Partial<Settings>): Settings {
    const valid = parseSettingsPatch(patch);
    this.#writable();
    const next = { ...this.#settings, ...valid };
    try {
      this.#settingsFile.save(next);
    } catch (err) {
      throw settingsNotSaved(this.#settingsFile.path, err);
    }
    this.#settings = next;
    if (valid.intervalSeconds !== undefined) this.#scheduler?.setDefaultInterval(valid.intervalSeconds);
    if (valid.pauseOnBattery !== undefined) this.#applyPower();
    if (valid.watchForChanges !== undefined) this.#applyWatching();
    this.#schedulePush();
    return this.getSettings();
  }

  /** Asks for a sync now; coalesced with a running one into one follow-up. Works on paused connectors (once). */
  runNow(id: string | null): Accepted {
    if (id !== null) this.#connectorOrThrow(id);
    return this.#writable().runNow(id);
  }

  pause(id: string | null): AppState {
    this.#setPaused(id, true);
    return this.getState();
  }

  resume(id: string | null): AppState {
    this.#setPaused(id, false);
    return this.getState();
  }

  /**
   * Waits until the full-text index has no merges left to do (they run in idle time after every sync, in steps of a
   * few milliseconds). The CLI waits for it before exiting, so a one-shot `sync` leaves a compact index behind.
   */
  whenIndexCompacted(opts: { hurry?: boolean } = {}): Promise<void> {
    return this.#maintainer?.whenDone(opts) ?? Promise.resolve();
  }

  /** Stops a running or queued sync without pausing the connector (see SyncScheduler.cancel). */
  cancel(id: string | null): Accepted {
    if (id !== null) this.#connectorOrThrow(id);
    return this.#writable().cancel(id);
  }

  notifyResume(): void {
    this.#scheduler?.notifyResume();
    // Mounts and network folders may be back after a sleep.
    this.#watcher?.refresh();
  }

  /**
   * With "pause while on battery" on, syncs nobody asked for (scheduled, retries, file changes) wait for AC power;
   * "Sync now" still runs, and a sync it started is not cut off when the power cord is pulled.
   */
  setOnBattery(onBattery: boolean): void {
    this.#onBattery = onBattery;
    this.#applyPower();
  }

  async checkPath(kind: ConnectorKind, path: string): Promise<PathCheck> {
    const module = this.#kinds.get(kind);
    if (!module) return { ok: false, message: `Unknown kind "${kind}".` };
    const message = await module.checkPath(path);
    return { ok: message === null, message };
  }

  /**
   * What `excludes` would leave out of the folder at `path`, read as a connector of `kind` reads it; null when the kind
   * reads no folder or the path cannot be used. Counting stops after EXCLUDE_PREVIEW_MS (the figures are then a lower
   * bound), so a huge folder cannot keep a dialog waiting; it only lists folders, and reads no file.
   */
  async previewExcludes(
    kind: ConnectorKind,
    path: string,
    excludes: readonly string[],
  ): Promise<ExcludePreview | null> {
    const module = this.#kinds.get(kind);
    if (!module) throw new UserInputError(`Unknown kind "${kind}".`);
    const patterns = checkedExcludes(excludes);
    if ((await module.checkPath(path)) !== null) return null;
    const connector = module.create({
      id: 'exclude-preview',
      kind,
      name: '',
      path,
      excludes: [],
      intervalSeconds: null,
      paused: false,
      createdAt: 0,
    });
    return connector.surveyExcludes ? connector.surveyExcludes(patterns, Date.now() + EXCLUDE_PREVIEW_MS) : null;
  }

  /** Adds a connector after checking its path; by default its first sync starts at once. */
  async addConnector(input: AddConnectorInput, opts: { syncNow?: boolean } = {}): Promise<ConnectorStatus> {
    const scheduler = this.#writable();
    this.#adoptConnectorsEdit();
    const config = newConnectorConfig(input, this.#config.connectors, this.#now(), {
      inIndex: this.#store.connectorIdsWithData(),
      kept: this.#config.keptIndexes,
    });
    const problem =
      (await this.#kinds.get(config.kind)!.checkPath(config.path)) ??
      (await overlapProblem(config, this.#config.connectors));
    if (problem) throw new UserInputError(problem);
    this.#saveConfig({
      ...this.#config,
      connectors: [...this.#config.connectors, config],
      keptIndexes: this.#config.keptIndexes.filter((k) => k.id !== config.id),
    });
    this.#putInForce(scheduler, config, null);
    if (opts.syncNow ?? true) scheduler.runNow(config.id);
    this.#schedulePush();
    return this.getConnector(config.id);
  }

  async removeConnector(id: string, opts: { keepIndex: boolean }): Promise<AppState> {
    const scheduler = this.#writable();
    this.#adoptConnectorsEdit();
    const connector = this.#connectorOrThrow(id);
    const config = this.#config.connectors.find((c) => c.id === id)!;
    // Refused before anything changes: a connector gone from the list must not leave its documents searchable.
    if (!opts.keepIndex) this.#writableStore();
    const keptIndexes = this.#config.keptIndexes.filter((k) => k.id !== id);
    if (opts.keepIndex) keptIndexes.push({ id, kind: config.kind, path: config.path });
    this.#watcher?.remove(id);
    await scheduler.remove(id);
    const next = { ...this.#config, connectors: this.#config.connectors.filter((c) => c.id !== id), keptIndexes };
    try {
      // The save inside the deletion's transaction: a save that fails rolls the deletion back.
      if (opts.keepIndex) this.#saveConfig(next);
      else this.#store.transaction(() => (this.#store.removeConnector(id), this.#saveConfig(next)));
    } catch (err) {
      // A full disk or a read-only data folder: the connector stays as it was, listed, scheduled and watched, rather
      // than listed but never synced.
      this.#putInForce(scheduler, config, null, connector);
      this.#schedulePush();
      throw err;
    }
    this.#connectors.delete(id);
    this.#countsCache.delete(id);
    this.#schedulePush();
    return this.getState();
  }

  updateConnector(id: string, input: UpdateConnectorInput): ConnectorStatus {
    const scheduler = this.#writable();
    this.#adoptConnectorsEdit();
    const current = this.#config.connectors.find((c) => c.id === id);
    if (!current) throw new UserInputError(`No connector with id "${id}".`);
    const interval = input.intervalSeconds === undefined ? current.intervalSeconds : input.intervalSeconds;
    checkInterval(interval);
    const next: ConnectorConfig = {
      ...current,
      name: checkedName(input.name) ?? current.name,
      excludes: input.excludes ? checkedExcludes(input.excludes) : current.excludes,
      intervalSeconds: interval,
    };
    this.#replaceConfig(next);
    this.#putInForce(scheduler, next, current);
    this.#schedulePush();
    return this.getConnector(id);
  }

  search(query: string, options: SearchOptions = {}): SearchHit[] {
    try {
      return this.#store.search(query, options);
    } catch (err) {
      if (isStoreCorruption(err)) this.#scheduleRecovery();
      throw err;
    }
  }

  /** The connector ids search results can have: every connector's, and those of indexes kept after a removal. */
  searchableSources(): string[] {
    return [...this.#config.connectors.map((c) => c.id), ...this.#config.keptIndexes.map((k) => k.id)];
  }

  history(connectorId: string, limit = 30): RunRecord[] {
    return this.#store.listRuns(connectorId, limit);
  }

  itemErrors(connectorId: string | null): ItemError[] {
    return this.#store.listItemErrors(connectorId);
  }

  /**
   * The real path of the file behind an indexed document or a listed problem, safe to hand to the OS; throws an
   * OpenRefusedError saying why not. Only what the index holds can be named, and only inside its connector.
   */
  async fileToOpen(target: OpenTarget): Promise<string> {
    const config = this.#config.connectors.find((c) => c.id === target.connectorId);
    if (!config) throw new OpenRefusedError('Its connector was removed.');
    let file: string | null | undefined;
    if (target.kind === 'document') {
      // Search hits name a document `<connector id>:<its id within the connector>`.
      const prefix = `${config.id}:`;
      file = target.docId.startsWith(prefix)
        ? this.#store.documentPath(config.id, target.docId.slice(prefix.length))
        : undefined;
      if (file === undefined) throw new OpenRefusedError('The document is no longer in the index.');
      if (file === null) throw new OpenRefusedError('The document has no file of its own.');
    } else {
      if (!this.#store.hasItemError(config.id, target.path)) {
        throw new OpenRefusedError('The problem is no longer listed.');
      }
      // A unit of the connector: in its manifest, or holding documents (a read that failed after some of them).
      // Listed only when asked (an mbox or calendar problem), once per Open; such connectors have few units.
      let units: Set<string> | null = null;
      const store = this.#store;
      file = fileOfProblem(target.path, config, (key) =>
        (units ??= new Set([
          ...store.loadManifestIndex(config.id).fingerprints.keys(),
          ...store.listDocumentUnitKeys(config.id),
        ])).has(key),
      );
    }
    return checkFileToOpen(file, config.path);
  }

  /**
   * Items no longer read because their reads kept failing on an unchanged file (ItemError.quarantined) are read by
   * the connector's next sync again: the one at `path`, or all of them. Returns how many there were.
   */
  releaseQuarantine(connectorId: string, path: string | null): number {
    this.#writable();
    this.#connectorOrThrow(connectorId);
    return this.#writableStore().releaseQuarantine(connectorId, path);
  }

  /** The Retry of one problem: its item is read again in a sync that starts now. */
  retryItem(connectorId: string, path: string): Accepted {
    this.releaseQuarantine(connectorId, path);
    return this.runNow(connectorId);
  }

  dismissNotice(noticeId: string): AppState {
    this.#notices = this.#notices.filter((n) => n.id !== noticeId);
    this.#schedulePush();
    return this.getState();
  }

  /**
   * Syncs now and waits (the CLI's `sync`): each connector once, in turn, paused ones included (an explicit
   * request). Failures are reported per connector, not thrown. The signal cancels at a batch boundary.
   */
  async syncNow(
    ids: string[] | null,
    opts: { signal?: AbortSignal; onProgress?: (id: string, p: Progress) => void; onStart?: (id: string) => void } = {},
  ): Promise<SyncReport> {
    const scheduler = this.#writable();
    const targets = [...(ids ?? this.#config.connectors.map((c) => c.id))];
    for (const id of targets) this.#connectorOrThrow(id);
    const report: SyncReport = { results: {}, failures: {}, cancelled: false };
    const signal = opts.signal ?? new AbortController().signal;
    const retried = new Set<string>();
    for (const id of targets) {
      if (signal.aborted) {
        report.cancelled = true;
        break;
      }
      const connector = this.#connectorOrThrow(id);
      if (!connector.isConnected()) continue;
      opts.onStart?.(id);
      const startedAt = this.#now();
      try {
        const result = await this.#tracked(() =>
          this.#engine.sync(connector, {
            signal,
            trigger: 'manual',
            onProgress: (p) => opts.onProgress?.(id, p),
          }),
        );
        report.results[id] = result;
        // The scheduler did not run it, but its backoff, error and next due time must follow it all the same.
        scheduler.recordDirectRun(id, { kind: 'success', result }, startedAt);
      } catch (err) {
        if (isCancellation(err) || err instanceof SyncCancelledError) {
          report.cancelled = true;
          break;
        }
        report.failures[id] = classifyError(err).message;
        scheduler.recordDirectRun(id, { kind: 'failed', error: toConnectorError(err, this.#now()) }, startedAt);
        if (isStoreCorruption(err) && !this.readonly && !retried.has(id) && this.#activeSyncs === 0) {
          // The index is damaged: rebuild it, then sync this connector again (the others follow anyway).
          retried.add(id);
          if (this.#recoverStore()) {
            delete report.failures[id];
            targets.push(id);
          }
        }
      } finally {
        this.#countsCache.delete(id);
      }
    }
    return report;
  }

  /** The next sync of this connector re-reads everything (documents whose content is unchanged are skipped). */
  resetCheckpoint(id: string): void {
    this.#writable();
    this.#connectorOrThrow(id);
    this.#writableStore();
    this.#engine.resetCheckpoint(id);
  }

  integrityCheck(): { ok: boolean; details: string } {
    return this.#store.integrityCheck();
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────────────────

  #writable(): SyncScheduler {
    if (!this.#scheduler) throw new ReadOnlyServiceError();
    return this.#scheduler;
  }

  #connectorOrThrow(id: string): Connector {
    const c = this.#connectors.get(id);
    if (!c) throw new UserInputError(`No connector with id "${id}". See \`jarvis-sync list\`.`);
    return c;
  }

  #instantiate(config: ConnectorConfig): Connector {
    const connector = this.#kinds.get(config.kind)!.create(config);
    this.#connectors.set(config.id, connector);
    return connector;
  }

  /** The kind's say on which dot-named paths under its folder are changes (ConnectorKindModule.watch). */
  #watchOptionsFor(config: ConnectorConfig): WatchOptions {
    return this.#kinds.get(config.kind)?.watch ?? {};
  }

  /**
   * Puts a connector's settings in force: its connector (`connector`, else a new one), its schedule and its watch
   * (moved when the path changed). With `before` (the settings it had), new excludes or a new path sync it at once:
   * excludes are often about privacy ("not my diary"), and the files they name must leave the index now, not at the
   * next scheduled run up to an interval later.
   */
  #putInForce(
    scheduler: SyncScheduler,
    config: ConnectorConfig,
    before: ConnectorConfig | null,
    connector: Connector = this.#instantiate(config),
  ): void {
    this.#connectors.set(config.id, connector);
    scheduler.add(connector, { intervalSeconds: config.intervalSeconds, paused: config.paused });
    this.#watcher?.add(config.id, config.path, this.#watchOptionsFor(config));
    if (before && (before.path !== config.path || before.excludes.join('\0') !== config.excludes.join('\0'))) {
      scheduler.runNow(config.id);
    }
  }

  #replaceConfig(next: ConnectorConfig): void {
    this.#saveConfig({
      ...this.#config,
      connectors: this.#config.connectors.map((c) => (c.id === next.id ? next : c)),
    });
  }

  #noticeConnectorProblems(): void {
    if (this.#connectorProblems.length === 0) return;
    this.#notice(
      'warning',
      `Some connectors in ${this.paths.connectors} could not be used as written (${this.#connectorProblems.join('; ')}). ` +
        'An entry left out stays in the file as it is, to be fixed there.',
    );
  }

  /**
   * Takes in connectors.json as it was edited while this service runs (by hand, as the README invites): before, the
   * next save from the app wrote its own copy over the edit. Connectors added there are scheduled (and synced at
   * once), changed ones take their new settings, and one taken out stops syncing with its index kept, as
   * `remove --keep-index` does: an edit of a text file deletes no index. Checked every few seconds and before every
   * change the app saves. An edit that does not parse is noticed and left for the user to fix.
   */
  #adoptConnectorsEdit(): void {
    const scheduler = this.#scheduler;
    if (!scheduler || this.#stopped) return;
    const edit = this.#connectorsFile.readIfEdited();
    if (edit === null) return;
    if ('error' in edit) {
      if (this.#unreadableEdit === edit.error) return;
      this.#unreadableEdit = edit.error;
      this.#notice(
        'warning',
        `${this.paths.connectors} was changed outside the app, but ${edit.error}, so the connectors stay as they were. ` +
          'Fix the file: a change made in the app meanwhile would replace it.',
      );
      return;
    }
    this.#unreadableEdit = null;
    const next = edit.value;
    const before = new Map(this.#config.connectors.map((c) => [c.id, c]));
    const after = new Set(next.connectors.map((c) => c.id));
    const keptIndexes = [...next.keptIndexes];
    for (const [id, old] of before) {
      if (after.has(id)) continue;
      this.#watcher?.remove(id);
      void scheduler.remove(id).catch(() => undefined);
      this.#connectors.delete(id);
      this.#countsCache.delete(id);
      if (!keptIndexes.some((k) => k.id === id)) keptIndexes.push({ id, kind: old.kind, path: old.path });
    }
    for (const config of next.connectors) {
      const old = before.get(config.id) ?? null;
      if (old && JSON.stringify(old) === JSON.stringify(config)) continue;
      this.#putInForce(scheduler, config, old);
      if (!old) scheduler.runNow(config.id);
    }
    if (next.paused !== this.#config.paused) {
      if (next.paused) scheduler.pause(null);
      else scheduler.resume(null);
    }
    this.#config = { ...next, keptIndexes };
    this.#notice('info', `${this.paths.connectors} was changed outside the app; the changes are in effect.`);
    this.#noticeConnectorProblems();
    this.#schedulePush();
  }

  /**
   * Saves the connectors' settings, then makes them the service's. Callers change the scheduler and the watcher only
   * after it: a save that fails (a full disk, a read-only data folder) changes nothing, so no connector is shown
   * added, paused or removed that is not.
   */
  #saveConfig(next: ConnectorsFile): void {
    try {
      this.#connectorsFile.save(next);
    } catch (err) {
      throw settingsNotSaved(this.#connectorsFile.path, err);
    }
    this.#config = next;
  }

  #setPaused(id: string | null, paused: boolean): void {
    const scheduler = this.#writable();
    this.#adoptConnectorsEdit();
    if (id === null) {
      // "Resume all" means everything syncs again, connectors paused one by one included (the dashboard and the tray
      // offer it when every connector is paused); "pause all" leaves their own pauses to come back after it.
      const resumed = paused ? [] : this.#config.connectors.filter((c) => c.paused);
      const connectors = this.#config.connectors.map((c) => (resumed.includes(c) ? { ...c, paused: false } : c));
      this.#saveConfig({ ...this.#config, paused, connectors });
      for (const c of resumed) scheduler.resume(c.id);
      if (paused) scheduler.pause(null);
      else scheduler.resume(null);
    } else {
      const current = this.#config.connectors.find((c) => c.id === id);
      if (!current) throw new UserInputError(`No connector with id "${id}".`);
      this.#replaceConfig({ ...current, paused });
      if (paused) scheduler.pause(id);
      else scheduler.resume(id);
    }
    this.#schedulePush();
  }

  #applyPower(): void {
    const scheduler = this.#scheduler;
    if (!scheduler) return;
    const shouldPause = this.#settings.pauseOnBattery && this.#onBattery;
    if (shouldPause === this.#heldOnBattery) return;
    this.#heldOnBattery = shouldPause;
    // Not a pause: a sync the user started goes on, and "Sync now" still works (AppState.holdReason says so).
    scheduler.holdAutomatic(shouldPause);
    this.#schedulePush();
  }

  /**
   * Starts or stops the change watcher to match: started, not stopped, writable, and `watchForChanges` on. Pauses
   * leave it running: the scheduler ignores changes while paused (the interval / catch-up covers them).
   */
  #applyWatching(): void {
    const scheduler = this.#scheduler;
    const want = scheduler !== null && this.#started && !this.#stopped && this.#settings.watchForChanges;
    if (!want) {
      if (this.#watcher) this.#log.info('change watching stopped');
      this.#watcher?.close();
      this.#watcher = null;
      return;
    }
    if (this.#watcher) return;
    const ignore = [this.paths.dataDir, ...(this.#logsDir ? [this.#logsDir] : [])];
    const watcher = new ChangeWatcher({
      ...this.#watchOptions,
      clock: this.#watchOptions?.clock ?? systemClock,
      ignore,
      log: this.#createLogger('watcher'),
      onChanged: (id) => {
        const answer = scheduler.notifyChanged(id);
        this.#log.debug(
          `${id}: files changed; ${answer.accepted ? 'sync requested' : `not synced now (${answer.reason})`}`,
        );
      },
    });
    for (const config of this.#config.connectors) watcher.add(config.id, config.path, this.#watchOptionsFor(config));
    this.#watcher = watcher;
    this.#log.info(`change watching started (${this.#config.connectors.length} connectors)`);
  }

  /**
   * Opens the index. When it cannot be written (read-only file or folder, or the folder's lock could not be
   * created), it is opened read-only instead: search keeps working, every sync fails with SQLITE_READONLY on its
   * connector (no data is touched), and a notice says what to fix. When another program holds its write lock, it is
   * opened read-only until the lock is free (#openWhileIndexLocked). Other errors are thrown.
   */
  #openStore(log: Logger, lockProblem: Error | null): KnowledgeStore {
    let problem = lockProblem;
    if (!this.readonly && problem === null) {
      try {
        return KnowledgeStore.open(this.paths.db, { log, readonly: false });
      } catch (err) {
        if (isIndexBusy(err)) return this.#openWhileIndexLocked(log);
        if (!isNotWritable(err)) throw err;
        problem = err as Error;
      }
    }
    if (problem === null) {
      // Read-only (a CLI command beside the app or daemon, or `status`): a damaged index must not take the connector
      // list and the problems with it. Only an open for writing moves a damaged index aside and rebuilds it.
      const { store, searchable } = this.#readonlyStandIn(log, { unreadableWhen: isStoreCorruption });
      if (!searchable) {
        this.#notice(
          'error',
          `The index ${this.paths.db} is damaged, so search finds nothing for now. Your files and connectors are ` +
            'untouched: the next sync (`jarvis-sync sync`, or the app or daemon when it starts) moves the damaged ' +
            'index aside and rebuilds it from your files.',
        );
      }
      return store;
    }
    // A WAL index in a read-only folder is read as an immutable file when nothing writes it (store.ts
    // connectReadonly); else it cannot be read at all (SQLite must create its -shm file there).
    const { store, searchable } = this.#readonlyStandIn(log, { unreadableWhen: isNotWritable });
    const code = (problem as NodeJS.ErrnoException).code ?? 'unknown error';
    this.#notice(
      'error',
      `The data folder ${this.paths.dataDir} is not writable (${code}), so nothing can be indexed: every sync will ` +
        `fail until this is fixed. ${searchable ? 'Search still shows what was indexed before.' : 'The index cannot be read either, so search finds nothing for now; nothing was deleted.'} ` +
        'Fix the permissions of the folder and its index.sqlite, then restart Jarvis Sync.',
    );
    return store;
  }

  /**
   * Another program (a database browser with a transaction open, a backup or file-sync tool) held the index's write
   * lock for the whole busy timeout. Stopping the app for that would lose nothing but help nobody:
   * it opens read-only instead, so search answers, and takes the lock as soon as it is free (#takeIndexLock).
   */
  #openWhileIndexLocked(log: Logger): KnowledgeStore {
    // A lock that keeps readers out too (locking_mode EXCLUSIVE), or an index too old to read before migrating. The
    // writable open has just waited the whole busy timeout: such a lock is not waited for again.
    const { store, searchable } = this.#readonlyStandIn(log, {
      unreadableWhen: () => true,
      lockTimeoutMs: INDEX_READ_FALLBACK_TIMEOUT_MS,
    });
    const noticeId = this.#notice(
      'warning',
      `Another program holds the lock of the index ${this.paths.db}, so nothing can be indexed for now. ` +
        `${searchable ? 'Search shows what was indexed before.' : 'Search finds nothing until the lock is released.'} ` +
        'Nothing was lost: Jarvis Sync keeps trying and starts syncing as soon as the other program lets go. ' +
        'If this lasts, close programs that have index.sqlite open.',
    );
    const timer = setInterval(() => {
      if (this.#takeIndexLock() && !this.#config.paused) this.#scheduler?.runNow(null);
    }, this.#indexLockRetryMs);
    timer.unref();
    this.#lockWait = { noticeId, timer, lastProblem: '' };
    return store;
  }

  /**
   * The read-only store that stands in for an index that cannot be written: the index itself, or an empty one when
   * it cannot be read either for an error `unreadableWhen` accepts (others are thrown).
   */
  #readonlyStandIn(
    log: Logger,
    opts: { unreadableWhen: (err: unknown) => boolean; lockTimeoutMs?: number },
  ): { store: KnowledgeStore; searchable: boolean } {
    try {
      const store = KnowledgeStore.open(this.paths.db, { log, readonly: true, lockTimeoutMs: opts.lockTimeoutMs });
      return { store, searchable: true };
    } catch (err) {
      if (!opts.unreadableWhen(err)) throw err;
      log.warn(`store: the index cannot be read (${(err as Error).message}); search finds nothing for now`);
      return { store: KnowledgeStore.open(':memory:', { log, readonly: true }), searchable: false };
    }
  }

  /**
   * While the index's lock was held at open: tries to open the index writable and, if that works, swaps it in.
   * True when the store is writable (or never waited for the lock), false while the lock is still held.
   */
  #takeIndexLock(): boolean {
    const wait = this.#lockWait;
    if (!wait) return true;
    // The engine must not be swapped under a running sync (none can run writable while waiting, but a failing one
    // may not have unwound yet).
    if (this.#stopped || this.#activeSyncs > 0) return false;
    let store: KnowledgeStore;
    try {
      store = KnowledgeStore.open(this.paths.db, {
        log: this.#createLogger('store'),
        lockTimeoutMs: INDEX_LOCK_TRY_TIMEOUT_MS,
      });
    } catch (err) {
      const problem = (err as Error).message;
      // Logged once per kind of failure, not at every try.
      if (!isIndexBusy(err) && problem !== wait.lastProblem) {
        this.#log.warn(`the index could not be reopened: ${problem}`);
      }
      wait.lastProblem = problem;
      return false;
    }
    clearInterval(wait.timer);
    this.#lockWait = null;
    this.#notices = this.#notices.filter((n) => n.id !== wait.noticeId);
    this.#closeWriter();
    this.#store.close();
    this.#useStore(store);
    this.#noticeRecovery();
    this.#log.info('the index lock was released; syncing can go on');
    this.#maintainer?.kick();
    return true;
  }

  /** The store to write, or the SQLITE_BUSY refusal while another program holds the index lock taken at open. */
  #writableStore(what: 'sync' | 'change' = 'change'): KnowledgeStore {
    if (!this.#takeIndexLock()) throw indexBusyFailure(what);
    return this.#store;
  }

  #createEngine(): SyncEngine {
    const pipeline = new IngestionPipeline(this.#store);
    this.#closeWriter();
    const store = this.#store;
    const startThread = (): WriterThread => {
      this.#writer ??= new WriterThread({
        file: this.paths.db,
        store,
        pipeline,
        log: this.#createLogger('writer'),
        entry: this.#writerEntry,
      });
      return this.#writer;
    };
    const threaded = this.#writerMode === 'thread' && !store.readonly;
    const auto = this.#writerMode === 'auto' && !store.readonly;
    if (auto && !this.#writerEntry) prepareWriterThread();
    return new SyncEngine({
      store,
      pipeline,
      writer: threaded ? startThread() : undefined,
      batchMaxDocs: threaded ? THREAD_BATCH_MAX_DOCS : undefined,
      bulkWriter: auto ? { writer: startThread, batchMaxDocs: THREAD_BATCH_MAX_DOCS } : undefined,
      log: this.#createLogger('engine'),
      now: this.#now,
      maxFileSizeBytes: () => this.#settings.maxFileSizeMb * 1024 * 1024,
    });
  }

  #noticeRecovery(): void {
    const recovery = this.#store.recovery;
    if (recovery) {
      this.#notice(
        'warning',
        `The index was damaged (${recovery.reason}) and is being rebuilt from your files. The damaged copy was kept as ${recovery.movedTo}.`,
      );
    }
  }

  /** Runs one engine sync, counted, so the index is never swapped under a running sync. */
  async #tracked<T>(fn: () => Promise<T>): Promise<T> {
    this.#writableStore('sync');
    this.#activeSyncs++;
    try {
      return await fn();
    } finally {
      this.#activeSyncs--;
      if (this.#recoveryWanted) setImmediate(() => this.#recoverWhenIdle());
      else if (this.#activeSyncs === 0) this.#maintainer?.kick();
    }
  }

  /**
   * index.sqlite deleted (a clean-up, a sync tool) or replaced (a backup restored) while this service runs: SQLite
   * would go on writing the open, unlinked file, which no other process sees and which is gone at exit. The index is
   * opened again as after damage; a deleted one is created anew and rebuilt from the sources.
   */
  #reopenReplacedIndex(): void {
    if (this.readonly || this.#stopped || this.#recoveryWanted || !this.#store.fileWasReplaced()) return;
    this.#notice(
      'warning',
      `The index ${this.paths.db} was deleted or replaced while Jarvis Sync ran; it is opened again (a deleted one is ` +
        'rebuilt from your files).',
    );
    this.#lastRecoveryAt = 0;
    this.#scheduleRecovery();
  }

  #scheduleRecovery(): void {
    if (this.#recoveryWanted || this.readonly || this.#stopped) return;
    this.#recoveryWanted = true;
    // Deferred: corruption is noticed inside scheduler callbacks and state reads, not a place to swap the index.
    setImmediate(() => this.#recoverWhenIdle());
  }

  #recoverWhenIdle(): void {
    if (!this.#recoveryWanted || this.#activeSyncs > 0) return;
    this.#recoveryWanted = false;
    if (this.#recoverStore()) this.#scheduler?.runNow(null);
  }

  /**
   * SQLite reported damage while running. Damage after a clean shutdown is not looked for at open (that would read
   * the whole file at every start), so it surfaces here. Reopening the index runs the full check, which moves a
   * damaged file aside and starts a fresh index that the next syncs rebuild from the sources (only a damaged
   * full-text index is rebuilt in place). Returns false when the index could not be reopened.
   */
  #recoverStore(): boolean {
    // While another program holds the lock, the index cannot be reopened writable to check it; taking the lock does.
    if (this.readonly || this.#stopped || this.#lockWait) return false;
    // At most once a minute: damage the check cannot confirm must not turn every state read into a reopen.
    if (Date.now() - this.#lastRecoveryAt < 60_000) return false;
    this.#lastRecoveryAt = Date.now();
    this.#log.warn('the index reported damage; reopening it to check and repair it');
    try {
      // Confirms the damage and makes sure the store leaves the "unclean" marker, so the reopen checks the file.
      this.#store.integrityCheck();
    } catch {
      // The reopen checks anyway.
    }
    this.#closeWriter();
    this.#store.close();
    try {
      this.#useStore(KnowledgeStore.open(this.paths.db, { log: this.#createLogger('store') }));
    } catch (err) {
      this.#notice(
        'error',
        `The index is damaged and could not be reopened (${(err as Error).message}). Restart Jarvis Sync.`,
      );
      this.#useStore(KnowledgeStore.open(':memory:', { log: this.#createLogger('store'), readonly: true }));
      return false;
    }
    this.#noticeRecovery();
    return true;
  }

  /** Puts a newly opened index in use, the previous one closed: its engine, counts and state follow it. */
  #useStore(store: KnowledgeStore): void {
    this.#store = store;
    this.#engine = this.#createEngine();
    this.#countsCache.clear();
    this.#schedulePush();
  }

  #loadFile<T>(file: JsonFile<T>): T {
    let result: LoadResult<T>;
    try {
      result = file.load(this.#now());
    } catch (err) {
      // An unreadable file (permissions) must not stop the app: run on defaults and say so.
      this.#notice('error', `${file.path} could not be read (${(err as Error).message}); defaults are in use.`);
      return file.defaults();
    }
    if (result.problem) this.#notice(result.source === 'backup' ? 'warning' : 'error', result.problem);
    return result.value;
  }

  /**
   * Adds a notice. One that says the same as an earlier one replaces it (the newest is kept), and at most MAX_NOTICES
   * are kept: a daemon that runs for weeks meets the same event again and again (each hand edit of connectors.json).
   */
  #notice(level: Notice['level'], message: string): string {
    this.#log.warn(message);
    const id = `n${++this.#noticesMade}-${this.#now()}`;
    const others = this.#notices.filter((n) => n.level !== level || n.message !== message);
    this.#notices = [...others.slice(-(MAX_NOTICES - 1)), { id, level, message, at: this.#now() }];
    return id;
  }

  #counts(id: string): ConnectorCounts {
    let c = this.#countsCache.get(id);
    if (!c) {
      const problems = this.#store.countItemErrors(id);
      c = { ...this.#store.counts(id), itemErrors: problems.total, itemWarnings: problems.warnings };
      this.#countsCache.set(id, c);
    }
    return c;
  }

  #status(
    config: ConnectorConfig,
    schedule: ReturnType<SyncScheduler['snapshot']>['connectors'][string] | undefined,
  ): ConnectorStatus {
    let checkpoint: ReturnType<KnowledgeStore['getCheckpoint']> = null;
    let counts: ConnectorCounts = { documents: 0, chunks: 0, itemErrors: 0, itemWarnings: 0 };
    let runningElsewhere = false;
    try {
      checkpoint = this.#store.getCheckpoint(config.id);
      counts = this.#counts(config.id);
      runningElsewhere = this.writerElsewhere !== null && this.#store.listRuns(config.id, 1)[0]?.outcome === 'running';
    } catch (err) {
      // A damaged index must not take the whole state (and with it the UI) down; it is repaired in the background.
      if (!isStoreCorruption(err)) throw err;
      this.#scheduleRecovery();
    }
    const lastError = schedule ? schedule.lastError : (checkpoint?.lastError ?? null);
    let state: ConnectorState;
    if (schedule) state = schedule.state;
    else if (runningElsewhere) state = 'syncing';
    else if (config.paused || this.#config.paused) state = 'paused';
    else state = checkpoint?.lastError ? 'error' : 'idle';
    const interval = (config.intervalSeconds ?? this.#settings.intervalSeconds) * 1000;
    return {
      ...config,
      state,
      documents: counts.documents,
      chunks: counts.chunks,
      itemErrors: counts.itemErrors,
      itemWarnings: counts.itemWarnings,
      lastSuccessAt: checkpoint?.lastSuccessAt ?? null,
      lastAttemptAt: checkpoint?.lastAttemptAt ?? null,
      nextRunAt: schedule
        ? schedule.nextRunAt
        : state !== 'paused' && checkpoint?.lastSuccessAt
          ? // A last success in the future means the clock went back since; the scheduler counts from now then.
            Math.min(checkpoint.lastSuccessAt, this.#now()) + interval
          : null,
      lastResult: checkpoint?.lastResult ?? null,
      lastError,
      consecutiveFailures: schedule?.consecutiveFailures ?? checkpoint?.consecutiveFailures ?? 0,
      progress: schedule?.progress ?? null,
    };
  }

  /** Pushes state at most once per pushIntervalMs: the first change goes out at once, bursts are coalesced. */
  #schedulePush(): void {
    if (this.#stopped || this.#pushTimer) return;
    const wait = Math.max(0, this.#lastPushAt + this.#pushIntervalMs - Date.now());
    this.#pushTimer = setTimeout(() => {
      this.#pushTimer = null;
      this.#lastPushAt = Date.now();
      try {
        this.events.emit('state', this.getState());
      } catch (err) {
        this.#log.error('state push failed', (err as Error).message);
      }
    }, wait);
  }

  #pushProgress(id: string, progress: Progress): void {
    const now = Date.now();
    if (now - (this.#lastProgressPush.get(id) ?? 0) < this.#pushIntervalMs) return;
    this.#lastProgressPush.set(id, now);
    // The indexed count grows during a long first sync; refresh it at the (throttled) progress rate.
    this.#countsCache.delete(id);
    this.#schedulePush();
    this.events.emit('progress', { connectorId: id, progress });
  }
}
