/**
 * What a keyboard-only or screen-reader user meets: live regions that speak once per change (not per progress tick
 * or clock tick), dialogs that keep focus, forms that take focus to what must be fixed, confirmations that are said,
 * and a heading outline that nests.
 */
import { act, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ConnectorCard } from '../../renderer/components/connector-card.js';
import { DashboardProvider } from '../../renderer/store/context.js';
import { createDashboardStore } from '../../renderer/store/dashboard-store.js';
import {
  buildProgress,
  buildSettingsView,
  buildState,
  createFakeApi,
  desktopCapabilities,
  failingConnector,
  idleConnector,
  syncingConnector,
} from './fixtures.js';
import { renderDashboard } from './render.js';

const header = () => document.querySelector<HTMLElement>('header.header')!;

describe('the overall status, as a screen reader hears it', () => {
  it('says what is syncing once, not every progress tick; the counts stay on screen', async () => {
    const { pushProgress, push } = await renderDashboard({
      state: buildState({ connectors: [syncingConnector({ id: 'n', name: 'Notes' })] }),
    });
    const live = within(header()).getByTestId('overall-status-live');
    expect(live.textContent).toBe('Syncing Notes');
    for (const done of [341, 342, 600]) {
      pushProgress('n', buildProgress({ done }));
      expect(live.textContent).toBe('Syncing Notes');
    }
    // The visible line still has the count.
    expect(screen.getByTestId('overall-status').textContent).toContain('600 / 1,200');
    push(buildState({ connectors: [idleConnector({ id: 'n', name: 'Notes' })] }));
    // "All synced", not "All synced · 5 min ago · next in 55 min", which would be said again at every clock tick.
    expect(live.textContent).toBe('All synced');
    expect(screen.getByTestId('overall-status').textContent).toBe('All synced · 5 min ago · next in 55 min');
  });
});

