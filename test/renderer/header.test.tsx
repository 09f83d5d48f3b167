import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import {
  buildProgress,
  buildState,
  failingConnector,
  idleConnector,
  inMinutes,
  minutesAgo,
  neverSyncedConnector,
  pausedConnector,
  queuedConnector,
  syncingConnector,
} from './fixtures.js';
import { STATUS_ICON_URLS } from '../../renderer/hooks/use-document-status.js';
import { renderDashboard } from './render.js';

const status = () => screen.getByTestId('overall-status');
const tabIcon = () => document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.getAttribute('href');

describe('Header', () => {
  it('empty: says there is nothing yet and disables the global actions', async () => {
    await renderDashboard({ state: buildState() });
    expect(status().textContent).toBe('No connectors yet');
    expect(screen.getByRole('button', { name: 'Sync all now' }).hasAttribute('disabled')).toBe(true);
    expect(screen.getByRole('button', { name: 'Pause all' }).hasAttribute('disabled')).toBe(true);
  });

  it('idle: all synced, as of the OLDEST last success, and when the next run is', async () => {
    await renderDashboard({
      state: buildState({
        connectors: [
          idleConnector({ lastSuccessAt: minutesAgo(2), nextRunAt: inMinutes(58) }),
          idleConnector({ lastSuccessAt: minutesAgo(5), nextRunAt: inMinutes(55) }),
        ],
      }),
    });
    expect(status().textContent).toBe('All synced · 5 min ago · next in 55 min');
  });

  it('syncing: names the connector with live counts, updated on each progress push', async () => {
    const { pushProgress } = await renderDashboard({
      state: buildState({
        connectors: [
          syncingConnector({ id: 'mail', name: 'Mail', progress: buildProgress({ done: 340, found: 1200 }) }),
          idleConnector(),
        ],
      }),
    });
    expect(status().textContent).toBe('Syncing Mail 340 / 1,200');
    pushProgress('mail', buildProgress({ done: 341, found: 1500, foundAll: false }));
    expect(status().textContent).toBe('Syncing Mail 341 / 1,500+');
  });

  it('several syncing, queued and never-synced connectors are said as such', async () => {
    const { push } = await renderDashboard({
      state: buildState({ connectors: [syncingConnector(), syncingConnector(), idleConnector()] }),
    });
    expect(status().textContent).toBe('Syncing 2 connectors');
    push(buildState({ connectors: [queuedConnector(), idleConnector()] }));
    expect(status().textContent).toBe('1 connector waiting to sync');
    push(buildState({ connectors: [idleConnector({ lastSuccessAt: null }), idleConnector()] }));
    expect(status().textContent).toBe('1 connector not synced yet');
  });

  it('error: counts failing connectors, even while others sync', async () => {
    const { push } = await renderDashboard({
      state: buildState({ connectors: [failingConnector(), neverSyncedConnector(), idleConnector()] }),
    });
    expect(status().textContent).toBe('2 connectors failing');
    push(buildState({ connectors: [failingConnector(), syncingConnector({ name: 'Notes' })] }));
    expect(status().textContent).toBe('Syncing Notes 340 / 1,200 · 1 connector failing');
  });

  it('paused: says so and offers Resume all, which resumes every connector', async () => {
    const { user, api } = await renderDashboard({
      state: buildState({ paused: true, connectors: [pausedConnector(), pausedConnector()] }),
    });
    expect(status().textContent).toBe('Paused');
    expect(screen.queryByRole('button', { name: 'Pause all' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Resume all' }));
    expect(api.resume).toHaveBeenCalledWith(null);
  });

  it('on battery power: says why automatic syncs wait, and Sync now still runs', async () => {
    const { user, api, push } = await renderDashboard({
      state: buildState({ holdReason: 'battery', connectors: [idleConnector({ id: 'notes', nextRunAt: null })] }),
    });
    expect(status().textContent).toBe('Paused on battery power');
    expect(screen.getByTestId('next-run').textContent).toBe('when on AC power (Sync now still works)');
    // Not a pause of the user's: no "Resume all" that would do nothing.
    expect(screen.queryByRole('button', { name: 'Resume all' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Sync now' }));
    expect(api.runNow).toHaveBeenCalledWith('notes');
    push(buildState({ holdReason: 'battery', connectors: [syncingConnector({ name: 'Notes' }), failingConnector()] }));
    expect(status().textContent).toBe('Syncing Notes 340 / 1,200 · 1 connector failing');
    push(buildState({ holdReason: 'battery', connectors: [failingConnector()] }));
    expect(status().textContent).toBe('Paused on battery power · 1 connector failing');
  });

  it("the page's title and icon follow the state, as the tray's do (the headless dashboard's browser tab)", async () => {
    const { push } = await renderDashboard({ state: buildState({ connectors: [idleConnector()] }) });
    expect(document.title).toBe(`${status().textContent} — Jarvis Sync`);
    expect(tabIcon()).toBe(STATUS_ICON_URLS.idle);
    push(buildState({ connectors: [syncingConnector({ name: 'Notes' })] }));
    expect(document.title).toBe('Syncing Notes 340 / 1,200 — Jarvis Sync');
    expect(tabIcon()).toBe(STATUS_ICON_URLS.syncing);
    push(buildState({ connectors: [failingConnector(), syncingConnector({ name: 'Notes' })] }));
    expect(document.title).toBe('Syncing Notes 340 / 1,200 · 1 connector failing — Jarvis Sync');
    expect(tabIcon()).toBe(STATUS_ICON_URLS.error);
    push(buildState({ paused: true, connectors: [pausedConnector()] }));
    expect(document.title).toBe('Paused — Jarvis Sync');
    expect(tabIcon()).toBe(STATUS_ICON_URLS.paused);
    expect(new Set(Object.values(STATUS_ICON_URLS)).size).toBe(4);
  });

  it('headless, daemon gone: says so in a banner, the status line, the title and the icon, until it is back', async () => {
    const { pushConnection, push } = await renderDashboard({ state: buildState({ connectors: [idleConnector()] }) });
    expect(screen.queryByTestId('connection-banner')).toBeNull();
    pushConnection('reconnecting');
    expect(screen.getByTestId('connection-banner').textContent).toMatch(/Lost the connection .* last known state/);
    expect(status().textContent).toBe('Not connected · reconnecting…');
    expect(document.title).toBe('Not connected · reconnecting… — Jarvis Sync');
    expect(tabIcon()).toBe(STATUS_ICON_URLS.error);
    // A push while disconnected cannot happen; the reconnect brings a state and the link together.
    pushConnection('connected');
    push(buildState({ connectors: [idleConnector({ lastSuccessAt: minutesAgo(1), nextRunAt: inMinutes(59) })] }));
    expect(screen.queryByTestId('connection-banner')).toBeNull();
    expect(status().textContent).toBe('All synced · 1 min ago · next in 59 min');
    expect(tabIcon()).toBe(STATUS_ICON_URLS.idle);

    pushConnection('refused');
    expect(screen.getByTestId('connection-banner').textContent).toMatch(
      /it was restarted \(each start has a new address\).*jarvis-sync serve/,
    );
    expect(status().textContent).toBe('Not connected · open the address the daemon printed');
  });

  it('Sync all now and Pause all send intents for all connectors', async () => {
    const { user, api } = await renderDashboard({ state: buildState({ connectors: [idleConnector()] }) });
    await user.click(screen.getByRole('button', { name: 'Sync all now' }));
    expect(api.runNow).toHaveBeenCalledWith(null);
    await user.click(screen.getByRole('button', { name: 'Pause all' }));
    expect(api.pause).toHaveBeenCalledWith(null);
  });

  it('a failed global intent is shown as an alert that can be dismissed', async () => {
    const { user, api } = await renderDashboard({ state: buildState({ connectors: [idleConnector()] }) });
    api.runNow.mockRejectedValueOnce(new Error('the sync service is not running'));
    await user.click(screen.getByRole('button', { name: 'Sync all now' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain("Couldn't start a sync of all connectors: the sync service is not running");
    await user.click(screen.getByRole('button', { name: 'Dismiss message' }));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
  });
});

describe('Header, announced and honest', () => {
  it('the overall status line is a polite live region, so a change is read out', async () => {
    const { push } = await renderDashboard({ state: buildState({ connectors: [idleConnector()] }) });
    const live = within(document.querySelector<HTMLElement>('header.header')!).getByTestId('overall-status-live');
    // The live region says the line without its times (accessibility.test.tsx: not read out at every clock tick).
    expect(live.textContent).toBe('All synced');
    push(buildState({ connectors: [failingConnector()] }));
    expect(live.textContent).toBe('1 connector failing');
    expect(status().textContent).toBe('1 connector failing');
  });

  it('a paused connector with an old error is paused, not failing, as the tray icon says', async () => {
    const oldError = { code: 'EACCES', message: 'Permission denied', at: minutesAgo(60) };
    const { push } = await renderDashboard({
      state: buildState({ connectors: [pausedConnector({ lastError: oldError }), pausedConnector()] }),
    });
    expect(status().textContent).toBe('Paused');
    expect(status().className).toContain('status--paused');
    expect(document.title).toBe('Paused — Jarvis Sync');
    expect(tabIcon()).toBe(STATUS_ICON_URLS.paused);
    // The same with other connectors running fine: they are what the line is about.
    push(buildState({ connectors: [pausedConnector({ lastError: oldError }), idleConnector({ nextRunAt: null })] }));
    expect(status().textContent).toBe('All synced · 5 min ago · 1 paused');
    // A connector in the 'error' state still counts, as for the icon.
    push(buildState({ connectors: [pausedConnector({ lastError: oldError }), failingConnector()] }));
    expect(status().textContent).toBe('1 connector failing');
  });
});
