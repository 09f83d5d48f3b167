/**
 * Test doubles for the scheduler: a fake Clock that keeps wall time and timer time apart (so sleep and clock
 * jumps can be modelled, as @sinonjs/fake-timers' `jump`/`setSystemTime` do), and a SyncRunner that records its
 * calls and can be told to succeed, fail, throw or hang.
 */
import type { Logger } from '../../../../shared/logger.js';
import type { ConnectorError, Progress, RunResult, RunTrigger } from '../../../../shared/types.js';
import { ZERO_COUNTS } from '../../../../shared/types.js';
import { SyncCancelledError } from '../../../../electron/core/abort.js';
import type { Clock } from '../../../../electron/core/clock.js';
import {
  SyncScheduler,
  type RunOutcome,
  type SchedulableConnector,
  type SchedulerOptions,
  type SyncRunOptions,
  type SyncRunner,
} from '../../../../electron/core/scheduler.js';

export const SEC = 1_000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
/** A Monday morning; any fixed instant would do. */
export const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);

/** Lets every pending promise callback run (microtasks drain before a macrotask). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface FakeTimer {
  at: number;
  fn: () => void;
}

/**
 * Wall time (`now()`) and timer time move together under `advance`; `jump` and `setWallClock` move only wall
 * time (a clock change, or a sleep on an OS whose timers are pushed back by the sleep); `suspend` moves both and
 * fires each overdue timer once on wake (a sleep on an OS whose timers fire late but at once).
 */
export class FakeClock implements Clock {
  #wall: number;
  #mono = 0;
  #nextId = 1;
  readonly #timers = new Map<number, FakeTimer>();
  #random: () => number;
  /** The longest delay ever passed to setTimeout (the scheduler's port; `engineTimeout` is not counted). */
  maxArmedMs = 0;

  constructor(opts: { now?: number; random?: () => number } = {}) {
    this.#wall = opts.now ?? T0;
    this.#random = opts.random ?? (() => 0.5);
  }

  now(): number {
    return this.#wall;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    this.maxArmedMs = Math.max(this.maxArmedMs, ms);
    return this.engineTimeout(fn, ms);
  }

  /** A timer for the fake runner's simulated work, left out of `maxArmedMs`. */
  engineTimeout(fn: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#mono + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.#timers.delete(handle);
  }

  random(): number {
    return this.#random();
  }

  setRandom(fn: () => number): void {
    this.#random = fn;
  }

  /** Remaining delays of the pending timers, soonest first. */
  pending(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.#mono).sort((a, b) => a - b);
  }

  /** Moves wall and timer time forward by `ms`, firing due timers in order and letting promises settle between. */
  async advance(ms: number): Promise<void> {
    const end = this.#mono + ms;
    await flush();
    for (let guard = 0; ; guard++) {
      if (guard > 1_000_000) throw new Error('FakeClock: timers keep re-arming at the same instant');
      const next = this.#earliest(end);
      if (!next) break;
      const [id, timer] = next;
      this.#wall += timer.at - this.#mono;
      this.#mono = timer.at;
      this.#timers.delete(id);
      timer.fn();
      await flush();
    }
    this.#wall += end - this.#mono;
    this.#mono = end;
    await flush();
  }

  /** Moves wall time only: no timer fires, pending ones keep their remaining delay. */
  jump(ms: number): void {
    this.#wall += ms;
  }

  setWallClock(t: number): void {
    this.#wall = t;
  }

