/**
 * The one place a BrowserWindow is created (lint bans `new BrowserWindow` elsewhere), plus the small window
 * manager behind "Open dashboard": one window, created on demand, hidden (not closed) by its close button
 * so the app lives on in the tray.
 */
import type { BrowserWindow, BrowserWindowConstructorOptions, WebContents } from 'electron';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { externalUrl } from './origin.js';

export type BrowserWindowCtor = new (options: BrowserWindowConstructorOptions) => BrowserWindow;

export interface DashboardOptions {
  preload: string;
  /** The page to load: app://dashboard/index.html (our bundle, see app-protocol.ts) or the dev server. */
  url: string;
  /** Window icon (Linux; Windows and macOS take it from the executable). */
  icon?: string;
  openExternal(url: string): Promise<void>;
  log?: Logger;
}

/** The hardened options, as a pure value so a test can assert each preference. */
export function dashboardWindowOptions(
  opts: Pick<DashboardOptions, 'preload' | 'icon'>,
): BrowserWindowConstructorOptions {
  return {
    title: 'Jarvis Sync',
    width: 1100,
    height: 760,
    minWidth: 720,
    minHeight: 480,
    show: false,
    autoHideMenuBar: true,
    backgroundColor: '#111827',
    ...(opts.icon ? { icon: opts.icon } : {}),
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}

type Contents = Pick<WebContents, 'setWindowOpenHandler' | 'on'>;

/**
 * No new windows (http(s) links go to the default browser), no navigation or redirect away from the page
 * that was loaded, no <webview>. Applied to the dashboard and, by lifecycle, to every other web contents.
 */
export function hardenWebContents(contents: Contents, deps: Pick<DashboardOptions, 'openExternal' | 'log'>): void {
  const log = deps.log ?? silentLogger;
  contents.setWindowOpenHandler(({ url }) => {
    const safe = externalUrl(url);
    if (safe) {
      deps.openExternal(safe).catch((err: unknown) => log.warn('openExternal failed', err));
    } else {
      log.warn('blocked a window.open to a non-http(s) URL');
    }
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

export function createDashboardWindow(Ctor: BrowserWindowCtor, opts: DashboardOptions): BrowserWindow {
  const log = opts.log ?? silentLogger;
  const win = new Ctor(dashboardWindowOptions(opts));
  hardenWebContents(win.webContents, opts);
  win.once('ready-to-show', () => win.show());
  const loading = win.loadURL(opts.url);
  loading.catch((err: unknown) => log.error('the dashboard failed to load', err));
  return win;
}

export interface WindowManager {
  /** Shows the dashboard, creating it on first use; restores and focuses an existing one. */
  show(): void;
  current(): BrowserWindow | null;
  /** Closes the window for real (quit). */
  destroy(): void;
}

/**
 * One dashboard. Its close button hides it unless the app is quitting (`isQuitting`), so closing the window
 * never stops the sync. A window whose renderer process is gone (a crash, killed by the OS for memory) would show
 * a blank page for the rest of the session: the next show() replaces it.
 */
export function createWindowManager(deps: {
  create(): BrowserWindow;
  isQuitting(): boolean;
  /** macOS: a tray-only app must take focus explicitly for its window to come to the front. */
  focusApp?(): void;
}): WindowManager {
  let win: BrowserWindow | null = null;
  const gone = new WeakSet<BrowserWindow>();
  const open = (): BrowserWindow => {
    const created = deps.create();
    created.webContents.on('render-process-gone', (_event, details) => {
      if (details.reason !== 'clean-exit') gone.add(created);
    });
    created.on('close', (event) => {
      if (!deps.isQuitting()) {
        event.preventDefault();
        created.hide();
      }
    });
    created.on('closed', () => {
      if (win === created) win = null;
    });
    return created;
  };
  return {
    show() {
      if (win && !win.isDestroyed() && gone.has(win)) {
        win.destroy();
        win = null;
      }
      if (win && !win.isDestroyed()) {
        if (win.isMinimized()) win.restore();
        win.show();
        win.focus();
      } else {
        win = open();
      }
      deps.focusApp?.();
    },
    current: () => (win && !win.isDestroyed() ? win : null),
    destroy() {
      if (win && !win.isDestroyed()) win.destroy();
      win = null;
    },
  };
}
