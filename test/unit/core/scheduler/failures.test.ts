// Rule 6 (backoff and isolation) and rule 8 (the no-progress watchdog).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeBackoffMs } from '../../../../electron/core/scheduler.js';
import { ZERO_COUNTS } from '../../../../shared/types.js';
import { HOUR, MIN, SEC, T0, connector, flush, setup } from './helpers.js';

/** Gaps between the end of one call (run time `ms`) and the start of the next. */
function gaps(starts: number[], ms = 0): number[] {
  return starts.slice(1).map((s, i) => s - starts[i] - ms);
}

describe('failure backoff', () => {
  it('retries after 30 s, doubling per failure, capped at the interval; success resets it; lastError kept until then', async () => {
    const { clock, runner, scheduler, schedule, startsOf } = setup();
    runner.behave('a', { kind: 'fail', code: 'E_IO' });
    scheduler.add(connector('a'), { intervalSeconds: 600 });
    scheduler.start();
    scheduler.runNow('a');
    await clock.advance(30 * MIN);
    expect(gaps(startsOf('a'))).toEqual([30, 60, 120, 240, 480, 600].map((s) => s * SEC));
    expect(runner.calls.slice(1).every((c) => c.trigger === 'retry')).toBe(true);
    expect(schedule('a')).toMatchObject({ state: 'error', consecutiveFailures: 7, lastError: { code: 'E_IO' } });

    // A cancelled run neither clears the error nor counts as a failure.
    runner.behave('a', { kind: 'hang' });
    await clock.advance(10 * MIN);
    scheduler.pause('a');
    await flush();
    expect(schedule('a')).toMatchObject({ consecutiveFailures: 7, lastError: { code: 'E_IO' } });

    runner.behave('a', { kind: 'succeed', ms: SEC });
    scheduler.resume('a');
    await clock.advance(MIN);
    expect(schedule('a')).toMatchObject({ state: 'idle', consecutiveFailures: 0, lastError: null });
    const lastEnd = runner.calls.at(-1)!.startedAt + SEC;
    expect(schedule('a').nextRunAt).toBe(lastEnd + 600 * SEC);
    // And the next failure starts again from 30 s.
    runner.behave('a', { kind: 'fail' });
    await clock.advance(10 * MIN + 40 * SEC);
    expect(gaps(startsOf('a')).at(-1)).toBe(30 * SEC);
  });

  it('jitters the delay by U(0.5, 1)', async () => {
    const { clock, runner, scheduler, startsOf } = setup({ random: () => 0 });
    runner.behave('a', { kind: 'fail' });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    await clock.advance(2 * MIN);
    expect(gaps(startsOf('a'))).toEqual([15 * SEC, 30 * SEC, 60 * SEC]);
  });

  it('waits at least as long as the failed run took, still capped at the interval', async () => {
    const { clock, runner, scheduler, startsOf } = setup();
    runner.behave('a', { kind: 'fail', ms: 200 * SEC });
    scheduler.add(connector('a'), { intervalSeconds: 300 });
    scheduler.start();
    scheduler.runNow('a');
    await clock.advance(45 * MIN);
    expect(gaps(startsOf('a'), 200 * SEC).slice(0, 4)).toEqual([200, 200, 200, 240].map((s) => s * SEC));
    expect(gaps(startsOf('a'), 200 * SEC).at(-1)).toBe(300 * SEC);
  });

  it('a persisted failure streak survives a restart', async () => {
    const { clock, runner, scheduler, schedule, startsOf } = setup();
    runner.failures.set('a', 3);
    runner.errors.set('a', { code: 'E_ROOT_UNAVAILABLE', message: 'The folder is gone.', at: T0 - 10 * MIN });
    runner.history.set('a', T0 - 10 * MIN);
    runner.behave('a', { kind: 'fail' });
    scheduler.add(connector('a'));
    scheduler.start();
    expect(schedule('a')).toMatchObject({ state: 'error', consecutiveFailures: 3, nextRunAt: T0 + 120 * SEC });
    // The error that ended the streak is shown again, not just the streak.
    expect(schedule('a').lastError).toMatchObject({ code: 'E_ROOT_UNAVAILABLE' });
    await clock.advance(120 * SEC);
    expect(runner.calls[0].trigger).toBe('retry');
    expect(schedule('a').consecutiveFailures).toBe(4);
    await clock.advance(5 * MIN);
    expect(startsOf('a')).toEqual([120 * SEC, 360 * SEC]);
  });

  it('a run made without the scheduler (recordDirectRun) moves the streak, the error and the next run like its own', async () => {
    const { clock, runner, scheduler, schedule, startsOf } = setup();
    runner.behave('a', { kind: 'fail', code: 'E_IO' });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    await clock.advance(SEC);
    expect(schedule('a')).toMatchObject({ state: 'error', consecutiveFailures: 1, nextRunAt: T0 + 30 * SEC });

    // A direct sync that failed extends the backoff: the retry moves from 30 s to 60 s after it.
    const error = { code: 'E_ROOT_UNAVAILABLE', message: 'The folder is gone.', at: clock.now() };
    scheduler.recordDirectRun('a', { kind: 'failed', error }, clock.now());
    expect(schedule('a')).toMatchObject({ consecutiveFailures: 2, lastError: error, nextRunAt: clock.now() + MIN });

    // A direct sync that succeeded ends it: no retry, the next run is one interval away.
    await clock.advance(10 * SEC);
    scheduler.recordDirectRun('a', { kind: 'success', result: { ...ZERO_COUNTS, durationMs: 0 } }, clock.now());
    expect(schedule('a')).toMatchObject({ state: 'idle', consecutiveFailures: 0, lastError: null });
    expect(schedule('a').nextRunAt).toBe(clock.now() + HOUR);
    await clock.advance(30 * MIN);
    expect(startsOf('a')).toEqual([0]);

    // Recorded during the scheduler's own run, it leaves the next due time to that run's end.
    runner.behave('a', { kind: 'succeed', ms: MIN });
    scheduler.runNow('a');
    scheduler.recordDirectRun('a', { kind: 'failed', error }, clock.now());
    expect(schedule('a')).toMatchObject({ state: 'syncing', consecutiveFailures: 1, nextRunAt: null });
    await clock.advance(MIN);
    expect(schedule('a')).toMatchObject({ state: 'idle', consecutiveFailures: 0, nextRunAt: clock.now() + HOUR });
  });

  it('20 consecutive failures: the delay is capped at the interval and never more than one run is in flight', async () => {
    const { clock, runner, scheduler, schedule } = setup();
    runner.behave('a', { kind: 'fail', ms: 2 * SEC });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    while (runner.calls.length < 20) {
      await clock.advance(SEC);
      // Impatient clicks during each run: coalesced into one follow-up, never a second concurrent run.
      for (let i = 0; i < 5 && schedule('a').running; i++) scheduler.runNow('a');
      await clock.advance(HOUR);
    }
    expect(runner.calls.length).toBeGreaterThanOrEqual(20);
    expect(schedule('a').consecutiveFailures).toBe(runner.calls.length);
    // Each scheduled retry waited min(30 s·2^(n−1), 1 h); the follow-ups ran right after their run.
    const retries = runner.calls.map((c, i) => [c, i] as const).filter(([c]) => c.trigger === 'retry');
    for (const [c, i] of retries) {
      const failuresBefore = i;
      const expected = Math.min(HOUR, 30 * SEC * 2 ** (failuresBefore - 1));
      expect(c.startedAt - (runner.calls[i - 1].startedAt + 2 * SEC)).toBe(expected);
    }
    expect(retries.length).toBeGreaterThan(5);
    expect(runner.maxLivePerConnector).toBe(1);
  });

  it('computeBackoffMs: within [0.5, 1] × min(cap, max(base·2^(n−1), last run)), never above the cap, growing with n', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.integer({ min: 1, max: 7 * 24 * 3_600_000 }),
        fc.integer({ min: 0, max: 10 * 3_600_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (failures, baseMs, capMs, lastRunMs, random) => {
          const d = computeBackoffMs({ failures, baseMs, capMs, lastRunMs, random });
          const raw = Math.min(capMs, Math.max(baseMs * 2 ** (failures - 1), lastRunMs));
          expect(d).toBeLessThanOrEqual(capMs);
          expect(d).toBeGreaterThanOrEqual(raw * 0.5 - 1e-6);
          expect(d).toBeLessThanOrEqual(raw + 1e-6);
          expect(computeBackoffMs({ failures: failures + 1, baseMs, capMs, lastRunMs, random })).toBeGreaterThanOrEqual(
            d,
          );
        },
      ),
    );
  });
});