  /** Sleeps `ms`: on wake, every timer that came due fires once, in order, at the wake instant. */
  async suspend(ms: number): Promise<void> {
    this.#wall += ms;
    this.#mono += ms;
    const due = [...this.#timers.entries()]
      .filter(([, t]) => t.at <= this.#mono)
      .sort(([a, x], [b, y]) => x.at - y.at || a - b);
    for (const [id, timer] of due) {
      if (!this.#timers.delete(id)) continue;
      timer.fn();
      await flush();
    }
    await flush();
  }

  #earliest(limit: number): [number, FakeTimer] | null {
    let best: [number, FakeTimer] | null = null;
    for (const entry of this.#timers) {
      if (entry[1].at > limit) continue;
      if (!best || entry[1].at < best[1].at || (entry[1].at === best[1].at && entry[0] < best[0])) best = entry;
    }
    return best;
  }
}

export type Behaviour =
  /** Finishes after `ms`, reporting progress every `progressEveryMs` (default 10 s). */
  | { kind: 'succeed'; ms?: number; progressEveryMs?: number; result?: Partial<RunResult> }
  /** Rejects after `ms` with an error carrying `code`. */
  | { kind: 'fail'; ms?: number; code?: string; message?: string }
  /** Throws synchronously from sync(). */
  | { kind: 'throw'; message?: string }
  /** Never finishes on its own; honours the abort signal. */
  | { kind: 'hang' }
  /** Never finishes, not even when aborted (a read blocked on a dead network mount). */
  | { kind: 'ignore-signal' }
  /** The test settles it through the Call; ignores the signal unless told otherwise. */
  | { kind: 'manual'; honourSignal?: boolean };

export interface Call {
  id: string;
  trigger: RunTrigger;
  signal: AbortSignal;
  startedAt: number;
  settled: 'success' | 'failed' | 'aborted' | null;
  resolve(result?: Partial<RunResult>): void;
  reject(err: unknown): void;
  progress(p?: Partial<Progress>): void;
}

export class FakeRunner implements SyncRunner {
  readonly calls: Call[] = [];
  /** Persisted history, as the engine's checkpoint would hold it. */
  readonly history = new Map<string, number>();
  readonly failures = new Map<string, number>();
  /** Persisted start of the last run that wrote anything. */
  readonly attempts = new Map<string, number>();
  /** Persisted error of the last failed run. */
  readonly errors = new Map<string, ConnectorError>();
  maxLivePerConnector = 0;
  maxLiveTotal = 0;
  liveTotal = 0;
  readonly #live = new Map<string, number>();
  readonly #behaviours = new Map<string, Behaviour>();
  readonly #clock: FakeClock;
  readonly #fallback: Behaviour;

  constructor(clock: FakeClock, fallback: Behaviour = { kind: 'succeed', ms: SEC }) {
    this.#clock = clock;
    this.#fallback = fallback;
  }

  behave(id: string, behaviour: Behaviour): void {
    this.#behaviours.set(id, behaviour);
  }

  callsFor(id: string): Call[] {
    return this.calls.filter((c) => c.id === id);
  }

  lastSuccessAt(id: string): number | null {
    return this.history.get(id) ?? null;
  }

  consecutiveFailures(id: string): number {
    return this.failures.get(id) ?? 0;
  }

  lastError(id: string): ConnectorError | null {
    return this.errors.get(id) ?? null;
  }

  lastAttemptAt(id: string): number | null {
    return this.attempts.get(id) ?? null;
  }

  sync(connector: SchedulableConnector, opts: SyncRunOptions): Promise<RunResult> {
    const id = connector.id;
    const b = this.#behaviours.get(id) ?? this.#fallback;
    const clock = this.#clock;
    const startedAt = clock.now();
    if (b.kind === 'throw') {
      this.calls.push({
        id,
        trigger: opts.trigger,
        signal: opts.signal,
        startedAt,
        settled: 'failed',
        resolve() {},
        reject() {},
        progress() {},
      });
      this.failures.set(id, this.consecutiveFailures(id) + 1);
      throw new Error(b.message ?? 'boom');
    }
    this.#enter(id);
    return new Promise<RunResult>((resolve, reject) => {
      const timers: unknown[] = [];
      const finish = (how: 'success' | 'failed' | 'aborted', fn: () => void): void => {
        if (call.settled) return;
        call.settled = how;
        for (const t of timers) clock.clearTimeout(t);
        this.#leave(id);
        fn();
      };
      const call: Call = {
        id,
        trigger: opts.trigger,
        signal: opts.signal,
        startedAt,
        settled: null,
        resolve: (result) =>
          finish('success', () => {
            this.history.set(id, clock.now());
            this.failures.set(id, 0);
            resolve({ ...ZERO_COUNTS, durationMs: clock.now() - startedAt, ...result });
          }),
        reject: (err) =>
          finish('failed', () => {
            this.failures.set(id, this.consecutiveFailures(id) + 1);
            // Deliberately any value: engines written by others may reject with a string.
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
            reject(err);
          }),
        progress: (p) => opts.onProgress({ done: 0, found: 0, foundAll: false, currentItem: null, startedAt, ...p }),
      };
      this.calls.push(call);
      const honours = b.kind === 'manual' ? b.honourSignal === true : b.kind !== 'ignore-signal';
      if (honours) {
        const onAbort = () => finish('aborted', () => reject(new SyncCancelledError('aborted')));
        if (opts.signal.aborted) onAbort();
        else opts.signal.addEventListener('abort', onAbort, { once: true });
      }
      if (b.kind === 'succeed') {
        const ms = b.ms ?? SEC;
        const every = b.progressEveryMs ?? 10 * SEC;
        let done = 0;
        const beat = () => {
          call.progress({ done: ++done });
          if (!call.settled) timers.push(clock.engineTimeout(beat, every));
        };
        if (ms > every) timers.push(clock.engineTimeout(beat, every));
        if (ms === 0) call.resolve(b.result);
        else timers.push(clock.engineTimeout(() => call.resolve(b.result), ms));
      } else if (b.kind === 'fail') {
        const err = Object.assign(new Error(b.message ?? 'source failed'), { code: b.code ?? 'E_TEST' });
        if ((b.ms ?? 0) === 0) call.reject(err);
        else timers.push(clock.engineTimeout(() => call.reject(err), b.ms ?? 0));
      }
    });
  }

  #enter(id: string): void {
    const n = (this.#live.get(id) ?? 0) + 1;
    this.#live.set(id, n);
    this.liveTotal++;
    this.maxLivePerConnector = Math.max(this.maxLivePerConnector, n);
    this.maxLiveTotal = Math.max(this.maxLiveTotal, this.liveTotal);
  }

  #leave(id: string): void {
    this.#live.set(id, (this.#live.get(id) ?? 1) - 1);
    this.liveTotal--;
  }
}

export interface TestConnector extends SchedulableConnector {
  connected: boolean;
}

export function connector(id: string, connected = true): TestConnector {
  const c: TestConnector = {
    id,
    connected,
    isConnected: () => c.connected,
  };
  return c;
}

export function describeOutcome(o: RunOutcome): string {
  if (o.kind === 'success') return 'success';
  if (o.kind === 'failed') return `failed ${o.error.code}`;
  return `cancelled ${o.reason}`;
}

export interface LogLine {
  level: keyof Logger;
  text: string;
}

export function recordingLogger(lines: LogLine[]): Logger {
  const at =
    (level: keyof Logger) =>
    (...args: unknown[]) => {
      lines.push({ level, text: args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ') });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * A scheduler on a fake clock starting at T0. Deterministic by default: no interval jitter, and random() = 1 so a
 * backoff is exactly its cap-free value (×U(0.5, 1) at its top).
 */
export function setup(
  opts: { options?: Omit<SchedulerOptions, 'clock'>; fallback?: Behaviour; random?: () => number } = {},
) {
  const clock = new FakeClock({ now: T0, random: opts.random ?? (() => 1) });
  const runner = new FakeRunner(clock, opts.fallback);
  const logs: LogLine[] = [];
  const scheduler = new SyncScheduler(runner, {
    clock,
    jitterRatio: 0,
    catchUpDelayMs: 10 * SEC,
    log: recordingLogger(logs),
    ...opts.options,
  });
  const events: string[] = [];
  scheduler.events.on('runStarted', (id, trigger) => events.push(`start ${id} ${trigger}`));
  scheduler.events.on('runFinished', (id, outcome) => events.push(`end ${id} ${describeOutcome(outcome)}`));
  const schedule = (id: string) => {
    const s = scheduler.snapshot().connectors[id];
    if (!s) throw new Error(`no connector ${id} in the snapshot`);
    return s;
  };
  /** Start times of the calls for `id`, relative to T0. */
  const startsOf = (id: string) => runner.callsFor(id).map((c) => c.startedAt - T0);
  return { clock, runner, scheduler, events, logs, schedule, startsOf };
}
