/**
 * The app's state as one icon, the same for the tray (electron/shell/tray.ts) and the dashboard's browser tab
 * (renderer/hooks/use-document-status.ts).
 */
import type { AppState, ConnectorStatus } from './types.js';

export const STATUS_ICON_KEYS = ['idle', 'syncing', 'paused', 'error'] as const;
export type StatusIconKey = (typeof STATUS_ICON_KEYS)[number];

/** Paused by the user, one connector or all. */
export const isPaused = (state: AppState, c: ConnectorStatus): boolean =>
  state.paused || c.paused || c.state === 'paused';

/** Worst state wins: error ≻ syncing (or queued) ≻ paused ≻ idle. */
export function statusIconFor(state: AppState): StatusIconKey {
  const cs = state.connectors;
  if (cs.some((c) => c.state === 'error')) return 'error';
  if (cs.some((c) => c.state === 'syncing' || c.state === 'queued')) return 'syncing';
  if (state.paused || state.holdReason !== null || cs.some((c) => isPaused(state, c))) return 'paused';
  return 'idle';
}
