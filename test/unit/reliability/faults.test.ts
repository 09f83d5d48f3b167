/**
 * Faults at the SyncService level: the index busy, full, read-only, corrupt; settings/connectors files damaged; the
 * source root missing, replaced or unreadable. See test/reliability/faults.ts.
 */
import { describe, expect, it } from 'vitest';
import { FAULT_SCENARIOS, runFault } from '../../reliability/faults.js';

describe('reliability: faults', () => {
  for (const s of FAULT_SCENARIOS) {
    const unavailable = s.unavailable();
    it.skipIf(unavailable !== null)(s.name, async () => {
      expect(await runFault(s)).toBeTruthy();
    }, 90_000);
  }
});
