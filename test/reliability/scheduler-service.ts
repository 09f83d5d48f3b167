/**
 * Scheduler robustness at the SERVICE level: a real SyncService (real engine, real SQLite index, real scheduler)
 * with in-memory connectors (test/helpers/memory-connector.ts) and a fake Clock that keeps wall time and timer time
 * apart (test/unit/core/scheduler/helpers.ts). What the scheduler unit tests (test/unit/core/scheduler/*) prove
 * against a fake runner is checked here end to end, counting the runs the engine RECORDED in the index:
 *   - an 8-hour sleep → exactly one catch-up run per due connector (none for a paused or a not-yet-due one);
 *   - the clock set back a day / forward a day → no early run, no storm, one catch-up;
 *   - 1,000 run-now in one second → one run in flight plus one follow-up per connector, never two at once;
 *   - a hung connector → cancelled by the watchdog and recorded (state, run history, checkpoint), others unharmed;
 *   - quit during a sync → stop() resolves within 5 s of (fake) time; the checkpoint is intact and the next start
 *     converges;
 *   - one failing connector never delays the others (their runs start exactly on their schedule).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SyncService } from '../../electron/core/service.js';
import type { SchedulerOptions } from '../../electron/core/scheduler.js';
import { MemorySource, memoryKind } from '../helpers/memory-connector.js';
import { FakeClock, HOUR, MIN, SEC, T0, flush } from '../unit/core/scheduler/helpers.js';
import { removeTempDir, tempDir } from './lib.js';

export interface SchedulerScenario {
  name: string;
  run(root: string): Promise<string>;
}

interface Harness {
  service: SyncService;
  clock: FakeClock;
  sources: Map<string, MemorySource>;
  ids: string[];
  dataDir: string;
  /** Runs the index recorded for a connector, oldest first, with start times relative to T0. */
  runs(id: string): { at: number; outcome: string; code: string | null; trigger: string }[];
}

async function harness(
  root: string,
  names: string[],
  opts: { scheduler?: Omit<SchedulerOptions, 'intervalSeconds' | 'clock' | 'log'>; notes?: number; intervals?: Record<string, number> } = {},
): Promise<Harness> {
  const clock = new FakeClock({ now: T0, random: () => 1 });
  const sources = new Map<string, MemorySource>();
  for (const name of names) {
    const source = new MemorySource();
    for (let i = 0; i < (opts.notes ?? 5); i++) source.setNote(`${name}/n${i}.md`, `note ${i} of ${name} word${name}${i}`);
    sources.set(`/mem/${name}`, source);
  }
  const dataDir = join(root, 'data');
  const service = await SyncService.open({
    dataDir,
    clock,
    kinds: [memoryKind(sources)],
    // The fake clock advances timers and promise continuations only; a first sync's batches on the writer thread
    // commit on real time, in messages it does not wait for. The scheduling under test is the same either way.
    writer: 'inline',
    // The scenarios count runs from a first one an interval after start (the seed's rule; the app runs a connector
    // never synced 10 s after start, which lifecycle and service tests cover).
    scheduler: { jitterRatio: 0, catchUpDelayMs: 10 * SEC, firstRunDelayMs: null, ...opts.scheduler },
  });
  const ids: string[] = [];
  for (const name of names) {
    const added = await service.addConnector(
      { kind: 'folder', path: `/mem/${name}`, name, intervalSeconds: opts.intervals?.[name] ?? null },
      { syncNow: false },
    );
    ids.push(added.id);
  }
  return {
    service,
    clock,
    sources,
    ids,
    dataDir,
    runs: (id) =>
      service
        .history(id, 200)
        .reverse()
        .map((r) => ({ at: r.startedAt - T0, outcome: r.outcome, code: r.error?.code ?? null, trigger: r.trigger })),
  };
}

const count = (h: Harness, id: string) => h.runs(id).length;

const sleep8h: SchedulerScenario = {
  name: '8 h asleep (timers pushed back, and timers firing at wake): exactly one catch-up per due connector',
  async run(root) {
    const out: string[] = [];
    for (const style of ['jump', 'suspend'] as const) {
      const h = await harness(join(root, style), ['a', 'b', 'c', 'paused', 'daily'], { intervals: { daily: 24 * 3600 } });
      try {
        const [a, b, c, paused, daily] = h.ids as [string, string, string, string, string];
        h.service.start();
        h.service.pause(paused);
        await h.clock.advance(HOUR + MIN); // the first scheduled runs (one interval after start)
        for (const id of [a, b, c]) assert.equal(count(h, id), 1, `${id} before the sleep`);
        await h.clock.advance(30 * MIN);
        const before = new Map(h.ids.map((id) => [id, count(h, id)]));
        if (style === 'jump') {
          h.clock.jump(8 * HOUR);
          await h.clock.advance(2 * MIN);
        } else {
          await h.clock.suspend(8 * HOUR);
          await h.clock.advance(2 * MIN);
        }
        for (const id of [a, b, c]) {
          assert.equal(count(h, id) - before.get(id)!, 1, `${id} (${style}): catch-up runs after the sleep`);
          assert.equal(h.runs(id).at(-1)!.trigger, 'catch-up');
        }
        assert.equal(count(h, paused), 0, 'a paused connector ran');
        assert.equal(count(h, daily), 0, 'a connector not yet due ran');
        // …and then the normal cadence resumes: one run per interval, no second catch-up.
        await h.clock.advance(HOUR);
        for (const id of [a, b, c]) assert.equal(count(h, id) - before.get(id)!, 2, `${id}: runs in the hour after`);
        out.push(style);
      } finally {
        await h.service.stop();
      }
    }
    return `one catch-up run each for 3 due connectors (${out.join(', ')}); 0 for a paused and a not-yet-due one`;
  },
};

