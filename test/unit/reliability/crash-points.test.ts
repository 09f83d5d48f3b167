/**
 * Named crash points (JARVIS_SYNC_CRASH_AT, electron/core/crash-points.ts): a crash after each step of a batch and of
 * the schema creation/migration; every one recovers. See test/reliability/crash-points.ts.
 */
import { describe, expect, it } from 'vitest';
import { crashPointCases, runCrashPointCase } from '../../reliability/crash-points.js';

describe('reliability: named crash points', () => {
  it.each(crashPointCases({ hits: [1] }).map((c) => [c.name, c] as const))('%s → recovers', async (_name, c) => {
    const r = await runCrashPointCase(c, { notes: 450 });
    expect(r.documentsAfterRecovery).toBeGreaterThan(0);
  }, 60_000);
});
