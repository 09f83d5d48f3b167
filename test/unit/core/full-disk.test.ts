// A data folder on a full disk: a small tmpfs filled to its last block, so every write fails with a real ENOSPC
// (mounting needs root on Linux; elsewhere these tests are skipped, saying why). The index on it is intact and was
// closed cleanly (no -wal, no -shm): reading commands still answer from it, and writing ones say the disk is full.
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { silentLogger } from '../../../shared/logger.js';
import { acquireDataDirLock, DataDirFullError, dataPaths } from '../../../electron/core/data-dir.js';
import { writeAtomic } from '../../../electron/core/json-file.js';
import { SyncService } from '../../../electron/core/service.js';
import { KnowledgeStore } from '../../../electron/core/store.js';
import { main, type CliIo } from '../../../electron/headless/cli.js';
import { notesAndDataDir } from '../../helpers/notes-folder.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

const mounts: string[] = [];
const roots: string[] = [];
afterEach(() => {
  // Unmounted before the folders holding the mount points are removed.
  for (const dir of mounts.splice(0)) execFileSync('umount', ['-l', dir]);
  for (const dir of roots.splice(0)) removeTempDir(dir);
});

/** Mounts a tmpfs of `size` on `dir`; the reason it cannot, or null. */
function mountTmpfs(dir: string, size: string): string | null {
  if (process.platform !== 'linux') return 'a tmpfs can only be mounted on Linux';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    const said = ((err as { stderr?: Buffer }).stderr?.toString() ?? (err as Error).message).trim();
    return `mount -t tmpfs failed (${said || 'no message'}): it needs root`;
  }
  mounts.push(dir);
  return null;
}

/** Writes filler until the file system refuses even a single byte. */
function fillDisk(dir: string): void {
  const filler = join(dir, `filler-${readdirSync(dir).length}`);
  for (const size of [1024 * 1024, 4096, 1]) {
    try {
      for (;;) appendFileSync(filler, Buffer.alloc(size));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    }
  }
  const fs = statfsSync(dir);
  expect(fs.bavail * fs.bsize).toBe(0);
}

/** A data folder on a tmpfs, with a synced index of one note ("Apple"), closed cleanly. Null when skipped. */
async function indexedDataDirOnTmpfs(ctx: TestContext): Promise<{ disk: string; dataDir: string } | null> {
  const root = makeTempDir('jarvis-full-disk-');
  roots.push(root);
  const disk = join(root, 'disk');
  mkdirSync(disk);
  const problem = mountTmpfs(disk, '8m');
  if (problem !== null) {
    ctx.skip(problem);
    return null;
  }
  const { notes } = notesAndDataDir(root, { 'apple.md': '# Apple\n\nan apple orchard\n' });
  const dataDir = join(disk, 'data');
  mkdirSync(dataDir);
  writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ watchForChanges: false }));
  const service = await SyncService.open({ dataDir, owner: 'cli', writer: 'inline' });
  try {
    const { id } = await service.addConnector({ kind: 'folder', path: notes, name: 'Notes' }, { syncNow: false });
    await service.syncNow([id]);
  } finally {
    await service.stop();
  }
  expect(readdirSync(dataDir).sort()).toEqual([
    'connectors.json',
    'connectors.json.bak',
    'index.sqlite',
    'settings.json',
    'settings.json.bak',
  ]);
  return { disk, dataDir };
}

function capturingIo(): CliIo & { text: () => string } {
  let text = '';
  return {
    out: (t) => (text += t),
    err: (t) => (text += t),
    interactive: false,
    env: {},
    now: Date.now,
    text: () => text,
  };
}

async function cli(args: string[], dataDir: string): Promise<{ code: number; text: string }> {
  const io = capturingIo();
  const code = await main([...args, '--data-dir', dataDir], io);
  return { code, text: io.text() };
}

const DISK_FULL = /The disk holding the data folder .*data is full.*: free some space on it/;

