/**
 * Memory: twelve consecutive syncs in one process, RSS after forced GC within ±10 % once warm (after the sixth;
 * 1,500 notes here, the reliability script uses 10,000). See test/reliability/memory.ts.
 */
import { describe, expect, it } from 'vitest';
import { runMemoryCheck } from '../../reliability/memory.js';

describe('reliability: memory', () => {
  it('RSS stays flat over 12 consecutive syncs once warm', async () => {
    const r = await runMemoryCheck({ notes: 1500 });
    expect(r.maxDeviation).toBeLessThanOrEqual(0.1);
  }, 120_000);
});
