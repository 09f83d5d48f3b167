import { afterEach, describe, expect, it, vi, type Mock } from 'vitest';
import {
  dataDirLockedDialog,
  startLifecycle,
  withDeadline,
  type LifecycleDeps,
  type RunningShell,
} from '../../../electron/shell/lifecycle.js';
import { app, FakeEvent } from '../../mocks/electron.js';

type Service = { start: Mock<() => void>; stop: Mock<() => Promise<void>> };

function setup(overrides: Partial<LifecycleDeps<Service>> = {}) {
  const service: Service = { start: vi.fn(), stop: vi.fn(() => Promise.resolve()) };
  const shell: RunningShell & { showDashboard: Mock<() => void>; dispose: Mock<() => void> } = {
    showDashboard: vi.fn(),
    dispose: vi.fn(),
  };
  const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const deps: LifecycleDeps<Service> = {
    app: app as never,
    platform: 'linux',
    log,
    logsDir: '/home/ada/.config/Jarvis Sync/logs',
    openService: vi.fn(() => Promise.resolve(service)),
    startShell: vi.fn(() => shell),
    startHidden: () => false,
    showError: vi.fn(),
    ...overrides,
  };
  const lifecycle = startLifecycle(deps);
  return { lifecycle, service, shell, deps, log };
}

/** Lets pending promise callbacks run. */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

afterEach(() => {
  vi.useRealTimers();
});

describe('startup', () => {
  it('takes the single-instance lock first; a second launch quits and leaves the first to show its window', async () => {
    app.requestSingleInstanceLock.mockReturnValue(false);
    const { lifecycle, deps } = setup();
    await lifecycle.ready;
    expect(lifecycle.primary).toBe(false);
    expect(app.quit).toHaveBeenCalledTimes(1);
    expect(app.whenReady).not.toHaveBeenCalled();
    expect(deps.openService).not.toHaveBeenCalled();
    expect(app.enableSandbox).not.toHaveBeenCalled();
  });

  it('enables the sandbox, opens the service, starts the shell, starts syncing and shows the dashboard', async () => {
    const { lifecycle, service, shell } = setup();
    expect(app.enableSandbox).toHaveBeenCalledTimes(1);
    await lifecycle.ready;
    expect(lifecycle.primary).toBe(true);
    expect(service.start).toHaveBeenCalledTimes(1);
    expect(shell.showDashboard).toHaveBeenCalledTimes(1);
    expect(app.exit).not.toHaveBeenCalled();
  });

  it('--hidden (a login launch) starts with no window', async () => {
    const { lifecycle, service, shell } = setup({ startHidden: () => true });
    await lifecycle.ready;
    expect(service.start).toHaveBeenCalledTimes(1);
    expect(shell.showDashboard).not.toHaveBeenCalled();
  });

  it('a second instance shows the dashboard of the first, also when it came during boot', async () => {
    let open!: (s: Service) => void;
    const { lifecycle, shell, service } = setup({
      startHidden: () => true,
      openService: () => new Promise<Service>((r) => (open = r)),
    });
    await settle();
    app.emit('second-instance', new FakeEvent(), ['jarvis-sync']);
    open(service);
    await lifecycle.ready;
    expect(shell.showDashboard).toHaveBeenCalledTimes(1);
    app.emit('second-instance', new FakeEvent(), ['jarvis-sync']);
    expect(shell.showDashboard).toHaveBeenCalledTimes(2);
  });

  it('macOS: hides the Dock icon (a tray-only app)', async () => {
    const dock = app.dock!;
    const { lifecycle } = setup({ platform: 'darwin' });
    await lifecycle.ready;
    expect(dock.hide).toHaveBeenCalledTimes(1);
    const other = setup({ platform: 'linux' });
    await other.lifecycle.ready;
    expect(dock.hide).toHaveBeenCalledTimes(1);
  });

  it('keeps running when every window is closed', async () => {
    const { lifecycle } = setup();
    await lifecycle.ready;
    expect(app.listenerCount('window-all-closed')).toBe(1);
    app.emit('window-all-closed');
    expect(app.quit).not.toHaveBeenCalled();
    expect(app.exit).not.toHaveBeenCalled();
  });
});

