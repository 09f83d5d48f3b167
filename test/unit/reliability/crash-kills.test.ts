/**
 * Random SIGKILLs (short version; `npm run reliability` runs 300 kills on 10,000 notes): 24 kills across syncs of a
 * 1,500-note corpus that keeps changing, then a clean sync must converge exactly. See test/reliability/crash-kills.ts.
 */
import { describe, expect, it } from 'vitest';
import { runKillCampaign } from '../../reliability/crash-kills.js';

describe('reliability: random SIGKILLs', () => {
  it('survives 24 SIGKILLs at random moments: integrity, no loss, no duplicate, no stale text, checkpoint consistent', async () => {
    const r = await runKillCampaign({ notes: 1500, kills: 24, seed: 42, integrityEvery: 8 });
    expect(r.kills).toBeGreaterThanOrEqual(20);
    expect(r.repairsNeeded).toBe(0);
    expect(r.final.documents).toBe(r.final.notes);
  }, 240_000);
});
