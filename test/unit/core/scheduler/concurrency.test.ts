// Rule 4: single flight per connector, one coalesced follow-up, a global concurrency cap with a fair queue.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOUR, MIN, SEC, T0, connector, flush, setup, type Behaviour } from './helpers.js';

describe('single flight and coalescing', () => {
  it('1,000 run-now requests in one second during a run → one run in flight plus exactly ONE follow-up', async () => {
    const { clock, runner, scheduler, schedule } = setup({ fallback: { kind: 'succeed', ms: 10 * SEC } });
    scheduler.add(connector('a'));
    scheduler.start();
    expect(scheduler.runNow('a')).toEqual({ accepted: true });
    const answers = [];
    for (let i = 0; i < 1000; i++) {
      answers.push(scheduler.runNow('a'));
      if (i % 100 === 99) await clock.advance(100);
    }
    expect(answers[0]).toEqual({ accepted: true, reason: 'already syncing; one follow-up run queued' });
    expect(answers.every((a) => a.accepted)).toBe(true);
    expect(schedule('a')).toMatchObject({ state: 'syncing', followUpQueued: true });
    await clock.advance(HOUR - 2 * MIN);
    expect(runner.calls.map((c) => [c.trigger, c.startedAt - T0])).toEqual([
      ['manual', 0],
      ['manual', 10 * SEC],
    ]);
    expect(runner.maxLivePerConnector).toBe(1);
    expect(schedule('a').followUpQueued).toBe(false);
  });

  it('a scheduled due time that passes during a long run is dropped, not stacked', async () => {
    const { clock, runner, scheduler, startsOf } = setup({ fallback: { kind: 'succeed', ms: 150 * SEC } });
    scheduler.add(connector('a'), { intervalSeconds: 60 });
    scheduler.start();
    await clock.advance(5 * MIN);
    // Due at 60 s; runs until 210 s (two due times pass meanwhile); next is end + interval.
    expect(startsOf('a')).toEqual([60 * SEC, 270 * SEC]);
    expect(runner.maxLivePerConnector).toBe(1);
  });

  it('refuses run-now when it cannot run, saying why', () => {
    const { scheduler } = setup();
    scheduler.add(connector('a'));
    scheduler.add(connector('off', false));
    expect(scheduler.runNow('a')).toEqual({ accepted: false, reason: 'the scheduler is not running' });
    scheduler.start();
    expect(scheduler.runNow('nope')).toEqual({ accepted: false, reason: 'unknown connector "nope"' });
    expect(scheduler.runNow('off')).toEqual({ accepted: false, reason: 'off is not connected' });
  });

  it('run-now on a queued connector does not queue it twice', async () => {
    const { clock, runner, scheduler } = setup({ fallback: { kind: 'succeed', ms: 5 * SEC } });
    scheduler.add(connector('a'));
    scheduler.add(connector('b'));
    scheduler.start();
    scheduler.runNow('a');
    expect(scheduler.runNow('b')).toEqual({ accepted: true });
    expect(scheduler.runNow('b')).toEqual({ accepted: true, reason: 'already queued' });
    await clock.advance(MIN);
    expect(runner.calls.map((c) => c.id)).toEqual(['a', 'b']);
  });

  it('runNow(null) runs every connected, not individually paused connector once', async () => {
    const { clock, runner, scheduler } = setup({ fallback: { kind: 'succeed', ms: SEC } });
    scheduler.add(connector('a'));
    scheduler.add(connector('b'), { paused: true });
    scheduler.add(connector('c', false));
    scheduler.add(connector('d'));
    scheduler.start();
    expect(scheduler.runNow(null)).toEqual({ accepted: true });
    await clock.advance(MIN);
    expect(runner.calls.map((c) => c.id)).toEqual(['a', 'd']);
  });
});

