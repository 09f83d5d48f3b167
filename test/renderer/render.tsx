import { act, render, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, onTestFinished } from 'vitest';
import type { Capabilities, ConnectionStatus } from '../../shared/contract.js';
import type { AppState, Progress } from '../../shared/types.js';
import { connectBridge } from '../../renderer/bridge.js';
import { App } from '../../renderer/components/app.js';
import { DashboardProvider } from '../../renderer/store/context.js';
import { createDashboardStore, type View } from '../../renderer/store/dashboard-store.js';
import { createFakeApi, type FakeApi } from './fixtures.js';

export interface RenderOptions {
  state?: AppState;
  capabilities?: Capabilities;
  fake?: FakeApi;
  view?: View;
  /** Progress throttle of the bridge; 0 (flush every event) unless a test is about throttling. */
  progressIntervalMs?: number;
}

/** Renders the whole dashboard against a fake API, connected through the real bridge, and waits for the state. */
export async function renderDashboard(options: RenderOptions = {}) {
  const fake = options.fake ?? createFakeApi({ state: options.state, capabilities: options.capabilities });
  const store = createDashboardStore(fake.api);
  if (options.view) store.getState().setView(options.view);
  const user = userEvent.setup();
  const utils = render(
    <DashboardProvider store={store}>
      <App />
    </DashboardProvider>,
  );
  const disconnect = connectBridge(store, fake.api, { progressIntervalMs: options.progressIntervalMs ?? 0 });
  onTestFinished(disconnect);
  await waitFor(() => expect(store.getState().state).not.toBeNull());
  await waitFor(() => expect(store.getState().capabilities).not.toBeNull());
  return {
    ...utils,
    fake,
    api: fake.api,
    store,
    user,
    push: (state: AppState) => act(() => fake.pushState(state)),
    pushProgress: (connectorId: string, progress: Progress) => act(() => fake.pushProgress(connectorId, progress)),
    pushConnection: (status: ConnectionStatus) => act(() => fake.pushConnection(status)),
  };
}
