/**
 * The headless dashboard (renderer/api.ts → renderer/web-api.ts) in a real DOM: window.location, history,
 * sessionStorage and `hashchange` are jsdom's, the daemon is a fake `fetch` that changes its token as a restart does.
 */
import { act, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { TOKEN_STORAGE_KEY } from '../../renderer/web-api.js';
import { fakeDaemon, forgetPage, openDashboard } from './fake-daemon.js';
import { buildState, headlessCapabilities, idleConnector } from './fixtures.js';

const state = buildState({ connectors: [idleConnector({ name: 'Notes' })] });

/** A daemon answering only `token`; `restart` gives it a new one and ends the open event streams, as a restart does. */
const daemonOf = (token: string) =>
  fakeDaemon(token, state, {
    '/api/app:capabilities': headlessCapabilities,
    '/api/sync:pause': { ...state, paused: true },
  });

afterEach(forgetPage);

describe('headless dashboard: a restarted daemon', () => {
  it('recovers when the new address is pasted into the same tab (only the fragment changes)', async () => {
    const daemon = daemonOf('first-start');
    const { api } = await openDashboard(daemon, 'first-start');
    expect(window.location.hash).toBe('');
    expect(screen.queryByTestId('connection-banner')).toBeNull();

    // Restarted with a new token: the page's token is refused, and the banner asks for the new address.
    act(() => daemon.restart('second-start'));
    await waitFor(() =>
      expect(screen.getByTestId('connection-banner').textContent).toMatch(/does not accept this page’s access token/),
    );
    await expect(api.pause(null)).rejects.toThrow(/Missing or wrong access token/);

    // The new address pasted into the tab: a same-document navigation, no reload.
    const streamsBefore = daemon.calls.filter((p) => p === '/api/events').length;
    await act(async () => {
      window.location.hash = '#token=second-start';
      await new Promise((resolve) => window.addEventListener('hashchange', resolve, { once: true }));
    });
    await waitFor(() => expect(screen.queryByTestId('connection-banner')).toBeNull());
    expect(daemon.calls.filter((p) => p === '/api/events').length).toBe(streamsBefore + 1);
    // The token left the address bar as it does at a first load, and is kept for a reload.
    expect(window.location.href).not.toContain('token=');
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBe('second-start');
    // And actions work again.
    expect((await api.pause(null)).paused).toBe(true);
  });
});