describe('global concurrency cap', () => {
  it('maxConcurrent 1: the others wait in "queued", FIFO by due time', async () => {
    const { clock, runner, scheduler, schedule, events } = setup({ fallback: { kind: 'succeed', ms: 5 * SEC } });
    runner.history.set('a', T0 - 2 * HOUR);
    runner.history.set('b', T0 - 3 * HOUR);
    runner.history.set('c', T0 - 4 * HOUR);
    for (const id of ['a', 'b', 'c']) scheduler.add(connector(id));
    scheduler.start();
    await clock.advance(10 * SEC);
    expect(['a', 'b', 'c'].map((id) => schedule(id).state)).toEqual(['syncing', 'queued', 'queued']);
    expect(schedule('b')).toMatchObject({ queued: true, trigger: 'catch-up' });
    await clock.advance(MIN);
    expect(events.filter((e) => e.startsWith('start'))).toEqual([
      'start a catch-up',
      'start b catch-up',
      'start c catch-up',
    ]);
    expect(runner.maxLiveTotal).toBe(1);
  });

  it('manual requests go ahead of scheduled ones', async () => {
    const { clock, runner, scheduler } = setup({ fallback: { kind: 'succeed', ms: 5 * SEC } });
    for (const id of ['a', 'b', 'c']) runner.history.set(id, T0 - 2 * HOUR);
    for (const id of ['a', 'b', 'c', 'd']) scheduler.add(connector(id));
    scheduler.start();
    await clock.advance(10 * SEC); // a runs, b and c queued (scheduled)
    scheduler.runNow('d');
    scheduler.runNow('c');
    await clock.advance(MIN);
    expect(runner.calls.map((c) => `${c.id} ${c.trigger}`)).toEqual([
      'a catch-up',
      'd manual',
      'c manual',
      'b catch-up',
    ]);
  });

  it('maxConcurrent 2: two connectors sync at once, never three', async () => {
    const { clock, runner, scheduler } = setup({
      fallback: { kind: 'succeed', ms: 5 * SEC },
      options: { maxConcurrent: 2 },
    });
    for (const id of ['a', 'b', 'c', 'd']) {
      runner.history.set(id, T0 - 2 * HOUR);
      scheduler.add(connector(id));
    }
    scheduler.start();
    await clock.advance(10 * SEC);
    expect(scheduler.snapshot().connectors).toMatchObject({
      a: { state: 'syncing' },
      b: { state: 'syncing' },
      c: { state: 'queued' },
      d: { state: 'queued' },
    });
    await clock.advance(MIN);
    expect(runner.calls.map((c) => c.startedAt - T0)).toEqual([10 * SEC, 10 * SEC, 15 * SEC, 15 * SEC]);
    expect(runner.maxLiveTotal).toBe(2);
  });

  it('a connector that disconnects while queued is dropped and rescheduled, not failed', async () => {
    const { clock, runner, scheduler, schedule } = setup({ fallback: { kind: 'succeed', ms: 5 * SEC } });
    runner.history.set('a', T0 - 2 * HOUR);
    runner.history.set('b', T0 - 2 * HOUR);
    const b = connector('b');
    scheduler.add(connector('a'));
    scheduler.add(b);
    scheduler.start();
    await clock.advance(10 * SEC);
    expect(schedule('b').state).toBe('queued');
    b.connected = false;
    await clock.advance(MIN);
    expect(runner.callsFor('b')).toHaveLength(0);
    expect(schedule('b')).toMatchObject({ state: 'idle', consecutiveFailures: 0, nextRunAt: T0 + 15 * SEC + HOUR });
  });
});

type Op =
  | { op: 'runNow'; id: string | null }
  | { op: 'pause'; id: string | null }
  | { op: 'resume'; id: string | null }
  | { op: 'advance'; ms: number }
  | { op: 'jump'; ms: number }
  | { op: 'notifyResume' }
  | { op: 'behave'; id: string; b: Behaviour }
  | { op: 'runOnce' };

const ids = ['a', 'b', 'c'] as const;
const idOrAll = fc.oneof(fc.constantFrom(...ids), fc.constant(null));
const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  fc.record({ kind: fc.constant('succeed' as const), ms: fc.integer({ min: 0, max: 90_000 }) }),
  fc.record({ kind: fc.constant('fail' as const), ms: fc.integer({ min: 0, max: 20_000 }) }),
  fc.constant({ kind: 'hang' } as const),
  fc.constant({ kind: 'throw' } as const),
  fc.constant({ kind: 'ignore-signal' } as const),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('runNow' as const), id: idOrAll }),
  fc.record({ op: fc.constant('pause' as const), id: idOrAll }),
  fc.record({ op: fc.constant('resume' as const), id: idOrAll }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 2 * HOUR }) }),
  fc.record({ op: fc.constant('jump' as const), ms: fc.integer({ min: -2 * HOUR, max: 10 * HOUR }) }),
  fc.constant({ op: 'notifyResume' } as const),
  fc.record({ op: fc.constant('behave' as const), id: fc.constantFrom(...ids), b: behaviour }),
  fc.constant({ op: 'runOnce' } as const),
);

describe('invariants under any sequence of requests, pauses, failures, hangs and clock changes', () => {
  it('never two runs of one connector, never more than maxConcurrent holding slots, no timer over 60 s, stop() within 5 s', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), fc.integer({ min: 1, max: 2 }), async (ops, maxConcurrent) => {
        const { clock, runner, scheduler } = setup({ options: { intervalSeconds: 1800, maxConcurrent } });
        for (const id of ids) scheduler.add(connector(id));
        scheduler.start();
        // An abandoned run (it ignored its abort) keeps running in the engine but no longer holds a slot.
        const zombies = () => runner.calls.filter((c) => c.settled === null && c.signal.aborted).length;
        for (const o of ops) {
          switch (o.op) {
            case 'runNow':
              scheduler.runNow(o.id);
              break;
            case 'pause':
              scheduler.pause(o.id);
              break;
            case 'resume':
              scheduler.resume(o.id);
              break;
            case 'advance':
              await clock.advance(o.ms);
              break;
            case 'jump':
              clock.jump(o.ms);
              break;
            case 'notifyResume':
              scheduler.notifyResume();
              break;
            case 'behave':
              runner.behave(o.id, o.b);
              break;
            case 'runOnce':
              void scheduler.runOnce();
              break;
          }
          await flush();
          expect(runner.maxLivePerConnector).toBeLessThanOrEqual(1);
          expect(runner.liveTotal - zombies()).toBeLessThanOrEqual(maxConcurrent);
          const snap = scheduler.snapshot();
          const running = Object.values(snap.connectors).filter((c) => c.running).length;
          expect(running).toBeLessThanOrEqual(maxConcurrent);
        }
        let stopped = false;
        void scheduler.stop().then(() => (stopped = true));
        await clock.advance(5 * SEC);
        expect(stopped).toBe(true);
        expect(clock.maxArmedMs).toBeLessThanOrEqual(60 * SEC);
      }),
      { numRuns: 60 },
    );
  });
});
