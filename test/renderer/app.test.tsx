import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { connectBridge } from '../../renderer/bridge.js';
import { App } from '../../renderer/components/app.js';
import { DashboardProvider } from '../../renderer/store/context.js';
import { createDashboardStore } from '../../renderer/store/dashboard-store.js';
import { buildNotice, buildState, createFakeApi, idleConnector } from './fixtures.js';
import { renderDashboard } from './render.js';

describe('App', () => {
  it('says when the core cannot be reached, and tries again', async () => {
    const fake = createFakeApi({ state: buildState({ connectors: [idleConnector({ name: 'Notes' })] }) });
    fake.api.getState.mockRejectedValueOnce(new Error('connect ECONNREFUSED 127.0.0.1:7345'));
    const store = createDashboardStore(fake.api);
    const user = userEvent.setup();
    render(
      <DashboardProvider store={store}>
        <App />
      </DashboardProvider>,
    );
    const dispose = connectBridge(store, fake.api);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Can’t reach Jarvis Sync: connect ECONNREFUSED 127.0.0.1:7345');
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('region', { name: 'Notes' })).toBeTruthy();
    dispose();
  });

  it('navigates between sections with aria-current, by mouse and keyboard', async () => {
    const { user } = await renderDashboard({ state: buildState({ connectors: [idleConnector()] }) });
    const nav = screen.getByRole('navigation', { name: 'Sections' });
    const tab = (name: string | RegExp) => screen.getByRole('button', { name });
    expect(nav).toBeTruthy();
    expect(tab('Connectors').getAttribute('aria-current')).toBe('page');
    await user.click(tab('Search'));
    expect(tab('Search').getAttribute('aria-current')).toBe('page');
    expect(tab('Connectors').getAttribute('aria-current')).toBeNull();
    expect(screen.getByRole('searchbox', { name: 'Search your index' })).toBeTruthy();

    // Keyboard: arrows move along the tabs, Enter opens one.
    tab('Search').focus();
    await user.keyboard('{ArrowRight}');
    expect(document.activeElement).toBe(tab(/^Problems/));
    await user.keyboard('{ArrowRight}');
    expect(document.activeElement).toBe(tab('Settings'));
    await user.keyboard('{Enter}');
    expect(screen.getByRole('heading', { level: 2, name: 'Settings' })).toBeTruthy();
    await user.keyboard('{ArrowRight}');
    expect(document.activeElement).toBe(tab('Connectors'));
  });

  it('shows notices as banners; Dismiss tells the core', async () => {
    const notice = buildNotice({ id: 'rebuilt', message: 'The index was damaged and has been rebuilt.' });
    const { user, api } = await renderDashboard({ state: buildState({ notices: [notice] }) });
    const banner = screen.getByTestId('notice');
    expect(banner.textContent).toContain('The index was damaged and has been rebuilt.');
    expect(banner.getAttribute('role')).toBe('alert');
    api.dismissNotice.mockResolvedValueOnce(buildState({ notices: [] }));
    await user.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(api.dismissNotice).toHaveBeenCalledWith('rebuilt');
    await waitFor(() => expect(screen.queryByTestId('notice')).toBeNull());
  });

  it('an info notice is a polite status', async () => {
    await renderDashboard({
      state: buildState({
        notices: [buildNotice({ level: 'info', message: 'Settings were restored from a backup.' })],
      }),
    });
    const banner = screen.getByTestId('notice');
    expect(banner.getAttribute('role')).toBe('status');
    expect(banner.textContent).toContain('Settings were restored from a backup.');
  });
});
