import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi, type Mock } from 'vitest';
import {
  ago,
  buildTrayTemplate,
  tooltipFor,
  type TrayActions,
  type TrayMenuContext,
} from '../../../electron/shell/tray-menu.js';
import { statusIconFor } from '../../../shared/status-icon.js';
import type { AppState } from '../../../shared/types.js';
import { MIN, NOW, appState, calendar, connector, mail } from '../fixtures.js';

/** The menu as text: one line per item, submenus indented, disabled items marked. */
function outline(items: MenuItemConstructorOptions[], indent = ''): string[] {
  return items.flatMap((item) => {
    if (item.type === 'separator') return [`${indent}---`];
    const flags = [
      item.enabled === false ? 'disabled' : '',
      item.type === 'checkbox' ? (item.checked ? 'checked' : 'unchecked') : '',
    ]
      .filter(Boolean)
      .join(',');
    const line = `${indent}[${item.id}] ${item.label}${flags ? ` (${flags})` : ''}`;
    return Array.isArray(item.submenu) ? [line, ...outline(item.submenu, `${indent}  `)] : [line];
  });
}

function actions(): { [K in keyof TrayActions]: Mock<TrayActions[K]> } {
  return {
    runNow: vi.fn(),
    pause: vi.fn(),
    resume: vi.fn(),
    cancel: vi.fn(),
    openDashboard: vi.fn(),
    setStartAtLogin: vi.fn(),
    openLogs: vi.fn(),
    quit: vi.fn(),
  };
}

const ctx: TrayMenuContext = { startAtLogin: false, platform: 'darwin', now: NOW };
const render = (state: AppState, c: Partial<TrayMenuContext> = {}) =>
  outline(buildTrayTemplate(state, actions(), { ...ctx, ...c }));
const FOOTER = [
  '---',
  '[open-dashboard] Open dashboard',
  '[start-at-login] Start at login (unchecked)',
  '[open-logs] Open logs folder',
  '---',
  '[quit] Quit',
];

const syncingNotes = connector({
  state: 'syncing',
  progress: { done: 340, found: 1200, foundAll: true, currentItem: 'a.md', startedAt: NOW - MIN },
});
const failingMail = mail({
  state: 'error',
  consecutiveFailures: 3,
  lastError: { code: 'ENOENT', message: 'The mailbox file is gone', at: NOW },
});

