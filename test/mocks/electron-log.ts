/**
 * A fake of 'electron-log/main'. The real module requires 'electron' through CommonJS, which vi.mock cannot
 * intercept, and the real 'electron' package tries to download its binary when required.
 */
import { vi } from 'vitest';

const scoped = () => ({ debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() });

const log = {
  transports: {
    file: { level: 'silly' as string | false, maxSize: 0, resolvePathFn: null as null | (() => string) },
    console: { level: 'silly' as string | false },
  },
  initialize: vi.fn(),
  errorHandler: { startCatching: vi.fn() },
  scope: vi.fn((_name: string) => scoped()),
  ...scoped(),
};

export default log;
