/**
 * Memory: ten consecutive syncs in one process; RSS measured after forced GC (`node --expose-gc`, in a child so
 * nothing else in the test runner's process adds noise) must stay within ±10 % of the value after the first sync.
 */
import assert from 'node:assert/strict';
import { removeTempDir, runTsJson, tempDir } from './lib.js';

export interface MemoryOutcome {
  notes: number;
  syncs: number;
  baselineRssMb: number;
  rssMb: number[];
  heapMb: number[];
  maxDeviation: number;
  syncMs: number[];
}

export async function runMemoryCheck(opts: { notes: number; syncs?: number; seed?: number; tolerance?: number }): Promise<MemoryOutcome> {
  const syncs = opts.syncs ?? 10;
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
    const baseline = rss[0];
    const deviations = rss.slice(1).map((v) => (v - baseline) / baseline);
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
      `RSS after GC is not flat: ${rss.join(', ')} MB (max deviation ${(maxDeviation * 100).toFixed(1)} % from the first)`,
    );
    return outcome;
  } finally {
    removeTempDir(work);
  }
}
