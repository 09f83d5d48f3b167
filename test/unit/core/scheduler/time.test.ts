// Rule 7 (wall-clock due times, short timers, sleep and clock jumps) and rule 9 (intervals, jitter, events).
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MIN, SEC, T0, connector, setup } from './helpers.js';

describe('timers', () => {
  it('never arms a timer for longer than maxTimerMs, whatever the intervals, watchdog and deadlines', async () => {
    const { clock, runner, scheduler } = setup({
      options: { intervalSeconds: 6 * 3600, watchdogMs: 20 * MIN, stopTimeoutMs: 3 * MIN },
    });
    runner.behave('hung', { kind: 'ignore-signal' });
    runner.behave('bad', { kind: 'fail' });
    runner.history.set('ok', T0 - HOUR);
    for (const id of ['ok', 'hung', 'bad']) scheduler.add(connector(id));
    scheduler.start();
    scheduler.runNow('hung');
    scheduler.runNow('bad');
    await clock.advance(DAY);
    scheduler.pause('ok');
    await clock.advance(DAY);
    scheduler.resume('ok');
    await clock.advance(DAY);
    expect(runner.callsFor('ok').length).toBeGreaterThan(5);
    expect(clock.maxArmedMs).toBeLessThanOrEqual(60 * SEC);
    expect(clock.maxArmedMs).toBeGreaterThan(0);
  });

  it('honours a smaller maxTimerMs', async () => {
    const { clock, scheduler, startsOf } = setup({ options: { maxTimerMs: 5 * SEC } });
    scheduler.add(connector('a'), { intervalSeconds: 600 });
    scheduler.start();
    await clock.advance(HOUR);
    expect(clock.maxArmedMs).toBe(5 * SEC);
    expect(startsOf('a')).toHaveLength(5);
  });
});

describe('sleep', () => {
  /** Three connectors that are all due during an 8 h sleep. */
  function threeConnectors() {
    const t = setup();
    for (const id of ['a', 'b', 'c']) {
      t.runner.history.set(id, T0 - 10 * MIN);
      t.scheduler.add(connector(id));
    }
    t.scheduler.start();
    return t;
  }

  it('8 h asleep with timers pushed back by the sleep (Windows, Linux): exactly one catch-up run per due connector', async () => {
    const { clock, runner, scheduler, events } = threeConnectors();
    await clock.advance(MIN);
    clock.jump(8 * HOUR);
    const wake = clock.now();
    await clock.advance(MIN); // the heartbeat sees the gap
    expect(runner.calls).toHaveLength(0);
    expect(scheduler.snapshot().connectors.a.nextRunAt).toBeLessThanOrEqual(wake + MIN + 10 * SEC);
    await clock.advance(40 * MIN);
    expect(events.filter((e) => e.startsWith('start'))).toEqual([
      'start a catch-up',
      'start b catch-up',
      'start c catch-up',
    ]);
  });

  it('8 h asleep with every overdue timer firing at wake (macOS): exactly one catch-up run per due connector', async () => {
    const { clock, runner, events } = threeConnectors();
    await clock.advance(MIN);
    await clock.suspend(8 * HOUR);
    expect(runner.calls).toHaveLength(0);
    await clock.advance(40 * MIN);
    expect(events.filter((e) => e.startsWith('start'))).toEqual([
      'start a catch-up',
      'start b catch-up',
      'start c catch-up',
    ]);
    expect(runner.calls.every((c) => c.startedAt - T0 >= 8 * HOUR + MIN + 10 * SEC)).toBe(true);
  });

  it('notifyResume() from the OS schedules the catch-up at once; the heartbeat noticing the same gap adds nothing', async () => {
    const { clock, runner, scheduler, startsOf } = threeConnectors();
    await clock.advance(MIN);
    clock.jump(8 * HOUR);
    scheduler.notifyResume();
    expect(scheduler.snapshot().connectors.a.nextRunAt).toBe(clock.now() + 10 * SEC);
    await clock.advance(40 * MIN);
    expect(runner.calls).toHaveLength(3);
    expect(startsOf('a')).toEqual([8 * HOUR + MIN + 10 * SEC]);
  });

  it('an ordinary day of heartbeats is never mistaken for a resume', async () => {
    const { clock, runner, scheduler, logs } = setup({ fallback: { kind: 'succeed', ms: 30 * SEC } });
    scheduler.add(connector('a'), { intervalSeconds: 900 });
    scheduler.add(connector('b'));
    scheduler.start();
    await clock.advance(DAY);
    expect(runner.calls.every((c) => c.trigger === 'first' || c.trigger === 'schedule')).toBe(true);
    expect(logs.some((l) => l.text.includes('resume'))).toBe(false);
  });
});