const clockJumps: SchedulerScenario = {
  name: 'clock set back 1 day, then forward 1 day: no early run, no storm',
  async run(root) {
    const h = await harness(root, ['a', 'b']);
    try {
      const [a, b] = h.ids as [string, string];
      h.service.start();
      await h.clock.advance(HOUR + MIN);
      assert.equal(count(h, a), 1);
      // Back one day: without the guard, the next run would wait a day (wall due time in the "future").
      h.clock.setWallClock(h.clock.now() - 24 * HOUR);
      await h.clock.advance(3 * HOUR);
      const afterBack = count(h, a);
      assert.ok(afterBack >= 3 && afterBack <= 4, `runs of ${a} in the 3 h after the clock went back a day: ${afterBack - 1}`);
      // Forward one day: exactly one catch-up, not 24 "missed" runs.
      const beforeForward = [count(h, a), count(h, b)];
      h.clock.jump(24 * HOUR);
      await h.clock.advance(5 * MIN);
      assert.deepEqual([count(h, a) - beforeForward[0], count(h, b) - beforeForward[1]], [1, 1], 'runs after the clock jumped a day forward');
      return `back 1 day: ${afterBack - 1} runs in 3 h; forward 1 day: 1 catch-up each`;
    } finally {
      await h.service.stop();
    }
  },
};

const runNowStorm: SchedulerScenario = {
  name: '1,000 run-now in one second: one run in flight plus one follow-up per connector',
  async run(root) {
    const h = await harness(root, ['a', 'b', 'c'], { scheduler: { maxConcurrent: 3 } });
    try {
      h.service.start();
      // Every read waits at a gate, so the first runs stay in flight while the requests pour in.
      let open = false;
      const waiting: (() => void)[] = [];
      for (const [path, source] of h.sources) {
        source.beforeRead = async () => {
          if (!open) await new Promise<void>((resolve) => waiting.push(resolve));
        };
        source.setNote(`${path}/new.md`, 'changed'); // so each run reads something
      }
      // The engine records a run as 'running' from its start to its end: never two of one connector at once.
      let maxLive = 0;
      const sample = () => {
        for (const id of h.ids) maxLive = Math.max(maxLive, h.runs(id).filter((r) => r.outcome === 'running').length);
      };
      let accepted = 0;
      for (let i = 0; i < 1000; i++) {
        const id = i % 4 === 3 ? null : h.ids[i % 3];
        if (h.service.runNow(id).accepted) accepted++;
        await h.clock.advance(1);
        if (i % 50 === 0) sample();
      }
      for (const id of h.ids) assert.equal(h.service.getConnector(id).state, 'syncing');
      open = true;
      for (const resolve of waiting.splice(0)) resolve();
      for (let i = 0; i < 50 && h.ids.some((id) => count(h, id) < 2 || h.service.getConnector(id).state !== 'idle'); i++) {
        sample();
        await h.clock.advance(SEC);
        for (const resolve of waiting.splice(0)) resolve();
      }
      await h.clock.advance(10 * MIN);
      for (const id of h.ids) {
        assert.deepEqual(h.runs(id).map((r) => r.outcome), ['success', 'success'], `${id}: the run plus exactly one follow-up`);
      }
      assert.equal(maxLive, 1, 'a connector ran twice at once');
      return `${accepted} of 1000 requests accepted; exactly 2 runs per connector, never 2 at once`;
    } finally {
      await h.service.stop();
    }
  },
};

