import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  autostartPath,
  createLinuxAutostart,
  desktopEntry,
  escapeDesktopString,
  quoteExecArg,
} from '../../../electron/shell/linux-autostart.js';
import { createStartAtLogin, wasLaunchedAtLogin } from '../../../electron/shell/login-item.js';
import { app } from '../../mocks/electron.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'jarvis-xdg-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const linuxFor =
  (env: NodeJS.ProcessEnv, execPath = '/opt/Jarvis Sync/jarvis-sync') =>
  () =>
    createLinuxAutostart({ env, home: join(tmp, 'home'), execPath });

describe('start at login on macOS and Windows', () => {
  for (const platform of ['darwin', 'win32'] as const) {
    it(`${platform}: registers the login item with --hidden and reads the OS state back`, () => {
      app.isPackaged = true;
      const sal = createStartAtLogin({ platform, app: app as never, linux: linuxFor({}) });
      expect(sal.supported).toBe(true);
      expect(sal.get()).toBe(false);
      expect(sal.set(true)).toBe(true);
      expect(app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true, args: ['--hidden'] });
      expect(app.getLoginItemSettings).toHaveBeenLastCalledWith({ args: ['--hidden'] });
      // Already on: no second write.
      expect(sal.set(true)).toBe(true);
      expect(app.setLoginItemSettings).toHaveBeenCalledTimes(1);
      expect(sal.set(false)).toBe(false);
      expect(app.setLoginItemSettings).toHaveBeenLastCalledWith({ openAtLogin: false, args: ['--hidden'] });
    });
  }

  it('reports what the OS kept, not what was asked (e.g. blocked by policy)', () => {
    app.isPackaged = true;
    app.setLoginItemSettings.mockImplementation(() => {});
    const sal = createStartAtLogin({ platform: 'win32', app: app as never, linux: linuxFor({}) });
    expect(sal.set(true)).toBe(false);
  });

  it('Windows: an entry the user turned off in Task Manager reads as off, and turning it on enables it again', () => {
    app.isPackaged = true;
    const sal = createStartAtLogin({ platform: 'win32', app: app as never, linux: linuxFor({}) });
    expect(sal.set(true)).toBe(true);
    // Task Manager → Startup apps → Disable: the Run entry stays, Windows no longer starts it.
    app.loginItem.enabled = false;
    expect(sal.get()).toBe(false);
    expect(sal.set(true)).toBe(true);
    expect(app.loginItem.enabled).toBe(true);
  });

  it('is off, a no-op and null in development runs', () => {
    app.isPackaged = false;
    const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const sal = createStartAtLogin({ platform, app: app as never, linux: linuxFor({ XDG_CONFIG_HOME: tmp }), log });
      expect(sal.supported).toBe(false);
      expect(sal.get()).toBeNull();
      expect(sal.set(true)).toBeNull();
    }
    expect(app.setLoginItemSettings).not.toHaveBeenCalled();
    expect(readdirSync(tmp)).toEqual([]);
    expect(log.info).toHaveBeenCalled();
  });

  it('detects a login launch: --hidden, or macOS wasOpenedAtLogin', () => {
    expect(wasLaunchedAtLogin({ argv: ['/app/jarvis', '--hidden'], platform: 'win32', app: app as never })).toBe(true);
    expect(wasLaunchedAtLogin({ argv: ['/app/jarvis'], platform: 'win32', app: app as never })).toBe(false);
    app.loginItem.wasOpenedAtLogin = true;
    expect(wasLaunchedAtLogin({ argv: ['/app/jarvis'], platform: 'darwin', app: app as never })).toBe(true);
    expect(wasLaunchedAtLogin({ argv: ['/app/jarvis'], platform: 'linux', app: app as never })).toBe(false);
  });
});

