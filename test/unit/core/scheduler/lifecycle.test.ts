// Rules 1 (start and catch-up), 2 (stop and generations), 3 (runOnce), 10 (containment), and add/remove.
import { describe, expect, it } from 'vitest';
import { SCHEDULER_DEFAULTS, SyncScheduler } from '../../../../electron/core/scheduler.js';
import { DAY, FakeClock, FakeRunner, HOUR, MIN, SEC, T0, connector, flush, setup } from './helpers.js';

describe('start()', () => {
  it('without sync history, runs first one full interval after start (seed semantics)', async () => {
    const { clock, runner, scheduler, schedule } = setup();
    scheduler.add(connector('a'));
    scheduler.start();
    expect(schedule('a').nextRunAt).toBe(T0 + HOUR);
    await clock.advance(HOUR - 1);
    expect(runner.calls).toHaveLength(0);
    await clock.advance(1);
    expect(runner.calls.map((c) => c.trigger)).toEqual(['first']);
  });

  it('with firstRunDelayMs, a connector never synced runs that soon after start, and one added later too', async () => {
    const { clock, runner, scheduler, schedule } = setup({ options: { firstRunDelayMs: 10 * SEC } });
    scheduler.add(connector('a'));
    scheduler.start();
    expect(schedule('a').nextRunAt).toBe(T0 + 10 * SEC);
    await clock.advance(10 * SEC);
    expect(runner.calls.map((c) => [c.id, c.trigger])).toEqual([['a', 'first']]);
    scheduler.add(connector('b'));
    expect(schedule('b').nextRunAt).toBe(clock.now() + 10 * SEC);
    // After its first success (a run of 1 s, FakeRunner's default) a connector keeps to its interval.
    await clock.advance(10 * SEC);
    expect(schedule('a').nextRunAt).toBe(T0 + 11 * SEC + HOUR);
  });

  it('defaults to the seed interval of 3600 s', () => {
    const clock = new FakeClock({ now: T0 });
    const scheduler = new SyncScheduler(new FakeRunner(clock), { clock, jitterRatio: 0 });
    scheduler.add(connector('a'));
    scheduler.start();
    expect(scheduler.snapshot().connectors.a.nextRunAt).toBe(T0 + 3600 * SEC);
    expect(SCHEDULER_DEFAULTS).toEqual({
      intervalSeconds: 3600,
      maxConcurrent: 1,
      watchdogMs: 5 * MIN,
      stopTimeoutMs: 5 * SEC,
      backoffBaseMs: 30 * SEC,
      catchUpDelayMs: 10 * SEC,
      jitterRatio: 0.1,
      maxTimerMs: 60 * SEC,
    });
  });

  it('is idempotent: a second start() arms no second loop', async () => {
    const { clock, runner, scheduler } = setup();
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.start();
    expect(clock.pending()).toHaveLength(1);
    await clock.advance(3 * HOUR + 10 * SEC);
    // 1 h, then end of each 1 s run + 1 h.
    expect(runner.calls.map((c) => c.startedAt - T0)).toEqual([HOUR, 2 * HOUR + SEC, 3 * HOUR + 2 * SEC]);
  });

  it('with history, is due at lastSuccessAt + interval', async () => {
    const { clock, runner, scheduler, schedule, startsOf } = setup();
    runner.history.set('a', T0 - 40 * MIN);
    scheduler.add(connector('a'));
    scheduler.start();
    expect(schedule('a').nextRunAt).toBe(T0 + 20 * MIN);
    await clock.advance(30 * MIN);
    expect(startsOf('a')).toEqual([20 * MIN]);
    expect(runner.calls[0].trigger).toBe('schedule');
  });

  it('runs a run missed while the app was not running ONCE, catchUpDelayMs after start', async () => {
    const { clock, runner, scheduler, startsOf } = setup();
    runner.history.set('a', T0 - 3 * DAY); // 72 intervals missed
    scheduler.add(connector('a'));
    scheduler.start();
    await clock.advance(10 * SEC - 1);
    expect(runner.calls).toHaveLength(0);
    await clock.advance(HOUR);
    expect(startsOf('a')).toEqual([10 * SEC]);
    expect(runner.calls[0].trigger).toBe('catch-up');
    await clock.advance(30 * SEC);
    // Then back on the interval, counted from the end of the catch-up run.
    expect(startsOf('a')).toEqual([10 * SEC, 10 * SEC + SEC + HOUR]);
  });

  it('resumes an interrupted first sync catchUpDelayMs after start, not an interval later', async () => {
    const { clock, runner, scheduler, schedule } = setup();
    runner.attempts.set('a', T0 - 5 * MIN); // started, wrote batches, never finished (quit or crash)
    scheduler.add(connector('a'));
    scheduler.start();
    expect(schedule('a').nextRunAt).toBe(T0 + 10 * SEC);
    await clock.advance(10 * SEC);
    expect(runner.calls.map((c) => c.trigger)).toEqual(['catch-up']);
  });

  it('resumes a re-sync interrupted after an earlier success, and not one that finished', async () => {
    const { clock, runner, scheduler, schedule } = setup();
    runner.history.set('a', T0 - 20 * MIN);
    runner.attempts.set('a', T0 - 5 * MIN); // the next run started after that success and was cut off
    runner.history.set('b', T0 - 20 * MIN);
    runner.attempts.set('b', T0 - 21 * MIN); // b's last run is the one that succeeded
    scheduler.add(connector('a'));
    scheduler.add(connector('b'));
    scheduler.start();
    expect(schedule('a').nextRunAt).toBe(T0 + 10 * SEC);
    expect(schedule('b').nextRunAt).toBe(T0 + 40 * MIN);
    await clock.advance(10 * SEC);
    expect(runner.calls.map((c) => [c.id, c.trigger])).toEqual([['a', 'catch-up']]);
  });

  it('rejects invalid options', () => {
    const clock = new FakeClock();
    const runner = new FakeRunner(clock);
    expect(() => new SyncScheduler(runner, { intervalSeconds: 0 })).toThrow(RangeError);
    expect(() => new SyncScheduler(runner, { maxTimerMs: Number.NaN })).toThrow(RangeError);
    expect(() => new SyncScheduler(runner, { jitterRatio: 1 })).toThrow(RangeError);
    expect(() => new SyncScheduler(runner, { firstRunDelayMs: -1 })).toThrow(RangeError);
    const s = new SyncScheduler(runner, { clock });
    expect(() => s.setDefaultInterval(-5)).toThrow(RangeError);
  });
});