describe('quit', () => {
  it('prevents the first before-quit, waits for service.stop, then exits 0', async () => {
    let stopped!: () => void;
    const { lifecycle, service, shell } = setup();
    service.stop.mockImplementation(() => new Promise<void>((r) => (stopped = r)));
    await lifecycle.ready;
    const willQuit = vi.fn();
    app.on('will-quit', willQuit);
    app.quit();
    expect(willQuit).not.toHaveBeenCalled();
    expect(lifecycle.isQuitting()).toBe(true);
    await settle();
    expect(shell.dispose).toHaveBeenCalledTimes(1);
    expect(service.stop).toHaveBeenCalledTimes(1);
    expect(app.exit).not.toHaveBeenCalled();
    // A second Quit while stopping changes nothing.
    app.quit();
    await settle();
    expect(service.stop).toHaveBeenCalledTimes(1);
    stopped();
    await settle();
    expect(app.exit).toHaveBeenCalledTimes(1);
    expect(app.exit).toHaveBeenCalledWith(0);
  });

  it('exits after 5 s when service.stop hangs', async () => {
    vi.useFakeTimers();
    const { lifecycle, service, log } = setup();
    service.stop.mockImplementation(() => new Promise<void>(() => {}));
    await lifecycle.ready;
    app.quit();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(app.exit).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(app.exit).toHaveBeenCalledWith(0);
    expect(log.warn).toHaveBeenCalledWith(expect.stringMatching(/longer than 5000 ms/));
  });

  it('ends the process itself, after the service stopped, when a blocked thread would keep app.exit from returning', async () => {
    const order: string[] = [];
    const killIfThreadsBlocked = vi.fn(() => {
      order.push('kill');
      return true;
    });
    const { lifecycle, service } = setup({ killIfThreadsBlocked });
    service.stop.mockImplementation(() => {
      order.push('stop');
      return Promise.resolve();
    });
    await lifecycle.ready;
    app.quit();
    await settle();
    expect(order).toEqual(['stop', 'kill']);
    expect(app.exit).not.toHaveBeenCalled();
  });

  it('exits the usual way when no thread is blocked', async () => {
    const killIfThreadsBlocked = vi.fn(() => false);
    const { lifecycle } = setup({ killIfThreadsBlocked });
    await lifecycle.ready;
    app.quit();
    await settle();
    expect(killIfThreadsBlocked).toHaveBeenCalledTimes(1);
    expect(app.exit).toHaveBeenCalledWith(0);
  });

  it('exits even when service.stop fails', async () => {
    const { lifecycle, service } = setup();
    service.stop.mockRejectedValue(new Error('disk gone'));
    await lifecycle.ready;
    app.quit();
    await settle();
    expect(app.exit).toHaveBeenCalledWith(0);
  });

  it('a quit during boot waits for the boot, never starts syncing, and stops the service', async () => {
    let open!: (s: Service) => void;
    const { lifecycle, service, deps } = setup({ openService: () => new Promise<Service>((r) => (open = r)) });
    await settle();
    app.quit();
    await settle();
    expect(app.exit).not.toHaveBeenCalled();
    open(service);
    await lifecycle.ready;
    await settle();
    expect(deps.startShell).not.toHaveBeenCalled();
    expect(service.start).not.toHaveBeenCalled();
    expect(service.stop).toHaveBeenCalledTimes(1);
    expect(app.exit).toHaveBeenCalledWith(0);
  });
});

describe('boot failures', () => {
  it('logs, shows an error dialog and exits 1', async () => {
    const { lifecycle, deps, log } = setup({
      openService: () => {
        throw new Error('index.sqlite: disk I/O error');
      },
    });
    await lifecycle.ready;
    expect(log.error).toHaveBeenCalledWith('boot failed', expect.any(Error));
    expect(deps.showError).toHaveBeenCalledWith(
      'Jarvis Sync could not start',
      expect.stringContaining('disk I/O error'),
    );
    expect(deps.showError).toHaveBeenCalledWith(
      expect.any(String),
      expect.stringContaining('/home/ada/.config/Jarvis Sync/logs'),
    );
    expect(app.exit).toHaveBeenCalledWith(1);
  });

  it('a data folder held by the daemon: a clear dialog, then quit', async () => {
    class Locked extends Error {}
    const { lifecycle, deps, service } = setup({
      openService: () => Promise.reject(new Locked('locked')),
      explainBootError: (err) =>
        err instanceof Locked ? dataDirLockedDialog('daemon', '/home/ada/.config/Jarvis Sync') : null,
    });
    await lifecycle.ready;
    expect(deps.showError).toHaveBeenCalledWith(
      'Jarvis Sync is already running',
      expect.stringContaining('Jarvis Sync is already running in the background (headless daemon) on this data folder'),
    );
    expect(service.start).not.toHaveBeenCalled();
    expect(app.exit).toHaveBeenCalledWith(0);
  });

  it('stops an opened service (releasing its lock) when the shell fails to start', async () => {
    const { lifecycle, service } = setup({
      startShell: () => {
        throw new Error('no tray');
      },
    });
    await lifecycle.ready;
    expect(service.stop).toHaveBeenCalledTimes(1);
    expect(service.start).not.toHaveBeenCalled();
    expect(app.exit).toHaveBeenCalledWith(1);
  });
});

describe('helpers', () => {
  it('withDeadline resolves done, failed or timeout', async () => {
    await expect(withDeadline(Promise.resolve(), 10)).resolves.toBe('done');
    await expect(withDeadline(Promise.reject(new Error('x')), 10)).resolves.toBe('failed');
    await expect(withDeadline(new Promise(() => {}), 5)).resolves.toBe('timeout');
  });

  it('names who holds the data folder', () => {
    expect(dataDirLockedDialog('cli', '/d').message).toMatch(/jarvis-sync command/);
    expect(dataDirLockedDialog('desktop', '/d').message).toMatch(/Another Jarvis Sync app/);
  });
});
