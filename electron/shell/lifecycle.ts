/**
 * The app's lifecycle, with `app` and everything else injected so tests drive it with a fake:
 * single-instance lock first, a tray app that outlives its window, a quit that waits for the service to stop
 * (at most 5 s) and boot failures that end in a dialog instead of a silent exit.
 *
 * `before-quit` does not wait for promises (electron#27201), so the first one is prevented, the service is
 * stopped, and `app.exit(0)` ends the process (which emits no second before-quit).
 */
import type { App } from 'electron';
import type { SyncService } from '../core/service.js';
import type { Logger } from '../../shared/logger.js';

export const STOP_DEADLINE_MS = 5000;

export type LifecycleApp = Pick<
  App,
  'requestSingleInstanceLock' | 'on' | 'whenReady' | 'quit' | 'exit' | 'enableSandbox'
> & {
  readonly dock?: { hide(): void } | undefined;
};

export type LifecycleService = Pick<SyncService, 'start' | 'stop'>;

/** The running desktop shell (tray, window, IPC…). */
export interface RunningShell {
  showDashboard(): void;
  /** Removes the tray, IPC handlers and listeners. Idempotent. */
  dispose(): void;
}

export interface BootErrorDialog {
  title: string;
  message: string;
  exitCode: number;
}

export interface LifecycleDeps<S extends LifecycleService> {
  app: LifecycleApp;
  platform: NodeJS.Platform;
  log: Logger;
  logsDir: string | null;
  /** Opens the service (takes the data-folder lock). May throw synchronously or reject. */
  openService(): Promise<S> | S;
  startShell(service: S, ctx: { isQuitting: () => boolean }): RunningShell | Promise<RunningShell>;
  /** True for a login launch (`--hidden`, macOS wasOpenedAtLogin): start with no window. Read after ready. */
  startHidden(): boolean;
  /** A specific dialog for known boot errors (the data folder is locked); null for the generic one. */
  explainBootError?(err: unknown): BootErrorDialog | null;
  showError(title: string, message: string): void;
  /** Reduces an error to what may be logged (log.ts redactError). */
  describeError?: (err: unknown) => unknown;
  stopDeadlineMs?: number;
  /**
   * Ends the process at once when a thread blocked in a system call would keep app.exit from ever returning
   * (core/blocked-exit.ts): called once the service has stopped, just before app.exit. True when it did.
   */
  killIfThreadsBlocked?: () => boolean;
  setTimer?: (fn: () => void, ms: number) => () => void;
}

export interface Lifecycle {
  /** False when another instance already runs (this one quits). */
  readonly primary: boolean;
  /** Settles when boot finished, failed or was skipped. */
  readonly ready: Promise<void>;
  isQuitting(): boolean;
}

const defaultTimer = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

/** Waits for `work`, but not longer than `ms`. Never rejects. */
export function withDeadline(
  work: Promise<unknown>,
  ms: number,
  setTimer: (fn: () => void, ms: number) => () => void = defaultTimer,
): Promise<'done' | 'timeout' | 'failed'> {
  return new Promise((resolve) => {
    const cancel = setTimer(() => resolve('timeout'), ms);
    work.then(
      () => {
        cancel();
        resolve('done');
      },
      () => {
        cancel();
        resolve('failed');
      },
    );
  });
}

/** The dialog shown when another process holds the data folder. */
export function dataDirLockedDialog(owner: 'desktop' | 'daemon' | 'cli', dataDir: string): BootErrorDialog {
  const who =
    owner === 'daemon'
      ? 'Jarvis Sync is already running in the background (headless daemon) on this data folder'
      : owner === 'cli'
        ? 'A jarvis-sync command is using this data folder'
        : 'Another Jarvis Sync app (perhaps in another session) is using this data folder';
  return {
    title: 'Jarvis Sync is already running',
    message:
      `${who}:\n${dataDir}\n\nOnly one process can keep the index up to date. Use the one that is running ` +
      '(the daemon serves the same dashboard in your browser), or stop it and start Jarvis Sync again.',
    exitCode: 0,
  };
}

export function startLifecycle<S extends LifecycleService>(deps: LifecycleDeps<S>): Lifecycle {
  const { app, log } = deps;
  const deadline = deps.stopDeadlineMs ?? STOP_DEADLINE_MS;
  const setTimer = deps.setTimer ?? defaultTimer;
  const describe = deps.describeError ?? ((err: unknown) => err);

  // Two instances would run two schedulers against one index: the second one hands over and leaves.
  if (!app.requestSingleInstanceLock()) {
    log.info('another instance is running; asking it to show its dashboard');
    app.quit();
    return { primary: false, ready: Promise.resolve(), isQuitting: () => true };
  }
  app.enableSandbox();

  let quitting = false;
  let stopping: Promise<void> | null = null;
  let service: S | null = null;
  let shell: RunningShell | null = null;
  let showWhenReady = false;

  const showDashboard = () => {
    if (shell) shell.showDashboard();
    else showWhenReady = true;
  };
  app.on('second-instance', showDashboard);
  app.on('activate', showDashboard);
  // A tray app keeps running with no window; without a listener Electron would quit here.
  app.on('window-all-closed', () => {});

  const exit = (code: number): void => {
    if (deps.killIfThreadsBlocked?.()) return;
    app.exit(code);
  };

  const stopService = async (): Promise<void> => {
    shell?.dispose();
    if (!service) return;
    const outcome = await withDeadline(service.stop(), deadline, setTimer);
    if (outcome !== 'done')
      log.warn(`service stop ${outcome === 'timeout' ? `took longer than ${deadline} ms` : 'failed'}; exiting anyway`);
  };

  const boot = async (): Promise<void> => {
    if (deps.platform === 'darwin') app.dock?.hide();
    service = await deps.openService();
    if (quitting) return;
    shell = await deps.startShell(service, { isQuitting: () => quitting });
    if (quitting) return;
    service.start();
    const hidden = deps.startHidden();
    log.info(`started${hidden ? ' hidden (login launch)' : ''}`);
    if (showWhenReady || !hidden) shell.showDashboard();
  };

  const failBoot = async (err: unknown): Promise<void> => {
    const known = deps.explainBootError?.(err) ?? null;
    if (known) {
      log.warn(known.title, describe(err));
    } else {
      log.error('boot failed', describe(err));
    }
    const where = deps.logsDir ? `\n\nDetails are in the log folder:\n${deps.logsDir}` : '';
    const dialog = known ?? {
      title: 'Jarvis Sync could not start',
      message: `${err instanceof Error ? err.message : String(err)}${where}`,
      exitCode: 1,
    };
    quitting = true;
    try {
      deps.showError(dialog.title, dialog.message);
    } finally {
      await stopService();
      exit(dialog.exitCode);
    }
  };

  const ready = app
    .whenReady()
    .then(boot)
    .catch(failBoot)
    .catch((err: unknown) => {
      log.error('boot failure handling failed', describe(err));
      app.exit(1);
    });

  app.on('before-quit', (event) => {
    quitting = true;
    event.preventDefault();
    stopping ??= (async () => {
      log.info('quitting: stopping the service');
      // A quit during boot waits for the boot to settle (bounded by the same deadline).
      await withDeadline(ready, deadline, setTimer);
      await stopService();
      exit(0);
    })();
  });

  return { primary: true, ready, isQuitting: () => quitting };
}