describe('stop()', () => {
  it('aborts the running sync and resolves as soon as it settles', async () => {
    const { clock, runner, scheduler, events, schedule } = setup({ fallback: { kind: 'hang' } });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    await flush();
    const stopped = scheduler.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await flush();
    expect(done).toBe(true);
    expect(clock.now()).toBe(T0);
    expect(runner.calls[0].signal.aborted).toBe(true);
    expect(events).toEqual(['start a manual', 'end a cancelled stopped']);
    expect(schedule('a')).toMatchObject({ running: false, consecutiveFailures: 0, lastError: null });
  });

  it('quit during a run resolves within 5 s (fake time) even if the run ignores its signal', async () => {
    const { clock, runner, scheduler, events, schedule } = setup({ fallback: { kind: 'ignore-signal' } });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    let done = false;
    void scheduler.stop().then(() => (done = true));
    expect(runner.calls[0].signal.aborted).toBe(true);
    await clock.advance(5 * SEC - 1);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(done).toBe(true);
    expect(events).toEqual(['start a manual', 'end a cancelled stopped']);
    expect(scheduler.snapshot().running).toBe(false);
    // The abandoned run's late result changes nothing.
    runner.calls[0].resolve({ added: 3 });
    await flush();
    expect(events).toHaveLength(2);
    expect(schedule('a').lastSuccessAt).toBeNull();
  });

  it('waits at most stopTimeoutMs even when that is longer than maxTimerMs (deadline chained over short timers)', async () => {
    const { clock, scheduler } = setup({ fallback: { kind: 'ignore-signal' }, options: { stopTimeoutMs: 150 * SEC } });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    let done = false;
    void scheduler.stop().then(() => (done = true));
    await clock.advance(150 * SEC - 1);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(done).toBe(true);
    expect(clock.maxArmedMs).toBeLessThanOrEqual(60 * SEC);
  });

  it('is safe before start() and when called twice', async () => {
    const { scheduler } = setup();
    scheduler.add(connector('a'));
    await scheduler.stop();
    scheduler.start();
    await Promise.all([scheduler.stop(), scheduler.stop()]);
    expect(scheduler.runNow('a')).toEqual({ accepted: false, reason: 'the scheduler is not running' });
  });

  it('a later start() never revives an old loop: one heartbeat, one run per interval', async () => {
    const { clock, runner, scheduler, startsOf } = setup();
    scheduler.add(connector('a'));
    scheduler.start();
    void scheduler.stop();
    scheduler.start();
    void scheduler.stop();
    scheduler.start();
    expect(clock.pending()).toHaveLength(1);
    await clock.advance(3 * HOUR + 10 * SEC);
    expect(startsOf('a')).toEqual([HOUR, 2 * HOUR + SEC, 3 * HOUR + 2 * SEC]);
    expect(runner.maxLivePerConnector).toBe(1);
    await scheduler.stop();
    expect(clock.pending()).toEqual([]); // nothing of the loop is left to fire
  });

  it('after restarting past a run that ignored its signal, never runs that connector twice at once', async () => {
    const { clock, runner, scheduler, events } = setup();
    runner.behave('a', { kind: 'manual' });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    const stopped = scheduler.stop();
    await clock.advance(5 * SEC);
    await stopped;
    scheduler.start();
    expect(scheduler.runNow('a')).toEqual({ accepted: false, reason: "a's previous run has not stopped yet" });
    runner.calls[0].resolve(); // the zombie finally returns
    await flush();
    expect(events).toEqual(['start a manual', 'end a cancelled stopped']);
    expect(scheduler.runNow('a')).toEqual({ accepted: true });
    expect(runner.calls).toHaveLength(2);
    expect(runner.maxLivePerConnector).toBe(1);
  });
});

