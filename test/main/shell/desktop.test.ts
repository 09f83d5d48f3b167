import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../../shared/emitter.js';
import { API_METHODS } from '../../../shared/contract.js';
import type { AppState } from '../../../shared/types.js';
import { startDesktop } from '../../../electron/shell/desktop.js';
import type { RunningShell } from '../../../electron/shell/lifecycle.js';
import {
  BrowserWindow,
  FakeEvent,
  FakeWebContents,
  Menu,
  Notification,
  Tray,
  app,
  ipcMain,
  powerMonitor,
  protocol,
  protocolHandlers,
  session,
} from '../../mocks/electron.js';
import { NOW, appState, connector, ipcEvent, mail, settings } from '../fixtures.js';

const RENDERER = '/opt/jarvis/out/renderer/index.html';
const OWN = 'app://dashboard/index.html';

function fakeService(initial: AppState) {
  let state = initial;
  const events = new Emitter<{ state: (s: AppState) => void; progress: (e: unknown) => void }>();
  return {
    events,
    paths: { dataDir: '/data' },
    getState: vi.fn(() => state),
    getSettings: vi.fn(() => settings()),
    runNow: vi.fn(() => ({ accepted: true })),
    pause: vi.fn(() => state),
    resume: vi.fn(() => state),
    notifyResume: vi.fn(),
    setOnBattery: vi.fn(),
    push(next: AppState) {
      state = next;
      events.emit('state', next);
    },
  };
}

let running: RunningShell | null = null;
afterEach(() => {
  running?.dispose();
  running = null;
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

function start(initial = appState([connector(), mail()])) {
  const service = fakeService(initial);
  running = startDesktop({
    service: service as never,
    isQuitting: () => false,
    preload: '/opt/jarvis/out/preload/index.cjs',
    rendererIndex: RENDERER,
    logsDir: '/logs',
  });
  return { service, running };
}

const lastMenu = () =>
  (Tray.instances[0].setContextMenu.mock.calls.at(-1)![0] as { template: Electron.MenuItemConstructorOptions[] })
    .template;
const clickMenu = (id: string) => {
  const all = (items: Electron.MenuItemConstructorOptions[]): Electron.MenuItemConstructorOptions[] =>
    items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? all(i.submenu) : [])]);
  (all(lastMenu()).find((i) => i.id === id)!.click as () => void)();
};

