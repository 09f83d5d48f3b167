import { useEffect } from 'react';
import errorIcon from '../../assets/icons/linux/light/error-32.png';
import idleIcon from '../../assets/icons/linux/light/idle-32.png';
import pausedIcon from '../../assets/icons/linux/light/paused-32.png';
import syncingIcon from '../../assets/icons/linux/light/syncing-32.png';
import type { StatusIconKey } from '../../shared/status-icon.js';

/** The tray's icons (Vite inlines these small files as data: URLs, which the CSP's img-src allows). */
export const STATUS_ICON_URLS: Record<StatusIconKey, string> = {
  idle: idleIcon,
  syncing: syncingIcon,
  paused: pausedIcon,
  error: errorIcon,
};

/**
 * The page's title and icon follow the app's state, so the headless dashboard's browser tab shows at a glance what the
 * tray shows on a desktop (and the app window's title says it too).
 */
export function useDocumentStatus(title: string, icon: StatusIconKey): void {
  useEffect(() => {
    document.title = title;
  }, [title]);
  useEffect(() => {
    let link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
    if (!link) {
      link = document.createElement('link');
      link.rel = 'icon';
      document.head.append(link);
    }
    link.href = STATUS_ICON_URLS[icon];
  }, [icon]);
}
