/**
 * What a search result points at, through a real folder connector, engine and index: the path of a note follows it
 * when it is renamed between Unicode forms (its key does not change), and a symbolic link to a note never makes a
 * second document, nor brings in a note the folder's settings leave out.
 */
import { existsSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/logger.js';
import { folderKind } from '../../../electron/connectors/folder.js';
import { SyncEngine } from '../../../electron/core/engine.js';
import { IngestionPipeline } from '../../../electron/core/pipeline.js';
import { KnowledgeStore } from '../../../electron/core/store.js';
import { testConfig } from '../../helpers/connector-run.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-file-identity-');
let store: KnowledgeStore;

beforeEach(() => {
  store = KnowledgeStore.open(join(tempDir(), 'index.sqlite'), { log: silentLogger });
});

afterEach(() => store.close());

function setUp(root: string, excludes: string[] = []) {
  const connector = folderKind.create(testConfig('folder', root, { excludes }));
  const engine = new SyncEngine({ store, pipeline: new IngestionPipeline(store), log: silentLogger });
  const sync = () => engine.sync(connector, { signal: new AbortController().signal, trigger: 'manual' });
  const paths = (q: string) => store.search(q, {}).map((h) => h.path);
  return { sync, paths };
}

describe('a note renamed between Unicode forms', () => {
  it('is found at its new spelling, whether its folder or the note itself was renamed', async () => {
    const root = tempDir();
    const nfd = 'Re\u0301unions';
    const nfc = 'R\u00e9unions';
    mkdirSync(join(root, 'notes', nfd), { recursive: true });
    for (const n of [1, 2, 3]) writeFileSync(join(root, 'notes', nfd, `n${n}.md`), `agenda${n} for the week`);
    writeFileSync(join(root, 'notes', 'plain.md'), 'an ordinary note');
    const { sync, paths } = setUp(root);
    expect(await sync()).toMatchObject({ added: 4 });
    expect(paths('agenda1')).toEqual([join(root, 'notes', nfd, 'n1.md')]);

    // The folder, as moved from macOS to Linux: NFD to NFC.
    renameSync(join(root, 'notes', nfd), join(root, 'notes', nfc));
    expect(await sync()).toMatchObject({ added: 0, updated: 3, deleted: 0, unchanged: 1 });
    for (const n of [1, 2, 3]) {
      const [path] = paths(`agenda${n}`);
      expect(path).toBe(join(root, 'notes', nfc, `n${n}.md`));
      expect(existsSync(path!)).toBe(true);
    }
    // Nothing renamed, nothing re-read.
    expect(await sync()).toMatchObject({ added: 0, updated: 0, deleted: 0, unchanged: 4 });

    // A note whose own name goes NFC to NFD, and back, in a folder spelled in NFC, then in one spelled in NFD.
    writeFileSync(join(root, 'notes', nfc, 'caf\u00e9.md'), 'espresso notes');
    expect(await sync()).toMatchObject({ added: 1 });
    renameSync(join(root, 'notes', nfc, 'caf\u00e9.md'), join(root, 'notes', nfc, 'cafe\u0301.md'));
    expect(await sync()).toMatchObject({ updated: 1, unchanged: 4 });
    expect(paths('espresso')).toEqual([join(root, 'notes', nfc, 'cafe\u0301.md')]);
    renameSync(join(root, 'notes', nfc), join(root, 'notes', nfd));
    expect(await sync()).toMatchObject({ updated: 4, unchanged: 1 });
    renameSync(join(root, 'notes', nfd, 'cafe\u0301.md'), join(root, 'notes', nfd, 'caf\u00e9.md'));
    expect(await sync()).toMatchObject({ updated: 1, unchanged: 4 });
    expect(paths('espresso')).toEqual([join(root, 'notes', nfd, 'caf\u00e9.md')]);
    expect(existsSync(paths('espresso')[0]!)).toBe(true);
  });
});

describe('a symbolic link to a note', () => {
  it('is never indexed as a document of its own, so it neither doubles a note nor reveals a left-out one', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'notes/diary'), { recursive: true });
    mkdirSync(join(root, 'notes/.private'), { recursive: true });
    writeFileSync(join(root, 'notes/plan.md'), 'the launch plan');
    writeFileSync(join(root, 'notes/diary/d.md'), 'dear diary confession');
    writeFileSync(join(root, 'notes/.private/p.md'), 'hidden password hint');
    symlinkSync('plan.md', join(root, 'notes/plan-link.md'));
    symlinkSync('diary/d.md', join(root, 'notes/today.md'));
    symlinkSync('.private/p.md', join(root, 'notes/p.md'));
    const { sync, paths } = setUp(root, ['diary']);
    expect(await sync()).toMatchObject({ added: 1 });
    expect(paths('launch')).toEqual([join(root, 'notes/plan.md')]);
    expect(paths('confession')).toEqual([]);
    expect(paths('password')).toEqual([]);
  });
});
