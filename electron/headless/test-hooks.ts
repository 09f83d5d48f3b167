/**
 * TEST-ONLY hooks of the headless daemon, read from the environment so the end-to-end tests can drive a real
 * daemon process (test/e2e/). Each one prints a warning when active; none of them is meant for real use.
 *
 *   JARVIS_SYNC_INTERVAL_SECONDS=N   scheduled syncs come every N real seconds instead of every interval. Done
 *                                    by running the scheduler's clock faster (×interval/N), because the settings
 *                                    refuse intervals under 60 s. The stop timeout and the watchdog are scaled
 *                                    back so they keep their real-time lengths (stopping still takes ≤ 5 s); the
 *                                    catch-up delay and retry backoff shrink with the interval. Times the core
 *                                    records (last attempt, next run) are on that fast clock.
 *   JARVIS_SYNC_READ_DELAY_MS=M      every source unit (file) takes M ms more to read, one at a time, so a sync
 *                                    of N files lasts at least N × M ms and can be seen (the "syncing" screenshot,
 *                                    Cancel sync). Cancellable like a real read.
 *   JARVIS_SYNC_WATCH_DEBOUNCE_MS=D  the change watcher fires after D ms of quiet instead of 10 s (real time, not
 *                                    the scaled clock above), so a test sees an edit indexed quickly.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../core/clock.js';
import { SCHEDULER_DEFAULTS, type SchedulerOptions } from '../core/scheduler.js';
import { withRead, type ConnectorKindModule } from '../connectors/types.js';
import { CONNECTOR_MODULES } from '../connectors/registry.js';
import { parseStoredSettings } from '../../shared/settings.js';

export interface TestHooks {
  clock?: Clock;
  scheduler?: Omit<SchedulerOptions, 'intervalSeconds' | 'clock' | 'log'>;
  kinds?: readonly ConnectorKindModule[];
  watch?: { debounceMs: number };
  /** One line per active hook, for stderr. */
  warnings: string[];
}

function positive(env: NodeJS.ProcessEnv, name: string): number | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
}

/**
 * Reads the hooks. `storedIntervalSeconds` is the default interval the service will run with (read from the
 * settings file before the service opens, since the clock must be given at open).
 */
export function readTestHooks(env: NodeJS.ProcessEnv, storedIntervalSeconds: () => number): TestHooks {
  const hooks: TestHooks = { warnings: [] };
  const interval = positive(env, 'JARVIS_SYNC_INTERVAL_SECONDS');
  if (interval !== null) {
    const scale = Math.max(1, storedIntervalSeconds() / interval);
    hooks.clock = scaledClock(scale);
    const d = SCHEDULER_DEFAULTS;
    hooks.scheduler = {
      stopTimeoutMs: d.stopTimeoutMs * scale,
      watchdogMs: d.watchdogMs * scale,
      jitterRatio: 0,
    };
    hooks.warnings.push(
      `TEST HOOK: JARVIS_SYNC_INTERVAL_SECONDS=${interval}: the scheduler's clock runs ${scale.toFixed(1)}× faster.`,
    );
  }
  const delay = positive(env, 'JARVIS_SYNC_READ_DELAY_MS');
  if (delay !== null) {
    hooks.kinds = CONNECTOR_MODULES.map((m) => slowKind(m, delay));
    hooks.warnings.push(`TEST HOOK: JARVIS_SYNC_READ_DELAY_MS=${delay}: every file takes ${delay} ms more to read.`);
  }
  const debounce = positive(env, 'JARVIS_SYNC_WATCH_DEBOUNCE_MS');
  if (debounce !== null) {
    hooks.watch = { debounceMs: debounce };
    hooks.warnings.push(
      `TEST HOOK: JARVIS_SYNC_WATCH_DEBOUNCE_MS=${debounce}: changes are synced after ${debounce} ms of quiet.`,
    );
  }
  return hooks;
}

/** The interval the service will start with, read leniently the way the service reads it. */
export function storedIntervalSeconds(readSettingsFile: () => unknown): number {
  try {
    return parseStoredSettings(readSettingsFile()).settings.intervalSeconds;
  } catch {
    return parseStoredSettings({}).settings.intervalSeconds;
  }
}

/** A clock whose time passes `scale` times faster than real time, continuous from the real time at creation. */
export function scaledClock(scale: number): Clock {
  const wall0 = Date.now();
  const perf0 = performance.now();
  return {
    now: () => Math.round(wall0 + (performance.now() - perf0) * scale),
    setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms / scale)),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    random: () => Math.random(),
  };
}

/**
 * Reads take turns, like reads from one slow disk: a sync of N files lasts at least N × delayMs however many reads
 * the engine keeps in flight (its read-ahead would otherwise overlap the delays and shorten the sync it slows).
 */
function slowKind(module: ConnectorKindModule, delayMs: number): ConnectorKindModule {
  let turn: Promise<void> = Promise.resolve();
  return withRead(module, async (inner, unit, previous, ctx) => {
    const mine = turn.then(() => sleep(delayMs, ctx.signal));
    turn = mine;
    await mine;
    return inner.read(unit, previous, ctx);
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
