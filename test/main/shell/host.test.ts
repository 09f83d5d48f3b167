import { describe, expect, it, vi } from 'vitest';
import { createDesktopHost, pickerOptions } from '../../../electron/shell/host.js';
import type { StartAtLogin } from '../../../electron/shell/login-item.js';
import { BrowserWindow, dialog, shell } from '../../mocks/electron.js';

function host(over: { window?: BrowserWindow | null; startAtLogin?: Partial<StartAtLogin> } = {}) {
  const startAtLogin: StartAtLogin = {
    supported: true,
    get: vi.fn(() => true),
    set: vi.fn((on: boolean) => on),
    refresh: vi.fn(),
    ...over.startAtLogin,
  };
  const onStartAtLoginChanged = vi.fn();
  const h = createDesktopHost({
    dialog: dialog,
    shell: shell,
    logsDir: '/home/ada/.config/Jarvis Sync/logs',
    window: () => (over.window ?? null) as never,
    startAtLogin,
    onStartAtLoginChanged,
  });
  return { h, startAtLogin, onStartAtLoginChanged };
}

describe('desktop host adapters', () => {
  it('describes the desktop capabilities', () => {
    expect(host().h.capabilities).toEqual({ host: 'desktop', nativePicker: true, openPath: true, startAtLogin: true });
    expect(host({ startAtLogin: { supported: false } }).h.capabilities.startAtLogin).toBe(false);
  });

  it('picks a folder or a file depending on the kind, modal to the dashboard', async () => {
    const win = new BrowserWindow({});
    dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: ['/home/ada/Vault'] });
    await expect(host({ window: win }).h.pickPath('obsidian')).resolves.toBe('/home/ada/Vault');
    expect(dialog.showOpenDialog).toHaveBeenCalledWith(
      win,
      expect.objectContaining({ properties: expect.arrayContaining(['openDirectory']) }),
    );
    await expect(host().h.pickPath('mbox')).resolves.toBeNull();
    expect(dialog.showOpenDialog).toHaveBeenLastCalledWith(
      expect.objectContaining({ properties: expect.arrayContaining(['openFile']) }),
    );
    expect(pickerOptions('ics').filters?.[0]?.extensions).toContain('ics');
    expect(pickerOptions('maildir').properties).toContain('openDirectory');
    expect(pickerOptions('folder').properties).toContain('openDirectory');
  });

  it('opens the file the core chose, and the logs folder', async () => {
    const { h } = host();
    await h.openFile(() => Promise.resolve('/home/ada/Notes/2024/plan.md'));
    await h.openLogs();
    expect(shell.openPath.mock.calls.map(([p]) => p)).toEqual([
      '/home/ada/Notes/2024/plan.md',
      '/home/ada/.config/Jarvis Sync/logs',
    ]);
  });

  it('opens nothing when the core refuses', async () => {
    const refusal = new Error('The file is marked as executable, and programs are never opened from here.');
    await expect(host().h.openFile(() => Promise.reject(refusal))).rejects.toBe(refusal);
    expect(shell.openPath).not.toHaveBeenCalled();
  });

  it('reports an OS failure to open', async () => {
    shell.openPath.mockResolvedValueOnce('No application is registered');
    await expect(host().h.openFile(() => Promise.resolve('/home/ada/Notes/a.xyz'))).rejects.toThrow(
      /No application is registered/,
    );
  });

  it('start at login goes through the port and tells the tray what the OS kept', () => {
    const { h, startAtLogin, onStartAtLoginChanged } = host({ startAtLogin: { set: vi.fn(() => false) } });
    expect(h.getStartAtLogin()).toBe(true);
    expect(h.setStartAtLogin(true)).toBe(false);
    expect(startAtLogin.set).toHaveBeenCalledWith(true);
    expect(onStartAtLoginChanged).toHaveBeenCalledWith(false);
  });
});
