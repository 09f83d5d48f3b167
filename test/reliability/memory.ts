/**
 * Memory: twelve consecutive syncs in one process; RSS measured after forced GC (`node --expose-gc`, in a child so
 * nothing else in the test runner's process adds noise) must stay within ±10 % of the value once warm.
 *
 * Warm means after WARM_UP_SYNCS: a lean process (the parser libraries load on first use) grows by ~15 MB over its
 * first four or five syncs as SQLite, V8 and the allocator size their caches and pools to the work (measured:
 * 127 → 145 MB, then flat; the same with one malloc arena and with a fixed V8 young generation). A leak is growth
 * that goes on after that, sync after sync.
 */
import assert from 'node:assert/strict';
import { removeTempDir, runTsJson, tempDir } from './lib.js';

/** Syncs before RSS is taken as the baseline (see above). */
export const WARM_UP_SYNCS = 6;

export interface MemoryOutcome {
  notes: number;
  syncs: number;
  /** RSS after sync WARM_UP_SYNCS, which later syncs are compared with. */
  baselineRssMb: number;
  rssMb: number[];
  heapMb: number[];
  maxDeviation: number;
  syncMs: number[];
}

export async function runMemoryCheck(opts: { notes: number; syncs?: number; seed?: number; tolerance?: number }): Promise<MemoryOutcome> {
  const syncs = opts.syncs ?? 12;
  const warmUp = Math.min(WARM_UP_SYNCS, syncs - 2);
  const tolerance = opts.tolerance ?? 0.1;
  const work = tempDir('jarvis-memory-');
  try {
    const r = await runTsJson<{ notes: number; samples: { rssMb: number; heapMb: number; ms: number }[] }>(
      'test/reliability/memory-child.ts',
      [work, String(opts.notes), String(syncs), String(opts.seed ?? 3)],
      { nodeArgs: ['--expose-gc'] },
    );
    assert.equal(r.samples.length, syncs);
    const rss = r.samples.map((s) => Math.round(s.rssMb * 10) / 10);
    const baseline = rss[warmUp - 1];
    const deviations = rss.slice(warmUp).map((v) => (v - baseline) / baseline);
    const maxDeviation = Math.max(...deviations.map(Math.abs));
    const outcome: MemoryOutcome = {
      notes: r.notes,
      syncs,
      baselineRssMb: baseline,
      rssMb: rss,
      heapMb: r.samples.map((s) => Math.round(s.heapMb * 10) / 10),
      maxDeviation: Math.round(maxDeviation * 1000) / 1000,
      syncMs: r.samples.map((s) => s.ms),
    };
    assert.ok(
      maxDeviation <= tolerance,
      `RSS after GC is not flat: ${rss.join(', ')} MB (max deviation ${(maxDeviation * 100).toFixed(1)} % from sync ${warmUp})`,
    );
    return outcome;
  } finally {
    removeTempDir(work);
  }
}
