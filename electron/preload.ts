/**
 * The preload: exposes `window.jarvis`, derived method by method from the contract (API_METHODS, PUSH_METHODS),
 * and nothing else. It runs sandboxed, so electron-vite bundles it into one CommonJS file that only requires
 * 'electron'. The renderer never sees `ipcRenderer` or an IPC event object.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  API_METHODS,
  PUSH_METHODS,
  type InvokeArgs,
  type InvokeChannel,
  type InvokeResult,
  type JarvisApi,
  type Pushes,
  type PushChannel,
} from '../shared/contract.js';

type Invokers<M extends Record<string, InvokeChannel>> = {
  [P in keyof M]: (...args: InvokeArgs<M[P]>) => Promise<InvokeResult<M[P]>>;
};
type Listeners<M extends Record<string, PushChannel>> = {
  [P in keyof M]: (listener: (...args: Parameters<Pushes[M[P]]>) => void) => () => void;
};

function invokers<M extends Record<string, InvokeChannel>>(methods: M): Invokers<M> {
  const entries = Object.entries(methods).map(([method, channel]) => [
    method,
    (...args: unknown[]) => ipcRenderer.invoke(channel, ...args),
  ]);
  return Object.fromEntries(entries) as Invokers<M>;
}

function listeners<M extends Record<string, PushChannel>>(methods: M): Listeners<M> {
  const entries = Object.entries(methods).map(([method, channel]) => [
    method,
    (listener: (...args: unknown[]) => void) => {
      // Drop the event: it carries `sender` (the ipcRenderer) and must not reach the page.
      const handle = (_event: IpcRendererEvent, ...args: unknown[]) => listener(...args);
      ipcRenderer.on(channel, handle);
      return () => {
        ipcRenderer.off(channel, handle);
      };
    },
  ]);
  return Object.fromEntries(entries) as Listeners<M>;
}

const api = { ...invokers(API_METHODS), ...listeners(PUSH_METHODS) } satisfies JarvisApi;

contextBridge.exposeInMainWorld('jarvis', api);
