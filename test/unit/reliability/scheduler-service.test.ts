/**
 * Scheduler robustness end to end: SyncService + real engine and index + memory connectors + a fake clock. The
 * scheduler's own unit tests are test/unit/core/scheduler/*. See test/reliability/scheduler-service.ts.
 */
import { describe, expect, it } from 'vitest';
import { SCHEDULER_SCENARIOS, runSchedulerScenario } from '../../reliability/scheduler-service.js';

describe('reliability: scheduler at the service level', () => {
  for (const s of SCHEDULER_SCENARIOS) {
    it(s.name, async () => {
      expect(await runSchedulerScenario(s)).toBeTruthy();
    }, 60_000);
  }
});
