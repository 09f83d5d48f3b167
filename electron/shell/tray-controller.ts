/**
 * A thin, idempotent controller over one Tray: it renders AppState through tray-menu.ts and touches the native
 * tray only when something visible changed (icon key, tooltip text, menu data), at most 4 times a second. A menu
 * whose only change is a running sync's progress numbers is rebuilt at most every 5 s: a sync pushes new progress
 * several times a second, and a context menu replaced that often flickers (and closes under the pointer) on Linux.
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
  /** Minimum time between two menu rebuilds that only show new progress numbers (default 5 s). */
  progressMenuIntervalMs?: number;
}

/** The state with every connector's progress left out: what the menu shows apart from the moving numbers. */
const withoutProgress = (state: AppState): AppState =>
  state.connectors.some((c) => c.progress)
    ? { ...state, connectors: state.connectors.map((c) => (c.progress ? { ...c, progress: null } : c)) }
    : state;

export class TrayController<Image, Menu> {
  readonly #d: TrayControllerDeps<Image, Menu>;
  readonly #images = new Map<string, Image>();
  #tray: TrayLike<Image, Menu> | null = null;
  #state: AppState | null = null;
  #template: MenuItemConstructorOptions[] = [];
  #shownFile: string | null = null;
  #tooltip: string | null = null;
  #menuSignature: string | null = null;
  /** The signature of the shown menu without its progress numbers. */
  #menuShape: string | null = null;
  #lastMenuAt = -Infinity;
  #lastRenderAt = -Infinity;
  #cancelTimer: (() => void) | null = null;
  #cancelMenuTimer: (() => void) | null = null;
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
    this.#cancelMenuTimer?.();
    this.#cancelMenuTimer = null;
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

  /**
   * The OS flips a checkbox item as it is clicked, whatever its action then does: after the click, the menu is
   * rebuilt from the state even when that did not change (the change was refused or failed).
   */
  #resyncCheckboxes(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
    return items.map((item) => {
      if (Array.isArray(item.submenu)) return { ...item, submenu: this.#resyncCheckboxes(item.submenu) };
      const click = item.click;
      if (item.type !== 'checkbox' || !click) return item;
      return {
        ...item,
        click: (...args: Parameters<typeof click>) => {
          try {
            click(...args);
          } finally {
            this.#menuSignature = null;
            this.#menuShape = null;
            this.refresh();
          }
        },
      };
    });
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

    const ctx = { startAtLogin: d.startAtLogin(), platform: d.platform, now };
    const template = this.#resyncCheckboxes(buildTrayTemplate(state, d.actions, ctx));
    // Click handlers are functions, which JSON leaves out: the signature is the menu's data only.
    const signature = JSON.stringify(template);
    if (signature === this.#menuSignature) return;
    const shape = JSON.stringify(buildTrayTemplate(withoutProgress(state), d.actions, ctx));
    if (shape === this.#menuShape) {
      // Only progress numbers moved: show them later, with the numbers of then.
      const wait = this.#lastMenuAt + (d.progressMenuIntervalMs ?? 5000) - now;
      if (wait > 0) {
        this.#cancelMenuTimer ??= d.setTimer(() => {
          this.#cancelMenuTimer = null;
          this.#flush();
        }, wait);
        return;
      }
    }
    this.#cancelMenuTimer?.();
    this.#cancelMenuTimer = null;
    this.#template = template;
    this.#tray.setContextMenu(d.buildMenu(template));
    this.#menuSignature = signature;
    this.#menuShape = shape;
    this.#lastMenuAt = now;
  }
}
