// Rule 5: pause and resume, global and per connector.
import { describe, expect, it } from 'vitest';
import { HOUR, MIN, SEC, T0, connector, flush, setup } from './helpers.js';

describe('pause', () => {
  it('pausing a connector aborts its running sync: cancelled, not failed; state "paused"', async () => {
    const { runner, scheduler, schedule, events } = setup({ fallback: { kind: 'hang' } });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    scheduler.pause('a');
    expect(runner.calls[0].signal.aborted).toBe(true);
    expect(schedule('a').state).toBe('paused'); // already, while the run winds down
    await flush();
    expect(events).toEqual(['start a manual', 'end a cancelled paused']);
    expect(schedule('a')).toMatchObject({
      state: 'paused',
      paused: true,
      running: false,
      nextRunAt: null,
      consecutiveFailures: 0,
      lastError: null,
    });
  });

  it('a paused connector gets no scheduled runs; the others carry on', async () => {
    const { clock, scheduler, startsOf } = setup();
    scheduler.add(connector('a'));
    scheduler.add(connector('b'), { paused: true });
    scheduler.start();
    await clock.advance(5 * HOUR);
    expect(startsOf('a')).toHaveLength(4);
    expect(startsOf('b')).toEqual([]);
  });

  it('run-now on a paused connector runs it ONCE and leaves it paused', async () => {
    const { clock, runner, scheduler, schedule } = setup();
    scheduler.add(connector('a'), { paused: true });
    scheduler.start();
    expect(scheduler.runNow('a')).toEqual({ accepted: true });
    expect(schedule('a').state).toBe('syncing');
    await clock.advance(10 * HOUR);
    expect(runner.calls.map((c) => c.trigger)).toEqual(['manual']);
    expect(schedule('a')).toMatchObject({ state: 'paused', paused: true, nextRunAt: null });
  });

  it('global pause aborts every running sync and stops the schedule; run-now still runs a connector once', async () => {
    const { clock, runner, scheduler, schedule, events } = setup({
      fallback: { kind: 'hang' },
      options: { maxConcurrent: 2 },
    });
    scheduler.add(connector('a'));
    scheduler.add(connector('b'));
    scheduler.start();
    scheduler.runNow(null);
    scheduler.pause(null);
    await flush();
    expect(runner.calls.every((c) => c.signal.aborted)).toBe(true);
    expect(events.filter((e) => e.startsWith('end'))).toEqual(['end a cancelled paused', 'end b cancelled paused']);
    expect(scheduler.snapshot()).toMatchObject({ paused: true, running: false });
    expect(schedule('a')).toMatchObject({ state: 'paused', paused: false, nextRunAt: null });
    runner.behave('a', { kind: 'succeed', ms: SEC });
    expect(scheduler.runNow('a')).toEqual({ accepted: true });
    await clock.advance(5 * HOUR);
    expect(runner.callsFor('a')).toHaveLength(2);
    expect(runner.callsFor('b')).toHaveLength(1);
    expect(scheduler.snapshot().paused).toBe(true);
  });

  it('pausing drops queued runs and a pending follow-up', async () => {
    const { clock, runner, scheduler, schedule } = setup({ fallback: { kind: 'succeed', ms: 20 * SEC } });
    scheduler.add(connector('a'));
    scheduler.add(connector('b'));
    scheduler.start();
    scheduler.runNow('a');
    scheduler.runNow('a');
    scheduler.runNow('b');
    expect(schedule('a').followUpQueued).toBe(true);
    expect(schedule('b').queued).toBe(true);
    scheduler.pause(null);
    expect(schedule('a').followUpQueued).toBe(false);
    expect(schedule('b').queued).toBe(false);
    await clock.advance(2 * HOUR);
    expect(runner.calls).toHaveLength(1);
  });
});

