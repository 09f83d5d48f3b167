// notifyChanged: the change watcher asks for a run soon ('change'), never overriding a pause, never stacking runs.
import { describe, expect, it } from 'vitest';
import { HOUR, MIN, SEC, T0, connector, setup } from './helpers.js';

describe('notifyChanged', () => {
  it('queues a "change" run at once; the next scheduled run is one interval after it', async () => {
    const { clock, runner, scheduler, startsOf } = setup({ fallback: { kind: 'succeed', ms: SEC } });
    scheduler.add(connector('a'));
    scheduler.start();
    await clock.advance(10 * MIN);
    expect(scheduler.notifyChanged('a')).toEqual({ accepted: true });
    await clock.advance(HOUR + 5 * MIN);
    expect(runner.calls.map((c) => c.trigger)).toEqual(['change', 'schedule']);
    expect(startsOf('a')).toEqual([10 * MIN, 10 * MIN + SEC + HOUR]);
  });

  it('during a run: ONE follow-up run, however many changes arrive; it runs as "change"', async () => {
    const { clock, runner, scheduler, schedule } = setup({ fallback: { kind: 'succeed', ms: 10 * SEC } });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    const answers = [];
    for (let i = 0; i < 100; i++) answers.push(scheduler.notifyChanged('a'));
    expect(answers[0]).toEqual({ accepted: true, reason: 'already syncing; one follow-up run queued' });
    expect(answers.every((a) => a.accepted)).toBe(true);
    expect(schedule('a').followUpQueued).toBe(true);
    await clock.advance(5 * MIN);
    expect(runner.calls.map((c) => [c.trigger, c.startedAt - T0])).toEqual([
      ['manual', 0],
      ['change', 10 * SEC],
    ]);
    expect(runner.maxLivePerConnector).toBe(1);
  });

  it('a run-now during the same run makes the one follow-up a manual one', async () => {
    const { clock, runner, scheduler } = setup({ fallback: { kind: 'succeed', ms: 10 * SEC } });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    scheduler.notifyChanged('a');
    scheduler.runNow('a');
    scheduler.notifyChanged('a');
    await clock.advance(5 * MIN);
    expect(runner.calls.map((c) => c.trigger)).toEqual(['manual', 'manual']);
  });

  it('is ignored while the connector or the whole app is paused, and before start()', async () => {
    const { clock, runner, scheduler } = setup();
    scheduler.add(connector('a'));
    scheduler.add(connector('b'), { paused: true });
    expect(scheduler.notifyChanged('a')).toEqual({ accepted: false, reason: 'the scheduler is not running' });
    scheduler.start();
    expect(scheduler.notifyChanged('b')).toEqual({ accepted: false, reason: 'b is paused; synced when that ends' });
    scheduler.pause(null);
    expect(scheduler.notifyChanged('a')).toEqual({ accepted: false, reason: 'a is paused; synced when that ends' });
    expect(scheduler.notifyChanged('nope')).toEqual({ accepted: false, reason: 'unknown connector "nope"' });
    await clock.advance(30 * MIN);
    expect(runner.calls).toHaveLength(0);
    scheduler.resume(null);
    expect(scheduler.notifyChanged('a')).toEqual({ accepted: true });
    await clock.advance(MIN);
    expect(runner.calls.map((c) => [c.id, c.trigger])).toEqual([['a', 'change']]);
  });

  it('a change seen while paused or on hold is synced once when that ends, and only then', async () => {
    const { clock, runner, scheduler } = setup({ fallback: { kind: 'succeed', ms: SEC } });
    for (const id of ['a', 'b', 'c', 'quiet']) scheduler.add(connector(id));
    scheduler.start();
    await clock.advance(MIN);
    scheduler.pause('a');
    scheduler.pause('quiet');
    scheduler.notifyChanged('a');
    await clock.advance(10 * MIN);
    // Before, the resume waited for the due time, up to an interval later, and the edit was not searchable.
    scheduler.resume('a');
    scheduler.resume('quiet');
    await clock.advance(MIN);
    expect(runner.calls.map((c) => [c.id, c.trigger, c.startedAt - T0])).toEqual([
      ['a', 'catch-up', 11 * MIN + 10 * SEC],
    ]);

    scheduler.pause(null);
    scheduler.notifyChanged('b');
    scheduler.resume(null);
    scheduler.holdAutomatic(true);
    scheduler.notifyChanged('c');
    scheduler.holdAutomatic(false);
    await clock.advance(MIN);
    expect(runner.calls.slice(1).map((c) => [c.id, c.trigger])).toEqual([
      ['b', 'catch-up'],
      ['c', 'catch-up'],
    ]);
  });

  it('is ignored for a disconnected connector', async () => {
    const { clock, runner, scheduler } = setup();
    scheduler.add(connector('off', false));
    scheduler.start();
    expect(scheduler.notifyChanged('off')).toEqual({ accepted: false, reason: 'off is not connected' });
    await clock.advance(MIN);
    expect(runner.calls).toHaveLength(0);
  });

  it('a pause during the run drops the follow-up a change asked for', async () => {
    const { clock, runner, scheduler } = setup({ fallback: { kind: 'hang' } });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    scheduler.notifyChanged('a');
    scheduler.pause('a');
    await clock.advance(10 * MIN);
    expect(runner.calls.map((c) => c.trigger)).toEqual(['manual']);
  });

  it('has scheduled priority: queued behind manual requests, FIFO with due runs, never twice', async () => {
    const { clock, runner, scheduler, schedule } = setup({ fallback: { kind: 'succeed', ms: 10 * SEC } });
    for (const id of ['a', 'b', 'c', 'd']) scheduler.add(connector(id));
    scheduler.start();
    scheduler.runNow('a');
    expect(scheduler.notifyChanged('b')).toEqual({ accepted: true });
    expect(scheduler.notifyChanged('b')).toEqual({ accepted: true, reason: 'already queued' });
    expect(schedule('b')).toMatchObject({ state: 'queued', trigger: 'change' });
    scheduler.notifyChanged('c');
    scheduler.runNow('d');
    await clock.advance(MIN);
    expect(runner.calls.map((c) => `${c.id} ${c.trigger}`)).toEqual(['a manual', 'd manual', 'b change', 'c change']);
  });

  it('a run-now on a connector queued by a change promotes it to manual', async () => {
    const { clock, runner, scheduler } = setup({ fallback: { kind: 'succeed', ms: 10 * SEC } });
    for (const id of ['a', 'b', 'c']) scheduler.add(connector(id));
    scheduler.start();
    scheduler.runNow('a');
    scheduler.notifyChanged('b');
    scheduler.notifyChanged('c');
    expect(scheduler.runNow('c')).toEqual({ accepted: true, reason: 'already queued' });
    await clock.advance(MIN);
    expect(runner.calls.map((c) => `${c.id} ${c.trigger}`)).toEqual(['a manual', 'c manual', 'b change']);
  });

  it('never cuts a failure backoff short: a folder that keeps changing does not retry a failing sync each time', async () => {
    const { clock, runner, scheduler, schedule, startsOf } = setup({
      fallback: { kind: 'fail', ms: SEC, code: 'SQLITE_FULL' },
    });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    await clock.advance(3 * MIN);
    // Failed at 1 s, retried at 31 s and at 92 s (backoff 30 s, then 60 s); the next retry is 120 s after 93 s.
    expect(startsOf('a')).toEqual([0, 31 * SEC, 92 * SEC]);
    const retryAt = schedule('a').nextRunAt!;
    expect(retryAt - T0).toBe(213 * SEC);
    const answer = scheduler.notifyChanged('a');
    expect(answer.accepted).toBe(false);
    expect(answer.reason).toBe('a failed 3 time(s) in a row; its retry in 33 s picks the change up');
    for (let i = 0; i < 20; i++) {
      scheduler.notifyChanged('a');
      await clock.advance(SEC);
    }
    expect(startsOf('a')).toEqual([0, 31 * SEC, 92 * SEC]);
    await clock.advance(20 * SEC);
    expect(startsOf('a')).toEqual([0, 31 * SEC, 92 * SEC, 213 * SEC]);
    expect(runner.calls.at(-1)!.trigger).toBe('retry');
  });

  it('a change during a run that fails waits for the retry; run-now still runs at once', async () => {
    const { clock, runner, scheduler, startsOf } = setup({ fallback: { kind: 'fail', ms: 10 * SEC } });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    expect(scheduler.notifyChanged('a')).toEqual({
      accepted: true,
      reason: 'already syncing; one follow-up run queued',
    });
    await clock.advance(20 * SEC);
    // The failed run's follow-up did not start: the retry 30 s after the failure covers the change.
    expect(startsOf('a')).toEqual([0]);
    expect(scheduler.runNow('a')).toEqual({ accepted: true });
    await clock.advance(SEC);
    expect(runner.calls.map((c) => [c.trigger, c.startedAt - T0])).toEqual([
      ['manual', 0],
      ['manual', 20 * SEC],
    ]);
  });

  /** Connector `a` failed its first run (at 0 s, for 1 s) and waits 10 s into its 30 s backoff. */
  async function failedOnce() {
    const harness = setup();
    harness.runner.behave('a', { kind: 'fail', ms: SEC });
    harness.scheduler.add(connector('a'));
    harness.scheduler.start();
    harness.scheduler.runNow('a');
    await harness.clock.advance(10 * SEC);
    return harness;
  }

  it('once a retry succeeds, changes queue a run at once again', async () => {
    const { clock, runner, scheduler, startsOf } = await failedOnce();
    expect(scheduler.notifyChanged('a').accepted).toBe(false);
    runner.behave('a', { kind: 'succeed', ms: SEC });
    await clock.advance(30 * SEC);
    expect(startsOf('a')).toEqual([0, 31 * SEC]);
    expect(scheduler.notifyChanged('a')).toEqual({ accepted: true });
    await clock.advance(SEC);
    expect(startsOf('a')).toEqual([0, 31 * SEC, 40 * SEC]);
  });

  it('after the user cancels a failing connector’s retry, changes run it again (no retry is pending)', async () => {
    const { clock, runner, scheduler, startsOf } = await failedOnce();
    runner.behave('a', { kind: 'succeed', ms: 10 * SEC });
    scheduler.runNow('a');
    await clock.advance(SEC);
    expect(scheduler.cancel('a')).toEqual({ accepted: true });
    await clock.advance(SEC);
    // The next run is a scheduled one, an interval away: nothing would pick the change up for an hour.
    expect(scheduler.notifyChanged('a').accepted).toBe(true);
    await clock.advance(20 * SEC);
    expect(startsOf('a')).toHaveLength(3);
    expect(runner.calls.at(-1)!.trigger).toBe('change');
  });

  it('stop() drops a queued change run and a pending follow-up', async () => {
    const { clock, runner, scheduler } = setup({ fallback: { kind: 'succeed', ms: 10 * SEC } });
    scheduler.add(connector('a'));
    scheduler.add(connector('b'));
    scheduler.start();
    scheduler.runNow('a');
    scheduler.notifyChanged('a');
    scheduler.notifyChanged('b');
    await scheduler.stop();
    await clock.advance(HOUR);
    expect(runner.calls.map((c) => c.id)).toEqual(['a']);
    expect(scheduler.notifyChanged('a').accepted).toBe(false);
  });
});
