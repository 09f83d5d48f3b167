/**
 * The contract's request side, answered by the SyncService plus what only the host can do (native dialogs,
 * opening files, start at login). Every transport (Electron IPC, the web bridge) serves exactly this map,
 * after validating the payload with shared/contract-parsers.ts.
 */
import type { Capabilities, ContractHandlers, SettingsView } from '../../shared/contract.js';
import type { ConnectorKind } from '../../shared/types.js';
import type { SyncService } from './service.js';

export interface HostAdapters {
  capabilities: Capabilities;
  logsDir: string | null;
  pickPath(kind: ConnectorKind): Promise<string | null>;
  /**
   * Opens, with the OS's default app, the file `locate` answers (the core's checked choice). A host that opens
   * nothing refuses without calling it.
   */
  openFile(locate: () => Promise<string>): Promise<void>;
  openLogs(): Promise<void>;
  /** The OS's word; null where start-at-login means nothing (headless, development builds). */
  getStartAtLogin(): boolean | null;
  setStartAtLogin(on: boolean): boolean | null;
}

/** What a headless daemon can do: no native picker, nothing to open, no login item. */
export function headlessHost(logsDir: string | null = null): HostAdapters {
  const unsupported = (what: string) => () => Promise.reject(new Error(`${what} is not available in headless mode`));
  return {
    capabilities: { host: 'headless', nativePicker: false, openPath: false, startAtLogin: false },
    logsDir,
    pickPath: () => Promise.resolve(null),
    openFile: unsupported('Opening files'),
    openLogs: unsupported('Opening the logs folder'),
    getStartAtLogin: () => null,
    setStartAtLogin: () => null,
  };
}

export function createContractHandlers(service: SyncService, host: HostAdapters): ContractHandlers {
  const settingsView = (): SettingsView => ({
    settings: service.getSettings(),
    startAtLogin: host.getStartAtLogin(),
    dataDir: service.paths.dataDir,
    logsDir: host.logsDir,
  });
  return {
    'state:get': () => service.getState(),
    'app:capabilities': () => host.capabilities,
    'sync:run-now': (id) => service.runNow(id),
    'sync:pause': (id) => service.pause(id),
    'sync:resume': (id) => service.resume(id),
    'sync:cancel': (id) => service.cancel(id),
    'connector:add': (input) => service.addConnector(input),
    'connector:remove': (id, options) => service.removeConnector(id, options),
    'connector:update': (id, input) => service.updateConnector(id, input),
    'connector:check-path': (kind, path) => service.checkPath(kind, path),
    'connector:preview-excludes': (kind, path, excludes) => service.previewExcludes(kind, path, excludes),
    'settings:get': settingsView,
    'settings:set': (patch) => {
      service.setSettings(patch);
      return settingsView();
    },
    'settings:set-start-at-login': (on) => {
      host.setStartAtLogin(on);
      return settingsView();
    },
    'search:query': (query, options) => service.search(query, options),
    'history:list': (id, limit) => service.history(id, limit),
    'errors:list': (id) => service.itemErrors(id),
    'errors:retry': (id, path) => service.retryItem(id, path),
    'notice:dismiss': (id) => service.dismissNotice(id),
    'dialog:pick-path': (kind) => host.pickPath(kind),
    'shell:open-item': (target) => host.openFile(() => service.fileToOpen(target)),
    'shell:open-logs': () => host.openLogs(),
  };
}