describe('the tray for every state', () => {
  it('empty: no connectors yet', () => {
    const state = appState();
    expect(statusIconFor(state)).toBe('idle');
    expect(tooltipFor(state, NOW)).toBe('No connectors yet');
    expect(render(state)).toEqual([
      '[status] No connectors yet (disabled)',
      '---',
      '[sync-all] Sync all now (disabled)',
      '[pause-all] Pause all (disabled)',
      ...FOOTER,
    ]);
  });

  it('idle: counts and the least fresh sync', () => {
    const state = appState([
      connector(),
      mail({ lastSuccessAt: NOW - 2 * MIN }),
      calendar({ lastSuccessAt: NOW - 3 * 60 * MIN }),
    ]);
    expect(statusIconFor(state)).toBe('idle');
    expect(tooltipFor(state, NOW)).toBe('3 connectors · synced 3 h ago');
    expect(render(state)).toEqual([
      '[status] 3 connectors · synced 3 h ago (disabled)',
      '---',
      '[connector:notes] Notes — idle',
      '  [connector:notes:state] Synced 5 min ago (disabled)',
      '  [connector:notes:result] Last run: 12 added, 3 updated, 1 deleted (disabled)',
      '  ---',
      '  [connector:notes:sync-now] Sync now',
      '  [connector:notes:pause] Pause',
      '[connector:mail] Mail — idle',
      '  [connector:mail:state] Synced 2 min ago (disabled)',
      '  [connector:mail:result] Last run: 12 added, 3 updated, 1 deleted (disabled)',
      '  ---',
      '  [connector:mail:sync-now] Sync now',
      '  [connector:mail:pause] Pause',
      '[connector:calendar] Calendar — idle',
      '  [connector:calendar:state] Synced 3 h ago (disabled)',
      '  [connector:calendar:result] Last run: 12 added, 3 updated, 1 deleted (disabled)',
      '  ---',
      '  [connector:calendar:sync-now] Sync now',
      '  [connector:calendar:pause] Pause',
      '---',
      '[sync-all] Sync all now',
      '[pause-all] Pause all',
      ...FOOTER,
    ]);
  });

  it('idle, one connector never synced', () => {
    const state = appState([connector({ lastSuccessAt: null, lastResult: null })]);
    expect(tooltipFor(state, NOW)).toBe('1 connector · waiting for a first sync');
    expect(render(state).slice(2, 5)).toEqual([
      '[connector:notes] Notes — idle',
      '  [connector:notes:state] Not synced yet (disabled)',
      '  [connector:notes:result] No finished run yet (disabled)',
    ]);
  });

  it('syncing with progress', () => {
    const state = appState([syncingNotes, mail()]);
    expect(statusIconFor(state)).toBe('syncing');
    expect(tooltipFor(state, NOW)).toBe('Syncing Notes 340/1,200');
    expect(render(state).slice(2, 4)).toEqual([
      '[connector:notes] Notes — syncing',
      '  [connector:notes:state] Syncing 340/1,200 (disabled)',
    ]);
    const stillCounting = appState([
      connector({
        state: 'syncing',
        progress: { done: 5, found: 1500, foundAll: false, currentItem: null, startedAt: 0 },
      }),
      mail({ state: 'syncing' }),
    ]);
    expect(tooltipFor(stillCounting, NOW)).toBe('Syncing Notes 5/1,500+ (+1 more)');
    const firstSync = appState([
      connector({
        state: 'syncing',
        progress: { done: 5, found: 37, foundAll: false, expected: 48_000, currentItem: null, startedAt: 0 },
      }),
    ]);
    expect(tooltipFor(firstSync, NOW)).toBe('Syncing Notes 5/~48,000');
    const oneMailbox = appState([
      connector({
        state: 'syncing',
        progress: { done: 0, found: 1, foundAll: true, currentItem: null, startedAt: 0, part: { done: 3, total: 4 } },
      }),
    ]);
    expect(tooltipFor(oneMailbox, NOW)).toBe('Syncing Notes 0/1 (75 %)');
  });

  it('a syncing or queued connector offers Cancel sync, which cancels only that connector', () => {
    const act = actions();
    const state = appState([syncingNotes, mail({ state: 'queued' }), calendar()]);
    const template = buildTrayTemplate(state, act, ctx);
    const itemsOf = (id: string) =>
      (template.find((i) => i.id === `connector:${id}`)!.submenu as MenuItemConstructorOptions[]).map((i) => i.id);
    expect(itemsOf('notes')).toContain('connector:notes:cancel');
    expect(itemsOf('mail')).toContain('connector:mail:cancel');
    expect(itemsOf('calendar')).not.toContain('connector:calendar:cancel');
    const cancel = (template.find((i) => i.id === 'connector:notes')!.submenu as MenuItemConstructorOptions[]).find(
      (i) => i.id === 'connector:notes:cancel',
    )!;
    expect(cancel.label).toBe('Cancel sync');
    (cancel.click as () => void)();
    expect(act.cancel).toHaveBeenCalledWith('notes');
  });

  it('queued counts as syncing', () => {
    const state = appState([connector({ state: 'queued' })]);
    expect(statusIconFor(state)).toBe('syncing');
    expect(tooltipFor(state, NOW)).toBe('Waiting to sync Notes');
    expect(render(state)[2]).toBe('[connector:notes] Notes — waiting');
  });

  it('paused globally: "Resume all", every connector shows paused', () => {
    const state = appState([connector(), mail()], { paused: true });
    expect(statusIconFor(state)).toBe('paused');
    expect(tooltipFor(state, NOW)).toBe('Paused');
    const menu = render(state);
    expect(menu).toContain('[connector:notes] Notes — paused');
    expect(menu).toContain('  [connector:notes:state] Paused (all connectors) (disabled)');
    // Its own Resume would do nothing while everything is paused (before, it was offered and did nothing).
    expect(menu).toContain('  [connector:notes:resume-all] Resume all syncing');
    expect(menu).not.toContain('  [connector:notes:resume] Resume');
    expect(menu).not.toContain('  [connector:notes:pause] Pause');
    expect(menu).toContain('[resume-all] Resume all');
    expect(menu).not.toContain('[pause-all] Pause all');
    expect(tooltipFor(appState([], { paused: true }), NOW)).toBe('Paused · no connectors yet');
  });

  it('on battery power: says why syncs wait; Sync now stays, no "Resume all" that would do nothing', () => {
    const state = appState([connector(), mail()], { holdReason: 'battery' });
    expect(statusIconFor(state)).toBe('paused');
    expect(tooltipFor(state, NOW)).toBe('Paused on battery power');
    const menu = render(state);
    expect(menu).toContain('[status] Paused on battery power (disabled)');
    expect(menu).toContain('  [connector:notes:sync-now] Sync now');
    expect(menu).toContain('[pause-all] Pause all');
    expect(menu).not.toContain('[resume-all] Resume all');
    // A Sync now running on battery, or a failure, is still what the tray says first.
    expect(tooltipFor(appState([syncingNotes], { holdReason: 'battery' }), NOW)).toBe('Syncing Notes 340/1,200');
    expect(statusIconFor(appState([connector(), failingMail], { holdReason: 'battery' }))).toBe('error');
  });

  it('one connector paused', () => {
    const state = appState([connector({ paused: true, state: 'paused' }), mail()]);
    expect(statusIconFor(state)).toBe('paused');
    expect(tooltipFor(state, NOW)).toBe('Notes: paused');
    const menu = render(state);
    expect(menu).toContain('[connector:notes] Notes — paused');
    expect(menu).toContain('  [connector:notes:state] Paused (disabled)');
    expect(menu).toContain('  [connector:notes:resume] Resume');
    expect(menu).toContain('  [connector:mail:pause] Pause');
    expect(menu).toContain('[pause-all] Pause all');
  });

  it('a paused connector that syncs anyway ("Sync now" while paused) reads as syncing, not paused', () => {
    // "Sync now" runs a paused connector, and "Sync all now" runs them all while everything is paused: the icon and the
    // tooltip say syncing, so the connector's own line must too.
    const own = appState([connector({ ...syncingNotes, paused: true }), mail()]);
    expect(statusIconFor(own)).toBe('syncing');
    expect(render(own)).toContain('[connector:notes] Notes — syncing');
    expect(render(own)).toContain('  [connector:notes:resume] Resume');
    const all = appState([syncingNotes, mail({ state: 'queued' }), calendar({ state: 'paused' })], { paused: true });
    expect(render(all).filter((l) => /^\[connector:[a-z]+\]/.test(l))).toEqual([
      '[connector:notes] Notes — syncing',
      '[connector:mail] Mail — waiting',
      '[connector:calendar] Calendar — paused',
    ]);
  });

  it('error: the connector, its message and a retry', () => {
    const state = appState([connector(), failingMail]);
    expect(statusIconFor(state)).toBe('error');
    expect(tooltipFor(state, NOW)).toBe('Mail: error');
    expect(render(state)).toContain('  [connector:mail:state] Error: The mailbox file is gone (disabled)');
    expect(render(state)).toContain('  [connector:mail:sync-now] Sync now');
    const two = appState([connector({ state: 'error' }), failingMail]);
    expect(tooltipFor(two, NOW)).toBe('Notes, Mail: error');
    const three = appState([connector({ state: 'error' }), failingMail, calendar({ state: 'error' })]);
    expect(tooltipFor(three, NOW)).toBe('3 connectors: error');
  });

  it('mixed: the worst state wins (error ≻ syncing ≻ paused ≻ idle)', () => {
    const paused = calendar({ paused: true, state: 'paused' });
    expect(statusIconFor(appState([syncingNotes, failingMail, paused]))).toBe('error');
    expect(statusIconFor(appState([syncingNotes, mail(), paused]))).toBe('syncing');
    expect(statusIconFor(appState([connector(), mail(), paused]))).toBe('paused');
    expect(statusIconFor(appState([syncingNotes], { paused: true }))).toBe('syncing');
    const mixed = appState([syncingNotes, failingMail, paused]);
    expect(tooltipFor(mixed, NOW)).toBe('Mail: error');
    expect(render(mixed).filter((l) => /^\[connector:[a-z]+\]/.test(l))).toEqual([
      '[connector:notes] Notes — syncing',
      '[connector:mail] Mail — error',
      '[connector:calendar] Calendar — paused',
    ]);
  });
});