describe('runOnce()', () => {
  it('maps id → result; disconnected and failed connectors are left out; failures are recorded and logged, not thrown', async () => {
    const { runner, scheduler, schedule, logs } = setup({ fallback: { kind: 'succeed', ms: 0 } });
    runner.behave('b', { kind: 'succeed', ms: 0, result: { added: 4, chunks: 9 } });
    runner.behave('c', { kind: 'fail', code: 'E_ROOT_UNAVAILABLE', message: 'the folder is gone' });
    runner.behave('d', { kind: 'throw', message: 'kaboom' });
    for (const id of ['a', 'b', 'c', 'd']) scheduler.add(connector(id));
    scheduler.add(connector('off', false));
    const results = await scheduler.runOnce();
    expect(Object.keys(results)).toEqual(['a', 'b']);
    expect(results.b).toMatchObject({ added: 4, chunks: 9 });
    expect(runner.callsFor('off')).toHaveLength(0);
    expect(schedule('c')).toMatchObject({
      state: 'error',
      consecutiveFailures: 1,
      lastError: { code: 'E_ROOT_UNAVAILABLE' },
    });
    expect(schedule('d')).toMatchObject({ state: 'error', lastError: { message: 'kaboom' } });
    expect(logs.filter((l) => l.level === 'warn').map((l) => l.text)).toEqual([
      expect.stringContaining('c: sync failed (E_ROOT_UNAVAILABLE'),
      expect.stringContaining('d: sync failed'),
    ]);
  });

  it('works without start() and leaves no timer behind', async () => {
    const { clock, scheduler } = setup();
    scheduler.add(connector('a'));
    const pending = scheduler.runOnce();
    await clock.advance(SEC);
    expect(Object.keys(await pending)).toEqual(['a']);
    expect(clock.pending()).toEqual([]);
  });

  it('is single-flight: waits for a run already in progress instead of starting a second', async () => {
    const { runner, scheduler } = setup();
    runner.behave('a', { kind: 'manual' });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    const pending = scheduler.runOnce();
    await flush();
    expect(runner.calls).toHaveLength(1);
    runner.calls[0].resolve({ added: 7 });
    expect((await pending).a).toMatchObject({ added: 7 });
    expect(runner.calls).toHaveLength(1);
  });

  it('runs through the global pause but skips individually paused connectors', async () => {
    const { scheduler } = setup({ fallback: { kind: 'succeed', ms: 0 } });
    scheduler.add(connector('a'));
    scheduler.add(connector('b'), { paused: true });
    scheduler.pause(null);
    expect(Object.keys(await scheduler.runOnce())).toEqual(['a']);
  });

  it('runs the connectors one at a time under maxConcurrent 1', async () => {
    const { clock, runner, scheduler } = setup();
    for (const id of ['a', 'b', 'c']) scheduler.add(connector(id));
    const pending = scheduler.runOnce();
    await clock.advance(3 * SEC);
    expect(Object.keys(await pending)).toEqual(['a', 'b', 'c']);
    expect(runner.maxLiveTotal).toBe(1);
  });
});

