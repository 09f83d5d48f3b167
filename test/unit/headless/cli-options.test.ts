// Option values the CLI takes apart itself, in process (the binary's behaviour is in cli.test.ts).
import { describe, expect, it } from 'vitest';
import { hostOption } from '../../../electron/headless/cli.js';

describe('serve --host', () => {
  it('takes an IPv6 address written as in a URL, which listen() refused with ENOTFOUND', () => {
    expect(hostOption('[::1]')).toBe('::1');
    expect(hostOption('::1')).toBe('::1');
    expect(hostOption('127.0.0.1')).toBe('127.0.0.1');
    expect(hostOption(undefined)).toBeNull();
  });
});