describe("a card's error, as a screen reader hears it", () => {
  it('the alert says the error, and is not said again as its "2 min ago" grows', () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    try {
      const store = createDashboardStore(createFakeApi().api);
      store.getState().applyState(buildState({ connectors: [failingConnector({ id: 'm' })] }));
      render(
        <DashboardProvider store={store}>
          <ConnectorCard id="m" />
        </DashboardProvider>,
      );
      const alert = screen.getByRole('alert');
      expect(alert.textContent).toContain('Last sync failed: Permission denied: /home/ada/Maildir/cur');
      const said = alert.textContent;
      act(() => {
        vi.advanceTimersByTime(3 * 60_000);
      });
      // The time is still shown on the card …
      expect(screen.getByTestId('last-error').textContent).toContain('5 min ago');
      // … but what the alert holds has not changed, so it is not announced again.
      expect(screen.getByRole('alert').textContent).toBe(said);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('dialogs, from the keyboard', () => {
  it('Tab and Shift+Tab stay inside the dialog even when the dialog itself has focus (a click on its text)', async () => {
    const { user } = await renderDashboard({ state: buildState({ connectors: [idleConnector({ name: 'Notes' })] }) });
    await user.click(within(screen.getByRole('region', { name: 'Notes' })).getByRole('button', { name: 'Edit' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit Notes' });
    dialog.focus();
    await user.tab({ shift: true });
    expect(dialog.contains(document.activeElement)).toBe(true);
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    dialog.focus();
    await user.tab();
    expect(document.activeElement).toBe(within(dialog).getByRole('textbox', { name: 'Name' }));
  });

  it('Edit: a refused Save takes focus to the first field to fix', async () => {
    const { user, api } = await renderDashboard({
      state: buildState({ connectors: [idleConnector({ name: 'Notes' })] }),
    });
    await user.click(within(screen.getByRole('region', { name: 'Notes' })).getByRole('button', { name: 'Edit' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit Notes' });
    const interval = within(dialog).getByRole('textbox', { name: 'Sync every (minutes)' });
    await user.type(interval, 'soon');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(document.activeElement).toBe(interval);
    expect(interval.getAttribute('aria-invalid')).toBe('true');

    // Two fields wrong: the first one, in the order of the form.
    const name = within(dialog).getByRole('textbox', { name: 'Name' });
    await user.clear(name);
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(document.activeElement).toBe(name);
    expect(api.updateConnector).not.toHaveBeenCalled();
  });

  it("a dialog's buttons stay focusable while their request is out (a disabled button drops focus), and do not send twice", async () => {
    const { user, api } = await renderDashboard({
      state: buildState({ connectors: [idleConnector({ id: 'n', name: 'Notes' })] }),
    });
    const answers: (() => void)[] = [];
    const held = <T,>(value: T) => new Promise<T>((resolve) => answers.push(() => resolve(value)));
    api.updateConnector.mockImplementation(() => held(idleConnector({ id: 'n', name: 'Work' })));
    api.removeConnector.mockImplementation(() => held(buildState({ connectors: [] })));
    const card = () => screen.getByRole('region', { name: 'Notes' });

    await user.click(within(card()).getByRole('button', { name: 'Edit' }));
    const edit = screen.getByRole('dialog', { name: 'Edit Notes' });
    await user.clear(within(edit).getByLabelText('Name'));
    await user.type(within(edit).getByLabelText('Name'), 'Work');
    const save = within(edit).getByRole('button', { name: 'Save' });
    await user.click(save);
    await waitFor(() => expect(save.getAttribute('aria-disabled')).toBe('true'));
    expect((save as HTMLButtonElement).disabled).toBe(false);
    await user.click(save);
    await user.keyboard('{Enter}');
    expect(api.updateConnector).toHaveBeenCalledTimes(1);
    await user.click(within(edit).getByRole('button', { name: 'Cancel' }));
    act(() => answers.shift()!());

    await user.click(within(card()).getByRole('button', { name: 'Remove' }));
    const remove = within(screen.getByRole('dialog')).getByRole('button', { name: 'Remove and delete its index' });
    await user.click(remove);
    await waitFor(() => expect(remove.getAttribute('aria-disabled')).toBe('true'));
    expect((remove as HTMLButtonElement).disabled).toBe(false);
    await user.click(remove);
    expect(api.removeConnector).toHaveBeenCalledTimes(1);
  });
});

describe('Settings, from the keyboard and a screen reader', () => {
  async function setup() {
    const fake = createFakeApi({
      state: buildState(),
      capabilities: desktopCapabilities,
      settings: buildSettingsView(),
    });
    const r = await renderDashboard({ fake, view: 'settings' });
    await screen.findByRole('form', { name: 'Sync settings' });
    return r;
  }

  it('a refused Save takes focus to the first field to fix', async () => {
    const { user, api } = await setup();
    const size = screen.getByRole('textbox', { name: 'Skip files larger than (MB)' });
    await user.clear(size);
    await user.type(size, 'big');
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(document.activeElement).toBe(size);
    const interval = screen.getByRole('textbox', { name: 'Sync every (minutes)' });
    await user.clear(interval);
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(document.activeElement).toBe(interval);
    expect(api.setSettings).not.toHaveBeenCalled();
  });

  it('a save is confirmed in words, in a polite live region that was there before', async () => {
    const { user, api } = await setup();
    const section = screen.getByRole('region', { name: 'Settings' });
    const live = within(section).getByRole('status');
    expect(live.textContent).toBe('');
    await user.click(screen.getByLabelText('Sync as soon as files change'));
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(api.setSettings).toHaveBeenCalledWith({ watchForChanges: false });
    await waitFor(() => expect(live.textContent).toBe('Settings saved.'));
    expect(live.isConnected).toBe(true);
    // An edit after that: the confirmation is about the values before it, so it goes.
    await user.type(screen.getByRole('textbox', { name: 'Sync every (minutes)' }), '0');
    expect(live.textContent).toBe('');
  });
});

describe('heading outline', () => {
  it('the empty state and the add form are headed under "Connectors", one level down', async () => {
    const { user } = await renderDashboard({ state: buildState() });
    expect(screen.getByRole('heading', { level: 2, name: 'Connectors' })).toBeTruthy();
    expect(screen.getByRole('heading', { level: 3, name: 'Nothing is indexed yet' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Add connector' }));
    expect(screen.getByRole('heading', { level: 3, name: 'Add a connector' })).toBeTruthy();
  });
});
