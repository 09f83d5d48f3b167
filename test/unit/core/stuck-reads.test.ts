/**
 * A read or a listing that never returns (a hung network mount, a cloud file whose download does not progress) must
 * not hold a sync forever. A real folder connector, engine and index; the process-wide reader thread stalls on one
 * file and one folder, past a short timeout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/logger.js';
import { folderKind } from '../../../electron/connectors/folder.js';
import { fileReadThread, REQUEST_TIMEOUT_MS } from '../../../electron/connectors/read-thread.js';
import { SyncEngine } from '../../../electron/core/engine.js';
import { IngestionPipeline } from '../../../electron/core/pipeline.js';
import { KnowledgeStore } from '../../../electron/core/store.js';
import { testConfig } from '../../helpers/connector-run.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-reads-');
let store: KnowledgeStore;

beforeEach(() => {
  store = KnowledgeStore.open(join(tempDir(), 'index.sqlite'), { log: silentLogger });
});

afterEach(() => store.close());

afterAll(async () => {
  await fileReadThread.close();
  fileReadThread.setTestOptions({ stall: null, timeoutMs: REQUEST_TIMEOUT_MS });
});

describe('a stuck read or listing', () => {
  it('fails only its own file or folder (E_READ_TIMEOUT), which keeps what was indexed; the sync finishes', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'stuck-share'));
    writeFileSync(join(root, 'stuck.md'), 'the original heron');
    writeFileSync(join(root, 'other.md'), 'a plain note');
    writeFileSync(join(root, 'stuck-share', 'remote.md'), 'a remote kestrel');
    const connector = folderKind.create(testConfig('folder', root));
    const engine = new SyncEngine({ store, pipeline: new IngestionPipeline(store), log: silentLogger });
    const sync = () => engine.sync(connector, { signal: new AbortController().signal, trigger: 'manual' });
    const titles = (q: string) => store.search(q, {}).map((h) => h.title);
    expect(await sync()).toMatchObject({ added: 3, failed: 0 });

    // From now on, reading stuck.md and listing stuck-share wait far longer than the test runs.
    await fileReadThread.close();
    fileReadThread.setTestOptions({ stall: { match: 'stuck', ms: 120_000 }, timeoutMs: 300 });
    writeFileSync(join(root, 'stuck.md'), 'the edited osprey, longer');
    writeFileSync(join(root, 'other.md'), 'an edited plover note');
    writeFileSync(join(root, 'fresh.md'), 'a fresh wren');

    const result = await sync();
    expect(result).toMatchObject({ added: 1, updated: 1, deleted: 0, failed: 2 });
    expect(titles('plover')).toEqual(['other']);
    expect(titles('wren')).toEqual(['fresh']);
    expect(titles('heron')).toEqual(['stuck']);
    expect(titles('osprey')).toEqual([]);
    expect(titles('kestrel')).toEqual(['remote']);
    const errors = store.listItemErrors(connector.id).map(({ path, code, message }) => ({ path, code, message }));
    expect(errors).toEqual(
      expect.arrayContaining([
        {
          path: join(root, 'stuck.md'),
          code: 'E_READ_TIMEOUT',
          message: expect.stringMatching(/^Reading this file made no progress for 0\.3 s .* last indexed version/),
        },
        {
          path: join(root, 'stuck-share'),
          code: 'E_READ_TIMEOUT',
          message: expect.stringMatching(/^Listing this folder made no progress for 0\.3 s .* is kept/),
        },
      ]),
    );
    expect(errors).toHaveLength(2);
  });
});
