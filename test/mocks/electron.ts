/**
 * A small fake of the 'electron' module for the main-process tests (loaded by test/main/setup.ts). It records
 * what the code under test did (options, handlers, calls) and lets a test fire events; it simulates no more
 * Electron behaviour than the shell relies on. `resetElectronFake()` runs before each test.
 */
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

/** An Electron-style event: `preventDefault()` marks it. */
export class FakeEvent {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

class FakeApp extends EventEmitter {
  isPackaged = false;
  name = 'Jarvis Sync';
  /** `enabled`: Windows' StartupApproved switch (Task Manager → Startup apps), which the user may turn off. */
  loginItem = { openAtLogin: false, wasOpenedAtLogin: false, args: [] as string[], enabled: true };
  exitCode: number | null = null;
  dock: { hide: ReturnType<typeof vi.fn> } | undefined = { hide: vi.fn() };
  requestSingleInstanceLock = vi.fn(() => true);
  whenReady = vi.fn(() => Promise.resolve());
  enableSandbox = vi.fn();
  focus = vi.fn();
  setAppUserModelId = vi.fn();
  getPath = vi.fn((name: string) => `/tmp/jarvis-fake/${name}`);
  getAppPath = vi.fn(() => '/tmp/jarvis-fake/app');
  getLoginItemSettings = vi.fn((options?: { args?: string[] }) => {
    // Like Windows: an entry only reads as on when asked with the args it was stored with.
    // Like Windows too: openAtLogin reads the Run entry alone; executableWillLaunchAtLogin also the user's switch.
    const sameArgs = JSON.stringify(options?.args ?? []) === JSON.stringify(this.loginItem.args);
    const { enabled, ...item } = this.loginItem;
    return {
      ...item,
      openAtLogin: item.openAtLogin && sameArgs,
      executableWillLaunchAtLogin: item.openAtLogin && enabled,
    };
  });
  /** What setLoginItemSettings does unless a test replaces it (reset restores it). */
  applyLoginItem = (settings: { openAtLogin?: boolean; args?: string[]; enabled?: boolean }): void => {
    this.loginItem.openAtLogin = settings.openAtLogin ?? false;
    this.loginItem.args = settings.args ?? [];
    this.loginItem.enabled = settings.enabled ?? true;
  };
  setLoginItemSettings = vi.fn(this.applyLoginItem);
  /** Like Electron: emits before-quit; the quit goes ahead only when nobody prevented it. */
  quit = vi.fn(() => {
    const event = new FakeEvent();
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.emit('will-quit', new FakeEvent());
  });
  exit = vi.fn((code = 0) => {
    this.exitCode = code;
  });
}

export class FakeWebContents extends EventEmitter {
  static nextId = 1;
  id = FakeWebContents.nextId++;
  destroyed = false;
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  setWindowOpenHandler = vi.fn((handler: (details: { url: string }) => { action: string }) => {
    this.windowOpenHandler = handler;
  });
  send = vi.fn();
  isDestroyed = () => this.destroyed;
}

export class BrowserWindow extends EventEmitter {
  static instances: BrowserWindow[] = [];
  webContents = new FakeWebContents();
  visible = false;
  minimized = false;
  destroyed = false;
  constructor(readonly options: Record<string, unknown>) {
    super();
    BrowserWindow.instances.push(this);
  }
  loadURL = vi.fn(() => Promise.resolve());
  loadFile = vi.fn(() => Promise.resolve());
  show = vi.fn(() => {
    this.visible = true;
  });
  hide = vi.fn(() => {
    this.visible = false;
  });
  focus = vi.fn();
  restore = vi.fn(() => {
    this.minimized = false;
  });
  isVisible = () => this.visible;
  isMinimized = () => this.minimized;
  isDestroyed = () => this.destroyed;
  /** Like Electron: 'close' can be prevented; otherwise the window is destroyed and 'closed' follows. */
  close = vi.fn(() => {
    const event = new FakeEvent();
    this.emit('close', event);
    if (!event.defaultPrevented) this.destroy();
  });
  destroy = vi.fn(() => {
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  });
}

type Handler = (event: unknown, ...args: unknown[]) => unknown;
const handlers = new Map<string, Handler>();
export const ipcMain = {
  handlers,
  handle: vi.fn((channel: string, handler: Handler) => {
    if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    handlers.set(channel, handler);
  }),
  removeHandler: vi.fn((channel: string) => {
    handlers.delete(channel);
  }),
  /** What ipcRenderer.invoke would reach: the handler, called with a (fake) event. */
  invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
    const handler = handlers.get(channel);
    if (!handler) return Promise.reject(new Error(`No handler registered for '${channel}'`));
    try {
      return Promise.resolve(handler(event, ...args));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  },
};

const rendererEvents = new EventEmitter();
export const ipcRenderer = {
  invoke: vi.fn((..._args: unknown[]) => Promise.resolve(undefined as unknown)),
  on: vi.fn((channel: string, fn: (...args: unknown[]) => void) => rendererEvents.on(channel, fn)),
  off: vi.fn((channel: string, fn: (...args: unknown[]) => void) => rendererEvents.off(channel, fn)),
  /** Test helper: main sends `channel` to this renderer. */
  emit: (channel: string, ...args: unknown[]) => rendererEvents.emit(channel, { sender: ipcRenderer }, ...args),
  listenerCount: (channel: string) => rendererEvents.listenerCount(channel),
};

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld: vi.fn((key: string, api: unknown) => {
    contextBridge.exposed.set(key, api);
  }),
};

