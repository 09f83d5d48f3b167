import { describe, expect, it, vi } from 'vitest';
import { watchPower } from '../../../electron/shell/power.js';
import { FakeEvent, powerMonitor } from '../../mocks/electron.js';

const service = () => ({ notifyResume: vi.fn(), setOnBattery: vi.fn() });

describe('watchPower', () => {
  it('reads the power source at start, then follows on-ac / on-battery (only on change)', () => {
    powerMonitor.isOnBatteryPower.mockReturnValue(true);
    const s = service();
    watchPower(powerMonitor as never, s, { platform: 'darwin' });
    expect(s.setOnBattery.mock.calls).toEqual([[true]]);
    powerMonitor.emit('on-battery');
    powerMonitor.emit('on-ac');
    powerMonitor.emit('on-ac');
    expect(s.setOnBattery.mock.calls).toEqual([[true], [false]]);
  });

  it('hints the scheduler on resume and unlock', () => {
    const s = service();
    watchPower(powerMonitor as never, s, { platform: 'win32' });
    powerMonitor.emit('resume');
    powerMonitor.emit('unlock-screen');
    expect(s.notifyResume).toHaveBeenCalledTimes(2);
  });

  it('Linux has no on-ac/on-battery events: it polls once a minute', () => {
    const s = service();
    let tick: () => void = () => {};
    const cancel = vi.fn();
    const setInterval = vi.fn((fn: () => void, ms: number) => {
      expect(ms).toBe(60_000);
      tick = fn;
      return cancel;
    });
    const dispose = watchPower(powerMonitor as never, s, { platform: 'linux', setInterval });
    powerMonitor.isOnBatteryPower.mockReturnValue(true);
    tick();
    tick();
    expect(s.setOnBattery.mock.calls).toEqual([[false], [true]]);
    dispose();
    expect(cancel).toHaveBeenCalled();
    const other = vi.fn();
    watchPower(powerMonitor as never, s, { platform: 'darwin', setInterval: other });
    expect(other).not.toHaveBeenCalled();
  });

  it('delays an OS shutdown to quit cleanly', () => {
    const onShutdown = vi.fn();
    watchPower(powerMonitor as never, service(), { platform: 'linux', onShutdown, setInterval: () => () => {} });
    const event = new FakeEvent();
    powerMonitor.emit('shutdown', event);
    expect(event.defaultPrevented).toBe(true);
    expect(onShutdown).toHaveBeenCalledTimes(1);
  });

  it('the disposer removes every listener', () => {
    const s = service();
    const dispose = watchPower(powerMonitor as never, s, { platform: 'darwin' });
    dispose();
    for (const name of ['resume', 'unlock-screen', 'on-ac', 'on-battery', 'shutdown'])
      expect(powerMonitor.listenerCount(name)).toBe(0);
    powerMonitor.emit('resume');
    expect(s.notifyResume).not.toHaveBeenCalled();
  });

  it('survives a power source that cannot be read', () => {
    powerMonitor.isOnBatteryPower.mockImplementation(() => {
      throw new Error('no upower');
    });
    const s = service();
    const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    expect(() => watchPower(powerMonitor as never, s, { platform: 'darwin', log })).not.toThrow();
    expect(log.warn).toHaveBeenCalled();
    expect(s.setOnBattery).not.toHaveBeenCalled();
  });
});
