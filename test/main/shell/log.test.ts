import log from 'electron-log/main';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, initLogging, redactError, watchWebContents } from '../../../electron/shell/log.js';
import { FakeWebContents } from '../../mocks/electron.js';

describe('initLogging', () => {
  it('configures electron-log once: file in the logs folder, 5 MB, info when packaged, no preload or IPC of its own', () => {
    initLogging({ isPackaged: true, logsDir: '/home/ada/.config/Jarvis Sync/logs' });
    initLogging({ isPackaged: false, logsDir: '/elsewhere' });
    expect(log.transports.file.resolvePathFn({} as never)).toBe('/home/ada/.config/Jarvis Sync/logs/main.log');
    expect(log.transports.file.maxSize).toBe(5 * 1024 * 1024);
    expect(log.transports.file.level).toBe('info');
    // initialize() would expose electron-log's preload global and an unchecked IPC channel to the dashboard.
    expect(log.initialize).not.toHaveBeenCalled();
    expect(log.errorHandler.startCatching).toHaveBeenCalledWith(expect.objectContaining({ showDialog: false }));
  });

  it('hands out scoped loggers', () => {
    const logger = createLogger('tray');
    expect(log.scope).toHaveBeenCalledWith('tray');
    expect(typeof logger.info).toBe('function');
  });
});

describe('redactError', () => {
  it('keeps name, code, a clipped message and stack frames, and drops everything else', () => {
    const err = Object.assign(new Error(`boom ${'x'.repeat(500)}`), {
      code: 'ENOENT',
      payload: { content: 'secret diary entry' },
      input: '/private/path',
    });
    const out = redactError(err) as Record<string, unknown>;
    expect(out.name).toBe('Error');
    expect(out.code).toBe('ENOENT');
    expect((out.message as string).length).toBe(300);
    expect(out.stack).toMatch(/^\s+at /);
    expect(JSON.stringify(out)).not.toMatch(/secret diary|private\/path/);
  });

  it('follows a cause a little way, and copes with non-errors', () => {
    const out = redactError(new Error('outer', { cause: new TypeError('inner') })) as Record<string, unknown>;
    expect((out.cause as Record<string, unknown>).name).toBe('TypeError');
    expect(redactError('text')).toBe('text');
    expect(redactError({ doc: 'secret' })).toBe('non-error value (object)');
  });
});

describe('watchWebContents', () => {
  it('logs renderer warnings, errors and crashes, not info messages', () => {
    const contents = new FakeWebContents();
    const fn = () => vi.fn<(...args: unknown[]) => void>();
    const logger = { debug: fn(), info: fn(), warn: fn(), error: fn() };
    watchWebContents(contents as never, logger);
    contents.emit('console-message', { level: 'info', message: 'hello', sourceId: 'a.js', lineNumber: 1 });
    contents.emit('console-message', { level: 'warning', message: 'careful', sourceId: 'a.js', lineNumber: 2 });
    contents.emit('console-message', { level: 'error', message: 'broken', sourceId: 'a.js', lineNumber: 3 });
    contents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    expect(logger.info).not.toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledWith('renderer warning: careful (a.js:2)');
    expect(logger.error.mock.calls.map(([m]) => m)).toEqual([
      'renderer error: broken (a.js:3)',
      'renderer process gone: crashed (exit code 139)',
    ]);
  });
});