describe('start at login on Linux (XDG autostart)', () => {
  it('writes the exact .desktop entry, reads it back and removes it', () => {
    app.isPackaged = true;
    const env = { XDG_CONFIG_HOME: join(tmp, 'config') };
    const sal = createStartAtLogin({
      platform: 'linux',
      app: app as never,
      linux: linuxFor(env, '/opt/Jarvis Sync/jarvis-sync'),
    });
    const file = join(tmp, 'config', 'autostart', 'jarvis-sync.desktop');
    expect(sal.get()).toBe(false);
    expect(sal.set(true)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(
      [
        '[Desktop Entry]',
        'Type=Application',
        'Version=1.0',
        'Name=Jarvis Sync',
        'Comment=Keeps a searchable index of your notes, mail and calendars up to date',
        'Exec="/opt/Jarvis Sync/jarvis-sync" --hidden',
        'Icon=jarvis-sync',
        'Terminal=false',
        'Categories=Utility;',
        'X-GNOME-Autostart-enabled=true',
        'X-GNOME-Autostart-Delay=5',
        '',
      ].join('\n'),
    );
    expect(readdirSync(join(tmp, 'config', 'autostart'))).toEqual(['jarvis-sync.desktop']);
    expect(sal.set(false)).toBe(false);
    expect(existsSync(file)).toBe(false);
    expect(sal.set(false)).toBe(false);
    expect(app.setLoginItemSettings).not.toHaveBeenCalled();
  });

  it('starts the AppImage itself when run from one', () => {
    const entry = createLinuxAutostart({
      env: { XDG_CONFIG_HOME: tmp, APPIMAGE: '/home/ada/Apps/Jarvis Sync-0.1.0.AppImage' },
      home: '/home/ada',
      execPath: '/tmp/.mount_Jarvis/jarvis-sync',
    });
    entry.enable();
    expect(readFileSync(entry.path, 'utf8')).toContain('\nExec="/home/ada/Apps/Jarvis Sync-0.1.0.AppImage" --hidden\n');
  });

  it('uses ~/.config when XDG_CONFIG_HOME is unset or not absolute', () => {
    expect(autostartPath({}, '/home/ada')).toBe('/home/ada/.config/autostart/jarvis-sync.desktop');
    expect(autostartPath({ XDG_CONFIG_HOME: 'relative/dir' }, '/home/ada')).toBe(
      '/home/ada/.config/autostart/jarvis-sync.desktop',
    );
    expect(autostartPath({ XDG_CONFIG_HOME: '/x/cfg' }, '/home/ada')).toBe('/x/cfg/autostart/jarvis-sync.desktop');
  });

  it('the OS is the truth: a removed or disabled entry reads as off', () => {
    const entry = createLinuxAutostart({ env: { XDG_CONFIG_HOME: tmp }, home: '/h', execPath: '/usr/bin/jarvis-sync' });
    entry.enable();
    expect(entry.isEnabled()).toBe(true);
    writeFileSync(
      entry.path,
      readFileSync(entry.path, 'utf8').replace('X-GNOME-Autostart-enabled=true', 'X-GNOME-Autostart-enabled=false'),
    );
    expect(entry.isEnabled()).toBe(false);
    writeFileSync(entry.path, '[Desktop Entry]\nHidden=true\n');
    expect(entry.isEnabled()).toBe(false);
    rmSync(entry.path);
    expect(entry.isEnabled()).toBe(false);
  });

  it('refresh() rewrites an enabled entry that points at an old location, and leaves others alone', () => {
    const old = createLinuxAutostart({ env: { XDG_CONFIG_HOME: tmp }, home: '/h', execPath: '/old/jarvis-sync' });
    old.enable();
    const current = createLinuxAutostart({ env: { XDG_CONFIG_HOME: tmp }, home: '/h', execPath: '/new/jarvis-sync' });
    current.refresh();
    expect(readFileSync(current.path, 'utf8')).toContain('Exec=/new/jarvis-sync --hidden');
    rmSync(current.path);
    current.refresh();
    expect(existsSync(current.path)).toBe(false);
  });
});

describe('Desktop Entry Exec quoting', () => {
  const table: [string, string][] = [
    ['/usr/bin/jarvis-sync', '/usr/bin/jarvis-sync'],
    ['--hidden', '--hidden'],
    ['/opt/Jarvis Sync/jarvis-sync', '"/opt/Jarvis Sync/jarvis-sync"'],
    ['/opt/a"b', '"/opt/a\\"b"'],
    ['/opt/$HOME/x', '"/opt/\\$HOME/x"'],
    ['/opt/a`b`', '"/opt/a\\`b\\`"'],
    ['/opt/a\\b', '"/opt/a\\\\b"'],
    ["/opt/it's", `"/opt/it's"`],
    ['/opt/100%', '/opt/100%%'],
    ['/opt/100% sure', '"/opt/100%% sure"'],
    ['', '""'],
  ];
  it.each(table)('%s → %s', (arg, quoted) => {
    expect(quoteExecArg(arg)).toBe(quoted);
  });

  it('escapes the string value after quoting (a literal backslash becomes four)', () => {
    expect(escapeDesktopString(quoteExecArg('/opt/a\\b'))).toBe('"/opt/a\\\\\\\\b"');
    expect(escapeDesktopString('a\nb\tc')).toBe('a\\nb\\tc');
    expect(desktopEntry(['/opt/new\nline/app', '--hidden'])).toContain('Exec="/opt/new\\nline/app" --hidden\n');
  });
});
