/**
 * Bad input #16, as macOS before 14 shows it: iCloud Drive with "Optimize Mac Storage" replaces a file it keeps only
 * in the cloud by a hidden `.<name>.icloud` stub, so the file vanishes from its folder. A real folder connector,
 * engine and index: the file's indexed version stays findable, the stub is reported, and the file is indexed again
 * once it is back on disk.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/logger.js';
import { folderKind } from '../../../electron/connectors/folder.js';
import { SyncEngine } from '../../../electron/core/engine.js';
import { IngestionPipeline } from '../../../electron/core/pipeline.js';
import { KnowledgeStore } from '../../../electron/core/store.js';
import { testConfig } from '../../helpers/connector-run.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-cloud-only-');
let store: KnowledgeStore;

beforeEach(() => {
  store = KnowledgeStore.open(join(tempDir(), 'index.sqlite'), { log: silentLogger });
});

afterEach(() => store.close());

describe('a file iCloud keeps only in the cloud', () => {
  it('keeps its indexed version and says why until it is downloaded, then indexes it again', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'trip.md'), 'a heron by the lake');
    writeFileSync(join(root, 'other.md'), 'a plain note');
    const connector = folderKind.create(testConfig('folder', root));
    const engine = new SyncEngine({ store, pipeline: new IngestionPipeline(store), log: silentLogger });
    const sync = () => engine.sync(connector, { signal: new AbortController().signal, trigger: 'manual' });
    const titles = (q: string) => store.search(q, {}).map((h) => h.title);
    const problems = () => store.listItemErrors(connector.id).map(({ path, code }) => ({ path, code }));
    expect(await sync()).toMatchObject({ added: 2 });

    // Evicted: the file is gone from the folder, a stub is in its place.
    renameSync(join(root, 'trip.md'), join(root, '.trip.md.icloud'));
    writeFileSync(join(root, '.trip.md.icloud'), '<plist>NSURLFileSizeKey 19</plist>');
    expect(await sync()).toMatchObject({ added: 0, updated: 0, deleted: 0 });
    expect(titles('heron')).toEqual(['trip']);
    expect(problems()).toEqual([{ path: join(root, 'trip.md'), code: 'W_PLACEHOLDER' }]);

    // Downloaded again, edited since: the stub is gone, the file is back with new text.
    rmSync(join(root, '.trip.md.icloud'));
    writeFileSync(join(root, 'trip.md'), 'an osprey by the lake');
    expect(await sync()).toMatchObject({ updated: 1, deleted: 0 });
    expect(titles('osprey')).toEqual(['trip']);
    expect(titles('heron')).toEqual([]);
    expect(problems()).toEqual([]);

    // A file deleted for real (no stub) is still removed.
    rmSync(join(root, 'trip.md'));
    expect(await sync()).toMatchObject({ deleted: 1 });
    expect(titles('osprey')).toEqual([]);
  });
});
