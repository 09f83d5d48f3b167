/**
 * Start at login, behind one port. The OS is the truth: `get` reads it back, `set` returns what the OS kept.
 * macOS and Windows use Electron's login item with `--hidden`; Linux an XDG autostart entry. Development runs
 * (`!app.isPackaged`) would register the bare Electron binary, so there it is off, a no-op, and null.
 */
import type { App } from 'electron';
import { silentLogger, type Logger } from '../../shared/logger.js';
import type { LinuxAutostart } from './linux-autostart.js';

export const HIDDEN_ARG = '--hidden';
const LOGIN_ARGS = [HIDDEN_ARG];

export interface StartAtLogin {
  /** False in development runs and on platforms without a login item. */
  readonly supported: boolean;
  /** The OS's current word; null when unsupported. */
  get(): boolean | null;
  /** Turns it on or off; returns the state read back from the OS (null when unsupported). */
  set(on: boolean): boolean | null;
  /** Rewrites a stale Linux entry after an update or a move; nothing elsewhere. */
  refresh(): void;
}

export interface StartAtLoginDeps {
  platform: NodeJS.Platform;
  app: Pick<App, 'isPackaged' | 'getLoginItemSettings' | 'setLoginItemSettings'>;
  linux: () => LinuxAutostart;
  log?: Logger;
}

export function createStartAtLogin(deps: StartAtLoginDeps): StartAtLogin {
  const log = deps.log ?? silentLogger;
  const { platform, app } = deps;
  if (!app.isPackaged || !['darwin', 'win32', 'linux'].includes(platform)) {
    return {
      supported: false,
      get: () => null,
      set: () => {
        log.info('start at login is not available in development runs');
        return null;
      },
      refresh: () => {},
    };
  }
  if (platform === 'linux') {
    const entry = deps.linux();
    const get = () => entry.isEnabled();
    return {
      supported: true,
      get,
      set(on) {
        if (get() !== on) {
          if (on) entry.enable();
          else entry.disable();
        }
        return get();
      },
      refresh: () => entry.refresh(),
    };
  }
  // Windows stores the args with the entry, so reading it back must name the same args. There `openAtLogin` reads
  // the Run entry only: one the user turned off (Task Manager → Startup apps) is still there, and only
  // `executableWillLaunchAtLogin` says it will not start. Read as off, turning it on enables it again.
  const get = () => {
    const s = app.getLoginItemSettings({ args: LOGIN_ARGS });
    return platform === 'win32' ? s.openAtLogin && s.executableWillLaunchAtLogin : s.openAtLogin;
  };
  return {
    supported: true,
    get,
    set(on) {
      if (get() !== on) app.setLoginItemSettings({ openAtLogin: on, args: LOGIN_ARGS });
      return get();
    },
    refresh: () => {},
  };
}

/**
 * Was this launch a login launch (start with no window)? `--hidden` comes from our own login items; macOS 13+
 * ignores login-item args, where `wasOpenedAtLogin` tells instead.
 */
export function wasLaunchedAtLogin(opts: {
  argv: readonly string[];
  platform: NodeJS.Platform;
  app: Pick<App, 'getLoginItemSettings'>;
}): boolean {
  if (opts.argv.includes(HIDDEN_ARG)) return true;
  return opts.platform === 'darwin' && opts.app.getLoginItemSettings().wasOpenedAtLogin === true;
}
