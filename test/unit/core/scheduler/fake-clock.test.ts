// The fake clock is the model of time every scheduler test relies on, so its semantics are pinned here.
import { describe, expect, it } from 'vitest';
import { FakeClock, HOUR, T0 } from './helpers.js';

describe('FakeClock', () => {
  it('advance() fires due timers in order, with now() at each timer’s instant', async () => {
    const clock = new FakeClock({ now: T0 });
    const fired: Array<[string, number]> = [];
    clock.setTimeout(() => fired.push(['b', clock.now() - T0]), 20);
    clock.setTimeout(() => fired.push(['a', clock.now() - T0]), 10);
    clock.setTimeout(() => {
      fired.push(['c', clock.now() - T0]);
      clock.setTimeout(() => fired.push(['d', clock.now() - T0]), 5);
    }, 20);
    const late = clock.setTimeout(() => fired.push(['never', 0]), 30);
    clock.clearTimeout(late);
    await clock.advance(100);
    expect(fired).toEqual([
      ['a', 10],
      ['b', 20],
      ['c', 20],
      ['d', 25],
    ]);
    expect(clock.now()).toBe(T0 + 100);
  });

  it('jump() and setWallClock() move wall time only: timers keep their remaining delay', async () => {
    const clock = new FakeClock({ now: T0 });
    let fired = 0;
    clock.setTimeout(() => fired++, 1000);
    clock.jump(8 * HOUR);
    expect(fired).toBe(0);
    expect(clock.pending()).toEqual([1000]);
    clock.setWallClock(T0 - HOUR);
    await clock.advance(999);
    expect(fired).toBe(0);
    await clock.advance(1);
    expect(fired).toBe(1);
    expect(clock.now()).toBe(T0 - HOUR + 1000);
  });

  it('suspend() fires each overdue timer once, at the wake instant', async () => {
    const clock = new FakeClock({ now: T0 });
    const at: number[] = [];
    clock.setTimeout(() => at.push(clock.now() - T0), 1000);
    clock.setTimeout(() => at.push(clock.now() - T0), 2000);
    clock.setTimeout(() => at.push(clock.now() - T0), 2 * HOUR);
    await clock.suspend(HOUR);
    expect(at).toEqual([HOUR, HOUR]);
    expect(clock.pending()).toEqual([HOUR]);
  });
});
