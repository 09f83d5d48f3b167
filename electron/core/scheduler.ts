/**
 * SyncScheduler decides WHEN each connector syncs; the SyncEngine (a SyncRunner) does the work.
 *
 * What it fixes in upstream's scheduler (../shared/reference/openjarvis.md, #10 and #11):
 * - one heartbeat timer per generation: `start()` after a slow `stop()` cannot revive an old loop;
 * - every run gets an AbortSignal, so `stop()`, `pause()` and `remove()` interrupt it at the engine's next batch
 *   boundary, and every wait on a run is bounded (a run that ignores its signal is abandoned, never awaited forever);
 * - single flight per connector, shared by the loop, `runNow` and `runOnce`, plus a global concurrency cap.
 *
 * Time is read from an injected Clock. Due times are wall-clock instants re-checked on a heartbeat that is never
 * armed for more than `maxTimerMs`, because OS timers drift or stall across sleep (../shared/reference/
 * scheduler-robustness.md): a lost or late timer costs at most one heartbeat, and a wall-clock gap between
 * heartbeats is treated as a resume from sleep even when the OS never said so.
 *
 * Per-connector state machine (`ConnectorSchedule.state`, derived, never stored):
 *
 *   idle|error ──due / runNow──► queued ──slot free──► syncing ──success──────────► idle
 *        ▲                                               │  ├──failure / watchdog─► error (retry after backoff)
 *        │                                               │  └──pause──► paused (cancelled; catch-up on resume)
 *        └──────────────── resume ◄── paused ◄───pause───┘  (stop/remove: cancelled, nothing recorded)
 *
 * `runNow` while syncing sets one coalesced follow-up. `runNow` while paused runs once and stays paused.
 * `holdAutomatic` (pause on battery) holds back only the runs nobody asked for; states stay idle/error.
 * `notifyChanged` (the change watcher) queues a 'change' run like a due one, or sets the same single follow-up;
 * it is ignored while paused or not started, so a watcher can never override a pause, and while a failure's retry is
 * not yet due, so it never shortens a backoff. A sync the service runs itself (syncNow, the CLI's `sync`) is reported
 * through `recordDirectRun`, so the streak, error and next run the status shows are the scheduler's, whoever ran it.
 */
import type { Accepted } from '../../shared/contract.js';
import { Emitter } from '../../shared/emitter.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import type { ConnectorError, ConnectorState, Progress, RunResult, RunTrigger } from '../../shared/types.js';
import { SyncCancelledError } from './abort.js';
import { systemClock, type Clock } from './clock.js';
import { toConnectorError } from './errors.js';

export type { Clock } from './clock.js';

/** What the scheduler needs to know about a connector. The full `Connector` satisfies it. */
export interface SchedulableConnector {
  readonly id: string;
  /** False when the user disabled it: skipped by scheduled runs, `runNow` and `runOnce` (upstream semantics). */
  isConnected(): boolean;
}

export interface SyncRunOptions {
  /** Aborted on pause, stop, remove or watchdog; the engine stops at its next batch boundary. */
  signal: AbortSignal;
  trigger: RunTrigger;
  /** Each call also feeds the no-progress watchdog. */
  onProgress: (p: Progress) => void;
}

/** Implemented by the SyncEngine. */
export interface SyncRunner<C extends SchedulableConnector = SchedulableConnector> {
  /** Resolves with the run's counts; rejects on failure or after honouring an abort. */
  sync(connector: C, opts: SyncRunOptions): Promise<RunResult>;
  /** Persisted history: the last successful run's end time (null = never synced). */
  lastSuccessAt(connectorId: string): number | null;
  /** Persisted failure streak, so backoff survives restarts. */
  consecutiveFailures?(connectorId: string): number;
  /** Persisted error of the last failed run, shown again after a restart while its streak lasts. */
  lastError?(connectorId: string): ConnectorError | null;
  /** Persisted start of the last run that wrote anything (null = none), to tell an interrupted sync from a finished one. */
  lastAttemptAt?(connectorId: string): number | null;
}

export interface SchedulerOptions {
  /** Default interval between runs of a connector. Default 3600. */
  intervalSeconds?: number;
  clock?: Clock;
  /** Connectors syncing at once; the rest wait in `queued`. Default 1 (SQLite has one writer anyway). */
  maxConcurrent?: number;
  /** A run with no progress callback for this long is aborted and recorded as failed (E_WATCHDOG). Default 5 min. */
  watchdogMs?: number;
  /** How long an aborted run gets to settle before it is abandoned. Bounds stop() and remove(). Default 5000. */
  stopTimeoutMs?: number;
  /** First retry delay; doubles per consecutive failure, capped at the interval. Default 30 000. */
  backoffBaseMs?: number;
  /** Delay of the single catch-up run after start/resume, so disks and mounts can come back. Default 10 000. */
  catchUpDelayMs?: number;
  /**
   * When a connector that has never synced runs first after `start()` (or after `add()` once started): null, the
   * default, waits one full interval (seed semantics); a number runs it that many ms from then. The app passes the
   * catch-up delay: a connector added with the CLI has nothing indexed, so an hour's wait would only delay the index.
   */
  firstRunDelayMs?: number | null;
  /** Interval jitter ±ratio, so connectors don't fire together after wake or login. Default 0.1; tests pass 0. */
  jitterRatio?: number;
  /** No timer is ever armed for longer than this. Default 60 000. */
  maxTimerMs?: number;
  log?: Logger;
}

/** 'user': the person pressed Cancel; the connector stays as it was (not paused) and runs again at its interval. */
export type CancelReason = 'paused' | 'stopped' | 'removed' | 'user';

/** A watchdog abort is a failure (E_WATCHDOG), not a cancellation: nobody asked for it. */
export type RunOutcome =
  | { kind: 'success'; result: RunResult }
  | { kind: 'failed'; error: ConnectorError }
  | { kind: 'cancelled'; reason: CancelReason };

