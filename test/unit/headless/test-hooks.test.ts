import { describe, expect, it } from 'vitest';
import { readTestHooks } from '../../../electron/headless/test-hooks.js';

describe('test hooks', () => {
  it('JARVIS_SYNC_WATCH_DEBOUNCE_MS shortens the change watcher debounce, with a warning', () => {
    const hooks = readTestHooks({ JARVIS_SYNC_WATCH_DEBOUNCE_MS: '200' }, () => 3600);
    expect(hooks.watch).toEqual({ debounceMs: 200 });
    expect(hooks.warnings).toEqual([expect.stringContaining('JARVIS_SYNC_WATCH_DEBOUNCE_MS=200')]);
  });

  it('without the variables nothing is changed', () => {
    const hooks = readTestHooks({}, () => 3600);
    expect(hooks.watch).toBeUndefined();
    expect(hooks.warnings).toEqual([]);
  });

  it('refuses a debounce that is not a positive number', () => {
    expect(() => readTestHooks({ JARVIS_SYNC_WATCH_DEBOUNCE_MS: '-5' }, () => 3600)).toThrow(/positive number/);
  });
});
