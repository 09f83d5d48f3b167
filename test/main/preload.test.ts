import { describe, expect, it, vi } from 'vitest';
import { API_METHODS, PUSH_METHODS, type JarvisApi } from '../../shared/contract.js';
import { contextBridge, ipcRenderer } from '../mocks/electron.js';
import { appState } from './fixtures.js';

// The preload runs once, at import, like in a renderer; the fake is reset before each test, so keep what it saw.
await import('../../electron/preload.js');
const exposed = contextBridge.exposeInMainWorld.mock.calls.map(([key]) => key);
const api = contextBridge.exposed.get('jarvis') as JarvisApi;

describe('preload', () => {
  it('exposes only window.jarvis, with exactly the contract methods', () => {
    expect(exposed).toEqual(['jarvis']);
    expect(Object.keys(api).sort()).toEqual([...Object.keys(API_METHODS), ...Object.keys(PUSH_METHODS)].sort());
    for (const raw of ['invoke', 'send', 'sendSync', 'on', 'ipcRenderer', 'require'])
      expect(api).not.toHaveProperty(raw);
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
  });

  it('maps each method to ipcRenderer.invoke on its channel with the arguments as given', async () => {
    for (const [method, channel] of Object.entries(API_METHODS)) {
      ipcRenderer.invoke.mockClear();
      await (api[method as keyof typeof API_METHODS] as (...a: unknown[]) => Promise<unknown>)('a', 1);
      expect(ipcRenderer.invoke).toHaveBeenCalledWith(channel, 'a', 1);
    }
    ipcRenderer.invoke.mockResolvedValueOnce(appState());
    await expect(api.getState()).resolves.toEqual(appState());
  });

  it('subscribes to pushes without leaking the IPC event, and unsubscribes the same handler', () => {
    const listener = vi.fn();
    const off = api.onStateChanged(listener);
    expect(ipcRenderer.on).toHaveBeenCalledWith('state:changed', expect.any(Function));
    const state = appState();
    ipcRenderer.emit('state:changed', state);
    expect(listener).toHaveBeenCalledWith(state);
    expect(listener.mock.calls[0]).toHaveLength(1);

    const progress = vi.fn();
    const offProgress = api.onProgress(progress);
    expect(ipcRenderer.listenerCount('sync:progress')).toBe(1);

    off();
    expect(ipcRenderer.off).toHaveBeenCalledWith('state:changed', ipcRenderer.on.mock.calls[0][1]);
    ipcRenderer.emit('state:changed', state);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(ipcRenderer.listenerCount('sync:progress')).toBe(1);
    offProgress();
    expect(ipcRenderer.listenerCount('sync:progress')).toBe(0);
  });
});
