import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectBridge } from '../../renderer/bridge.js';
import { createDashboardStore } from '../../renderer/store/dashboard-store.js';
import { buildProgress, buildState, createFakeApi, idleConnector, syncingConnector } from './fixtures.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('bridge', () => {
  it('subscribes to pushes before fetching the first state, and applies pushes', async () => {
    const fake = createFakeApi({ state: buildState({ connectors: [idleConnector({ id: 'a' })] }) });
    const store = createDashboardStore(fake.api);
    const dispose = connectBridge(store, fake.api);
    expect(fake.api.onStateChanged.mock.invocationCallOrder[0]).toBeLessThan(
      fake.api.getState.mock.invocationCallOrder[0],
    );
    await vi.waitFor(() => expect(store.getState().state).not.toBeNull());
    fake.pushState(buildState({ connectors: [syncingConnector({ id: 'a' })] }));
    expect(store.getState().byId.a?.state).toBe('syncing');
    dispose();
  });

  it('renders progress at most 10 times a second, however many connectors report', async () => {
    vi.useFakeTimers();
    const ids = Array.from({ length: 50 }, (_, i) => `c${i}`);
    const fake = createFakeApi({ state: buildState({ connectors: ids.map((id) => syncingConnector({ id })) }) });
    const store = createDashboardStore(fake.api);
    const dispose = connectBridge(store, fake.api);
    await vi.advanceTimersByTimeAsync(0);
    let progressUpdates = 0;
    store.subscribe((s, prev) => {
      if (s.progress !== prev.progress) progressUpdates += 1;
    });
    // One second of every connector reporting every 5 ms: 10,000 events.
    for (let t = 0; t < 1000; t += 5) {
      for (const [i, id] of ids.entries()) fake.pushProgress(id, buildProgress({ done: t + i, found: 5000 }));
      await vi.advanceTimersByTimeAsync(5);
    }
    await vi.advanceTimersByTimeAsync(200);
    expect(progressUpdates).toBeGreaterThan(0);
    expect(progressUpdates).toBeLessThanOrEqual(11);
    // Nothing is lost: every connector ends on its latest report.
    expect(store.getState().progress.c0?.done).toBe(995);
    expect(store.getState().progress.c49?.done).toBe(995 + 49);
    dispose();
  });

  it('the disposer unsubscribes and drops progress not yet flushed', async () => {
    vi.useFakeTimers();
    const fake = createFakeApi({ state: buildState({ connectors: [syncingConnector({ id: 'a' })] }) });
    const store = createDashboardStore(fake.api);
    const dispose = connectBridge(store, fake.api, { progressIntervalMs: 100 });
    await vi.advanceTimersByTimeAsync(0);
    fake.pushProgress('a', buildProgress({ done: 1 }));
    fake.pushProgress('a', buildProgress({ done: 2 }));
    expect(store.getState().progress.a?.done).toBe(1);
    dispose();
    expect(fake.listenerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(500);
    expect(store.getState().progress.a?.done).toBe(1);
    fake.pushState(buildState());
    expect(store.getState().state?.connectors).toHaveLength(1);
  });
});
