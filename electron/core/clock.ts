/**
 * Time and randomness as a port. The scheduler never reads `Date.now()`, `setTimeout` or `Math.random()`
 * directly, so tests can drive it with a fake clock that separates wall time from timer time (sleep, clock jumps).
 */
export interface Clock {
  /** Wall-clock time in epoch ms. It can jump either way (NTP, the user, a suspended machine waking up). */
  now(): number;
  /**
   * Arms a one-shot timer. Timers count elapsed time, not wall time, and may fire late (or very late, after a
   * sleep): callers must re-read `now()` when they fire instead of trusting the delay they asked for.
   */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Uniform in [0, 1). */
  random(): number;
}

/**
 * The real clock. Timers are not `unref`'d: a caller awaiting `stop()` before closing the database must not
 * have the process exit under it because the only pending thing was the stop deadline.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  random: () => Math.random(),
};
