/**
 * The tray as a pure render of AppState: one-line tooltip and the context-menu template (its icon key is
 * shared/status-icon.ts, which the dashboard's browser tab uses too). No Electron
 * values here (only types), so every state is tested directly. Item ids are stable (`connector:<id>:sync-now`…)
 * so tests and E2E hooks can find an item by id.
 */
import type { MenuItemConstructorOptions } from 'electron';
import { partPercentText, progressTotalText } from '../../shared/progress.js';
import { isPaused } from '../../shared/status-icon.js';
import type { AppState, ConnectorStatus } from '../../shared/types.js';

export interface TrayActions {
  runNow(connectorId: string | null): void;
  pause(connectorId: string | null): void;
  resume(connectorId: string | null): void;
  cancel(connectorId: string | null): void;
  openDashboard(): void;
  setStartAtLogin(on: boolean): void;
  openLogs(): void;
  quit(): void;
}

export interface TrayMenuContext {
  /** The OS's word; the item is left out when null (development runs). */
  startAtLogin: boolean | null;
  platform: NodeJS.Platform;
  now: number;
}

/** Windows truncates tray tooltips at 127 characters. */
const TOOLTIP_MAX = 127;

const count = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`): string => `${count(n)} ${n === 1 ? one : many}`;

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function ago(at: number, now: number): string {
  const minutes = Math.floor(Math.max(0, now - at) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${plural(Math.floor(hours / 24), 'day')} ago`;
}

function progressText(c: ConnectorStatus): string {
  const p = c.progress;
  if (!p) return '';
  return ` ${count(p.done)}/${progressTotalText(p, count)}${partPercentText(p)}`;
}

