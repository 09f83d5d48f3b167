/**
 * The only file that talks to `ipcMain`. Every channel of the contract gets one handler that, in this order,
 * checks the sender, parses the payload (shared/contract-parsers.ts) and only then calls the handler, so a forged
 * sender or a bad payload is refused with no side effect.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import {
  API_METHODS,
  type ContractHandlers,
  type InvokeChannel,
  type Pushes,
  type PushChannel,
} from '../../shared/contract.js';
import { PayloadError, parseInvokeArgs } from '../../shared/contract-parsers.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { isAppUrl, type AppOrigin } from './origin.js';

/** The part of `ipcMain` we use; tests pass a recording fake. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

/**
 * Trusts only the main frame of one of our pages. `senderFrame` is null once the frame navigated or was
 * destroyed: that is refused too.
 */
export function createSenderCheck(origin: AppOrigin): SenderCheck {
  return (event) => {
    const frame = event.senderFrame;
    return !!frame && frame.parent === null && isAppUrl(frame.url, origin);
  };
}

const CHANNELS: readonly InvokeChannel[] = Object.values(API_METHODS);

/**
 * Registers one handler per contract channel. Returns a disposer that removes them all (idempotent).
 * Refusals throw an Error whose message names the channel and the reason, never the payload.
 */
export function registerIpcHandlers(
  ipc: IpcMainLike,
  handlers: ContractHandlers,
  isTrustedSender: SenderCheck,
  log: Logger = silentLogger,
): () => void {
  const register = <K extends InvokeChannel>(channel: K) => {
    const handler: ContractHandlers[K] = handlers[channel];
    ipc.handle(channel, (event, ...raw) => {
      if (!isTrustedSender(event)) {
        log.warn(`refused ${channel}: untrusted sender`);
        throw new Error(`Refused ${channel}: untrusted sender`);
      }
      let args;
      try {
        args = parseInvokeArgs(channel, raw);
      } catch (err) {
        if (err instanceof PayloadError) log.warn(`refused ${channel}: ${err.problem}`);
        throw err;
      }
      return handler(...args);
    });
  };
  const registered: InvokeChannel[] = [];
  try {
    for (const channel of CHANNELS) {
      register(channel);
      registered.push(channel);
    }
  } catch (err) {
    for (const channel of registered) ipc.removeHandler(channel);
    throw err;
  }
  let disposed = false;
  return () => {
    if (disposed) return;
    disposed = true;
    for (const channel of registered) ipc.removeHandler(channel);
  };
}

/** Registers the contract on Electron's own `ipcMain`. */
export function registerContractIpc(
  handlers: ContractHandlers,
  isTrustedSender: SenderCheck,
  log?: Logger,
): () => void {
  return registerIpcHandlers(ipcMain, handlers, isTrustedSender, log);
}

/** Sends a typed push to a window's renderer; a missing or destroyed window is skipped silently. */
export function pushToWindow<K extends PushChannel>(
  win: Pick<BrowserWindow, 'isDestroyed' | 'webContents'> | null | undefined,
  channel: K,
  ...payload: Parameters<Pushes[K]>
): void {
  if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return;
  win.webContents.send(channel, ...payload);
}
