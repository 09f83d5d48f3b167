/**
 * Power hints for the scheduler. `resume`/`unlock-screen` are hints only (they are known not to fire on some
 * Linux builds, electron#42050; the scheduler's own heartbeat covers that). `on-ac`/`on-battery` exist only on
 * macOS and Windows, so Linux polls `isOnBatteryPower()` once a minute instead.
 */
import type { PowerMonitor } from 'electron';
import type { SyncService } from '../core/service.js';
import { silentLogger, type Logger } from '../../shared/logger.js';

export type PowerService = Pick<SyncService, 'notifyResume' | 'setOnBattery'>;
export type PowerMonitorLike = Pick<PowerMonitor, 'on' | 'off' | 'isOnBatteryPower'>;

export interface WatchPowerOptions {
  platform: NodeJS.Platform;
  log?: Logger;
  /** Linux battery polling; returns a canceller. */
  setInterval?(fn: () => void, ms: number): () => void;
  pollMs?: number;
  /** The OS is shutting down (Linux, macOS): delay it while the app quits cleanly. */
  onShutdown?(): void;
}

const defaultInterval = (fn: () => void, ms: number) => {
  const timer = setInterval(fn, ms);
  timer.unref();
  return () => clearInterval(timer);
};

/** Wires the power events to the service; returns a disposer. */
export function watchPower(pm: PowerMonitorLike, service: PowerService, opts: WatchPowerOptions): () => void {
  const log = opts.log ?? silentLogger;
  let onBattery: boolean | null = null;
  const applyBattery = (value: boolean) => {
    if (value === onBattery) return;
    onBattery = value;
    log.info(value ? 'on battery power' : 'on AC power');
    service.setOnBattery(value);
  };
  const readBattery = () => {
    try {
      applyBattery(pm.isOnBatteryPower());
    } catch (err) {
      log.warn('could not read the power source', err);
    }
  };
  const onResume = () => {
    log.info('system resumed');
    service.notifyResume();
    readBattery();
  };
  const onUnlock = () => service.notifyResume();
  const onAc = () => applyBattery(false);
  const onBatteryEvent = () => applyBattery(true);
  // The docs say the handler gets an event whose preventDefault() delays the shutdown; electron.d.ts omits it.
  const onShutdown = (...args: unknown[]) => {
    if (!opts.onShutdown) return;
    (args[0] as { preventDefault?(): void } | undefined)?.preventDefault?.();
    opts.onShutdown();
  };

  pm.on('resume', onResume);
  pm.on('unlock-screen', onUnlock);
  pm.on('on-ac', onAc);
  pm.on('on-battery', onBatteryEvent);
  pm.on('shutdown', onShutdown);
  readBattery();
  const stopPolling =
    opts.platform === 'linux' ? (opts.setInterval ?? defaultInterval)(readBattery, opts.pollMs ?? 60_000) : null;

  return () => {
    stopPolling?.();
    pm.off('resume', onResume);
    pm.off('unlock-screen', onUnlock);
    pm.off('on-ac', onAc);
    pm.off('on-battery', onBatteryEvent);
    pm.off('shutdown', onShutdown);
  };
}
