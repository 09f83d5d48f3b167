/**
 * The only place electron-log is configured. One file (`<logs>/main.log`, rotated at 5 MB), info level when
 * packaged and debug otherwise, one scoped Logger per module. Never log payloads or document contents: log ids,
 * counts and `redactError(err)`.
 */
import { join } from 'node:path';
import type { WebContents } from 'electron';
import log from 'electron-log/main';
import type { Logger } from '../../shared/logger.js';

export const LOG_FILE_NAME = 'main.log';
export const LOG_MAX_BYTES = 5 * 1024 * 1024;

let initialized = false;

/** Configures electron-log once (later calls are ignored). Call before app 'ready'. */
export function initLogging(opts: { isPackaged: boolean; logsDir: string }): void {
  if (initialized) return;
  initialized = true;
  log.transports.file.resolvePathFn = () => join(opts.logsDir, LOG_FILE_NAME);
  log.transports.file.maxSize = LOG_MAX_BYTES;
  log.transports.file.level = opts.isPackaged ? 'info' : 'debug';
  log.transports.console.level = opts.isPackaged ? false : 'debug';
  // No log.initialize(): it injects a preload of electron-log's into every page (a `__electronLog` global we do
  // not validate) and listens on its own IPC channel without a sender check. The renderer's warnings and errors
  // reach this file through watchWebContents instead.
  log.errorHandler.startCatching({
    showDialog: false,
    onError: ({ error, processType }) => {
      log.scope('uncaught').error(`${processType}:`, redactError(error));
      return false;
    },
  });
}

export function createLogger(scope: string): Logger {
  return log.scope(scope);
}

const KEEP = ['code', 'errno', 'syscall'] as const;

/**
 * An error reduced to what is safe to write to a log: name, code, a clipped message and the stack frames.
 * Any other property (a request payload, a document's text…) is dropped, and so is the message's tail.
 */
export function redactError(err: unknown, depth = 0): Record<string, unknown> | string {
  if (!(err instanceof Error)) return typeof err === 'string' ? err.slice(0, 300) : `non-error value (${typeof err})`;
  const out: Record<string, unknown> = { name: err.name, message: err.message.slice(0, 300) };
  const bag = err as unknown as Record<string, unknown>;
  for (const key of KEEP) {
    const value = bag[key];
    if (typeof value === 'string' || typeof value === 'number') out[key] = value;
  }
  const frames = err.stack?.split('\n').filter((line) => /^\s+at /.test(line));
  if (frames?.length) out.stack = frames.slice(0, 15).join('\n');
  if (err.cause !== undefined && depth < 2) out.cause = redactError(err.cause, depth + 1);
  return out;
}

const CONSOLE_LEVELS = new Set(['warning', 'error']);

/** Logs a window's renderer warnings and errors, crashes and hangs (never its page contents). */
export function watchWebContents(contents: Pick<WebContents, 'on'>, logger: Logger): void {
  contents.on('console-message', (event) => {
    const { level, message, sourceId, lineNumber } = event;
    if (!CONSOLE_LEVELS.has(level)) return;
    logger[level === 'error' ? 'error' : 'warn'](
      `renderer ${level}: ${message.slice(0, 500)} (${sourceId}:${lineNumber})`,
    );
  });
  contents.on('render-process-gone', (_event, details) => {
    logger.error(`renderer process gone: ${details.reason} (exit code ${details.exitCode})`);
  });
  contents.on('preload-error', (_event, preloadPath, error) => {
    logger.error(`preload ${preloadPath} failed`, redactError(error));
  });
  contents.on('unresponsive', () => logger.warn('renderer unresponsive'));
}
