import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { readTestHooks } from '../../../electron/headless/test-hooks.js';
import { enumerateAll, testConfig, testContext } from '../../helpers/connector-run.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-test-hooks-');

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

  it('JARVIS_SYNC_READ_DELAY_MS slows reads one at a time, however many are in flight, and a cancel ends the wait', async () => {
    const folder = join(tempDir(), 'notes');
    mkdirSync(folder);
    for (let i = 0; i < 8; i++) writeFileSync(join(folder, `n${i}.md`), `# N${i}\n`);
    const hooks = readTestHooks({ JARVIS_SYNC_READ_DELAY_MS: '40' }, () => 3600);
    const connector = hooks.kinds!.find((k) => k.kind === 'folder')!.create(testConfig('folder', folder));
    const { units } = await enumerateAll(connector);
    // All eight reads started at once, as a read-ahead does: they still take turns, so the last ends ≥ 8 × 40 ms
    // later (a lower bound only: timers never fire early by more than a millisecond).
    const started = performance.now();
    await Promise.all(units.map((u) => connector.read(u, null, testContext())));
    expect(performance.now() - started).toBeGreaterThanOrEqual(8 * 40 - 8);

    const controller = new AbortController();
    const reading = Promise.all(units.map((u) => connector.read(u, null, testContext({ signal: controller.signal }))));
    controller.abort();
    await expect(reading).rejects.toThrow();
    // The next sync's reads are not failed by the cancelled one's turn.
    await expect(connector.read(units[0], null, testContext())).resolves.toBeDefined();
  });

  it('refuses a debounce that is not a positive number', () => {
    expect(() => readTestHooks({ JARVIS_SYNC_WATCH_DEBOUNCE_MS: '-5' }, () => 3600)).toThrow(/positive number/);
  });
});
