import { describe, expect, it, vi } from 'vitest';
import { TrayController } from '../../../electron/shell/tray-controller.js';
import type { TrayActions } from '../../../electron/shell/tray-menu.js';
import type { StatusIconKey } from '../../../shared/status-icon.js';
import { Menu, Tray } from '../../mocks/electron.js';
import { MIN, NOW, appState, connector, mail } from '../fixtures.js';

function setup(opts: { platform?: NodeJS.Platform; theme?: { value: string } } = {}) {
  const clock = { now: NOW };
  const timers: { fn: () => void; at: number; cancelled: boolean }[] = [];
  const actions: TrayActions = {
    runNow: vi.fn(),
    pause: vi.fn(),
    resume: vi.fn(),
    cancel: vi.fn(),
    openDashboard: vi.fn(),
    setStartAtLogin: vi.fn(),
    openLogs: vi.fn(),
    quit: vi.fn(),
  };
  const loadImage = vi.fn((file: string) => ({ file }));
  const startAtLogin = { value: false as boolean | null };
  const theme = opts.theme ?? { value: 'dark' };
  const controller = new TrayController<{ file: string }, unknown>({
    createTray: (image) => new Tray(image),
    iconFile: (key: StatusIconKey) => `${theme.value}/${key}.png`,
    loadImage,
    buildMenu: (template) => Menu.buildFromTemplate(template),
    actions,
    platform: opts.platform ?? 'win32',
    startAtLogin: () => startAtLogin.value,
    now: () => clock.now,
    setTimer: (fn, ms) => {
      const timer = { fn, at: clock.now + ms, cancelled: false };
      timers.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
  });
  /** Moves the clock and fires the timers that fall due. */
  const advance = (ms: number) => {
    clock.now += ms;
    for (const t of timers.splice(0)) {
      if (t.cancelled) continue;
      if (t.at <= clock.now) t.fn();
      else timers.push(t);
    }
  };
  const tray = () => Tray.instances[0];
  return {
    controller,
    actions,
    loadImage,
    startAtLogin,
    theme,
    advance,
    tray,
    clock,
    pending: () => timers.filter((t) => !t.cancelled).length,
  };
}

const idle = appState([connector(), mail()]);
const syncing = appState([
  connector({ state: 'syncing', progress: { done: 1, found: 10, foundAll: true, currentItem: null, startedAt: 0 } }),
  mail(),
]);

describe('TrayController', () => {
  it('creates the tray once, with the icon for the state, tooltip and menu', () => {
    const { controller, tray, loadImage } = setup();
    controller.render(idle);
    expect(Tray.instances).toHaveLength(1);
    expect(tray().image).toEqual({ file: 'dark/idle.png' });
    expect(tray().setToolTip).toHaveBeenCalledWith('2 connectors · synced 5 min ago');
    expect(tray().setContextMenu).toHaveBeenCalledTimes(1);
    expect(loadImage).toHaveBeenCalledTimes(1);
  });

  it('rebuilds nothing when the same state comes again', () => {
    const { controller, tray, advance } = setup();
    controller.render(idle);
    for (let i = 0; i < 5; i++) {
      advance(1000);
      controller.render(structuredClone(idle));
    }
    expect(Tray.instances).toHaveLength(1);
    expect(tray().setContextMenu).toHaveBeenCalledTimes(1);
    expect(tray().setToolTip).toHaveBeenCalledTimes(1);
    expect(tray().setImage).not.toHaveBeenCalled();
  });

  it('sets the image only when the icon key changes, and loads each image once', () => {
    const { controller, tray, advance, loadImage } = setup();
    controller.render(idle);
    advance(1000);
    controller.render(syncing);
    advance(1000);
    controller.render(syncing);
    advance(1000);
    controller.render(idle);
    expect(tray().setImage.mock.calls).toEqual([[{ file: 'dark/syncing.png' }], [{ file: 'dark/idle.png' }]]);
    expect(loadImage.mock.calls.map(([f]) => f)).toEqual(['dark/idle.png', 'dark/syncing.png']);
  });

  it('rebuilds the menu when its data changes but not the icon', () => {
    const { controller, tray, advance } = setup();
    controller.render(idle);
    advance(1000);
    controller.render(
      appState([
        connector({
          lastResult: { added: 99, updated: 0, deleted: 0, unchanged: 0, failed: 0, chunks: 0, durationMs: 1 },
        }),
        mail(),
      ]),
    );
    expect(tray().setContextMenu).toHaveBeenCalledTimes(2);
    expect(tray().setToolTip).toHaveBeenCalledTimes(1);
    expect(tray().setImage).not.toHaveBeenCalled();
  });

  it('renders at most 4 times a second, and always ends on the latest state', () => {
    const { controller, tray, advance, pending } = setup();
    controller.render(idle);
    for (let i = 0; i < 100; i++) {
      controller.render(i % 2 ? idle : syncing);
      advance(10);
    }
    // 1 s of pushes every 10 ms: the first render plus one per 250 ms window.
    expect(tray().setToolTip.mock.calls.length).toBeLessThanOrEqual(5);
    controller.render(syncing);
    advance(250);
    expect(pending()).toBe(0);
    expect(tray().setToolTip).toHaveBeenLastCalledWith('Syncing Notes 1/10');
  });

  it('a running sync does not rebuild the menu on every progress push (it flickers on Linux): at most every 5 s', () => {
    const { controller, tray, advance, pending } = setup();
    const at = (done: number, state: 'syncing' | 'idle' = 'syncing') =>
      appState([
        connector({
          state,
          progress: state === 'idle' ? null : { done, found: 5000, foundAll: true, currentItem: null, startedAt: 0 },
        }),
        mail(),
      ]);
    controller.render(at(0));
    expect(tray().setContextMenu).toHaveBeenCalledTimes(1);
    // The service pushes the state with new progress 10 times a second; 10 s of it.
    for (let done = 1; done <= 100; done++) {
      advance(100);
      controller.render(at(done));
    }
    expect(tray().setContextMenu.mock.calls.length).toBeLessThanOrEqual(3);
    // The tooltip still follows closely, and the menu ends on the latest numbers.
    advance(250);
    expect(tray().setToolTip).toHaveBeenLastCalledWith('Syncing Notes 100/5,000');
    advance(5000);
    expect(pending()).toBe(0);
    const last = tray().setContextMenu.mock.calls.at(-1)![0] as { template: { id?: string; label?: string }[] };
    expect(last.template.find((i) => i.id === 'status')!.label).toBe('Syncing Notes 100/5,000');
    // A change of state (the sync ends) is shown at once.
    const before = tray().setContextMenu.mock.calls.length;
    advance(300);
    controller.render(at(0, 'idle'));
    expect(tray().setContextMenu).toHaveBeenCalledTimes(before + 1);
  });

  it('refresh() picks up a new panel theme, a new start-at-login state and the passing minutes', () => {
    const { controller, tray, advance, theme, startAtLogin } = setup();
    controller.render(idle);
    advance(1000);
    controller.refresh();
    expect(tray().setContextMenu).toHaveBeenCalledTimes(1);

    theme.value = 'light';
    advance(1000);
    controller.refresh();
    expect(tray().setImage).toHaveBeenLastCalledWith({ file: 'light/idle.png' });

    startAtLogin.value = true;
    advance(1000);
    controller.refresh();
    expect(tray().setContextMenu).toHaveBeenCalledTimes(2);

    advance(10 * MIN);
    controller.refresh();
    expect(tray().setToolTip).toHaveBeenLastCalledWith('2 connectors · synced 15 min ago');
  });

  it('after a click on "Start at login" the menu shows what the OS kept, also when it refused the change', () => {
    // The OS flips a checkbox item itself when it is clicked. When the change did not take (a policy, a login item
    // waiting for approval, a write that failed), the state is the same as before, yet the menu must be rebuilt.
    const { controller, tray, advance, actions } = setup();
    controller.render(idle);
    advance(1000);
    expect(controller.click('start-at-login')).toBe(true);
    expect(actions.setStartAtLogin).toHaveBeenCalledWith(true);
    advance(250);
    expect(tray().setContextMenu).toHaveBeenCalledTimes(2);
    const last = tray().setContextMenu.mock.calls.at(-1)![0] as { template: { id?: string; checked?: boolean }[] };
    expect(last.template.find((i) => i.id === 'start-at-login')!.checked).toBe(false);
  });

  it('a click on the icon opens the dashboard', () => {
    const { controller, tray, actions } = setup();
    controller.render(idle);
    tray().emit('click');
    expect(actions.openDashboard).toHaveBeenCalledTimes(1);
  });

  it('click(id) runs a menu item (E2E hooks), and not a disabled one', () => {
    const { controller, actions } = setup();
    controller.render(idle);
    expect(controller.click('connector:mail:sync-now')).toBe(true);
    expect(actions.runNow).toHaveBeenCalledWith('mail');
    expect(controller.click('status')).toBe(false);
    expect(controller.click('nope')).toBe(false);
  });

  it('dispose() destroys the tray, cancels a pending render and ignores later states', () => {
    const { controller, tray, advance } = setup();
    controller.render(idle);
    controller.render(syncing);
    controller.dispose();
    advance(1000);
    controller.render(idle);
    expect(tray().destroy).toHaveBeenCalledTimes(1);
    expect(tray().setToolTip).toHaveBeenCalledTimes(1);
  });
});
