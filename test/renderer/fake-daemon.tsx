/**
 * A headless daemon as renderer/web-api.ts sees it, for jsdom tests: a fake `fetch` that answers only its current
 * token, streams the state on `/api/events`, can restart with a new token (ending the open streams, as a restart
 * does) and can stop answering for a while.
 */
import { render, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, onTestFinished, vi } from 'vitest';
import { resolveApi } from '../../renderer/api.js';
import { connectBridge } from '../../renderer/bridge.js';
import { App } from '../../renderer/components/app.js';
import { DashboardProvider } from '../../renderer/store/context.js';
import { createDashboardStore } from '../../renderer/store/dashboard-store.js';
import type { AppState } from '../../shared/types.js';

/** An answer the daemon refuses with, instead of a result. */
export interface RefusedAnswer {
  refuse: { status: number; name: string; message: string };
}

export interface FakeDaemon {
  fetchImpl: (input: string, init?: RequestInit) => Promise<Response>;
  /** The API paths asked, in order (refused and failed ones too). */
  calls: string[];
  restart(next: string): void;
  down(): void;
  up(): void;
}

/** `answers`: the result per API path (null for the others), or a RefusedAnswer to refuse it with. */
export function fakeDaemon(first: string, state: AppState, answers: Record<string, unknown> = {}): FakeDaemon {
  let token = first;
  let reachable = true;
  const calls: string[] = [];
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const endStreams = (): void => {
    for (const controller of streams) controller.close();
    streams.clear();
  };
  const fetchImpl = (input: string, init?: RequestInit): Promise<Response> => {
    const path = new URL(input).pathname;
    calls.push(path);
    if (!reachable) return Promise.reject(new TypeError('Failed to fetch'));
    if (new Headers(init?.headers).get('authorization') !== `Bearer ${token}`) {
      return Promise.resolve(
        json(401, { ok: false, error: { name: 'Unauthorized', message: 'Missing or wrong access token' } }),
      );
    }
    if (path === '/api/events') {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          streams.add(controller);
          controller.enqueue(new TextEncoder().encode(`event: state:changed\ndata: ${JSON.stringify(state)}\n\n`));
          init?.signal?.addEventListener('abort', () => {
            streams.delete(controller);
            controller.error(new DOMException('aborted', 'AbortError'));
          });
        },
      });
      return Promise.resolve(new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }));
    }
    const answer = path === '/api/state:get' ? state : answers[path];
    if (typeof answer === 'object' && answer !== null && 'refuse' in answer) {
      const { status, name, message } = (answer as RefusedAnswer).refuse;
      return Promise.resolve(json(status, { ok: false, error: { name, message } }));
    }
    return Promise.resolve(json(200, { ok: true, result: answer ?? null }));
  };
  return {
    fetchImpl,
    calls,
    restart(next) {
      token = next;
      endStreams();
    },
    down() {
      reachable = false;
      endStreams();
    },
    up() {
      reachable = true;
    },
  };
}

/** After a test of the page: no stubbed fetch, no stored token, the address back to "/". */
export function forgetPage(): void {
  vi.unstubAllGlobals();
  sessionStorage.clear();
  window.history.replaceState(null, '', '/');
}

/** The whole dashboard, as the page at `/#token=<token>` starts it against `daemon`, once it has the first state. */
export async function openDashboard(daemon: FakeDaemon, token: string) {
  vi.stubGlobal('fetch', daemon.fetchImpl);
  window.history.replaceState(null, '', `/#token=${token}`);
  const api = resolveApi(window);
  const store = createDashboardStore(api);
  const user = userEvent.setup();
  render(
    <DashboardProvider store={store}>
      <App />
    </DashboardProvider>,
  );
  const disconnect = connectBridge(store, api, { progressIntervalMs: 0 });
  onTestFinished(disconnect);
  await waitFor(() => expect(store.getState().state).not.toBeNull());
  return { api, store, user };
}