describe('menu details', () => {
  it('Linux puts "Open dashboard" first (clicks on the icon may never arrive)', () => {
    const menu = render(appState([connector()]), { platform: 'linux' });
    expect(menu.slice(0, 3)).toEqual([
      '[open-dashboard] Open dashboard',
      '---',
      '[status] 1 connector · synced 5 min ago (disabled)',
    ]);
    expect(menu.filter((l) => l.includes('open-dashboard'))).toHaveLength(1);
  });

  it('start at login: a checkbox with the OS state, left out when null', () => {
    expect(render(appState(), { startAtLogin: true })).toContain('[start-at-login] Start at login (checked)');
    expect(render(appState(), { startAtLogin: null }).some((l) => l.includes('start-at-login'))).toBe(false);
  });

  it('every item calls the right action', () => {
    const act = actions();
    const state = appState([connector(), mail({ paused: true })]);
    const template = buildTrayTemplate(state, act, { ...ctx, startAtLogin: true });
    const all = (items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] =>
      items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? all(i.submenu) : [])]);
    const click = (id: string) => (all(template).find((i) => i.id === id)!.click as () => void)();
    click('connector:notes:sync-now');
    expect(act.runNow).toHaveBeenLastCalledWith('notes');
    click('connector:notes:pause');
    expect(act.pause).toHaveBeenLastCalledWith('notes');
    click('connector:mail:resume');
    expect(act.resume).toHaveBeenLastCalledWith('mail');
    click('sync-all');
    expect(act.runNow).toHaveBeenLastCalledWith(null);
    click('pause-all');
    expect(act.pause).toHaveBeenLastCalledWith(null);
    click('open-dashboard');
    expect(act.openDashboard).toHaveBeenCalledTimes(1);
    click('start-at-login');
    expect(act.setStartAtLogin).toHaveBeenCalledWith(false);
    click('open-logs');
    expect(act.openLogs).toHaveBeenCalledTimes(1);
    click('quit');
    expect(act.quit).toHaveBeenCalledTimes(1);
    const paused = buildTrayTemplate(appState([connector()], { paused: true }), act, ctx);
    (paused.find((i) => i.id === 'resume-all')!.click as () => void)();
    expect(act.resume).toHaveBeenLastCalledWith(null);
  });

  it('has unique ids', () => {
    const ids = render(appState([syncingNotes, failingMail, calendar()]))
      .map((l) => /\[([^\]]+)\]/.exec(l)?.[1])
      .filter(Boolean);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps the tooltip to one line of at most 127 characters', () => {
    const longName = connector({ name: 'N'.repeat(300), state: 'error' });
    const tip = tooltipFor(appState([longName]), NOW);
    expect(tip.length).toBeLessThanOrEqual(127);
    expect(tip).not.toContain('\n');
  });

  it('says how long ago in plain words', () => {
    expect(ago(NOW - 20_000, NOW)).toBe('just now');
    expect(ago(NOW + 60_000, NOW)).toBe('just now');
    expect(ago(NOW - 59 * MIN, NOW)).toBe('59 min ago');
    expect(ago(NOW - 25 * 60 * MIN, NOW)).toBe('1 day ago');
    expect(ago(NOW - 3 * 24 * 60 * MIN, NOW)).toBe('3 days ago');
  });
});
