import { setTimeout as delay } from 'node:timers/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { folderKind } from '../../../electron/connectors/folder.js';
import { withRead, type Connector } from '../../../electron/connectors/types.js';
import { SyncEngine } from '../../../electron/core/engine.js';
import { IngestionPipeline } from '../../../electron/core/pipeline.js';
import { KnowledgeStore } from '../../../electron/core/store.js';
import { silentLogger } from '../../../shared/logger.js';
import { progressShare, progressTotalText } from '../../../shared/progress.js';
import type { Progress } from '../../../shared/types.js';
import { testConfig } from '../../helpers/connector-run.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { writeTree } from '../../helpers/tree.js';

const tempDir = useTempDirs('jarvis-progress-total-');
let store: KnowledgeStore;
let notes: string;

/** Opened by the first progress that carries an expected total, or after 2 s without one. */
let totalShown: Promise<unknown> = Promise.resolve();

/**
 * The folder connector with its reads held until a total is shown: the state of a large folder's first sync, whose
 * reads trail far behind a quick count, without depending on which of the two a loaded machine runs first.
 */
const heldFolder = withRead(folderKind, async (inner, unit, previous, ctx) => {
  await totalShown;
  return inner.read(unit, previous, ctx);
});

async function syncWatched(connector: Connector): Promise<Progress[]> {
  const engine = new SyncEngine({ store, pipeline: new IngestionPipeline(store), log: silentLogger });
  const seen: Progress[] = [];
  let show = (): void => undefined;
  totalShown = Promise.race([new Promise<void>((resolve) => (show = resolve)), delay(2000)]);
  await engine.sync(connector, {
    signal: new AbortController().signal,
    trigger: 'manual',
    onProgress: (p) => {
      seen.push(p);
      if (p.expected !== undefined) show();
    },
  });
  return seen;
}

beforeEach(() => {
  const dir = tempDir();
  notes = join(dir, 'notes');
  const files: Record<string, string> = { 'skip.png': 'image' };
  for (let i = 0; i < 300; i++) files[`d${i % 7}/n${i}.md`] = `# Note ${i}\n\nwords ${i}`;
  writeTree(notes, files);
  store = KnowledgeStore.open(join(dir, 'index.sqlite'), { log: silentLogger });
});

afterEach(() => store.close());

describe('a run’s total while the enumeration goes on', () => {
  it('a first sync shows the counted total long before its walk ends, not a total trailing the done count', async () => {
    const seen = await syncWatched(heldFolder.create(testConfig('folder', notes)));
    const counting = seen.filter((p) => !p.foundAll);
    const estimated = counting.filter((p) => p.expected !== undefined);
    expect(estimated.length).toBeGreaterThan(0);
    expect(estimated.every((p) => p.expected === 300)).toBe(true);
    // Early in the run the bar shows a small share of 300, not done / found-so-far (near 1 all run long).
    const early = estimated[0];
    expect(early.done).toBe(0);
    expect(progressTotalText(early)).toBe('~300');
    expect(progressShare(early)).toBeLessThan(0.5);
    const last = seen.at(-1)!;
    expect(last.foundAll).toBe(true);
    expect(last.expected).toBeUndefined();
    expect(progressTotalText(last)).toBe('300');
  });

  it('a later sync expects the units the last one stored', async () => {
    await syncWatched(folderKind.create(testConfig('folder', notes)));
    for (let i = 0; i < 40; i++) writeFileSync(join(notes, `new${i}.md`), `new note ${i}`);
    const seen = await syncWatched(heldFolder.create(testConfig('folder', notes)));
    const counting = seen.filter((p) => !p.foundAll);
    expect(counting.length).toBeGreaterThan(0);
    expect(counting.every((p) => p.expected === 300)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ foundAll: true, found: 340, done: 340 });
  });
});
