import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Capabilities, SettingsView } from '../../shared/contract.js';
import { buildSettingsView, buildState, createFakeApi, desktopCapabilities, headlessCapabilities } from './fixtures.js';
import { renderDashboard } from './render.js';

async function setup(capabilities: Capabilities, settings: SettingsView = buildSettingsView()) {
  const fake = createFakeApi({ state: buildState(), capabilities, settings });
  const r = await renderDashboard({ fake, view: 'settings' });
  await screen.findByRole('form', { name: 'Sync settings' });
  return r;
}

describe('Settings', () => {
  it('shows the current values', async () => {
    await setup(desktopCapabilities);
    expect(screen.getByLabelText<HTMLInputElement>('Sync every (minutes)').value).toBe('60');
    expect(screen.getByLabelText<HTMLInputElement>('Skip files larger than (MB)').value).toBe('10');
    expect(screen.getByLabelText<HTMLInputElement>('Pause syncing while on battery').checked).toBe(false);
    expect(screen.getByLabelText<HTMLInputElement>('Show notifications').checked).toBe(true);
    expect(screen.getByLabelText<HTMLInputElement>('Sync as soon as files change').checked).toBe(true);
    expect(screen.queryByText(/desktop app only/)).toBeNull();
  });

  it('turns change watching off and on', async () => {
    const { user, api } = await setup(desktopCapabilities);
    await user.click(screen.getByLabelText('Sync as soon as files change'));
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(api.setSettings).toHaveBeenCalledWith({ watchForChanges: false });
    await waitFor(() =>
      expect(screen.getByLabelText<HTMLInputElement>('Sync as soon as files change').checked).toBe(false),
    );
    await user.click(screen.getByLabelText('Sync as soon as files change'));
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(api.setSettings).toHaveBeenLastCalledWith({ watchForChanges: true });
  });

  it('saves only what changed, the interval in seconds', async () => {
    const { user, api } = await setup(desktopCapabilities);
    const interval = screen.getByLabelText('Sync every (minutes)');
    await user.clear(interval);
    await user.type(interval, '30');
    await user.click(screen.getByLabelText('Pause syncing while on battery'));
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(api.setSettings).toHaveBeenCalledWith({ intervalSeconds: 1800, pauseOnBattery: true });
    // The form starts again from what the core kept.
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Sync every (minutes)').value).toBe('30'));
  });

  it('refuses invalid values without calling the core', async () => {
    const { user, api } = await setup(desktopCapabilities);
    const interval = screen.getByLabelText('Sync every (minutes)');
    await user.clear(interval);
    await user.type(interval, '0');
    const size = screen.getByLabelText('Skip files larger than (MB)');
    await user.clear(size);
    await user.type(size, 'lots');
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(screen.getByText('The interval must be at least 1 minute.')).toBeTruthy();
    expect(screen.getByText('Enter a size in MB.')).toBeTruthy();
    expect(interval.getAttribute('aria-invalid')).toBe('true');
    expect(api.setSettings).not.toHaveBeenCalled();
  });

  it('refuses a size limit larger than any text file can be read at', async () => {
    const { user, api } = await setup(desktopCapabilities);
    const size = screen.getByLabelText('Skip files larger than (MB)');
    await user.clear(size);
    await user.type(size, '1024');
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(screen.getByText('The size can be at most 500 MB: larger text files cannot be indexed.')).toBeTruthy();
    expect(api.setSettings).not.toHaveBeenCalled();
  });

  it('desktop: start at login shows the OS value and toggles it', async () => {
    const { user, api } = await setup(desktopCapabilities, buildSettingsView({ startAtLogin: true }));
    const box = screen.getByLabelText<HTMLInputElement>('Start Jarvis Sync when I log in');
    expect(box.checked).toBe(true);
    await user.click(box);
    expect(api.setStartAtLogin).toHaveBeenCalledWith(false);
    await waitFor(() => expect(box.checked).toBe(false));
  });

  it('desktop, development build: start at login is shown but cannot be changed', async () => {
    await setup(desktopCapabilities, buildSettingsView({ startAtLogin: null }));
    const box = screen.getByLabelText<HTMLInputElement>('Start Jarvis Sync when I log in');
    expect(box.disabled).toBe(true);
    expect(screen.getByText(/Not available in this build/)).toBeTruthy();
  });

  it('headless: no start at login and no "Open logs folder"', async () => {
    await setup(headlessCapabilities, buildSettingsView({ startAtLogin: null }));
    expect(screen.queryByLabelText('Start Jarvis Sync when I log in')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Open logs folder' })).toBeNull();
    expect(screen.getByTestId('data-dir').textContent).toBe('/home/ada/.local/share/jarvis-sync');
    // Kept for the desktop app, which reads the same settings file; the daemon has neither.
    for (const label of ['Pause syncing while on battery', 'Show notifications']) {
      expect(screen.getByLabelText(label).getAttribute('aria-describedby')).toBeTruthy();
      expect(screen.getByRole('checkbox', { name: label, description: /desktop app only/ })).toBeTruthy();
    }
  });

  it('desktop: shows where data and logs live, and opens the logs folder', async () => {
    const { user, api } = await setup(desktopCapabilities);
    expect(screen.getByTestId('data-dir').textContent).toBe('/home/ada/.local/share/jarvis-sync');
    expect(screen.getByTestId('logs-dir').textContent).toBe('/home/ada/.local/state/jarvis-sync/logs');
    await user.click(screen.getByRole('button', { name: 'Open logs folder' }));
    expect(api.openLogs).toHaveBeenCalledTimes(1);
  });

  it('a failed save is shown', async () => {
    const { user, api } = await setup(desktopCapabilities);
    api.setSettings.mockRejectedValueOnce(new Error('settings file is read-only'));
    await user.click(screen.getByLabelText('Show notifications'));
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      "Couldn't save the settings: settings file is read-only",
    );
  });
});

describe('Settings, focus', () => {
  it('after a save (the form starts again from what the core kept), focus is on Save settings', async () => {
    const { user } = await setup(desktopCapabilities);
    const interval = screen.getByLabelText('Sync every (minutes)');
    await user.clear(interval);
    await user.type(interval, '30');
    await user.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Sync every (minutes)').value).toBe('30'));
    expect(screen.getByLabelText('Sync every (minutes)')).not.toBe(interval);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Save settings' })));
  });
});
