/**
 * The bad-input corpus through the real SyncService (every connector kind, as uid 65534 when run as root):
 * 0 crashes, every case reported with its code, every good file beside them indexed. See
 * test/reliability/bad-inputs.ts and test/fixtures/bad-inputs/README.md.
 */
import { describe, expect, it } from 'vitest';
import { BAD_INPUT_CASES, runBadInputs } from '../../reliability/bad-inputs.js';

describe('reliability: bad inputs', () => {
  it(`${BAD_INPUT_CASES.length} bad-input cases across folder, obsidian, mbox, maildir and ics: no crash, each reported, good files indexed`, async () => {
    const r = await runBadInputs();
    expect(r.cases).toBeGreaterThanOrEqual(40);
    expect(r.checked + r.skipped.length).toBe(r.cases);
  }, 120_000);
});
