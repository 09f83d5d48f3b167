import { describe, expect, it } from 'vitest';
import {
  iconsDir,
  linuxTraySize,
  loadTrayImage,
  panelThemeFor,
  trayIconFile,
} from '../../../electron/shell/tray-icons.js';
import { nativeImage, type FakeImage } from '../../mocks/electron.js';

describe('tray icon choice', () => {
  it('macOS: template images (Electron picks @2x itself)', () => {
    expect(trayIconFile('syncing', { platform: 'darwin', theme: 'dark', scaleFactor: 2 })).toBe(
      'mac/syncingTemplate.png',
    );
    const image = loadTrayImage(nativeImage as never, '/i/mac/idleTemplate.png', 'darwin') as unknown as FakeImage;
    expect(image.template).toBe(true);
    expect((loadTrayImage(nativeImage as never, '/i/x.png', 'linux') as unknown as FakeImage).template).toBe(false);
  });

  it('Windows: one .ico per state and panel theme', () => {
    expect(trayIconFile('error', { platform: 'win32', theme: 'light', scaleFactor: 1.5 })).toBe('win/light/error.ico');
  });

  it('Linux: a PNG sized for the display scale', () => {
    expect(trayIconFile('paused', { platform: 'linux', theme: 'dark', scaleFactor: 1 })).toBe(
      'linux/dark/paused-22.png',
    );
    expect(linuxTraySize(1)).toBe(22);
    expect(linuxTraySize(1.25)).toBe(32);
    expect(linuxTraySize(2)).toBe(48);
    expect(linuxTraySize(3)).toBe(48);
    expect(linuxTraySize(0.7)).toBe(16);
    expect(linuxTraySize(Number.NaN)).toBe(22);
  });

  it('guesses the panel theme', () => {
    expect(panelThemeFor({ platform: 'linux', darkMode: false, desktop: 'ubuntu:GNOME' })).toBe('dark');
    expect(panelThemeFor({ platform: 'linux', darkMode: false, desktop: 'KDE' })).toBe('light');
    expect(panelThemeFor({ platform: 'win32', darkMode: true })).toBe('dark');
  });

  it('reads icons from the unpacked folder of a packaged app', () => {
    expect(iconsDir('/opt/Jarvis Sync/resources/app.asar', true)).toBe(
      '/opt/Jarvis Sync/resources/app.asar.unpacked/assets/icons',
    );
    expect(iconsDir('/work/main', false)).toBe('/work/main/assets/icons');
  });
});
