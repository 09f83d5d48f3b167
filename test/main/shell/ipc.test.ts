import { describe, expect, it, vi } from 'vitest';
import { API_METHODS, type ContractHandlers, type InvokeChannel } from '../../../shared/contract.js';
import { PayloadError } from '../../../shared/contract-parsers.js';
import {
  createSenderCheck,
  pushToWindow,
  registerContractIpc,
  registerIpcHandlers,
} from '../../../electron/shell/ipc.js';
import { appOriginFor } from '../../../electron/shell/origin.js';
import { BrowserWindow, ipcMain } from '../../mocks/electron.js';
import { appState, ipcEvent } from '../fixtures.js';

const appOrigin = appOriginFor({ isPackaged: true });
const OWN = 'app://dashboard/index.html';
const CHANNELS = Object.values(API_METHODS);

/** Every handler is a spy answering a marker, so a test can tell whether (and with what) it ran. */
function spyHandlers() {
  const handlers = Object.fromEntries(
    CHANNELS.map((ch) => [ch, vi.fn(() => `ran ${ch}`)]),
  ) as unknown as ContractHandlers & Record<InvokeChannel, ReturnType<typeof vi.fn>>;
  return handlers;
}

function setup(origin = appOrigin) {
  const handlers = spyHandlers();
  const dispose = registerIpcHandlers(ipcMain, handlers, createSenderCheck(origin));
  const noneCalled = () => CHANNELS.every((ch) => handlers[ch].mock.calls.length === 0);
  return { handlers, dispose, noneCalled };
}

describe('registerIpcHandlers', () => {
  it('registers exactly one handler per contract channel and the disposer removes them', () => {
    const { dispose } = setup();
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...CHANNELS].sort());
    dispose();
    dispose();
    expect(ipcMain.handlers.size).toBe(0);
    expect(ipcMain.removeHandler).toHaveBeenCalledTimes(CHANNELS.length);
  });

  it('lets a trusted main frame through, with parsed arguments', async () => {
    const { handlers } = setup();
    await expect(ipcMain.invoke('sync:run-now', ipcEvent(OWN), 'notes')).resolves.toBe('ran sync:run-now');
    expect(handlers['sync:run-now']).toHaveBeenCalledWith('notes');
    await ipcMain.invoke('search:query', ipcEvent(`${OWN}#/search?q=x`), 'x', { limit: 5, docType: undefined });
    expect(handlers['search:query']).toHaveBeenCalledWith('x', { limit: 5 });
  });

  const forged: [string, ReturnType<typeof ipcEvent>][] = [
    ['a remote page', ipcEvent('https://evil.com/')],
    ['a local file', ipcEvent('file:///opt/Jarvis%20Sync/resources/app.asar/out/renderer/index.html')],
    ['another page of our scheme', ipcEvent('app://dashboard/evil.html')],
    ['another host of our scheme', ipcEvent('app://dashboard.evil.com/index.html')],
    ['a subframe of our own page', ipcEvent(OWN, { subframe: true })],
    ['a destroyed or navigated frame (null senderFrame)', ipcEvent(null)],
    ['a data: URL', ipcEvent('data:text/html,<script>1</script>')],
    ['about:blank', ipcEvent('about:blank')],
    ['garbage', ipcEvent('not a url')],
  ];
  it.each(forged)('refuses %s with no side effect', async (_what, event) => {
    const { noneCalled } = setup();
    for (const channel of ['state:get', 'sync:pause', 'shell:open-item', 'connector:remove'] as const) {
      await expect(ipcMain.invoke(channel, event, 'notes', { keepIndex: false })).rejects.toThrow(/untrusted sender/);
    }
    expect(noneCalled()).toBe(true);
  });

  it('checks the exact dev-server origin in development', async () => {
    const dev = appOriginFor({ devServerUrl: 'http://localhost:5173', isPackaged: false });
    const { noneCalled, handlers } = setup(dev);
    for (const url of [
      'https://ourhost.evil.com/',
      'http://localhost:5173.evil.com/',
      'http://localhost:5174/',
      'https://localhost:5173/',
      'http://user@localhost:5173/',
      OWN,
    ]) {
      await expect(ipcMain.invoke('state:get', ipcEvent(url))).rejects.toThrow(/untrusted sender/);
    }
    expect(noneCalled()).toBe(true);
    await ipcMain.invoke('state:get', ipcEvent('http://localhost:5173/#/settings'));
    expect(handlers['state:get']).toHaveBeenCalledTimes(1);
  });

  const badPayloads: [InvokeChannel, unknown[]][] = [
    ['sync:run-now', [42]],
    ['connector:add', [{ kind: 'folder', path: '/x', extra: 1 }]],
    ['connector:remove', ['notes']],
    ['search:query', ['x'.repeat(1001), {}]],
    ['history:list', ['notes', 1000]],
    ['settings:set', [{ intervalSeconds: 1 }]],
    ['shell:open-item', ['/etc/passwd']],
    ['shell:open-item', [{ kind: 'problem', connectorId: 'notes', docId: 'a.md' }]],
    ['dialog:pick-path', ['../../etc']],
    ['state:get', ['unexpected']],
  ];
  it.each(badPayloads)('refuses a bad %s payload from a trusted sender with no side effect', async (channel, args) => {
    const { noneCalled } = setup();
    await expect(ipcMain.invoke(channel, ipcEvent(OWN), ...args)).rejects.toBeInstanceOf(PayloadError);
    expect(noneCalled()).toBe(true);
  });

  it('checks the sender before it parses (a forged sender learns nothing about payload rules)', async () => {
    setup();
    await expect(ipcMain.invoke('sync:run-now', ipcEvent('https://evil.com/'), 42)).rejects.toThrow(/untrusted sender/);
  });

  it('logs refusals without the payload', async () => {
    const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    registerIpcHandlers(ipcMain, spyHandlers(), createSenderCheck(appOrigin), log);
    await expect(ipcMain.invoke('shell:open-item', ipcEvent(OWN), '/secret/file')).rejects.toThrow();
    const forged = { kind: 'problem', connectorId: 'notes', path: '/secret/file' };
    await expect(ipcMain.invoke('shell:open-item', ipcEvent('https://evil.com'), forged)).rejects.toThrow();
    const logged = JSON.stringify(log.warn.mock.calls);
    expect(logged).toContain('shell:open-item');
    expect(logged).not.toContain('/secret/file');
  });

  it('rolls back if a channel is already taken', () => {
    ipcMain.handle('search:query', () => null);
    expect(() => registerIpcHandlers(ipcMain, spyHandlers(), () => true)).toThrow(/second handler/);
    expect([...ipcMain.handlers.keys()]).toEqual(['search:query']);
  });

  it('registerContractIpc uses electron.ipcMain', () => {
    const dispose = registerContractIpc(spyHandlers(), () => true);
    expect(ipcMain.handlers.size).toBe(CHANNELS.length);
    dispose();
  });
});

describe('pushToWindow', () => {
  it('sends a typed push to a live window and skips a missing or destroyed one', () => {
    const win = new BrowserWindow({});
    const state = appState();
    pushToWindow(win as never, 'state:changed', state);
    expect(win.webContents.send).toHaveBeenCalledWith('state:changed', state);
    pushToWindow(null, 'state:changed', state);
    win.destroy();
    pushToWindow(win as never, 'sync:progress', {
      connectorId: 'notes',
      progress: { done: 1, found: 2, foundAll: false, currentItem: null, startedAt: 0 },
    });
    expect(win.webContents.send).toHaveBeenCalledTimes(1);
  });
});