describe('add() and remove()', () => {
  it('add is idempotent by id; re-adding replaces the config', async () => {
    const { clock, runner, scheduler, schedule } = setup();
    scheduler.start();
    scheduler.add(connector('a'), { intervalSeconds: 100 });
    scheduler.add(connector('a'), { intervalSeconds: 200 });
    expect(Object.keys(scheduler.snapshot().connectors)).toEqual(['a']);
    expect(schedule('a').nextRunAt).toBe(T0 + 200 * SEC);
    scheduler.add(connector('a'), { intervalSeconds: 200, paused: true });
    expect(schedule('a')).toMatchObject({ paused: true, state: 'paused', nextRunAt: null });
    scheduler.add(connector('a'));
    expect(schedule('a')).toMatchObject({ paused: false, state: 'idle', nextRunAt: T0 + HOUR });
    await clock.advance(HOUR);
    expect(runner.calls).toHaveLength(1);
  });

  it('re-adding during a run keeps that one run', async () => {
    const { clock, runner, scheduler } = setup({ fallback: { kind: 'succeed', ms: 30 * SEC } });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    scheduler.add(connector('a'));
    await clock.advance(MIN);
    expect(runner.calls).toHaveLength(1);
  });

  it('remove cancels the run, waits for it to settle, and forgets the connector', async () => {
    const { clock, runner, scheduler, events } = setup({ fallback: { kind: 'hang' } });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    const removed = scheduler.remove('a');
    expect(scheduler.snapshot().connectors).toEqual({});
    expect(runner.calls[0].signal.aborted).toBe(true);
    await removed;
    expect(events).toEqual(['start a manual', 'end a cancelled removed']);
    expect(scheduler.runNow('a').accepted).toBe(false);
    await clock.advance(2 * HOUR);
    expect(runner.calls).toHaveLength(1);
    await scheduler.remove('nope'); // unknown ids are fine
  });

  it('remove of a run that ignores its signal resolves after stopTimeoutMs; a re-added twin waits for it', async () => {
    const { clock, runner, scheduler } = setup();
    runner.behave('a', { kind: 'manual' });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    let done = false;
    void scheduler.remove('a').then(() => (done = true));
    await clock.advance(5 * SEC);
    expect(done).toBe(true);
    scheduler.add(connector('a'));
    expect(scheduler.runNow('a').accepted).toBe(false);
    runner.calls[0].resolve();
    await flush();
    expect(scheduler.runNow('a').accepted).toBe(true);
    expect(runner.maxLivePerConnector).toBe(1);
  });
});

describe('containment (rule 10)', () => {
  it('a throwing listener breaks neither the loop nor the other listeners', async () => {
    const { clock, scheduler, startsOf, logs } = setup();
    scheduler.events.on('changed', () => {
      throw new Error('listener bug');
    });
    scheduler.events.on('runStarted', () => {
      throw new Error('listener bug');
    });
    let finished = 0;
    scheduler.events.on('runFinished', () => finished++);
    scheduler.add(connector('a'), { intervalSeconds: 600 });
    scheduler.start();
    await clock.advance(HOUR);
    expect(startsOf('a')).toHaveLength(5);
    expect(finished).toBe(5);
    expect(logs.some((l) => l.level === 'error' && l.text.includes("'changed' listener threw"))).toBe(true);
  });

  it('a runner or connector whose queries throw is treated as "no history" / "not connected"', async () => {
    const clock = new FakeClock({ now: T0 });
    const runner = new FakeRunner(clock);
    runner.lastSuccessAt = () => {
      throw new Error('db closed');
    };
    runner.consecutiveFailures = () => {
      throw new Error('db closed');
    };
    const scheduler = new SyncScheduler(runner, { clock, jitterRatio: 0 });
    const flaky = {
      id: 'x',
      isConnected: (): boolean => {
        throw new Error('stat failed');
      },
    };
    scheduler.add(connector('a'));
    scheduler.add(flaky);
    scheduler.start();
    expect(scheduler.snapshot().connectors.a.nextRunAt).toBe(T0 + HOUR);
    expect(scheduler.runNow('x')).toEqual({ accepted: false, reason: 'x is not connected' });
    await clock.advance(HOUR + SEC);
    expect(runner.calls.map((c) => c.id)).toEqual(['a']);
  });

  it('a rejection that is not an Error is recorded as a failure with a message', async () => {
    const { runner, scheduler, schedule } = setup();
    runner.behave('a', { kind: 'manual' });
    scheduler.add(connector('a'));
    const pending = scheduler.runOnce();
    await flush();
    runner.calls[0].reject('just a string');
    expect(await pending).toEqual({});
    expect(schedule('a').lastError).toMatchObject({ code: 'E_SYNC_FAILED', message: 'just a string' });
  });
});