function names(cs: ConnectorStatus[]): string {
  return cs.length === 1 ? cs[0].name : cs.length === 2 ? `${cs[0].name}, ${cs[1].name}` : `${cs.length} connectors`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** One line: "3 connectors · synced 5 min ago", "Syncing Notes 340/1,200", "Mail: error", "Paused". */
export function tooltipFor(state: AppState, now: number): string {
  const cs = state.connectors;
  if (cs.length === 0) return state.paused ? 'Paused · no connectors yet' : 'No connectors yet';
  const erroring = cs.filter((c) => c.state === 'error');
  if (erroring.length) return clip(`${names(erroring)}: error`, TOOLTIP_MAX);
  const syncing = cs.filter((c) => c.state === 'syncing');
  if (syncing.length) {
    const [first] = syncing;
    const more = syncing.length > 1 ? ` (+${syncing.length - 1} more)` : '';
    return clip(`Syncing ${first.name}${progressText(first)}${more}`, TOOLTIP_MAX);
  }
  const queued = cs.filter((c) => c.state === 'queued');
  if (queued.length) return clip(`Waiting to sync ${names(queued)}`, TOOLTIP_MAX);
  if (state.paused || cs.every((c) => isPaused(state, c))) return 'Paused';
  if (state.holdReason === 'battery') return 'Paused on battery power';
  const paused = cs.filter((c) => isPaused(state, c));
  if (paused.length) return clip(`${names(paused)}: paused`, TOOLTIP_MAX);
  return `${plural(cs.length, 'connector')} · ${lastSyncedText(cs, now)}`;
}

/** The least fresh connector decides: "synced 5 min ago" means everything is at least that fresh. */
function lastSyncedText(cs: ConnectorStatus[], now: number): string {
  if (cs.some((c) => c.lastSuccessAt === null)) return 'waiting for a first sync';
  const oldest = Math.min(...cs.map((c) => c.lastSuccessAt!));
  return `synced ${ago(oldest, now)}`;
}

/** The connector's first submenu line. */
export function connectorStateLine(state: AppState, c: ConnectorStatus, now: number): string {
  switch (c.state) {
    case 'syncing':
      return `Syncing${progressText(c)}`;
    case 'queued':
      return 'Waiting for a free sync slot';
    case 'error':
      return clip(`Error: ${c.lastError?.message ?? 'the last sync failed'}`, 120);
    default:
      if (isPaused(state, c)) return state.paused && !c.paused ? 'Paused (all connectors)' : 'Paused';
      return c.lastSuccessAt === null ? 'Not synced yet' : `Synced ${ago(c.lastSuccessAt, now)}`;
  }
}

/** The connector's second submenu line: what the last run did. */
export function lastResultLine(c: ConnectorStatus): string {
  const r = c.lastResult;
  if (!r) return 'No finished run yet';
  const parts = [`${count(r.added)} added`, `${count(r.updated)} updated`, `${count(r.deleted)} deleted`];
  if (r.failed) parts.push(`${count(r.failed)} failed`);
  return `Last run: ${parts.join(', ')}`;
}

const STATE_LABEL: Record<ConnectorStatus['state'], string> = {
  idle: 'idle',
  queued: 'waiting',
  syncing: 'syncing',
  paused: 'paused',
  error: 'error',
};

function connectorItem(
  state: AppState,
  c: ConnectorStatus,
  actions: TrayActions,
  now: number,
): MenuItemConstructorOptions {
  const base = `connector:${c.id}`;
  const paused = c.paused || c.state === 'paused';
  // What it does now wins over the pause: "Sync now" runs a paused connector (and "Sync all now" every connector while
  // all are paused), and its line must say so, as the icon and the tooltip do.
  const label = isPaused(state, c) && c.state === 'idle' ? 'paused' : STATE_LABEL[c.state];
  return {
    id: base,
    label: `${c.name} — ${label}`,
    submenu: [
      { id: `${base}:state`, label: connectorStateLine(state, c, now), enabled: false },
      { id: `${base}:result`, label: lastResultLine(c), enabled: false },
      { type: 'separator' },
      { id: `${base}:sync-now`, label: 'Sync now', click: () => actions.runNow(c.id) },
      ...(c.state === 'syncing' || c.state === 'queued'
        ? [{ id: `${base}:cancel`, label: 'Cancel sync', click: () => actions.cancel(c.id) }]
        : []),
      // While everything is paused, resuming one connector would change nothing (and Resume all resumes them all):
      // the item offers what does.
      state.paused
        ? { id: `${base}:resume-all`, label: 'Resume all syncing', click: () => actions.resume(null) }
        : paused
          ? { id: `${base}:resume`, label: 'Resume', click: () => actions.resume(c.id) }
          : { id: `${base}:pause`, label: 'Pause', click: () => actions.pause(c.id) },
    ],
  };
}

export function buildTrayTemplate(
  state: AppState,
  actions: TrayActions,
  ctx: TrayMenuContext,
): MenuItemConstructorOptions[] {
  const has = state.connectors.length > 0;
  const open: MenuItemConstructorOptions = {
    id: 'open-dashboard',
    label: 'Open dashboard',
    click: () => actions.openDashboard(),
  };
  const items: MenuItemConstructorOptions[] = [];
  // Linux app indicators often ignore clicks on the icon (and show no tooltip): the way in goes first.
  if (ctx.platform === 'linux') items.push(open, { type: 'separator' });
  items.push({ id: 'status', label: tooltipFor(state, ctx.now), enabled: false });
  if (has) {
    items.push({ type: 'separator' });
    for (const c of state.connectors) items.push(connectorItem(state, c, actions, ctx.now));
  }
  items.push(
    { type: 'separator' },
    { id: 'sync-all', label: 'Sync all now', enabled: has, click: () => actions.runNow(null) },
    state.paused
      ? { id: 'resume-all', label: 'Resume all', click: () => actions.resume(null) }
      : { id: 'pause-all', label: 'Pause all', enabled: has, click: () => actions.pause(null) },
    { type: 'separator' },
  );
  if (ctx.platform !== 'linux') items.push(open);
  if (ctx.startAtLogin !== null) {
    const on = ctx.startAtLogin;
    items.push({
      id: 'start-at-login',
      label: 'Start at login',
      type: 'checkbox',
      checked: on,
      click: () => actions.setStartAtLogin(!on),
    });
  }
  items.push(
    { id: 'open-logs', label: 'Open logs folder', click: () => actions.openLogs() },
    { type: 'separator' },
    { id: 'quit', label: 'Quit', click: () => actions.quit() },
  );
  return items;
}
