/**
 * A thin, idempotent controller over one Tray: it renders AppState through tray-menu.ts and touches the native
 * tray only when something visible changed (icon key, tooltip text, menu data), at most 4 times a second.
 * Electron values come in through `deps`, so tests drive it with a fake Tray.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { AppState } from '../../shared/types.js';
import { statusIconFor, type StatusIconKey } from '../../shared/status-icon.js';
import { buildTrayTemplate, tooltipFor, type TrayActions } from './tray-menu.js';

export interface TrayLike<Image, Menu> {
  setImage(image: Image): void;
  setToolTip(text: string): void;
  setContextMenu(menu: Menu | null): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
}

export interface TrayControllerDeps<Image, Menu> {
  createTray(image: Image): TrayLike<Image, Menu>;
  /** The icon file for a state; may change with the panel theme. Each file is loaded once. */
  iconFile(key: StatusIconKey): string;
  loadImage(file: string): Image;
  buildMenu(template: MenuItemConstructorOptions[]): Menu;
  actions: TrayActions;
  platform: NodeJS.Platform;
  /** The cached OS start-at-login state; null hides the item. */
  startAtLogin(): boolean | null;
  now(): number;
  setTimer(fn: () => void, ms: number): () => void;
  /** Minimum time between two renders (default 250 ms: ≤ 4 rebuilds a second). */
  minIntervalMs?: number;
}

export class TrayController<Image, Menu> {
  readonly #d: TrayControllerDeps<Image, Menu>;
  readonly #images = new Map<string, Image>();
  #tray: TrayLike<Image, Menu> | null = null;
  #state: AppState | null = null;
  #template: MenuItemConstructorOptions[] = [];
  #shownFile: string | null = null;
  #tooltip: string | null = null;
  #menuSignature: string | null = null;
  #lastRenderAt = -Infinity;
  #cancelTimer: (() => void) | null = null;
  #disposed = false;

  constructor(deps: TrayControllerDeps<Image, Menu>) {
    this.#d = deps;
  }

  /** Shows `state`: now, or on the trailing edge of the throttle window with the latest state. */
  render(state: AppState): void {
    if (this.#disposed) return;
    this.#state = state;
    if (this.#cancelTimer) return;
    const wait = this.#lastRenderAt + (this.#d.minIntervalMs ?? 250) - this.#d.now();
    if (wait <= 0) {
      this.#flush();
    } else {
      this.#cancelTimer = this.#d.setTimer(() => {
        this.#cancelTimer = null;
        this.#flush();
      }, wait);
    }
  }

  /** Renders the last state again: relative times, the start-at-login item or the panel theme may have changed. */
  refresh(): void {
    if (this.#state) this.render(this.#state);
  }

  /** Runs the click handler of the current menu item with this id (E2E hooks, tests). False when absent. */
  click(id: string): boolean {
    const find = (items: MenuItemConstructorOptions[]): MenuItemConstructorOptions | undefined => {
      for (const item of items) {
        if (item.id === id) return item;
        const inner = Array.isArray(item.submenu) ? find(item.submenu) : undefined;
        if (inner) return inner;
      }
      return undefined;
    };
    const item = find(this.#template);
    if (!item?.click || item.enabled === false) return false;
    (item.click as () => void)();
    return true;
  }

  dispose(): void {
    this.#disposed = true;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    this.#tray?.destroy();
    this.#tray = null;
  }

  #image(file: string): Image {
    let image = this.#images.get(file);
    if (image === undefined) {
      image = this.#d.loadImage(file);
      this.#images.set(file, image);
    }
    return image;
  }

  #flush(): void {
    const state = this.#state;
    if (!state || this.#disposed) return;
    const d = this.#d;
    const now = d.now();
    this.#lastRenderAt = now;

    const file = d.iconFile(statusIconFor(state));
    if (!this.#tray) {
      this.#tray = d.createTray(this.#image(file));
      this.#tray.on('click', () => d.actions.openDashboard());
    } else if (file !== this.#shownFile) {
      this.#tray.setImage(this.#image(file));
    }
    this.#shownFile = file;

    const tooltip = tooltipFor(state, now);
    if (tooltip !== this.#tooltip) {
      this.#tray.setToolTip(tooltip);
      this.#tooltip = tooltip;
    }

    this.#template = buildTrayTemplate(state, d.actions, { startAtLogin: d.startAtLogin(), platform: d.platform, now });
    // Click handlers are functions, which JSON leaves out: the signature is the menu's data only.
    const signature = JSON.stringify(this.#template);
    if (signature !== this.#menuSignature) {
      this.#tray.setContextMenu(d.buildMenu(this.#template));
      this.#menuSignature = signature;
    }
  }
}