export interface ConnectorSchedule {
  state: ConnectorState;
  /** The connector's own pause flag (the global one is `SchedulerSnapshot.paused`). */
  paused: boolean;
  running: boolean;
  queued: boolean;
  /** Trigger of the current run, else of the queued one. */
  trigger: RunTrigger | null;
  /** When the next unattended run is due; null while paused, running, or before `start()`. */
  nextRunAt: number | null;
  consecutiveFailures: number;
  /** Kept until a run succeeds. */
  lastError: ConnectorError | null;
  lastAttemptAt: number | null;
  lastSuccessAt: number | null;
  progress: Progress | null;
  followUpQueued: boolean;
}

export interface SchedulerSnapshot {
  paused: boolean;
  running: boolean;
  connectors: Record<string, ConnectorSchedule>;
}

export type SchedulerEvents = {
  /** Any state change. Fired often; consumers throttle. Not fired for progress alone. */
  changed: () => void;
  runStarted: (connectorId: string, trigger: RunTrigger) => void;
  runFinished: (connectorId: string, outcome: RunOutcome) => void;
  progress: (connectorId: string, progress: Progress) => void;
};

export const SCHEDULER_DEFAULTS = {
  intervalSeconds: 3600,
  maxConcurrent: 1,
  watchdogMs: 5 * 60_000,
  stopTimeoutMs: 5_000,
  backoffBaseMs: 30_000,
  catchUpDelayMs: 10_000,
  jitterRatio: 0.1,
  maxTimerMs: 60_000,
} as const;

/**
 * A heartbeat armed for a few ms can legitimately fire a second late on a busy event loop; only a gap well beyond
 * that means the machine slept or the clock jumped.
 */
const MIN_EXPECTED_TICK_MS = 5_000;

/** A due time further away than this many intervals can only come from the clock going back. */
const MAX_DUE_INTERVALS = 1.5;

/**
 * Delay before retrying after the `failures`-th consecutive failure: base·2^(failures−1), at least as long as the
 * failed run took (Syncthing: a run that fails after ten minutes should not be retried every 30 s), capped at the
 * interval, then scaled by U(0.5, 1) so connectors that failed together (a drive went away) don't retry together.
 */