describe('resume', () => {
  it('if the due time passed while paused, runs ONCE, catchUpDelayMs after resume', async () => {
    const { clock, runner, scheduler, schedule, startsOf } = setup();
    runner.history.set('a', T0 - 30 * MIN);
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.pause('a');
    await clock.advance(3 * HOUR); // three due times pass
    expect(runner.calls).toHaveLength(0);
    scheduler.resume('a');
    expect(schedule('a')).toMatchObject({ state: 'idle', nextRunAt: T0 + 3 * HOUR + 10 * SEC });
    await clock.advance(50 * MIN);
    expect(startsOf('a')).toEqual([3 * HOUR + 10 * SEC]);
    expect(runner.calls[0].trigger).toBe('catch-up');
  });

  it('if the due time has not come yet, runs at its due time', async () => {
    const { clock, runner, scheduler, startsOf } = setup();
    runner.history.set('a', T0 - 30 * MIN);
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.pause(null);
    await clock.advance(10 * MIN);
    scheduler.resume(null);
    await clock.advance(30 * MIN);
    expect(startsOf('a')).toEqual([30 * MIN]);
    expect(runner.calls[0].trigger).toBe('schedule');
  });

  it('a run cut short by a pause is caught up after resume', async () => {
    const { clock, runner, scheduler, startsOf } = setup();
    runner.behave('a', { kind: 'hang' });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    scheduler.pause('a');
    await clock.advance(MIN);
    runner.behave('a', { kind: 'succeed', ms: SEC });
    scheduler.resume('a');
    await clock.advance(MIN);
    expect(startsOf('a')).toEqual([0, MIN + 10 * SEC]);
    expect(runner.calls[1].trigger).toBe('catch-up');
  });

  it('a connector paused on its own stays paused when the global pause is lifted', async () => {
    const { clock, runner, scheduler, schedule } = setup();
    scheduler.add(connector('a'), { paused: true });
    scheduler.start();
    scheduler.pause(null);
    scheduler.resume(null);
    expect(schedule('a').state).toBe('paused');
    await clock.advance(3 * HOUR);
    expect(runner.calls).toHaveLength(0);
  });

  it('pause and resume are idempotent, and each real change emits "changed"', () => {
    const { scheduler, schedule } = setup();
    let changes = 0;
    scheduler.events.on('changed', () => changes++);
    scheduler.add(connector('a'));
    scheduler.start();
    const due = schedule('a').nextRunAt;
    changes = 0;
    scheduler.pause('a');
    scheduler.pause('a');
    expect(changes).toBeGreaterThan(0);
    scheduler.resume('a');
    expect(schedule('a')).toMatchObject({ state: 'idle', paused: false, nextRunAt: due });
    changes = 0;
    scheduler.resume('a');
    scheduler.resume(null);
    scheduler.resume('unknown');
    expect(changes).toBe(0);
    expect(schedule('a').nextRunAt).toBe(due);
  });
});

describe('holdAutomatic (pause on battery)', () => {
  it('a sync the user started runs to the end; automatic ones stop and wait; nothing reads as paused', async () => {
    const { clock, runner, scheduler, schedule, events } = setup({ options: { maxConcurrent: 2 } });
    runner.behave('a', { kind: 'succeed', ms: 5 * MIN });
    runner.behave('b', { kind: 'hang' });
    scheduler.add(connector('a'));
    scheduler.add(connector('b'));
    scheduler.start();
    scheduler.runNow('a');
    scheduler.notifyChanged('b');
    expect(events).toEqual(['start a manual', 'start b change']);

    scheduler.holdAutomatic(true);
    await clock.advance(10 * MIN);
    expect(runner.callsFor('a')[0].signal.aborted).toBe(false);
    expect(events.slice(2)).toEqual(['end b cancelled paused', 'end a success']);
    expect(schedule('a')).toMatchObject({ state: 'idle', nextRunAt: null });
    expect(schedule('b')).toMatchObject({ state: 'idle', nextRunAt: null });
    expect(scheduler.notifyChanged('a')).toEqual({ accepted: false, reason: 'automatic syncs are on hold; synced when that ends' });
    await clock.advance(5 * HOUR);
    expect(runner.calls).toHaveLength(2);

    // Sync now still works, once.
    runner.behave('b', { kind: 'succeed', ms: SEC });
    expect(scheduler.runNow('b')).toEqual({ accepted: true });
    await clock.advance(HOUR);
    expect(runner.callsFor('b').map((c) => c.trigger)).toEqual(['change', 'manual']);

    // Back on AC: what came due meanwhile (a) runs once, after the catch-up delay; b, synced an hour ago by the
    // run-now, keeps its interval.
    scheduler.holdAutomatic(false);
    await clock.advance(MIN);
    const releasedAt = clock.now() - MIN;
    expect(runner.calls.slice(3).map((c) => [c.id, c.trigger, c.startedAt - releasedAt])).toEqual([
      ['b', 'schedule', SEC],
      ['a', 'catch-up', 10 * SEC],
    ]);
  });

  it('keeps a queued run-now and its follow-up, drops a queued automatic run; the global pause still stops all', async () => {
    const { clock, runner, scheduler, events } = setup({ fallback: { kind: 'succeed', ms: MIN } });
    scheduler.add(connector('a'));
    scheduler.add(connector('b'));
    scheduler.add(connector('c'));
    scheduler.start();
    scheduler.runNow('a');
    scheduler.runNow('a'); // a follow-up
    scheduler.notifyChanged('b');
    scheduler.runNow('c');
    scheduler.holdAutomatic(true);
    await clock.advance(10 * MIN);
    expect(runner.calls.map((c) => `${c.id} ${c.trigger}`)).toEqual(['a manual', 'c manual', 'a manual']);

    runner.behave('a', { kind: 'hang' });
    scheduler.runNow('a');
    scheduler.pause(null);
    await flush();
    expect(events.at(-1)).toBe('end a cancelled paused');
  });
});

