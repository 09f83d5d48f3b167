/**
 * The desktop shell around a running SyncService: session hardening, the dashboard window, IPC, tray,
 * notifications and power events, wired to the service's events. The composition root for electron/shell;
 * each piece it wires holds its own decisions and is tested on its own.
 */
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  BrowserWindow,
  Menu,
  Notification,
  Tray,
  app,
  dialog,
  nativeImage,
  nativeTheme,
  powerMonitor,
  protocol,
  screen,
  session,
  shell,
  type NativeImage,
  type Session,
} from 'electron';
import { createContractHandlers } from '../core/handlers.js';
import type { SyncService } from '../core/service.js';
import { handleAppProtocol } from './app-protocol.js';
import { installCsp } from './csp.js';
import { createDesktopHost } from './host.js';
import { pushToWindow, registerContractIpc, createSenderCheck } from './ipc.js';
import { createLinuxAutostart } from './linux-autostart.js';
import { createLogger, redactError, watchWebContents } from './log.js';
import { createStartAtLogin } from './login-item.js';
import { createNotifier } from './notifications.js';
import { APP_SCHEME, appEntryUrl, appOriginFor, isAppUrl } from './origin.js';
import { watchPower } from './power.js';
import { TrayController } from './tray-controller.js';
import { APP_ICON, iconsDir, loadTrayImage, panelThemeFor, trayIconFile } from './tray-icons.js';
import type { TrayActions } from './tray-menu.js';
import type { RunningShell } from './lifecycle.js';
import { createDashboardWindow, createWindowManager } from './window.js';

export const APP_USER_MODEL_ID = 'dev.jarvis.sync';

export interface DesktopOptions {
  service: SyncService;
  isQuitting: () => boolean;
  preload: string;
  /** The built dashboard's index.html; its folder is what app://dashboard/ serves. */
  rendererIndex: string;
  devServerUrl?: string | undefined;
  logsDir: string;
}

/** The app needs no web permission (camera, notifications, clipboard…): every request and check is denied. */
export function denyAllPermissions(
  ses: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'>,
): void {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
}

