/**
 * The only renderer module that subscribes to the core's pushes. State snapshots are applied as they come;
 * progress events are coalesced (latest per connector) and flushed at most once per `progressIntervalMs`, so
 * fifty connectors reporting every few milliseconds cost at most ten renders a second.
 */
import type { JarvisApi } from '../shared/contract.js';
import type { Progress } from '../shared/types.js';
import type { DashboardStore } from './store/dashboard-store.js';

export interface BridgeOptions {
  /** Minimum time between two progress flushes. Default 100 ms (≤ 10 renders per second). */
  progressIntervalMs?: number;
}

/** Subscribes, then loads the first snapshot. Returns a disposer that unsubscribes and drops pending progress. */
export function connectBridge(store: DashboardStore, api: JarvisApi, options: BridgeOptions = {}): () => void {
  const interval = options.progressIntervalMs ?? 100;
  let buffer: Record<string, Progress> = {};
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastFlush = -Infinity;
  let disposed = false;

  const flush = (): void => {
    timer = null;
    lastFlush = Date.now();
    const batch = buffer;
    buffer = {};
    store.getState().applyProgress(batch);
  };

  // Subscribe before fetching, so nothing pushed in between is lost; the store drops a fetched snapshot
  // that is older than a push.
  const offState = api.onStateChanged((state) => {
    if (!disposed) store.getState().applyState(state);
  });
  const offProgress = api.onProgress(({ connectorId, progress }) => {
    if (disposed) return;
    buffer[connectorId] = progress;
    if (timer !== null) return;
    const wait = lastFlush + interval - Date.now();
    if (wait <= 0) flush();
    else timer = setTimeout(flush, wait);
  });

  const offConnection = api.onConnectionChanged?.((status) => {
    if (!disposed) store.getState().setConnection(status);
  });

  void store.getState().load();

  return () => {
    disposed = true;
    offState();
    offProgress();
    offConnection?.();
    if (timer !== null) clearTimeout(timer);
    timer = null;
    buffer = {};
  };
}
