/**
 * The headless dashboard once its link to the daemon is good again (renderer/web-api.ts → bridge → store): nothing
 * that failed only because the daemon was gone, or refused the page's token, may go on saying so. Real web-api,
 * jsdom's window; the daemon is a fake `fetch` that can restart with a new token, or stop answering for a while.
 * (Its own file: each web-api listens for `hashchange` on the window for as long as the page lives.)
 */
import { act, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { scopes } from '../../renderer/store/dashboard-store.js';
import { fakeDaemon, forgetPage, openDashboard } from './fake-daemon.js';
import { buildHit, buildSettingsView, buildState, headlessCapabilities, idleConnector } from './fixtures.js';

const state = buildState({ connectors: [idleConnector({ id: 'notes', name: 'Notes' })] });

/** A daemon answering only `token`: `restart` gives it a new one, `down` stops it answering until `up`. */
const daemonOf = (token: string) =>
  fakeDaemon(token, state, {
    '/api/app:capabilities': headlessCapabilities,
    '/api/settings:get': buildSettingsView(),
    '/api/search:query': [buildHit({ title: 'Q3 plan', source: 'notes' })],
    '/api/errors:list': [],
    '/api/connector:check-path': { refuse: { status: 400, name: 'UserInputError', message: 'No such folder.' } },
  });

const alerts = (): string[] => screen.queryAllByRole('alert').map((a) => a.textContent ?? '');
const nav = (name: string) =>
  within(screen.getByRole('navigation', { name: 'Sections' })).getByRole('button', { name });

afterEach(forgetPage);

describe('headless dashboard: connected again', () => {
  it('after its new address is pasted, no "token refused" stays: failed actions’ messages go, failed loads run again', async () => {
    const daemon = daemonOf('first-start');
    const { user } = await openDashboard(daemon, 'first-start');

    act(() => daemon.restart('second-start'));
    await screen.findByText(/does not accept this page’s access token/);
    // Meanwhile the person tries things; each says it failed, and why.
    await user.click(screen.getByRole('button', { name: 'Pause all' }));
    await user.click(within(screen.getByRole('region', { name: 'Notes' })).getByRole('button', { name: 'Sync now' }));
    await waitFor(() =>
      expect(alerts()).toEqual([
        expect.stringMatching(/^Couldn't pause all connectors: Missing or wrong access token/),
        expect.stringMatching(/does not accept this page’s access token/),
        expect.stringMatching(/^Couldn't start a sync of Notes: Missing or wrong access token/),
      ]),
    );
    await user.click(nav('Search'));
    await user.type(screen.getByRole('searchbox'), 'plan');
    await waitFor(() => expect(alerts()).toContainEqual(expect.stringMatching(/^Search failed: Missing or wrong/)));

    // The new address, pasted into the same tab: the banner goes, and so does everything else the outage said.
    await act(async () => {
      window.location.hash = '#token=second-start';
      await new Promise((resolve) => window.addEventListener('hashchange', resolve, { once: true }));
    });
    await waitFor(() => expect(screen.queryByTestId('connection-banner')).toBeNull());
    // The search that failed runs again by itself.
    await waitFor(() => expect(screen.getByTestId('search-status').textContent).toBe('1 result for “plan”'));
    expect(alerts()).toEqual([]);
    await user.click(nav('Connectors'));
    expect(alerts()).toEqual([]);
    expect(document.body.textContent).not.toMatch(/Missing or wrong access token/);
  }, 15_000);

  it('when the daemon answers again, a view that failed to load loads; a failure of the request itself stays', async () => {
    const daemon = daemonOf('only-start');
    const { store, user } = await openDashboard(daemon, 'only-start');
    // A failure the core answered (not the link): it is still true once connected again.
    await act(() => store.getState().addConnector({ kind: 'folder', path: '/nowhere' }));
    expect(store.getState().feedback[scopes.add]?.message).toBe("Couldn't add the connector: No such folder.");

    act(() => daemon.down());
    await screen.findByText(/Lost the connection to the Jarvis Sync daemon/);
    await user.click(nav('Settings'));
    await waitFor(() =>
      expect(alerts()).toContainEqual(
        expect.stringMatching(/^Couldn't load the settings: The Jarvis Sync daemon cannot be reached/),
      ),
    );

    act(() => daemon.up());
    // Reconnects by itself (backoff from 0.5 s): the settings load again, without leaving the view.
    await waitFor(() => expect(screen.queryByTestId('connection-banner')).toBeNull(), { timeout: 5_000 });
    await waitFor(() => expect(alerts()).toEqual([]));
    expect(screen.getByRole('heading', { name: 'Settings' })).toBeTruthy();
    expect(store.getState().settings.status).toBe('done');
    expect(store.getState().feedback[scopes.add]?.message).toBe("Couldn't add the connector: No such folder.");
  }, 15_000);
});