describe('startDesktop', () => {
  it('hardens the session before any window exists', () => {
    start();
    const ses = session.defaultSession;
    const request = ses.setPermissionRequestHandler.mock.calls[0][0] as (
      wc: unknown,
      p: string,
      cb: (ok: boolean) => void,
    ) => void;
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'unknown']) {
      const cb = vi.fn();
      request(null, permission, cb);
      expect(cb).toHaveBeenCalledWith(false);
    }
    expect((ses.setPermissionCheckHandler.mock.calls[0][0] as () => boolean)()).toBe(false);
    expect((ses.setDevicePermissionHandler.mock.calls[0][0] as () => boolean)()).toBe(false);
    expect(ses.webRequest.onHeadersReceived).toHaveBeenCalledTimes(1);
    expect(BrowserWindow.instances).toHaveLength(0);

    const contents = new FakeWebContents();
    app.emit('web-contents-created', new FakeEvent(), contents);
    const attach = new FakeEvent();
    contents.emit('will-attach-webview', attach);
    expect(attach.defaultPrevented).toBe(true);
    expect(contents.windowOpenHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' });
  });

  it('serves the dashboard on app://dashboard/ from the renderer folder, and stops serving it on dispose', async () => {
    const { running } = start();
    expect(protocol.handle).toHaveBeenCalledWith('app', expect.any(Function));
    const serve = protocolHandlers.get('app')!;
    // The renderer folder here does not exist, so every file is a 404; what is served is tested in app-protocol.test.
    expect((await serve(new Request('app://dashboard/index.html'))).status).toBe(404);
    expect((await serve(new Request('app://dashboard/../../etc/passwd'))).status).toBe(404);
    running.dispose();
    expect(protocolHandlers.has('app')).toBe(false);
  });

  it('serves the contract over IPC to our page only', async () => {
    const { service } = start();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(Object.values(API_METHODS).sort());
    await expect(ipcMain.invoke('state:get', ipcEvent(OWN))).resolves.toBe(service.getState());
    await expect(ipcMain.invoke('sync:run-now', ipcEvent(OWN), 'notes')).resolves.toEqual({ accepted: true });
    await expect(ipcMain.invoke('sync:run-now', ipcEvent('https://evil.com/'), 'notes')).rejects.toThrow(/untrusted/);
    expect(service.runNow).toHaveBeenCalledTimes(1);
    await expect(ipcMain.invoke('app:capabilities', ipcEvent(OWN))).resolves.toEqual({
      host: 'desktop',
      nativePicker: true,
      openPath: true,
      startAtLogin: false,
    });
  });

  it('shows the tray at once, and mirrors state pushes to the tray and the dashboard', async () => {
    vi.useFakeTimers();
    const { service, running } = start();
    expect(Tray.instances).toHaveLength(1);
    expect(Tray.instances[0].setToolTip).toHaveBeenLastCalledWith(expect.stringMatching(/^2 connectors · /));
    running.showDashboard();
    const win = BrowserWindow.instances[0];
    expect(win.loadURL).toHaveBeenCalledWith(OWN);
    expect(win.loadFile).not.toHaveBeenCalled();
    expect((win.options.webPreferences as Record<string, unknown>).preload).toBe('/opt/jarvis/out/preload/index.cjs');

    const next = appState([connector({ state: 'syncing' }), mail()]);
    service.push(next);
    expect(win.webContents.send).toHaveBeenCalledWith('state:changed', next);
    await vi.advanceTimersByTimeAsync(300);
    expect(Tray.instances[0].setToolTip).toHaveBeenLastCalledWith('Syncing Notes');
    service.events.emit('progress', { connectorId: 'notes', progress: {} });
    expect(win.webContents.send).toHaveBeenLastCalledWith('sync:progress', { connectorId: 'notes', progress: {} });
  });

  it('tray items drive the service and the window', () => {
    const { service } = start();
    clickMenu('connector:notes:sync-now');
    expect(service.runNow).toHaveBeenCalledWith('notes');
    clickMenu('pause-all');
    expect(service.pause).toHaveBeenCalledWith(null);
    clickMenu('open-dashboard');
    expect(BrowserWindow.instances).toHaveLength(1);
    expect(lastMenu().some((i) => i.id === 'start-at-login')).toBe(false);
    expect(Menu.buildFromTemplate).toHaveBeenCalled();
  });

  it.runIf(process.platform === 'linux')(
    'keeps "Start at login" in the tray when rewriting a stale autostart entry fails at start',
    () => {
      const config = mkdtempSync(join(tmpdir(), 'jarvis-desktop-xdg-'));
      try {
        vi.stubEnv('XDG_CONFIG_HOME', config);
        app.isPackaged = true;
        // On at login, from a build that lived elsewhere; the rewrite fails (a full disk, a read-only folder…).
        const entry = join(config, 'autostart', 'jarvis-sync.desktop');
        mkdirSync(join(config, 'autostart'));
        writeFileSync(entry, '[Desktop Entry]\nType=Application\nExec=/old/place/jarvis-sync --hidden\n');
        mkdirSync(`${entry}.${process.pid}.tmp`);
        start();
        const item = lastMenu().find((i) => i.id === 'start-at-login');
        expect(item).toMatchObject({ type: 'checkbox', checked: true });
      } finally {
        rmSync(config, { recursive: true, force: true });
      }
    },
  );

  it('a failing tray action is logged, not thrown', () => {
    const { service } = start();
    service.runNow.mockImplementation(() => {
      throw new Error('No connector with id "gone"');
    });
    expect(() => clickMenu('sync-all')).not.toThrow();
  });

  it('notifies when a connector starts failing', () => {
    const { service } = start();
    service.push(
      appState([
        connector(),
        mail({ state: 'error', consecutiveFailures: 3, lastError: { code: 'E', message: 'gone', at: NOW } }),
      ]),
    );
    expect(Notification.instances.map((n) => n.options.title)).toEqual(["Mail can't sync"]);
    expect(Notification.instances[0].show).toHaveBeenCalled();
    Notification.instances[0].emit('click');
    expect(BrowserWindow.instances).toHaveLength(1);
  });

  it('passes power events to the service', () => {
    const { service } = start();
    powerMonitor.emit('resume');
    expect(service.notifyResume).toHaveBeenCalled();
    powerMonitor.emit('on-battery');
    expect(service.setOnBattery).toHaveBeenLastCalledWith(true);
  });

  it('dispose() (a quit) closes the dashboard, whose IPC is gone, and opens no new one while the service stops', () => {
    const { running } = start();
    running.showDashboard();
    const win = BrowserWindow.instances[0];
    win.emit('ready-to-show');
    expect(win.visible).toBe(true);
    running.dispose();
    // Left open, it would stay on screen for up to 5 s with every button failing ("No handler registered").
    expect(win.destroyed).toBe(true);
    // A second launch (second-instance) during those seconds must not bring up a dashboard that cannot work.
    running.showDashboard();
    expect(BrowserWindow.instances).toHaveLength(1);
  });

  it('dispose() removes IPC handlers, the tray and every listener', () => {
    const { service, running } = start();
    running.dispose();
    expect(ipcMain.handlers.size).toBe(0);
    expect(Tray.instances[0].destroy).toHaveBeenCalled();
    expect(service.events.listenerCount('state')).toBe(0);
    expect(powerMonitor.listenerCount('resume')).toBe(0);
    expect(app.listenerCount('web-contents-created')).toBe(0);
  });
});
