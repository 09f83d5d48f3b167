/**
 * Where each tray icon lives under assets/icons (scripts/make-icons.ts writes exactly these paths) and which one
 * fits this platform, panel theme and display scale. Pure, apart from the `nativeImage` passed to `loadTrayImage`.
 */
import { join } from 'node:path';
import type { NativeImage } from 'electron';
import type { StatusIconKey } from '../../shared/status-icon.js';

/** The panel the icon sits on: a light panel needs a dark glyph and vice versa. */
export type PanelTheme = 'light' | 'dark';
export const PANEL_THEMES: readonly PanelTheme[] = ['light', 'dark'];
export const LINUX_TRAY_SIZES = [16, 22, 24, 32, 48] as const;
export const WIN_TRAY_SIZES = [16, 24, 32, 48] as const;
/** macOS menu-bar template images: 16 pt, with an @2x file Electron picks on Retina displays. */
export const MAC_TRAY_SIZE = 16;

export const macTrayIcon = (key: StatusIconKey, scale: 1 | 2 = 1): string =>
  `mac/${key}Template${scale === 2 ? '@2x' : ''}.png`;
export const winTrayIcon = (key: StatusIconKey, theme: PanelTheme): string => `win/${theme}/${key}.ico`;
export const linuxTrayIcon = (key: StatusIconKey, theme: PanelTheme, size: number): string =>
  `linux/${theme}/${key}-${size}.png`;

export const APP_ICON = { png: 'app.png', ico: 'app.ico', icns: 'app.icns' } as const;

/**
 * The icons folder. In a packaged app it is unpacked from the asar archive (electron-builder.yml asarUnpack),
 * so native code reads real files.
 */
export function iconsDir(appPath: string, isPackaged: boolean): string {
  const dir = join(appPath, 'assets', 'icons');
  return isPackaged ? dir.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1') : dir;
}

/**
 * GNOME's and Unity's top bars are dark whatever the GTK theme; elsewhere the system's dark mode is the best
 * guess we have (Windows: the app theme, which usually matches the taskbar).
 */
export function panelThemeFor(opts: {
  platform: NodeJS.Platform;
  darkMode: boolean;
  desktop?: string | undefined;
}): PanelTheme {
  if (opts.platform === 'linux' && /gnome|unity|ubuntu/i.test(opts.desktop ?? '')) return 'dark';
  return opts.darkMode ? 'dark' : 'light';
}

/** Linux: the smallest size that covers a 22 px slot at this scale (the largest when none does). */
export function linuxTraySize(scaleFactor: number): number {
  const want = Math.round(22 * (Number.isFinite(scaleFactor) && scaleFactor > 0 ? scaleFactor : 1));
  return LINUX_TRAY_SIZES.find((s) => s >= want) ?? LINUX_TRAY_SIZES[LINUX_TRAY_SIZES.length - 1];
}

export function trayIconFile(
  key: StatusIconKey,
  opts: { platform: NodeJS.Platform; theme: PanelTheme; scaleFactor: number },
): string {
  if (opts.platform === 'darwin') return macTrayIcon(key);
  if (opts.platform === 'win32') return winTrayIcon(key, opts.theme);
  return linuxTrayIcon(key, opts.theme, linuxTraySize(opts.scaleFactor));
}

/** Loads one tray image; macOS template images are marked so the menu bar tints them. */
export function loadTrayImage(
  nativeImage: { createFromPath(path: string): NativeImage },
  path: string,
  platform: NodeJS.Platform,
): NativeImage {
  const image = nativeImage.createFromPath(path);
  if (platform === 'darwin') image.setTemplateImage(true);
  return image;
}
