import { describe, expect, it, vi } from 'vitest';
import type { BrowserWindowCtor } from '../../../electron/shell/window.js';
import {
  createDashboardWindow,
  createWindowManager,
  dashboardWindowOptions,
  hardenWebContents,
} from '../../../electron/shell/window.js';
import { BrowserWindow, FakeEvent, FakeWebContents } from '../../mocks/electron.js';

const Ctor = BrowserWindow as unknown as BrowserWindowCtor;
const openExternal = vi.fn(() => Promise.resolve());

function dashboard(extra: { url: string } = { url: 'app://dashboard/index.html' }) {
  const win = createDashboardWindow(Ctor, { preload: '/app/out/preload/index.cjs', openExternal, ...extra });
  return win as unknown as BrowserWindow;
}

describe('createDashboardWindow', () => {
  it('creates the window with every security preference set', () => {
    const win = dashboard();
    const prefs = win.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
    });
    expect(prefs.enableBlinkFeatures).toBeUndefined();
    expect(win.options.show).toBe(false);
  });

  it('shows the window only once it is ready to show', () => {
    const win = dashboard();
    expect(win.show).not.toHaveBeenCalled();
    win.emit('ready-to-show');
    expect(win.show).toHaveBeenCalledTimes(1);
  });

  it('loads the bundle from app://dashboard/, or the dev server, never a file:// URL', () => {
    const win = dashboard();
    expect(win.loadURL).toHaveBeenCalledWith('app://dashboard/index.html');
    expect(win.loadFile).not.toHaveBeenCalled();
    expect(dashboard({ url: 'http://localhost:5173/' }).loadURL).toHaveBeenCalledWith('http://localhost:5173/');
  });

  it('denies every new window and sends only http(s) links to the browser', async () => {
    const win = dashboard();
    const open = win.webContents.windowOpenHandler!;
    expect(open({ url: 'https://example.com/docs' })).toEqual({ action: 'deny' });
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'ms-msdt:/id',
      'data:text/html,x',
      'https://user:pw@example.com/',
    ]) {
      expect(open({ url })).toEqual({ action: 'deny' });
    }
    await Promise.resolve();
    expect(openExternal).toHaveBeenCalledTimes(1);
    expect(openExternal).toHaveBeenCalledWith('https://example.com/docs');
  });

  it('prevents navigation, redirects and webviews', () => {
    const win = dashboard();
    for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const event = new FakeEvent();
      win.webContents.emit(name, event, 'https://evil.com/');
      expect(event.defaultPrevented).toBe(true);
    }
  });

  it('hardenWebContents works on any web contents', () => {
    const contents = new FakeWebContents();
    hardenWebContents(contents as never, { openExternal });
    expect(contents.windowOpenHandler!({ url: 'file:///x' })).toEqual({ action: 'deny' });
  });

  it('has options that pass as a pure value', () => {
    expect(dashboardWindowOptions({ preload: '/p', icon: '/i.png' })).toMatchObject({ icon: '/i.png', show: false });
    expect(dashboardWindowOptions({ preload: '/p' })).not.toHaveProperty('icon');
  });
});

describe('createWindowManager', () => {
  function manager(quitting = { value: false }) {
    const create = vi.fn(() => new BrowserWindow({}) as never);
    const focusApp = vi.fn();
    const windows = createWindowManager({ create, isQuitting: () => quitting.value, focusApp });
    return { windows, create, focusApp, quitting };
  }

  it('creates the dashboard on first show and reuses it after', () => {
    const { windows, create, focusApp } = manager();
    expect(windows.current()).toBeNull();
    windows.show();
    windows.show();
    expect(create).toHaveBeenCalledTimes(1);
    const win = windows.current() as unknown as BrowserWindow;
    expect(win.show).toHaveBeenCalledTimes(1);
    expect(win.focus).toHaveBeenCalledTimes(1);
    expect(focusApp).toHaveBeenCalledTimes(2);
  });

  it('restores a minimized window', () => {
    const { windows } = manager();
    windows.show();
    const win = windows.current() as unknown as BrowserWindow;
    win.minimized = true;
    windows.show();
    expect(win.restore).toHaveBeenCalled();
  });

  it('hides to the tray on close, and really closes when quitting', () => {
    const { windows, quitting } = manager();
    windows.show();
    const win = windows.current() as unknown as BrowserWindow;
    win.close();
    expect(win.hide).toHaveBeenCalledTimes(1);
    expect(win.destroyed).toBe(false);
    expect(windows.current()).toBe(win);

    quitting.value = true;
    win.close();
    expect(win.destroyed).toBe(true);
    expect(windows.current()).toBeNull();
  });

  it('replaces a dashboard whose renderer crashed or was killed, instead of showing it blank', () => {
    const { windows, create } = manager();
    windows.show();
    const dead = windows.current() as unknown as BrowserWindow;
    dead.close(); // hidden in the tray, as most of the time
    dead.webContents.emit('render-process-gone', new FakeEvent(), { reason: 'killed', exitCode: 9 });
    windows.show();
    expect(create).toHaveBeenCalledTimes(2);
    expect(dead.destroyed).toBe(true);
    const fresh = windows.current() as unknown as BrowserWindow;
    expect(fresh).not.toBe(dead);
    // A live one is reused as before.
    windows.show();
    expect(create).toHaveBeenCalledTimes(2);
  });

  it('makes a new window after the old one was destroyed', () => {
    const { windows, create } = manager();
    windows.show();
    windows.destroy();
    expect(windows.current()).toBeNull();
    windows.show();
    expect(create).toHaveBeenCalledTimes(2);
  });
});
