/**
 * Property-based fuzzing with one shared seed and run count (JARVIS_FUZZ_RUNS, default 1,000 here; the reliability
 * script runs 10,000). See test/reliability/fuzz.ts.
 */
import { describe, expect, it } from 'vitest';
import { FUZZ_TARGETS, fuzzSettings } from '../../reliability/fuzz.js';

const settings = fuzzSettings();

describe(`reliability: fuzzing (seed ${settings.seed}, ${settings.numRuns} runs per property)`, () => {
  for (const target of FUZZ_TARGETS) {
    it(target.name, async () => {
      const r = await target.run(settings);
      expect(r.cases).toBeGreaterThanOrEqual(settings.numRuns);
    }, 180_000);
  }
});
