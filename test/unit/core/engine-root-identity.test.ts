/**
 * "A missing or unmounted folder is an error on that connector — it never empties your index." A real folder
 * connector, engine and index, with a root folder replaced by another one that the file system gave the old
 * folder's inode (ext4 often reuses a freed inode at once; every ext4 root is inode 2; a remounted tmpfs gets its
 * dev:ino back). Which inode the kernel hands out cannot be forced, so the root's stat result is given the old
 * dev:ino; everything else (the files, the new folder's birth time) is real.
 */
import { cpSync, mkdirSync, promises as fsp, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../shared/logger.js';
import { folderKind } from '../../../electron/connectors/folder.js';
import { SyncEngine } from '../../../electron/core/engine.js';
import { IngestionPipeline } from '../../../electron/core/pipeline.js';
import { KnowledgeStore } from '../../../electron/core/store.js';
import { MemorySource, memoryConnector } from '../../helpers/memory-connector.js';
import { testConfig } from '../../helpers/connector-run.js';
import { makeTempDir, removeTempDir, useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-root-identity-');
let store: KnowledgeStore;

beforeEach(() => {
  store = KnowledgeStore.open(join(tempDir(), 'index.sqlite'), { log: silentLogger });
});

afterEach(() => {
  vi.restoreAllMocks();
  store.close();
});

/** Whether the temp folder's file system keeps birth times (statx on Linux); without them there is nothing to test. */
const keepsBirthTimes = (() => {
  const dir = makeTempDir('jarvis-birth-');
  try {
    return statSync(dir).birthtimeMs > 0;
  } finally {
    removeTempDir(dir);
  }
})();

function setUp() {
  const root = join(tempDir(), 'notes');
  mkdirSync(root);
  for (let i = 0; i < 10; i++) writeFileSync(join(root, `n${i}.md`), `note number ${i}`);
  const connector = folderKind.create(testConfig('folder', root));
  const engine = new SyncEngine({ store, pipeline: new IngestionPipeline(store), log: silentLogger });
  const sync = () => engine.sync(connector, { signal: new AbortController().signal, trigger: 'manual' });
  return { root, connector, engine, sync };
}

/** From now on the root reports the dev:ino it had when this was called, as a reused inode would. */
function keepInodeOf(root: string): Stats {
  const old = statSync(root);
  const realStat = fsp.stat.bind(fsp) as (path: string) => Promise<Stats>;
  vi.spyOn(fsp, 'stat').mockImplementation((async (path: string) => {
    const st = await realStat(path);
    if (path !== root) return st;
    return Object.assign(Object.create(Object.getPrototypeOf(st) as object) as Stats, st, {
      dev: old.dev,
      ino: old.ino,
    });
  }) as typeof fsp.stat);
  return old;
}

/** Replaces the root by a new folder made at the same path, with a birth time of its own. */
function remake(root: string, old: Stats, contents?: string): void {
  renameSync(root, `${root}-old`);
  mkdirSync(root);
  while (statSync(root).birthtimeMs === old.birthtimeMs) {
    // A coarse clock: make the folder again until it is born later than the old one.
    rmSync(root, { recursive: true });
    mkdirSync(root);
  }
  if (contents !== undefined) cpSync(contents, root, { recursive: true });
}

describe.skipIf(!keepsBirthTimes)('a root folder replaced by one that got its inode', () => {
  it('refuses to empty the index when the new folder is empty (rm -rf notes && mkdir notes)', async () => {
    const { root, sync } = setUp();
    const old = keepInodeOf(root);
    expect(await sync()).toMatchObject({ added: 10 });

    remake(root, old);
    expect((await fsp.stat(root)).ino).toBe(old.ino);
    await expect(sync()).rejects.toMatchObject({ code: 'E_MASS_DELETE_GUARD' });
    expect(store.counts('folder-1').documents).toBe(10);
  });

  it('recovers when the new folder holds the same notes (restored from a backup), as any replaced root does', async () => {
    const { root, engine, sync } = setUp();
    const old = keepInodeOf(root);
    expect(await sync()).toMatchObject({ added: 10 });
    const before = engine.getCheckpoint('folder-1')!.rootIdentity;

    remake(root, old, `${root}-old`);
    expect(await sync()).toMatchObject({ deleted: 0 });
    expect(store.counts('folder-1').documents).toBe(10);
    // The new folder is the root from now on: emptying it is a deletion like any other.
    expect(engine.getCheckpoint('folder-1')!.rootIdentity).not.toBe(before);
    for (let i = 0; i < 10; i++) rmSync(join(root, `n${i}.md`));
    expect(await sync()).toMatchObject({ deleted: 10 });
    expect(store.counts('folder-1').documents).toBe(0);
  });
});

describe('root identities stored by a version that recorded only dev:ino', () => {
  it('match the same folder (its notes deleted for real) and are upgraded by the sync', async () => {
    const { root, engine, sync } = setUp();
    expect(await sync()).toMatchObject({ added: 10 });
    const current = engine.getCheckpoint('folder-1')!;
    const { dev, ino } = statSync(root);
    store.saveCheckpoint({ ...current, rootIdentity: `${dev}:${ino}` });

    for (let i = 0; i < 10; i++) rmSync(join(root, `n${i}.md`));
    expect(await sync()).toMatchObject({ deleted: 10 });
    expect(engine.getCheckpoint('folder-1')!.rootIdentity).toBe(current.rootIdentity);
  });

  it('compare on dev:ino only; a root that had a birth time and has none now is not the same', async () => {
    const e = new SyncEngine({ store, pipeline: new IngestionPipeline(store), log: silentLogger });
    const run = (src: MemorySource) =>
      e.sync(memoryConnector('notes', src), { signal: new AbortController().signal, trigger: 'manual' });
    const fill = (src: MemorySource) => {
      for (let i = 0; i < 10; i++) src.setNote(`n${i}.md`, `note ${i}`);
    };

    const legacy = new MemorySource();
    fill(legacy);
    legacy.rootIdentity = '2049:12';
    await run(legacy);
    legacy.units.clear();
    legacy.rootIdentity = '2049:12:1700000000000.25';
    expect(await run(legacy)).toMatchObject({ deleted: 10 });
    expect(e.getCheckpoint('notes')!.rootIdentity).toBe('2049:12:1700000000000.25');

    fill(legacy);
    await run(legacy);
    legacy.units.clear();
    legacy.rootIdentity = '2049:12:1800000000000.5';
    await expect(run(legacy)).rejects.toMatchObject({ code: 'E_MASS_DELETE_GUARD' });
    legacy.rootIdentity = '2049:12';
    await expect(run(legacy)).rejects.toMatchObject({ code: 'E_MASS_DELETE_GUARD' });
    legacy.rootIdentity = '2049:13';
    await expect(run(legacy)).rejects.toMatchObject({ code: 'E_MASS_DELETE_GUARD' });
    expect(store.counts('notes').documents).toBe(10);
  });
});