export class FakeImage {
  template = false;
  constructor(readonly path: string) {}
  setTemplateImage(on: boolean): void {
    this.template = on;
  }
  isEmpty(): boolean {
    return false;
  }
}
export const nativeImage = { createFromPath: vi.fn((path: string) => new FakeImage(path)) };

export class Tray extends EventEmitter {
  static instances: Tray[] = [];
  constructor(readonly image: unknown) {
    super();
    Tray.instances.push(this);
  }
  setImage = vi.fn();
  setToolTip = vi.fn();
  setContextMenu = vi.fn();
  destroy = vi.fn();
}

export const Menu = { buildFromTemplate: vi.fn((template: unknown[]) => ({ template })) };

export const shell = {
  openExternal: vi.fn(() => Promise.resolve()),
  openPath: vi.fn((_path: string) => Promise.resolve('')),
};

export const dialog = {
  showOpenDialog: vi.fn((..._args: unknown[]) => Promise.resolve({ canceled: true, filePaths: [] as string[] })),
  showErrorBox: vi.fn(),
};

class FakePowerMonitor extends EventEmitter {
  isOnBatteryPower = vi.fn(() => false);
}
export const powerMonitor = new FakePowerMonitor();

export class Notification extends EventEmitter {
  static instances: Notification[] = [];
  static isSupported = vi.fn(() => true);
  constructor(readonly options: { title: string; body: string }) {
    super();
    Notification.instances.push(this);
  }
  show = vi.fn();
}

const fakeSession = {
  webRequest: { onHeadersReceived: vi.fn() },
  setPermissionRequestHandler: vi.fn(),
  setPermissionCheckHandler: vi.fn(),
  setDevicePermissionHandler: vi.fn(),
};
export const session = { defaultSession: fakeSession };

type ProtocolHandler = (request: Request) => Promise<Response> | Response;
/** The schemes handled with protocol.handle, so a test can send a request the way Chromium would. */
export const protocolHandlers = new Map<string, ProtocolHandler>();
export const protocol = {
  registerSchemesAsPrivileged: vi.fn(),
  handle: vi.fn((scheme: string, handler: ProtocolHandler) => {
    if (protocolHandlers.has(scheme)) throw new Error(`The scheme has been handled: ${scheme}`);
    protocolHandlers.set(scheme, handler);
  }),
  unhandle: vi.fn((scheme: string) => protocolHandlers.delete(scheme)),
};

class FakeNativeTheme extends EventEmitter {
  shouldUseDarkColors = false;
}
export const nativeTheme = new FakeNativeTheme();
export const screen = { getPrimaryDisplay: vi.fn(() => ({ scaleFactor: 1 })) };

export const app = new FakeApp();

/** Fresh state for the next test: listeners, recorded instances, handlers and call logs. */
export function resetElectronFake(): void {
  vi.clearAllMocks();
  for (const emitter of [app, powerMonitor, nativeTheme, rendererEvents]) emitter.removeAllListeners();
  Object.assign(app, { isPackaged: false, exitCode: null, dock: { hide: vi.fn() } });
  app.loginItem = { openAtLogin: false, wasOpenedAtLogin: false, args: [], enabled: true };
  app.requestSingleInstanceLock.mockImplementation(() => true);
  app.setLoginItemSettings.mockImplementation(app.applyLoginItem);
  powerMonitor.isOnBatteryPower.mockImplementation(() => false);
  Notification.isSupported.mockImplementation(() => true);
  nativeTheme.shouldUseDarkColors = false;
  BrowserWindow.instances = [];
  Tray.instances = [];
  Notification.instances = [];
  handlers.clear();
  protocolHandlers.clear();
  contextBridge.exposed.clear();
}