export function startDesktop(opts: DesktopOptions): RunningShell {
  const { service } = opts;
  const platform = process.platform;
  const log = createLogger('shell');
  const rendererLog = createLogger('renderer');
  const disposers: (() => void)[] = [];
  let disposed = false;

  const origin = appOriginFor({ devServerUrl: opts.devServerUrl, isPackaged: app.isPackaged });
  if (origin.kind === 'app') {
    handleAppProtocol(protocol, dirname(opts.rendererIndex), log);
    disposers.push(() => protocol.unhandle(APP_SCHEME));
  }
  denyAllPermissions(session.defaultSession);
  installCsp(session.defaultSession, (url) => isAppUrl(url, origin));
  const openExternal = (url: string) => shell.openExternal(url);
  // Nothing may embed a <webview> or open a window unless the dashboard factory says otherwise.
  const onContents = (_event: Electron.Event, contents: Electron.WebContents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  };
  app.on('web-contents-created', onContents);
  disposers.push(() => app.off('web-contents-created', onContents));
  if (platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);

  const icons = iconsDir(app.getAppPath(), app.isPackaged);
  const windows = createWindowManager({
    create: () => {
      const win = createDashboardWindow(BrowserWindow, {
        preload: opts.preload,
        url: appEntryUrl(origin),
        ...(platform === 'linux' ? { icon: join(icons, APP_ICON.png) } : {}),
        openExternal,
        log,
      });
      watchWebContents(win.webContents, rendererLog);
      return win;
    },
    isQuitting: opts.isQuitting,
    ...(platform === 'darwin' ? { focusApp: () => app.focus({ steal: true }) } : {}),
  });
  // Once disposed (quitting: the IPC handlers are gone), a notification click or a second launch opens no dashboard.
  const showDashboard = () => {
    if (!disposed) windows.show();
  };

  const startAtLogin = createStartAtLogin({
    platform,
    app,
    linux: () => createLinuxAutostart({ env: process.env, home: homedir(), execPath: process.execPath }),
    log: createLogger('login-item'),
  });
  const safely = (what: string, fn: () => unknown) => {
    try {
      const result = fn();
      if (result instanceof Promise) result.catch((err: unknown) => log.warn(`${what} failed`, redactError(err)));
    } catch (err) {
      log.warn(`${what} failed`, redactError(err));
    }
  };
  let loginState: boolean | null = null;
  // Apart: an entry that could not be rewritten (after an update or a move) still tells whether it is on.
  safely('start at login refresh', () => startAtLogin.refresh());
  safely('start at login', () => {
    loginState = startAtLogin.get();
  });

  const host = createDesktopHost({
    dialog,
    shell,
    logsDir: opts.logsDir,
    window: () => windows.current(),
    startAtLogin,
    onStartAtLoginChanged: (on) => {
      loginState = on;
      tray.refresh();
    },
  });
  disposers.push(
    registerContractIpc(createContractHandlers(service, host), createSenderCheck(origin), createLogger('ipc')),
  );

  const actions: TrayActions = {
    runNow: (id) => safely('sync now', () => service.runNow(id)),
    pause: (id) => safely('pause', () => service.pause(id)),
    resume: (id) => safely('resume', () => service.resume(id)),
    cancel: (id) => safely('cancel', () => service.cancel(id)),
    openDashboard: showDashboard,
    setStartAtLogin: (on) => safely('start at login', () => host.setStartAtLogin(on)),
    openLogs: () => safely('open logs', () => host.openLogs()),
    quit: () => app.quit(),
  };
  const tray = new TrayController<NativeImage, Menu>({
    createTray: (image) => new Tray(image),
    iconFile: (key) =>
      join(
        icons,
        trayIconFile(key, {
          platform,
          theme: panelThemeFor({
            platform,
            darkMode: nativeTheme.shouldUseDarkColors,
            desktop: process.env.XDG_CURRENT_DESKTOP,
          }),
          scaleFactor: screen.getPrimaryDisplay().scaleFactor,
        }),
      ),
    loadImage: (file) => loadTrayImage(nativeImage, file, platform),
    buildMenu: (template) => Menu.buildFromTemplate(template),
    actions,
    platform,
    startAtLogin: () => loginState,
    now: () => Date.now(),
    setTimer: (fn, ms) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    },
  });
  disposers.push(() => tray.dispose());

  // A Notification that is garbage-collected loses its click handler: hold each until it is done.
  const shown = new Set<Notification>();
  const notify = createNotifier({
    isSupported: () => Notification.isSupported(),
    show: ({ title, body }) => {
      const n = new Notification({ title, body });
      shown.add(n);
      n.on('click', () => {
        shown.delete(n);
        showDashboard();
      });
      n.on('close', () => shown.delete(n));
      n.on('failed', () => shown.delete(n));
      n.show();
    },
    getSettings: () => service.getSettings(),
  });

  const onState = (state: ReturnType<SyncService['getState']>) => {
    tray.render(state);
    pushToWindow(windows.current(), 'state:changed', state);
    safely('notification', () => notify(state));
  };
  disposers.push(service.events.on('state', onState));
  disposers.push(service.events.on('progress', (event) => pushToWindow(windows.current(), 'sync:progress', event)));
  disposers.push(
    watchPower(powerMonitor, service, { platform, log: createLogger('power'), onShutdown: () => app.quit() }),
  );

  const onTheme = () => tray.refresh();
  nativeTheme.on('updated', onTheme);
  disposers.push(() => nativeTheme.off('updated', onTheme));
  // "synced 5 min ago" ages: re-render once a minute (the controller only touches the tray if the text changed).
  const minute = setInterval(() => tray.refresh(), 60_000);
  minute.unref();
  disposers.push(() => clearInterval(minute));

  onState(service.getState());

  return {
    showDashboard,
    dispose() {
      if (disposed) return;
      disposed = true;
      // The dashboard goes first: left open while the service stops (up to 5 s), it would answer nothing.
      safely('close the dashboard', () => windows.destroy());
      for (const dispose of disposers.reverse()) safely('dispose', dispose);
    },
  };
}
