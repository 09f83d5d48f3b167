import type { ConnectorStatus, Progress } from '../../shared/types.js';
import type { DashboardState } from './dashboard-store.js';

const NO_IDS: string[] = [];

/** Connector ids in the core's order; use with useShallow so the list re-renders only when ids change. */
export const selectConnectorIds = (s: DashboardState): string[] => s.state?.connectors.map((c) => c.id) ?? NO_IDS;

const NO_NAMES: [string, string][] = [];
const namesCache = new WeakMap<readonly ConnectorStatus[], [string, string][]>();

/** [id, name] pairs, the same array for as long as the connectors array is the same (it is shared across pushes). */
export const selectConnectorNames = (s: DashboardState): [string, string][] => {
  const connectors = s.state?.connectors;
  if (!connectors) return NO_NAMES;
  let names = namesCache.get(connectors);
  if (!names) {
    names = connectors.map((c): [string, string] => [c.id, c.name]);
    namesCache.set(connectors, names);
  }
  return names;
};

/**
 * The progress to show for a connector: nothing unless the core says it is syncing; otherwise the fresher of
 * the pushed snapshot's progress and the live progress events (a later run, or more done in the same run).
 */
export function effectiveProgress(c: ConnectorStatus, live: Progress | undefined): Progress | null {
  if (c.state !== 'syncing') return null;
  const pushed = c.progress;
  if (!live) return pushed;
  if (!pushed) return live;
  if (live.startedAt !== pushed.startedAt) return live.startedAt > pushed.startedAt ? live : pushed;
  if (live.done !== pushed.done) return live.done > pushed.done ? live : pushed;
  if (live.foundAll !== pushed.foundAll) return live.foundAll ? live : pushed;
  if (live.found !== pushed.found) return live.found > pushed.found ? live : pushed;
  return (live.part?.done ?? 0) >= (pushed.part?.done ?? 0) ? live : pushed;
}

export function isPaused(c: ConnectorStatus): boolean {
  return c.paused || c.state === 'paused';
}