const hungConnector: SchedulerScenario = {
  name: 'a hung connector is cancelled by the watchdog and recorded; the others run',
  async run(root) {
    const h = await harness(root, ['hung', 'ok'], { scheduler: { watchdogMs: 2 * MIN, maxConcurrent: 1 } });
    try {
      const [hung, ok] = h.ids as [string, string];
      h.sources.get('/mem/hung')!.beforeRead = () => new Promise<void>(() => {});
      h.service.start();
      h.service.runNow(hung);
      h.service.runNow(ok);
      await h.clock.advance(3 * MIN); // the watchdog fires at 2 min; the retry is due 2 min after that
      const status = h.service.getConnector(hung);
      assert.equal(status.state, 'error');
      assert.equal(status.lastError?.code, 'E_WATCHDOG');
      assert.deepEqual(h.runs(hung).map((r) => [r.outcome, r.code]), [['failed', 'E_WATCHDOG']], 'the run history of the hung connector');
      assert.equal(count(h, ok), 1, 'the other connector never ran');
      assert.equal(h.service.getConnector(ok).documents, 5);
      // The record survives a restart (what `jarvis-sync status` reads).
      await h.service.stop();
      const reader = await SyncService.open({ dataDir: h.dataDir, readonly: true, kinds: [memoryKind(h.sources)] });
      try {
        assert.equal(reader.getConnector(hung).lastError?.code, 'E_WATCHDOG', 'the watchdog failure is not in the stored status');
        assert.equal(reader.getConnector(hung).state, 'error');
      } finally {
        await reader.stop();
      }
      return 'E_WATCHDOG on the connector, in the run history and the stored status; the other connector synced';
    } finally {
      await h.service.stop();
    }
  },
};

const quitDuringSync: SchedulerScenario = {
  name: 'quit during a sync: stop() within 5 s, checkpoint intact, next start converges',
  async run(root) {
    const h = await harness(root, ['big'], { notes: 300 });
    const id = h.ids[0];
    const source = h.sources.get('/mem/big')!;
    let reads = 0;
    source.beforeRead = () => {
      reads++;
      // Hangs on the 251st unit, after two batches (of 100) were committed.
      return reads === 251 ? new Promise<void>(() => {}) : undefined;
    };
    h.service.start();
    h.service.runNow(id);
    for (let i = 0; i < 100 && reads < 251; i++) await flush();
    assert.equal(h.service.getConnector(id).state, 'syncing');
    const committed = h.service.getConnector(id).documents;
    let stopped = false;
    const stopping = h.service.stop().then(() => (stopped = true));
    const quitAt = h.clock.now();
    for (let i = 0; i < 50 && !stopped; i++) await h.clock.advance(100);
    await stopping;
    const took = h.clock.now() - quitAt;
    assert.ok(took <= 5 * SEC, `stop() took ${took} ms of clock time`);
    // A new process: the index is sound, holds the committed batches, and the next sync finishes the job.
    source.beforeRead = null;
    const clock = new FakeClock({ now: h.clock.now() });
    const again = await SyncService.open({ dataDir: h.dataDir, clock, kinds: [memoryKind(h.sources)], writer: 'inline' });
    try {
      assert.ok(again.integrityCheck().ok);
      const after = again.getConnector(id);
      assert.ok(after.documents >= 200 && after.documents < 300, `documents after the quit: ${after.documents}`);
      assert.equal(after.lastSuccessAt, null, 'an interrupted first sync must not count as a success');
      const report = await again.syncNow([id]);
      assert.deepEqual(report.failures, {});
      assert.equal(again.getConnector(id).documents, 300);
      assert.equal(again.search('wordbig299', {}).length, 1);
      return `stop() took ${took} ms (fake clock); ${after.documents} committed documents kept, 300 after the next sync (${committed} when quit)`;
    } finally {
      await again.stop();
    }
  },
};

const failingNeverDelays: SchedulerScenario = {
  name: 'one failing connector never delays the others',
  async run(root) {
    const h = await harness(root, ['bad', 'b', 'c'], { scheduler: { maxConcurrent: 1 } });
    try {
      const [bad, b, c] = h.ids as [string, string, string];
      h.sources.get('/mem/bad')!.rootAvailable = false;
      h.service.start();
      h.service.runNow(bad);
      await h.clock.advance(6 * HOUR + MIN);
      for (const id of [b, c]) {
        const starts = h.runs(id).map((r) => r.at);
        assert.deepEqual(starts, [1, 2, 3, 4, 5, 6].map((n) => n * HOUR), `${id} ran off schedule: ${JSON.stringify(starts)}`);
      }
      const failures = h.runs(bad).filter((r) => r.outcome === 'failed').length;
      assert.ok(failures >= 5, `the failing connector was retried ${failures} times`);
      assert.equal(h.service.getConnector(bad).lastError?.code, 'E_ROOT_UNAVAILABLE');
      return `the failing connector failed ${failures} times (backoff); the others ran exactly on the hour, 6 times each`;
    } finally {
      await h.service.stop();
    }
  },
};

export const SCHEDULER_SCENARIOS: readonly SchedulerScenario[] = [
  sleep8h,
  clockJumps,
  runNowStorm,
  hungConnector,
  quitDuringSync,
  failingNeverDelays,
];

export async function runSchedulerScenario(s: SchedulerScenario): Promise<string> {
  const root = tempDir('jarvis-sched-');
  try {
    return await s.run(root);
  } finally {
    removeTempDir(root);
  }
}