describe('a data folder on a full disk', () => {
  it('status, list and search answer from the index; sync and serve say the disk is full; no temp file is left', async (ctx) => {
    const setup = await indexedDataDirOnTmpfs(ctx);
    if (!setup) return;
    const { disk, dataDir } = setup;
    fillDisk(disk);

    // Before: "disk I/O error" (the read-only open must create index.sqlite-shm, which a full disk refuses).
    const status = await cli(['status'], dataDir);
    expect(status.text).toContain('Notes');
    expect(status.text).not.toMatch(/I\/O error/);
    expect(status.code).toBe(0);
    const list = await cli(['list'], dataDir);
    expect([list.code, list.text]).toEqual([0, expect.stringContaining('Notes')]);
    const search = await cli(['search', 'apple'], dataDir);
    expect([search.code, search.text]).toEqual([0, expect.stringContaining('Apple')]);

    // Before: "ENOSPC: no space left on device, write".
    const sync = await cli(['sync'], dataDir);
    expect(sync.code).toBe(1);
    expect(sync.text).toMatch(DISK_FULL);
    const serve = await cli(['serve', '--port', '0', '--host', '127.0.0.1'], dataDir);
    expect(serve.code).toBe(1);
    expect(serve.text).toMatch(DISK_FULL);

    // Before: a .connectors.json.bak.<pid>.tmp of 0 bytes per reading command.
    expect(readdirSync(dataDir).filter((f) => f.endsWith('.tmp') || f === 'jarvis-sync.lock')).toEqual([]);
  });

  it('reads the index without its -shm only while no writer holds the data folder and its WAL is empty', async (ctx) => {
    const setup = await indexedDataDirOnTmpfs(ctx);
    if (!setup) return;
    const { disk, dataDir } = setup;
    const { db, lock } = dataPaths(dataDir);
    // Made while there is space, put in place (a rename needs none) once the disk is full.
    writeFileSync(
      `${lock}.held`,
      JSON.stringify({ pid: process.ppid, owner: 'daemon', host: hostname(), startedAt: 1 }),
    );
    const writer = new Database(db);
    writer.pragma('wal_autocheckpoint = 0');
    writer.prepare("INSERT INTO meta (key, value) VALUES ('full_disk_test', '1')").run();
    copyFileSync(`${db}-wal`, `${db}-wal.full`);
    writer.close();
    expect(existsSync(`${db}-wal`)).toBe(false);
    fillDisk(disk);
    /** How a read-only open went: failed, opened as usual, or opened as an immutable file (ignoring the WAL). */
    const openReadonly = (): 'failed' | 'opened' | 'immutable' => {
      const warnings: string[] = [];
      let store: KnowledgeStore;
      try {
        store = KnowledgeStore.open(db, {
          log: { ...silentLogger, warn: (m) => warnings.push(String(m)) },
          readonly: true,
        });
      } catch (err) {
        expect((err as { code?: string }).code).toMatch(/^SQLITE_IOERR/);
        return 'failed';
      }
      try {
        expect(store.search('apple', {}).map((h) => h.title)).toEqual(['Apple']);
      } finally {
        store.close();
      }
      return warnings.some((w) => w.includes('immutable')) ? 'immutable' : 'opened';
    };

    // A live process holds the lock: it may write the index any moment, so it is not read as an immutable file.
    renameSync(`${lock}.held`, lock);
    expect(openReadonly()).toBe('failed');
    renameSync(lock, `${lock}.held`);

    // Commits in the WAL would be missed by a read that ignores it (SQLite may manage to read it all the same).
    renameSync(`${db}-wal.full`, `${db}-wal`);
    expect(statSync(`${db}-wal`).size).toBeGreaterThan(0);
    expect(openReadonly()).not.toBe('immutable');
    renameSync(`${db}-wal`, `${db}-wal.full`);

    // Before: "disk I/O error" here too.
    expect(openReadonly()).toBe('immutable');
  });

  it('opening the index for writing, or taking the lock, fails saying the disk is full; a failed save leaves no temp file', async (ctx) => {
    const setup = await indexedDataDirOnTmpfs(ctx);
    if (!setup) return;
    const { disk, dataDir } = setup;
    fillDisk(disk);

    expect(() => acquireDataDirLock(dataDir, 'cli')).toThrow(DataDirFullError);
    // Before: SQLITE_IOERR_SHMSIZE, "disk I/O error".
    expect(() => KnowledgeStore.open(dataPaths(dataDir).db, { log: silentLogger })).toThrow(
      expect.objectContaining({ name: 'DataDirFullError', message: expect.stringMatching(DISK_FULL) }),
    );
    expect(() => writeAtomic(dataPaths(dataDir).connectors, '{"connectors": []}\n')).toThrow(
      expect.objectContaining({ code: 'ENOSPC' }),
    );
    expect(readdirSync(dataDir).filter((f) => f.endsWith('.tmp') || f === 'jarvis-sync.lock')).toEqual([]);
  });
});