describe('isolation', () => {
  it('two connectors where one throws: the other keeps its exact schedule', async () => {
    const { clock, runner, scheduler, schedule, startsOf } = setup();
    runner.behave('bad', { kind: 'throw' });
    runner.history.set('bad', T0 - HOUR);
    runner.history.set('good', T0 - HOUR);
    scheduler.add(connector('bad'), { intervalSeconds: 600 });
    scheduler.add(connector('good'), { intervalSeconds: 600 });
    scheduler.start();
    await clock.advance(HOUR);
    expect(startsOf('good')).toEqual([0, 1, 2, 3, 4, 5].map((i) => 10 * SEC + i * (600 * SEC + SEC)));
    expect(startsOf('bad').length).toBeGreaterThan(6);
    expect(schedule('good')).toMatchObject({ state: 'idle', lastError: null });
    expect(schedule('bad')).toMatchObject({ state: 'error', lastError: { message: 'boom' } });
  });
});

describe('watchdog', () => {
  it('a run that never resolves is aborted after watchdogMs without progress, recorded as failed E_WATCHDOG; the slot goes to the next', async () => {
    const { clock, runner, scheduler, schedule, events } = setup();
    runner.behave('stuck', { kind: 'hang' });
    scheduler.add(connector('stuck'));
    scheduler.add(connector('next'));
    scheduler.start();
    scheduler.runNow('stuck');
    scheduler.runNow('next');
    await clock.advance(5 * MIN - 1);
    expect(schedule('next').state).toBe('queued');
    await clock.advance(1);
    expect(runner.calls[0].signal.aborted).toBe(true);
    expect(schedule('stuck')).toMatchObject({
      state: 'error',
      consecutiveFailures: 1,
      lastError: { code: 'E_WATCHDOG' },
    });
    expect(schedule('stuck').lastError!.message).toContain('5 minutes');
    // Backoff is at least as long as the failed run: a source that hangs for 5 min is not retried every 30 s.
    expect(schedule('stuck').nextRunAt).toBe(T0 + 10 * MIN);
    expect(events.slice(0, 3)).toEqual(['start stuck manual', 'end stuck failed E_WATCHDOG', 'start next manual']);
  });

  it('a run that ignores the abort is abandoned stopTimeoutMs later: slot freed, late result ignored, never run twice at once', async () => {
    const { clock, runner, scheduler, schedule, events } = setup();
    runner.behave('zombie', { kind: 'manual' });
    scheduler.add(connector('zombie'));
    scheduler.add(connector('next'));
    scheduler.start();
    scheduler.runNow('zombie');
    scheduler.runNow('next');
    await clock.advance(5 * MIN);
    expect(runner.calls[0].signal.aborted).toBe(true);
    expect(schedule('zombie').state).toBe('syncing');
    await clock.advance(5 * SEC - 1);
    expect(schedule('next').state).toBe('queued');
    await clock.advance(1);
    expect(events).toEqual(['start zombie manual', 'end zombie failed E_WATCHDOG', 'start next manual']);
    expect(schedule('zombie')).toMatchObject({ running: false, state: 'error' });

    // Its retry comes due (5 min 5 s after release), but the old run is still alive: nothing starts.
    expect(schedule('zombie').nextRunAt).toBe(T0 + 10 * MIN + 10 * SEC);
    await clock.advance(6 * MIN);
    expect(runner.callsFor('zombie')).toHaveLength(1);
    expect(scheduler.runNow('zombie')).toEqual({
      accepted: false,
      reason: "zombie's previous run has not stopped yet",
    });

    runner.calls[0].resolve({ added: 1 }); // finally returns
    await flush();
    expect(events.filter((e) => e.startsWith('end zombie'))).toEqual(['end zombie failed E_WATCHDOG']);
    expect(schedule('zombie').lastSuccessAt).toBeNull();
    await clock.advance(MIN); // the overdue retry now runs
    expect(runner.callsFor('zombie')).toHaveLength(2);
    expect(runner.callsFor('zombie')[1].trigger).toBe('retry');
    expect(runner.maxLivePerConnector).toBe(1);
  });

  it('progress resets the watchdog; progress events pass through; the snapshot carries the latest progress', async () => {
    const { clock, runner, scheduler, schedule } = setup();
    runner.behave('a', { kind: 'succeed', ms: 20 * MIN, progressEveryMs: MIN });
    const seen: number[] = [];
    scheduler.events.on('progress', (id, p) => {
      if (id === 'a') seen.push(p.done);
    });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    await clock.advance(10 * MIN + 1);
    expect(schedule('a').progress).toMatchObject({ done: 10, startedAt: T0 });
    await clock.advance(11 * MIN);
    expect(runner.calls[0].settled).toBe('success');
    expect(seen).toEqual([...Array(19).keys()].map((i) => i + 1));
    expect(schedule('a')).toMatchObject({ state: 'idle', progress: null, lastError: null });
  });

  it('guards runOnce() runs too, even without start()', async () => {
    const { clock, runner, scheduler } = setup();
    runner.behave('a', { kind: 'hang' });
    scheduler.add(connector('a'));
    const pending = scheduler.runOnce();
    await clock.advance(5 * MIN);
    expect(await pending).toEqual({});
    expect(runner.calls[0].signal.aborted).toBe(true);
    expect(clock.pending()).toEqual([]);
  });

  it('does not blame a run for time the machine spent asleep', async () => {
    const { clock, runner, scheduler, schedule } = setup();
    // First progress only after 4 min: the heartbeat sees the sleep before any progress could hide it.
    runner.behave('a', { kind: 'succeed', ms: 8 * MIN, progressEveryMs: 4 * MIN });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    await clock.advance(MIN);
    clock.jump(2 * HOUR); // asleep mid-run; timers pushed back
    await clock.advance(8 * MIN);
    expect(runner.calls[0].signal.aborted).toBe(false);
    expect(runner.calls[0].settled).toBe('success');
    expect(schedule('a').lastError).toBeNull();
  });

  it('does not let a backward clock jump postpone the watchdog', async () => {
    const { clock, runner, scheduler } = setup();
    runner.behave('a', { kind: 'hang' });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    await clock.advance(MIN);
    clock.jump(-1 * 24 * HOUR);
    await clock.advance(6 * MIN);
    expect(runner.calls[0].signal.aborted).toBe(true);
  });
});
