/**
 * Electron entry point: wiring only. The lifecycle (single instance, quit, boot errors) lives in
 * shell/lifecycle.ts, the desktop shell (window, tray, IPC…) in shell/desktop.ts, the sync itself in core/.
 */
import { join } from 'node:path';
import { app, dialog, protocol } from 'electron';
import { killIfThreadsBlocked } from './core/blocked-exit.js';
import { defaultDataDir } from './core/data-dir.js';
import { DataDirLockedError, SyncService } from './core/service.js';
import { APP_SCHEME_PRIVILEGES } from './shell/app-protocol.js';
import { startDesktop } from './shell/desktop.js';
import { dataDirLockedDialog, startLifecycle } from './shell/lifecycle.js';
import { createLogger, initLogging, redactError } from './shell/log.js';
import { wasLaunchedAtLogin } from './shell/login-item.js';
import { APP_SCHEME } from './shell/origin.js';

const here = import.meta.dirname;
const logsDir = app.getPath('logs');
initLogging({ isPackaged: app.isPackaged, logsDir });
// Must happen before 'ready': the dashboard's own secure origin (see shell/app-protocol.ts).
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

const log = createLogger('main');
startLifecycle({
  app,
  platform: process.platform,
  log,
  logsDir,
  openService: () =>
    SyncService.open({
      dataDir: defaultDataDir(),
      createLogger,
      owner: 'desktop',
      logsDir,
      // Its own bundle entry (electron.vite.config.ts), for the writer thread of bulk syncs.
      writerEntry: join(here, 'writer-worker.js'),
    }),
  startShell: (service, { isQuitting }) =>
    startDesktop({
      service,
      isQuitting,
      preload: join(here, '../preload/index.cjs'),
      rendererIndex: join(here, '../renderer/index.html'),
      devServerUrl: process.env.ELECTRON_RENDERER_URL,
      logsDir,
    }),
  startHidden: () => wasLaunchedAtLogin({ argv: process.argv, platform: process.platform, app }),
  explainBootError: (err) =>
    err instanceof DataDirLockedError ? dataDirLockedDialog(err.holder.owner, err.dataDir) : null,
  showError: (title, message) => dialog.showErrorBox(title, message),
  describeError: redactError,
  killIfThreadsBlocked: () => killIfThreadsBlocked({ warn: (message) => log.warn(message) }),
});
