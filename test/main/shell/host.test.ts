import { describe, expect, it, vi } from 'vitest';
import { createDesktopHost, isSafeToOpen, pickerOptions } from '../../../electron/shell/host.js';
import type { StartAtLogin } from '../../../electron/shell/login-item.js';
import { BrowserWindow, dialog, shell } from '../../mocks/electron.js';

const ROOTS = ['/home/ada/Notes', '/home/ada/Mail/inbox.mbox'];

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
    platform: 'linux',
    logsDir: '/home/ada/.config/Jarvis Sync/logs',
    window: () => (over.window ?? null) as never,
    connectorRoots: () => ROOTS,
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

  it('opens files inside a connector, and the logs folder', async () => {
    const { h } = host();
    await h.openPath('/home/ada/Notes/2024/plan.md');
    await h.openPath('/home/ada/Mail/inbox.mbox');
    await h.openLogs();
    expect(shell.openPath.mock.calls.map(([p]) => p)).toEqual([
      '/home/ada/Notes/2024/plan.md',
      '/home/ada/Mail/inbox.mbox',
      '/home/ada/.config/Jarvis Sync/logs',
    ]);
  });

  it('refuses to open anything outside the connectors, or anything runnable', async () => {
    const { h } = host();
    for (const path of [
      '/etc/passwd',
      '/home/ada/Notes/../.ssh/id_rsa',
      '/home/ada/NotesEvil/x.md',
      'Notes/a.md',
      '/home/ada/Notes/setup.sh',
      '/home/ada/Notes/app.AppImage',
      '/home/ada/Notes/x.desktop',
    ]) {
      await expect(h.openPath(path)).rejects.toThrow(/Only files inside a synced folder/);
    }
    expect(shell.openPath).not.toHaveBeenCalled();
  });

  it('reports an OS failure to open', async () => {
    shell.openPath.mockResolvedValueOnce('No application is registered');
    await expect(host().h.openPath('/home/ada/Notes/a.xyz')).rejects.toThrow(/No application is registered/);
  });

  it('start at login goes through the port and tells the tray what the OS kept', () => {
    const { h, startAtLogin, onStartAtLoginChanged } = host({ startAtLogin: { set: vi.fn(() => false) } });
    expect(h.getStartAtLogin()).toBe(true);
    expect(h.setStartAtLogin(true)).toBe(false);
    expect(startAtLogin.set).toHaveBeenCalledWith(true);
    expect(onStartAtLoginChanged).toHaveBeenCalledWith(false);
  });

  it('isSafeToOpen folds case where the file system does', () => {
    expect(isSafeToOpen('/Users/ada/notes/a.md', ['/Users/ada/Notes'], 'darwin')).toBe(true);
    expect(isSafeToOpen('/home/ada/notes/a.md', ['/home/ada/Notes'], 'linux')).toBe(false);
    expect(isSafeToOpen('/home/ada/Notes/a.md', [], 'linux')).toBe(false);
  });

  it('isSafeToOpen judges what the OS would open, not how the path is spelled', () => {
    expect(isSafeToOpen('/Users/ada/Notes/Evil.app/.', ['/Users/ada/Notes'], 'darwin')).toBe(false);
    expect(isSafeToOpen('/Users/ada/Notes/Evil.app/', ['/Users/ada/Notes'], 'darwin')).toBe(false);
    expect(isSafeToOpen('C:\\Users\\ada\\Notes\\evil.exe.', ['C:\\Users\\ada\\Notes'], 'win32')).toBe(false);
    expect(isSafeToOpen('C:\\Users\\ada\\Notes\\evil.exe ', ['C:\\Users\\ada\\Notes'], 'win32')).toBe(false);
    for (const ext of ['py', 'msc', 'scpt', 'settingcontent-ms', 'iso', 'docm']) {
      expect(isSafeToOpen(`/home/ada/Notes/x.${ext}`, ['/home/ada/Notes'], 'linux')).toBe(false);
    }
    expect(isSafeToOpen('/home/ada/Notes/x.md', ['/home/ada/Notes'], 'linux')).toBe(true);
    expect(isSafeToOpen('C:\\Users\\ada\\Notes\\x.md', ['C:\\Users\\ada\\Notes'], 'win32')).toBe(true);
  });
});