describe('clock jumps', () => {
  it('back 1 day: the due time is recomputed to now + interval instead of waiting a day', async () => {
    const { clock, runner, scheduler, schedule } = setup();
    scheduler.add(connector('a'));
    scheduler.start();
    await clock.advance(10 * MIN);
    clock.setWallClock(clock.now() - DAY);
    const jumpedAt = clock.now();
    await clock.advance(MIN);
    expect(schedule('a').nextRunAt).toBe(jumpedAt + MIN + HOUR);
    await clock.advance(HOUR);
    expect(runner.calls).toHaveLength(1);
  });

  it('back 1 h: no early run, and the wall-clock due time still holds (within 1.5 intervals)', async () => {
    const { clock, runner, scheduler, schedule } = setup();
    scheduler.add(connector('a'));
    scheduler.start();
    await clock.advance(40 * MIN);
    clock.jump(-HOUR);
    await clock.advance(80 * MIN - 1);
    expect(runner.calls).toHaveLength(0);
    expect(schedule('a').nextRunAt).toBe(T0 + HOUR);
    await clock.advance(1);
    expect(runner.calls).toHaveLength(1);
  });

  it('back 1 h just after a run: recomputed, since the due time is now 2 intervals away', async () => {
    const { clock, runner, scheduler, schedule } = setup();
    scheduler.add(connector('a'));
    scheduler.start();
    await clock.advance(HOUR + SEC); // first run, next due at T0 + 2 h + 1 s
    clock.jump(-HOUR);
    await clock.advance(MIN);
    expect(schedule('a').nextRunAt).toBe(clock.now() + HOUR);
    await clock.advance(HOUR);
    expect(runner.calls).toHaveLength(2);
  });

  for (const [label, jump] of [
    ['1 h', HOUR],
    ['1 day', DAY],
  ] as const) {
    it(`forward ${label}: at most one run`, async () => {
      const { clock, runner, scheduler } = setup();
      runner.history.set('a', T0 - 30 * MIN);
      scheduler.add(connector('a'));
      scheduler.start();
      await clock.advance(10 * MIN);
      clock.jump(jump);
      await clock.advance(50 * MIN);
      expect(runner.calls.map((c) => c.trigger)).toEqual(['catch-up']);
    });
  }

  it('a start() after the clock went back behind the last success does not wait for that future instant', () => {
    const { runner, scheduler, schedule } = setup();
    runner.history.set('a', T0 + DAY);
    scheduler.add(connector('a'));
    scheduler.start();
    expect(schedule('a').nextRunAt).toBe(T0 + HOUR);
  });
});

describe('intervals (rule 9)', () => {
  it('per-connector override or default; the next run is the end of the last run + interval', async () => {
    const { clock, scheduler, startsOf } = setup({ fallback: { kind: 'succeed', ms: 5 * SEC } });
    scheduler.add(connector('a'));
    scheduler.add(connector('b'), { intervalSeconds: 600 });
    scheduler.start();
    await clock.advance(HOUR + MIN);
    expect(startsOf('b')).toEqual([0, 1, 2, 3, 4, 5].map((i) => 600 * SEC + i * 605 * SEC));
    expect(startsOf('a')).toEqual([HOUR]);
  });

  it('setInterval() and setDefaultInterval() move pending due times', async () => {
    const { clock, runner, scheduler, schedule } = setup();
    scheduler.add(connector('a'));
    scheduler.add(connector('b'));
    scheduler.start();
    await clock.advance(10 * MIN);
    scheduler.setInterval('a', 1200);
    expect(schedule('a').nextRunAt).toBe(T0 + 20 * MIN);
    scheduler.setDefaultInterval(2 * 3600);
    expect(schedule('a').nextRunAt).toBe(T0 + 20 * MIN); // has its own
    expect(schedule('b').nextRunAt).toBe(T0 + 2 * HOUR);
    scheduler.setInterval('a', 300); // already past base + 5 min: due now
    await clock.advance(0);
    expect(runner.calls.map((c) => c.id)).toEqual(['a']);
    expect(schedule('a').nextRunAt).toBeNull(); // running
    await clock.advance(SEC);
    scheduler.setInterval('a', null);
    expect(schedule('a').nextRunAt).toBe(T0 + 10 * MIN + SEC + 2 * HOUR);
  });

  it('a pending retry never waits longer than a newly shortened interval', async () => {
    const { clock, runner, scheduler, schedule } = setup({ options: { backoffBaseMs: 20 * MIN } });
    runner.behave('a', { kind: 'fail' });
    scheduler.add(connector('a'));
    scheduler.start();
    scheduler.runNow('a');
    await clock.advance(0);
    expect(schedule('a').nextRunAt).toBe(T0 + 20 * MIN);
    scheduler.setInterval('a', 300);
    expect(schedule('a').nextRunAt).toBe(T0 + 5 * MIN);
  });

  it('jitters the interval by ±jitterRatio', async () => {
    for (const [random, factor] of [
      [0, 0.9],
      [1, 1.1],
      [0.5, 1],
    ] as const) {
      const { clock, scheduler, schedule } = setup({ random: () => random, options: { jitterRatio: 0.1 } });
      scheduler.add(connector('a'));
      scheduler.start();
      expect(schedule('a').nextRunAt).toBeCloseTo(T0 + factor * HOUR, 3);
      scheduler.runNow('a');
      await clock.advance(SEC);
      expect(schedule('a').nextRunAt).toBeCloseTo(T0 + SEC + factor * HOUR, 3);
    }
  });

  it('emits "changed" on each state change of a run', async () => {
    const { clock, scheduler } = setup({ fallback: { kind: 'succeed', ms: 5 * SEC } });
    const states: string[] = [];
    scheduler.events.on('changed', () => {
      const s = scheduler.snapshot().connectors.a?.state;
      if (s && s !== states.at(-1)) states.push(s);
    });
    scheduler.add(connector('a'));
    scheduler.add(connector('b'));
    scheduler.start();
    scheduler.runNow('b');
    scheduler.runNow('a');
    await clock.advance(MIN);
    scheduler.pause('a');
    scheduler.resume('a');
    expect(states).toEqual(['idle', 'queued', 'syncing', 'idle', 'paused', 'idle']);
  });
});