describe('cancel', () => {
  it('cancelling a running sync aborts it as cancelled (not failed), leaves the connector unpaused, and the next run comes one interval later', async () => {
    const { clock, runner, scheduler, schedule, events, startsOf } = setup({ fallback: { kind: 'hang' } });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    expect(scheduler.cancel('a')).toEqual({ accepted: true });
    expect(runner.calls[0].signal.aborted).toBe(true);
    expect(schedule('a').state).toBe('idle'); // already, while the run winds down
    await flush();
    expect(events).toEqual(['start a manual', 'end a cancelled user']);
    expect(schedule('a')).toMatchObject({
      state: 'idle',
      paused: false,
      running: false,
      nextRunAt: T0 + HOUR,
      consecutiveFailures: 0,
      lastError: null,
    });
    runner.behave('a', { kind: 'succeed', ms: SEC });
    await clock.advance(HOUR + MIN);
    expect(startsOf('a')).toEqual([0, HOUR]);
    expect(runner.calls[1].trigger).toBe('schedule');
  });

  it('cancelling drops the follow-up that run-now queued during the run', async () => {
    const { clock, runner, scheduler, schedule } = setup({ fallback: { kind: 'hang' } });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    scheduler.runNow('a');
    expect(schedule('a').followUpQueued).toBe(true);
    scheduler.cancel('a');
    expect(schedule('a').followUpQueued).toBe(false);
    await clock.advance(30 * MIN);
    expect(runner.calls).toHaveLength(1);
  });

  it('cancel(null) cancels every running and queued sync and pauses nothing', async () => {
    const { clock, runner, scheduler, schedule, events } = setup({ fallback: { kind: 'hang' } });
    scheduler.add(connector('a'));
    scheduler.add(connector('b'));
    scheduler.start();
    scheduler.runNow('a');
    scheduler.runNow('b'); // waits for the one slot
    expect(schedule('b').queued).toBe(true);
    expect(scheduler.cancel(null)).toEqual({ accepted: true });
    await flush();
    expect(events).toEqual(['start a manual', 'end a cancelled user']);
    expect(schedule('b')).toMatchObject({ queued: false, state: 'idle', nextRunAt: T0 + HOUR });
    expect(scheduler.snapshot().paused).toBe(false);
    await clock.advance(10 * MIN);
    expect(runner.calls).toHaveLength(1);
  });

  it('says so when there is nothing to cancel, or the connector is unknown', () => {
    const { scheduler } = setup();
    scheduler.add(connector('a'));
    scheduler.start();
    expect(scheduler.cancel('a')).toEqual({ accepted: false, reason: 'a is not syncing' });
    expect(scheduler.cancel(null)).toEqual({ accepted: false, reason: 'nothing is syncing' });
    expect(scheduler.cancel('zz')).toEqual({ accepted: false, reason: 'unknown connector "zz"' });
  });
});