export function computeBackoffMs(p: {
  failures: number;
  baseMs: number;
  capMs: number;
  lastRunMs: number;
  random: number;
}): number {
  const exponent = Math.min(Math.max(p.failures - 1, 0), 40);
  const raw = Math.min(p.capMs, Math.max(p.baseMs * 2 ** exponent, p.lastRunMs));
  return raw * (0.5 + 0.5 * clamp01(p.random));
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

interface QueueItem {
  trigger: RunTrigger;
  manual: boolean;
  seq: number;
  /** null: dropped before it ran (paused, stopped, removed, disconnected). */
  outcome: Deferred<RunOutcome | null>;
}

interface Run<C extends SchedulableConnector> {
  readonly entry: Entry<C>;
  readonly trigger: RunTrigger;
  readonly controller: AbortController;
  readonly startedAt: number;
  lastProgressAt: number;
  progress: Progress | null;
  cancelReason: CancelReason | 'watchdog' | null;
  /** Outcome recorded and slot released. A result arriving after this (an abandoned run) is ignored. */
  done: boolean;
  cancelDeadline: (() => void) | null;
  readonly outcome: Deferred<RunOutcome | null>;
}

interface Entry<C extends SchedulableConnector> {
  connector: C;
  intervalSeconds: number | null;
  paused: boolean;
  /** Wall-clock instant the next unattended run is due; null while running and before start(). */
  dueAt: number | null;
  /** The instant `dueAt` counts an interval from, so an interval change can move it; null for retry/catch-up. */
  dueBase: number | null;
  dueTrigger: RunTrigger;
  jitter: number;
  consecutiveFailures: number;
  lastError: ConnectorError | null;
  lastAttemptAt: number | null;
  lastSuccessAt: number | null;
  lastRunMs: number;
  queued: QueueItem | null;
  run: Run<C> | null;
  followUp: boolean;
  /** What the follow-up runs as: 'manual' once any runNow asked for it, else 'change' (scheduled priority). */
  followUpTrigger: 'manual' | 'change';
  /** The watcher saw a change while the connector was paused or automatic syncs held: synced when that ends. */
  changedWhilePaused: boolean;
  removed: boolean;
}

/** Listeners are the service's and the UI's code: one that throws must not break the scheduler or the others. */
class ContainedEmitter extends Emitter<SchedulerEvents> {
  readonly #log: Logger;

  constructor(log: Logger) {
    super();
    this.#log = log;
  }

  override on<K extends keyof SchedulerEvents>(event: K, fn: SchedulerEvents[K]): () => void {
    const call = fn as (...args: unknown[]) => void;
    const safe = (...args: unknown[]): void => {
      try {
        call(...args);
      } catch (err) {
        this.#log.error(`scheduler: a '${event}' listener threw`, err);
      }
    };
    return super.on(event, safe);
  }
}

export class SyncScheduler<C extends SchedulableConnector = SchedulableConnector> {
  readonly events: Emitter<SchedulerEvents>;

  readonly #engine: SyncRunner<C>;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #o: Required<Omit<SchedulerOptions, 'clock' | 'log' | 'intervalSeconds'>>;
  #defaultIntervalSeconds: number;

  readonly #entries = new Map<string, Entry<C>>();
  /** Runs holding a concurrency slot. */
  readonly #active = new Set<Run<C>>();
  /**
   * Runs whose engine promise has not settled, by connector id, including abandoned ones. A connector never
   * starts a new run while its old one may still be writing, even after a remove/re-add or a restart.
   */
  readonly #inFlight = new Map<string, Run<C>>();

  #started = false;
  #paused = false;
  /** `holdAutomatic`: runs nobody asked for wait; explicit ones run. */
  #held = false;
  /** Bumped by start() and stop(); a heartbeat armed in another generation is inert. */
  #generation = 0;
  #seq = 0;
  #tickHandle: unknown = null;
  #armedAt = 0;
  #armedMs = 0;

  constructor(engine: SyncRunner<C>, options: SchedulerOptions = {}) {
    const d = SCHEDULER_DEFAULTS;
    this.#engine = engine;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log ?? silentLogger;
    this.#defaultIntervalSeconds = checkPositive('intervalSeconds', options.intervalSeconds ?? d.intervalSeconds);
    this.#o = {
      maxConcurrent: Math.floor(checkPositive('maxConcurrent', options.maxConcurrent ?? d.maxConcurrent)) || 1,
      watchdogMs: checkPositive('watchdogMs', options.watchdogMs ?? d.watchdogMs),
      stopTimeoutMs: checkNonNegative('stopTimeoutMs', options.stopTimeoutMs ?? d.stopTimeoutMs),
      backoffBaseMs: checkPositive('backoffBaseMs', options.backoffBaseMs ?? d.backoffBaseMs),
      catchUpDelayMs: checkNonNegative('catchUpDelayMs', options.catchUpDelayMs ?? d.catchUpDelayMs),
      firstRunDelayMs:
        options.firstRunDelayMs === undefined || options.firstRunDelayMs === null
          ? null
          : checkNonNegative('firstRunDelayMs', options.firstRunDelayMs),
      jitterRatio: checkNonNegative('jitterRatio', options.jitterRatio ?? d.jitterRatio),
      maxTimerMs: checkPositive('maxTimerMs', options.maxTimerMs ?? d.maxTimerMs),
    };
    if (this.#o.jitterRatio >= 1) throw new RangeError('jitterRatio must be below 1');
    this.events = new ContainedEmitter(this.#log);
  }

  /**
   * Registers a connector, or replaces the config of one already registered under the same id (options left
   * out mean "default interval, not paused"). Re-adding never starts a second run; a pause flag turning on aborts
   * a running sync as `pause()` does. The failure streak is read from the runner once, when the id is first added.
   */
  add(connector: C, opts: { intervalSeconds?: number | null; paused?: boolean } = {}): void {
    const intervalSeconds = opts.intervalSeconds ?? null;
    if (intervalSeconds !== null) checkPositive('intervalSeconds', intervalSeconds);
    const paused = opts.paused ?? false;
    const id = connector.id;
    const existing = this.#entries.get(id);
    if (existing) {
      existing.connector = connector;
      if (paused !== existing.paused) {
        if (paused) this.pause(id);
        else this.resume(id);
      }
      this.setInterval(id, intervalSeconds);
      this.#changed();
      return;
    }
    const consecutiveFailures = this.#persistedFailures(id);
    const entry: Entry<C> = {
      connector,
      intervalSeconds,
      paused,
      dueAt: null,
      dueBase: null,
      dueTrigger: 'schedule',
      jitter: 1,
      consecutiveFailures,
      lastError:
        consecutiveFailures > 0 ? this.#safe('lastError', () => this.#engine.lastError?.(id) ?? null, null) : null,
      lastAttemptAt: null,
      lastSuccessAt: null,
      lastRunMs: 0,
      queued: null,
      run: null,
      followUp: false,
      followUpTrigger: 'manual',
      changedWhilePaused: false,
      removed: false,
    };
    this.#entries.set(id, entry);
    if (this.#started) this.#plan(entry, this.#clock.now());
    this.#changed();
    this.#arm();
  }

  /**
   * Unregisters a connector at once (it leaves the snapshot and gets no more runs), aborts its run and resolves
   * when that run has settled, or at most `stopTimeoutMs` later if the run ignores its signal.
   */
  async remove(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    entry.removed = true;
    entry.followUp = false;
    this.#dropQueued(entry);
    const run = entry.run;
    if (run) this.#cancel(run, 'removed');
    this.#changed();
    this.#arm();
    if (run) await run.outcome.promise;
  }

  /**
   * Starts the loop; a no-op when already started. Due times come from the runner's persisted history: never
   * synced → one full interval from now (or `firstRunDelayMs`); overdue (missed while the app was not running) → ONE catch-up run
   * `catchUpDelayMs` from now; last run failed → retry after the backoff for the persisted streak.
   */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#generation++;
    const now = this.#clock.now();
    for (const entry of this.#entries.values()) this.#plan(entry, now);
    this.#log.info(
      `scheduler started (${this.#entries.size} connectors, default interval ${this.#defaultIntervalSeconds} s)`,
    );
    this.#changed();
    this.#arm();
  }

  /**
   * Stops the loop, drops queued runs and aborts running ones. Resolves when every run has settled, and in any
   * case within `stopTimeoutMs`: a run that ignores its signal is abandoned and its late result ignored.
   * Safe to call at any time, any number of times. A later `start()` begins a fresh generation.
   */
  async stop(): Promise<void> {
    const wasStarted = this.#started;
    this.#started = false;
    this.#generation++;
    this.#disarm();
    for (const entry of this.#entries.values()) {
      entry.followUp = false;
      this.#dropQueued(entry);
    }
    const runs = [...this.#active];
    for (const run of runs) this.#cancel(run, 'stopped');
    if (wasStarted || runs.length > 0) this.#log.info(`scheduler stopping (${runs.length} runs to cancel)`);
    this.#changed();
    await Promise.all(runs.map((run) => run.outcome.promise));
  }

  /**
   * Syncs every connected connector once (individually paused ones excepted; the global pause does not apply to
   * an explicit request) and resolves to `{ id: result }` for the runs that succeeded. Failures are logged and
   * recorded, never thrown. Single flight: a connector already syncing is not started again; its current run's
   * result is used. Works without `start()`.
   */
  async runOnce(): Promise<Record<string, RunResult>> {
    const waits: Array<[string, Promise<RunOutcome | null>]> = [];
    for (const entry of this.#entries.values()) {
      const id = entry.connector.id;
      if (entry.paused || !this.#isConnected(entry)) continue;
      if (entry.run) {
        waits.push([id, entry.run.outcome.promise]);
      } else if (this.#inFlight.has(id)) {
        this.#log.warn(`runOnce: ${id} left out, its previous run has not stopped yet`);
      } else {
        waits.push([id, this.#enqueueManual(entry).outcome.promise]);
      }
    }
    this.#pump();
    this.#changed();
    this.#arm();
    const results: Record<string, RunResult> = {};
    for (const [id, wait] of waits) {
      const outcome = await wait;
      if (outcome?.kind === 'success') results[id] = outcome.result;
    }
    return results;
  }

  /**
   * Asks for a run as soon as a slot is free (manual requests go ahead of scheduled ones). During a run of the
   * same connector it sets ONE coalesced follow-up, however many times it is called. A paused connector (or a
   * globally paused scheduler) runs once and stays paused. `null` = every connected connector that is not
   * individually paused. Refused when not started, not connected, or while an abandoned run has not stopped.
   */
  runNow(id: string | null): Accepted {
    if (!this.#started) return { accepted: false, reason: 'the scheduler is not running' };
    if (id !== null) {
      const entry = this.#entries.get(id);
      if (!entry) return { accepted: false, reason: `unknown connector "${id}"` };
      return this.#request(entry);
    }
    const answers = [...this.#entries.values()].filter((e) => !e.paused).map((e) => this.#request(e));
    if (answers.some((a) => a.accepted)) return { accepted: true };
    return { accepted: false, reason: answers[0]?.reason ?? 'no connectors to sync' };
  }

  /**
   * Something changed under the connector's path (the change watcher calls this after its debounce): asks for a
   * run soon, with trigger 'change'. During a run of that connector it sets the ONE coalesced follow-up (as runNow
   * does). Otherwise the run is queued with scheduled priority: behind manual requests, and a run already queued
   * (manual or due) simply covers it. Ignored (not accepted) when not started, while the connector or the whole
   * scheduler is paused (a watcher never overrides a pause; the catch-up on resume covers it), when not connected
   * or while an abandoned run has not stopped: the interval sync reconciles later in every case.
   * Nor does a change cut a failure backoff short: a folder that changes every few seconds would otherwise retry a
   * failing sync every few seconds. The retry, a full sync, picks the change up at its time.
   */
  notifyChanged(id: string): Accepted {
    if (!this.#started) return { accepted: false, reason: 'the scheduler is not running' };
    const e = this.#entries.get(id);
    if (!e) return { accepted: false, reason: `unknown connector "${id}"` };
    if (this.#isPaused(e) || this.#held) {
      e.changedWhilePaused = true;
      return {
        accepted: false,
        reason: `${this.#held ? 'automatic syncs are on hold' : `${id} is paused`}; synced when that ends`,
      };
    }
    if (!this.#isConnected(e)) return { accepted: false, reason: `${id} is not connected` };
    const now = this.#clock.now();
    if (!e.run && !e.queued && this.#backingOff(e, now)) {
      const seconds = Math.ceil((e.dueAt! - now) / 1000);
      return {
        accepted: false,
        reason: `${id} failed ${e.consecutiveFailures} time(s) in a row; its retry in ${seconds} s picks the change up`,
      };
    }
    if (e.run) {
      if (e.followUp) return { accepted: true, reason: 'already syncing; a follow-up run is already queued' };
      e.followUp = true;
      e.followUpTrigger = 'change';
      this.#changed();
      return { accepted: true, reason: 'already syncing; one follow-up run queued' };
    }
    if (this.#inFlight.has(id)) return { accepted: false, reason: `${id}'s previous run has not stopped yet` };
    if (e.queued) return { accepted: true, reason: 'already queued' };
    this.#enqueueChange(e);
    this.#log.debug(`${id}: files changed; run queued`);
    this.#pump();
    this.#changed();
    this.#arm();
    return { accepted: true };
  }

  /**
   * Pauses one connector, or everything when `id` is null. A running sync of what gets paused is aborted and
   * recorded as cancelled (not failed); queued runs and follow-ups are dropped. Idempotent.
   */
  pause(id: string | null): void {
    if (id === null) {
      this.#paused = true;
      for (const entry of this.#entries.values()) this.#halt(entry);
    } else {
      const entry = this.#entries.get(id);
      if (!entry) return;
      entry.paused = true;
      this.#halt(entry);
    }
    this.#changed();
    this.#arm();
  }

  /**
   * Cancels the running (or queued) sync of one connector, or of every connector when `id` is null, without
   * pausing anything: what the run committed stays, the run is recorded as cancelled, its follow-up is dropped, and
   * the next unattended run comes one interval from now (not at once, which would undo the cancel).
   */
  cancel(id: string | null): Accepted {
    const entries = id === null ? [...this.#entries.values()] : [this.#entries.get(id)].filter((e) => e !== undefined);
    if (id !== null && entries.length === 0) return { accepted: false, reason: `unknown connector "${id}"` };
    const now = this.#clock.now();
    let cancelled = 0;
    for (const e of entries) {
      const running = e.run !== null && e.run.cancelReason === null;
      if (!running && e.queued === null) continue;
      cancelled++;
      e.followUp = false;
      this.#dropQueued(e);
      if (e.run && running) this.#cancel(e.run, 'user');
      else if (this.#started) this.#setDue(e, now + this.#intervalMs(e) * e.jitter, 'schedule', now);
    }
    this.#changed();
    this.#arm();
    if (cancelled > 0) return { accepted: true };
    return { accepted: false, reason: id === null ? 'nothing is syncing' : `${id} is not syncing` };
  }

  /**
   * Resumes one connector, or the global pause when `id` is null. A connector whose due time passed while it was
   * paused, or whose files changed meanwhile (notifyChanged), runs ONCE, `catchUpDelayMs` from now; otherwise it
   * runs at its due time. Idempotent.
   */
  resume(id: string | null): void {
    const now = this.#clock.now();
    if (id === null) {
      if (!this.#paused) return;
      this.#paused = false;
      for (const entry of this.#entries.values()) if (!entry.paused) this.#catchUpIfOverdue(entry, now);
    } else {
      const entry = this.#entries.get(id);
      if (!entry?.paused) return;
      entry.paused = false;
      if (!this.#paused) this.#catchUpIfOverdue(entry, now);
    }
    this.#changed();
    this.#arm();
  }

  /**
   * Holds back every run nobody asked for (scheduled, retry, catch-up, change) while explicit requests (`runNow`,
   * `runOnce` and their follow-ups) still run to the end: the service's "pause while on battery". Unlike `pause`, the
   * connectors keep their state (idle, error), and a sync the user started is not touched. An automatic run under way
   * stops at its next batch boundary and, like a paused one, is caught up ONCE when the hold ends. Idempotent.
   */
  holdAutomatic(held: boolean): void {
    if (held === this.#held) return;
    this.#held = held;
    const now = this.#clock.now();
    for (const e of this.#entries.values()) {
      if (held) {
        if (e.followUpTrigger === 'change') e.followUp = false;
        if (e.queued && !e.queued.manual) this.#dropQueued(e);
        if (e.run && e.run.trigger !== 'manual') this.#cancel(e.run, 'paused');
      } else if (!this.#isPaused(e)) {
        this.#catchUpIfOverdue(e, now);
      }
    }
    this.#log.info(held ? 'automatic syncs on hold' : 'automatic syncs no longer on hold');
    this.#changed();
    this.#arm();
  }

  /**
   * Sets a connector's own interval (null = the default). The pending due time moves with it: measured from the
   * same base (a due time already passed means "run now"), and a pending retry never waits longer than the new
   * interval.
   */
  setInterval(id: string, seconds: number | null): void {
    if (seconds !== null) checkPositive('intervalSeconds', seconds);
    const entry = this.#entries.get(id);
    if (!entry || entry.intervalSeconds === seconds) return;
    entry.intervalSeconds = seconds;
    this.#reinterval(entry, this.#clock.now());
    this.#changed();
    this.#arm();
  }

  /** Sets the default interval; connectors without their own move as with `setInterval`. */
  setDefaultInterval(seconds: number): void {
    checkPositive('intervalSeconds', seconds);
    if (seconds === this.#defaultIntervalSeconds) return;
    this.#defaultIntervalSeconds = seconds;
    const now = this.#clock.now();
    for (const entry of this.#entries.values()) if (entry.intervalSeconds === null) this.#reinterval(entry, now);
    this.#changed();
    this.#arm();
  }

  /**
   * The OS says the machine woke up (Electron powerMonitor 'resume'). Only a hint: the heartbeat detects a sleep on
   * its own. Runs that came due during the sleep run ONCE, `catchUpDelayMs` from now, and running syncs are not
   * blamed by the watchdog for the time the machine was asleep.
   */
  notifyResume(): void {
    if (!this.#started) return;
    this.#log.info('system resumed');
    this.#wake(this.#clock.now());
    this.#arm();
  }

  /**
   * A run of this connector made without the scheduler (SyncService.syncNow: the CLI's `sync`) has ended. It is
   * recorded as one of the scheduler's own runs, so the failure streak, the error and the next due time follow the
   * last run, whoever started it: a direct success ends a backoff, a direct failure starts or extends one. A cancelled
   * run changes nothing.
   */
  recordDirectRun(id: string, outcome: RunOutcome, startedAt: number): void {
    const e = this.#entries.get(id);
    if (!e || outcome.kind === 'cancelled') return;
    const now = this.#clock.now();
    e.lastAttemptAt = startedAt;
    e.lastRunMs = Math.max(0, now - startedAt);
    this.#record(e, outcome, now, startedAt, e.run === null);
    this.#changed();
    this.#arm();
  }

  /** A plain-data copy of the scheduling state, safe to serialise. */
  snapshot(): SchedulerSnapshot {
    const connectors: Record<string, ConnectorSchedule> = {};
    for (const [id, e] of this.#entries) {
      connectors[id] = {
        state: this.#stateOf(e),
        paused: e.paused,
        running: e.run !== null,
        queued: e.queued !== null,
        trigger: e.run?.trigger ?? e.queued?.trigger ?? null,
        nextRunAt: this.#started && !this.#isPaused(e) && !this.#held ? e.dueAt : null,
        consecutiveFailures: e.consecutiveFailures,
        lastError: e.lastError,
        lastAttemptAt: e.lastAttemptAt,
        lastSuccessAt: e.lastSuccessAt,
        progress: e.run?.progress ?? null,
        followUpQueued: e.followUp,
      };
    }
    return { paused: this.#paused, running: this.#active.size > 0, connectors };
  }

  // ── planning ────────────────────────────────────────────────────────────────────────────────────────────────

  #plan(e: Entry<C>, now: number): void {
    const persisted = this.#safe('lastSuccessAt', () => this.#engine.lastSuccessAt(e.connector.id), null);
    if (persisted !== null && (e.lastSuccessAt === null || persisted > e.lastSuccessAt)) e.lastSuccessAt = persisted;
    const interval = this.#intervalMs(e);
    e.jitter = this.#jitterFactor();
    if (e.consecutiveFailures > 0) {
      // The last attempt failed: keep backing off across the restart rather than hammer a broken source.
      const backoff = this.#backoffMs(e);
      this.#setDue(e, now + Math.max(this.#o.catchUpDelayMs, backoff), 'retry', null);
    } else if (this.#interrupted(e)) {
      // A sync that stopped part-way (quit, crash, cancel) resumes soon, from its checkpoint: an hour's wait would leave
      // a first sync half done, and the message it ended with promises it runs again.
      this.#setDue(e, now + this.#o.catchUpDelayMs, 'catch-up', null);
    } else if (e.lastSuccessAt === null) {
      if (this.#o.firstRunDelayMs === null) this.#setDue(e, now + interval * e.jitter, 'first', now);
      else this.#setDue(e, now + this.#o.firstRunDelayMs, 'first', null);
    } else if (e.lastSuccessAt + interval * e.jitter - now > MAX_DUE_INTERVALS * interval) {
      // The last success lies in the future: the clock went back since.
      this.#setDue(e, now + interval * e.jitter, 'schedule', now);
    } else if (e.lastSuccessAt + interval * e.jitter <= now) {
      this.#setDue(e, now + this.#o.catchUpDelayMs, 'catch-up', null);
    } else {
      this.#setDue(e, e.lastSuccessAt + interval * e.jitter, 'schedule', e.lastSuccessAt);
    }
  }

  /** The last run started after the last success and neither finished nor failed. */
  #interrupted(e: Entry<C>): boolean {
    const attempt = this.#safe('lastAttemptAt', () => this.#engine.lastAttemptAt?.(e.connector.id) ?? null, null);
    return attempt !== null && (e.lastSuccessAt === null || attempt > e.lastSuccessAt);
  }

  #setDue(e: Entry<C>, at: number, trigger: RunTrigger, base: number | null): void {
    e.dueAt = at;
    e.dueTrigger = trigger;
    e.dueBase = base;
  }

  #catchUpIfOverdue(e: Entry<C>, now: number): void {
    if (e.run || e.queued) return;
    const overdue = e.dueAt !== null && e.dueAt <= now;
    // A change the watcher reported during a pause or hold was dropped then: the resume syncs it, unless a failure's
    // retry (a full sync) is still to come.
    const changed = e.changedWhilePaused && !this.#isPaused(e) && !this.#held && !this.#backingOff(e, now);
    if (changed) e.changedWhilePaused = false;
    if (overdue || changed) this.#setDue(e, now + this.#o.catchUpDelayMs, 'catch-up', null);
  }

  #reinterval(e: Entry<C>, now: number): void {
    if (e.dueAt === null) return;
    const interval = this.#intervalMs(e);
    if (e.dueBase !== null) e.dueAt = Math.max(now, e.dueBase + interval * e.jitter);
    else e.dueAt = Math.min(e.dueAt, now + interval);
  }

  #intervalMs(e: Entry<C>): number {
    return (e.intervalSeconds ?? this.#defaultIntervalSeconds) * 1000;
  }

  #jitterFactor(): number {
    return 1 + this.#o.jitterRatio * (2 * this.#random() - 1);
  }

  #backoffMs(e: Entry<C>): number {
    return computeBackoffMs({
      failures: e.consecutiveFailures,
      baseMs: this.#o.backoffBaseMs,
      capMs: this.#intervalMs(e),
      lastRunMs: e.lastRunMs,
      random: this.#random(),
    });
  }

  #random(): number {
    const r = this.#safe('random', () => this.#clock.random(), 0.5);
    return Number.isFinite(r) ? clamp01(r) : 0.5;
  }

  // ── heartbeat ───────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * (Re)arms the single heartbeat for the nearest due time or watchdog deadline, never further than maxTimerMs.
   * It also runs when not started while a runOnce() run is in progress, so the watchdog still guards it.
   */
  #arm(): void {
    this.#disarm();
    const watched = [...this.#active].filter((run) => run.cancelReason === null);
    if (!this.#started && watched.length === 0) return;
    const now = this.#clock.now();
    let delay = this.#o.maxTimerMs;
    if (this.#started) {
      for (const e of this.#entries.values()) if (this.#waitsForDue(e)) delay = Math.min(delay, e.dueAt! - now);
    }
    for (const run of watched) delay = Math.min(delay, run.lastProgressAt + this.#o.watchdogMs - now);
    delay = Math.max(0, delay);
    const generation = this.#generation;
    this.#armedAt = now;
    this.#armedMs = delay;
    this.#tickHandle = this.#clock.setTimeout(() => {
      if (generation !== this.#generation) return;
      this.#tickHandle = null;
      try {
        this.#tick();
      } catch (err) {
        this.#log.error('scheduler: heartbeat failed; continuing', err);
      } finally {
        this.#arm();
      }
    }, delay);
  }

  #disarm(): void {
    if (this.#tickHandle !== null) this.#clock.clearTimeout(this.#tickHandle);
    this.#tickHandle = null;
  }

  #tick(): void {
    const now = this.#clock.now();
    const elapsed = now - this.#armedAt;
    if (elapsed > 2 * Math.max(this.#armedMs, MIN_EXPECTED_TICK_MS)) {
      this.#log.info(
        `wall clock advanced ${Math.round(elapsed / 1000)} s during a ${Math.round(this.#armedMs / 1000)} s wait: treating it as a resume`,
      );
      this.#wake(now);
    }
    this.#fixBackwardJumps(now);
    this.#checkWatchdogs(now);
    if (this.#started) this.#enqueueDue(now);
    this.#pump();
  }

  #wake(now: number): void {
    // Time spent asleep is not the run's fault.
    for (const run of this.#active) run.lastProgressAt = now;
    for (const e of this.#entries.values()) this.#catchUpIfOverdue(e, now);
    this.#changed();
  }

  #fixBackwardJumps(now: number): void {
    for (const e of this.#entries.values()) {
      if (e.dueAt === null) continue;
      const interval = this.#intervalMs(e);
      if (e.dueAt - now > MAX_DUE_INTERVALS * interval) {
        this.#log.info(
          `${e.connector.id}: due time is ${Math.round((e.dueAt - now) / 60_000)} min away, the clock went back; rescheduling`,
        );
        e.dueAt = now + interval * e.jitter;
        if (e.dueBase !== null) e.dueBase = now;
        this.#changed();
      }
    }
    for (const run of this.#active) if (run.lastProgressAt > now) run.lastProgressAt = now;
  }

  #checkWatchdogs(now: number): void {
    for (const run of [...this.#active]) {
      if (run.cancelReason === null && now - run.lastProgressAt >= this.#o.watchdogMs) {
        this.#log.warn(
          `${run.entry.connector.id}: no progress for ${formatMinutes(this.#o.watchdogMs)}; aborting the run`,
        );
        this.#cancel(run, 'watchdog');
      }
    }
  }

  #enqueueDue(now: number): void {
    const due = [...this.#entries.values()]
      .filter((e) => this.#waitsForDue(e) && e.dueAt! <= now)
      .sort((a, b) => a.dueAt! - b.dueAt!);
    for (const e of due) {
      if (this.#isConnected(e)) {
        e.queued = { trigger: e.dueTrigger, manual: false, seq: ++this.#seq, outcome: deferred() };
      } else {
        this.#log.debug(`${e.connector.id}: due but not connected; skipped`);
        this.#setDue(e, now + this.#intervalMs(e) * e.jitter, 'schedule', now);
      }
    }
    if (due.length > 0) this.#changed();
  }

  /** Has a due time the heartbeat should act on (blocked connectors are left out so the heartbeat can't spin). */
  #waitsForDue(e: Entry<C>): boolean {
    return (
      e.dueAt !== null &&
      !this.#isPaused(e) &&
      !this.#held &&
      !e.run &&
      !e.queued &&
      !this.#inFlight.has(e.connector.id)
    );
  }

  // ── runs ────────────────────────────────────────────────────────────────────────────────────────────────────

  #request(e: Entry<C>): Accepted {
    const id = e.connector.id;
    if (!this.#isConnected(e)) return { accepted: false, reason: `${id} is not connected` };
    if (e.run) {
      const already = e.followUp;
      e.followUp = true;
      e.followUpTrigger = 'manual';
      if (already) return { accepted: true, reason: 'already syncing; a follow-up run is already queued' };
      this.#changed();
      return { accepted: true, reason: 'already syncing; one follow-up run queued' };
    }
    if (this.#inFlight.has(id)) return { accepted: false, reason: `${id}'s previous run has not stopped yet` };
    const wasQueued = e.queued !== null;
    this.#enqueueManual(e);
    this.#pump();
    this.#changed();
    this.#arm();
    return wasQueued ? { accepted: true, reason: 'already queued' } : { accepted: true };
  }

  /** Queues a manual run, or promotes an already queued scheduled one (it keeps its waiters). */
  #enqueueManual(e: Entry<C>): QueueItem {
    if (e.queued) {
      if (!e.queued.manual) {
        e.queued.manual = true;
        e.queued.trigger = 'manual';
        e.queued.seq = ++this.#seq;
      }
      return e.queued;
    }
    e.queued = { trigger: 'manual', manual: true, seq: ++this.#seq, outcome: deferred() };
    return e.queued;
  }

  /** Queues a 'change' run with scheduled priority (FIFO behind manual requests); never replaces a queued run. */
  #enqueueChange(e: Entry<C>): void {
    e.queued ??= { trigger: 'change', manual: false, seq: ++this.#seq, outcome: deferred() };
  }

  #dropQueued(e: Entry<C>): void {
    e.queued?.outcome.resolve(null);
    e.queued = null;
  }

  /** Starts queued runs while slots are free: manual requests first, then FIFO. */
  #pump(): void {
    while (this.#active.size < this.#o.maxConcurrent) {
      let next: Entry<C> | null = null;
      for (const e of this.#entries.values()) {
        if (!e.queued || this.#inFlight.has(e.connector.id)) continue;
        if (!next || queueOrder(e.queued, next.queued!) < 0) next = e;
      }
      if (!next) return;
      const item = next.queued!;
      next.queued = null;
      if (this.#isConnected(next)) {
        this.#startRun(next, item);
      } else {
        this.#log.info(`${next.connector.id}: disconnected while queued; run dropped`);
        item.outcome.resolve(null);
        if (!item.manual) {
          const now = this.#clock.now();
          this.#setDue(next, now + this.#intervalMs(next) * next.jitter, 'schedule', now);
        }
        this.#changed();
      }
    }
  }

  #startRun(e: Entry<C>, item: QueueItem): void {
    const id = e.connector.id;
    const now = this.#clock.now();
    const run: Run<C> = {
      entry: e,
      trigger: item.trigger,
      controller: new AbortController(),
      startedAt: now,
      lastProgressAt: now,
      progress: null,
      cancelReason: null,
      done: false,
      cancelDeadline: null,
      outcome: item.outcome,
    };
    e.run = run;
    e.changedWhilePaused = false; // a run reads everything, the change included
    e.dueAt = null;
    e.dueBase = null;
    e.lastAttemptAt = now;
    this.#active.add(run);
    this.#inFlight.set(id, run);
    this.#log.info(`${id}: sync started (${run.trigger})`);
    this.events.emit('runStarted', id, run.trigger);
    this.#changed();
    const engine = this.#engine;
    const connector = e.connector;
    const opts: SyncRunOptions = {
      signal: run.controller.signal,
      trigger: run.trigger,
      onProgress: (p) => this.#onProgress(run, p),
    };
    // The async wrapper turns a synchronous throw from the engine into a rejection like any other failure.
    void (async () => engine.sync(connector, opts))().then(
      (result) => this.#settle(run, { ok: true, result }),
      (error: unknown) => this.#settle(run, { ok: false, error }),
    );
  }

  #onProgress(run: Run<C>, p: Progress): void {
    if (run.done) return;
    run.progress = p;
    run.lastProgressAt = this.#clock.now();
    this.events.emit('progress', run.entry.connector.id, p);
  }

  #settle(run: Run<C>, res: { ok: true; result: RunResult } | { ok: false; error: unknown }): void {
    const id = run.entry.connector.id;
    try {
      if (this.#inFlight.get(id) === run) this.#inFlight.delete(id);
      if (run.done) {
        this.#log.info(`${id}: the abandoned run finally settled; its result is ignored`);
        this.#changed();
        return;
      }
      this.#complete(run, this.#outcomeOf(run, res));
    } catch (err) {
      this.#log.error(`scheduler: recording the end of ${id}'s run failed`, err);
    } finally {
      this.#pump();
      this.#arm();
    }
  }

  #outcomeOf(run: Run<C>, res: { ok: true; result: RunResult } | { ok: false; error: unknown }): RunOutcome {
    // Work the engine finished (and committed) counts even if a cancel arrived meanwhile.
    if (res.ok) return { kind: 'success', result: res.result };
    const now = this.#clock.now();
    if (run.cancelReason === 'watchdog') {
      const minutes = formatMinutes(this.#o.watchdogMs);
      return {
        kind: 'failed',
        error: {
          code: 'E_WATCHDOG',
          message: `No progress for ${minutes}, so the run was stopped; it will be retried.`,
          at: now,
        },
      };
    }
    if (run.cancelReason !== null) return { kind: 'cancelled', reason: run.cancelReason };
    return { kind: 'failed', error: toConnectorError(res.error, now) };
  }

  /** Records an outcome and releases the slot. Called once per run: on settle, or at the cancel deadline. */
  #complete(run: Run<C>, outcome: RunOutcome): void {
    run.done = true;
    run.cancelDeadline?.();
    run.cancelDeadline = null;
    this.#active.delete(run);
    const e = run.entry;
    const id = e.connector.id;
    if (e.run === run) e.run = null;
    const now = this.#clock.now();
    e.lastRunMs = Math.max(0, now - run.startedAt);
    if (!e.removed) this.#record(e, outcome, now, run.startedAt);
    this.events.emit('runFinished', id, outcome);
    if (e.followUp) {
      e.followUp = false;
      if (e.followUpTrigger === 'change' && this.#backingOff(e, now)) {
        this.#log.info(`${id}: the change follow-up waits for the retry`);
      } else if (!e.removed && this.#started && !this.#inFlight.has(id)) {
        if (e.followUpTrigger === 'manual') this.#enqueueManual(e);
        else this.#enqueueChange(e);
      } else this.#log.info(`${id}: follow-up run dropped`);
    }
    run.outcome.resolve(outcome);
    this.#changed();
  }

  /**
   * Records how a run ended. `plan` false (a direct run that ended while the scheduler's own run goes on) leaves the
   * due time to that run's end.
   */
  #record(e: Entry<C>, outcome: RunOutcome, now: number, startedAt: number, plan = true): void {
    const id = e.connector.id;
    switch (outcome.kind) {
      case 'success':
        e.consecutiveFailures = 0;
        e.lastError = null;
        e.lastSuccessAt = now;
        e.jitter = this.#jitterFactor();
        if (plan) this.#setDue(e, now + this.#intervalMs(e) * e.jitter, 'schedule', now);
        this.#log.info(`${id}: sync finished in ${e.lastRunMs} ms`);
        break;
      case 'failed': {
        e.consecutiveFailures += 1;
        e.lastError = outcome.error;
        const delay = this.#backoffMs(e);
        if (plan) this.#setDue(e, now + delay, 'retry', null);
        this.#log.warn(
          `${id}: sync failed (${outcome.error.code}: ${outcome.error.message}); failure ${e.consecutiveFailures} in a row, retry in ${Math.round(delay / 1000)} s`,
        );
        break;
      }
      case 'cancelled':
        // Paused mid-run: the run was due and did not finish, so resume() will catch up. A stopped run is
        // planned again from history by the next start().
        if (outcome.reason === 'paused') this.#setDue(e, e.dueAt ?? startedAt, 'catch-up', null);
        if (outcome.reason === 'user') this.#setDue(e, now + this.#intervalMs(e) * e.jitter, 'schedule', now);
        this.#log.info(`${id}: sync cancelled (${outcome.reason})`);
        break;
    }
  }

  /** Aborts a run. If it has not settled `stopTimeoutMs` later it is abandoned: slot released, late result ignored. */
  #cancel(run: Run<C>, reason: CancelReason | 'watchdog'): void {
    if (run.done || run.cancelReason !== null) return;
    run.cancelReason = reason;
    const id = run.entry.connector.id;
    try {
      run.controller.abort(new SyncCancelledError(reason));
    } catch (err) {
      this.#log.error(`${id}: an abort listener threw`, err);
    }
    run.cancelDeadline = this.#after(this.#o.stopTimeoutMs, () => {
      if (run.done) return;
      this.#log.warn(`${id}: the run did not stop within ${this.#o.stopTimeoutMs} ms of '${reason}'; abandoning it`);
      this.#complete(run, this.#outcomeOf(run, { ok: false, error: new SyncCancelledError(reason) }));
      this.#pump();
      this.#arm();
    });
    this.#changed();
  }

  #halt(e: Entry<C>): void {
    e.followUp = false;
    this.#dropQueued(e);
    if (e.run) this.#cancel(e.run, 'paused');
  }

  /** A one-shot deadline in timer time (not wall time, which may jump), split into timers of at most maxTimerMs. */
  #after(ms: number, fn: () => void): () => void {
    let handle: unknown = null;
    let live = true;
    const step = (left: number): void => {
      const d = Math.min(left, this.#o.maxTimerMs);
      handle = this.#clock.setTimeout(() => {
        if (!live) return;
        if (left > d) {
          step(left - d);
          return;
        }
        live = false;
        try {
          fn();
        } catch (err) {
          this.#log.error('scheduler: a deadline handler failed', err);
        }
      }, d);
    };
    step(Math.max(0, ms));
    return () => {
      live = false;
      this.#clock.clearTimeout(handle);
    };
  }

  // ── helpers ─────────────────────────────────────────────────────────────────────────────────────────────────

  #stateOf(e: Entry<C>): ConnectorState {
    // A run being wound down because of a pause or a cancel already reads as what the user just asked for.
    if (e.run && e.run.cancelReason !== 'paused' && e.run.cancelReason !== 'user') return 'syncing';
    if (e.queued) return 'queued';
    if (this.#isPaused(e)) return 'paused';
    if (e.consecutiveFailures > 0) return 'error';
    return 'idle';
  }

  /**
   * Failed last time and its retry is not due yet: only an explicit request may run it before then. Only a pending
   * retry counts: after a cancelled run, say, the next run is a scheduled one an interval away, and changes run as
   * usual.
   */
  #backingOff(e: Entry<C>, now: number): boolean {
    return e.consecutiveFailures > 0 && e.dueTrigger === 'retry' && e.dueAt !== null && e.dueAt > now;
  }

  #isPaused(e: Entry<C>): boolean {
    return this.#paused || e.paused;
  }

  #isConnected(e: Entry<C>): boolean {
    return this.#safe(`isConnected(${e.connector.id})`, () => e.connector.isConnected(), false);
  }

  #persistedFailures(id: string): number {
    const n = this.#safe('consecutiveFailures', () => this.#engine.consecutiveFailures?.(id) ?? 0, 0);
    return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
  }

  #safe<T>(what: string, fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (err) {
      this.#log.warn(`scheduler: ${what} threw; using ${String(fallback)}`, err);
      return fallback;
    }
  }

  #changed(): void {
    this.events.emit('changed');
  }
}

function queueOrder(a: QueueItem, b: QueueItem): number {
  if (a.manual !== b.manual) return a.manual ? -1 : 1;
  return a.seq - b.seq;
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

function formatMinutes(ms: number): string {
  const minutes = Math.round(ms / 6_000) / 10;
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

function checkPositive(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

function checkNonNegative(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be zero or more, got ${String(value)}`);
  }
  return value;
}
