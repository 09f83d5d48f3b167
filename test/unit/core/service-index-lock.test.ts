// Another program holds the index's write lock when the app starts (a database browser with a transaction open, a
// backup tool): the app must start anyway, keep answering search, report the lock on each sync, and take the index
// back as soon as the other program lets go, without a restart and without losing anything. A real SyncService on a
// real index; the other program is a second better-sqlite3 connection.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SyncService } from '../../../electron/core/service.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-service-index-lock-');
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const LOCK_NOTICE = /Another program holds the lock of the index/;

/** A data folder whose 'Notes' connector has indexed one note holding "apples"; no service left open. */
async function indexedFolder(): Promise<{ dataDir: string; notes: string; id: string }> {
  const root = tempDir();
  const notes = join(root, 'notes');
  mkdirSync(notes);
  writeFileSync(join(notes, 'a.md'), '# A\n\napples\n');
  const dataDir = join(root, 'data');
  const service = await SyncService.open({ dataDir });
  try {
    const { id } = await service.addConnector({ kind: 'folder', path: notes, name: 'Notes' }, { syncNow: false });
    const report = await service.syncNow([id]);
    expect(report.failures).toEqual({});
    return { dataDir, notes, id };
  } finally {
    await service.stop();
  }
}

/** Another program's connection holding the write lock until released. */
function holdWriteLock(dataDir: string, opts: { keepReadersOut?: boolean } = {}): { release: () => void } {
  const other = new Database(join(dataDir, 'index.sqlite'));
  if (opts.keepReadersOut) {
    // An exclusive lock: in WAL mode, readers are kept out only by a connection in EXCLUSIVE locking mode.
    other.pragma('locking_mode = EXCLUSIVE');
    other.exec("BEGIN IMMEDIATE; INSERT INTO meta (key, value) VALUES ('other-program', '1')");
  } else {
    other.exec('BEGIN IMMEDIATE');
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    other.exec('ROLLBACK');
    other.close();
  };
  cleanups.push(release);
  return { release };
}

async function openService(dataDir: string): Promise<SyncService> {
  const service = await SyncService.open({ dataDir, indexLockRetryMs: 50, scheduler: { jitterRatio: 0 } });
  cleanups.push(() => service.stop());
  return service;
}

describe('SyncService when another program holds the index lock at start', () => {
  it('starts, searches what was indexed, reports each sync as busy, and syncs once the lock is released', async () => {
    const { dataDir, notes, id } = await indexedFolder();
    writeFileSync(join(notes, 'b.md'), '# B\n\nbananas\n');
    const lock = holdWriteLock(dataDir);

    const service = await openService(dataDir);
    service.start();
    expect(service.getState().notices).toMatchObject([
      { level: 'warning', message: expect.stringMatching(LOCK_NOTICE) },
    ]);
    expect(service.getState().notices[0].message).toMatch(/Search shows what was indexed before/);
    expect(service.search('apples').map((h) => h.title)).toEqual(['A']);

    const report = await service.syncNow([id]);
    expect(report.failures[id]).toMatch(/busy: another program holds its write lock/);
    expect(service.getConnector(id)).toMatchObject({ state: 'error', lastError: { code: 'SQLITE_BUSY' } });
    expect(service.getConnector(id).documents).toBe(1);
    // Removing the connector would leave its documents searchable: refused, and the connector stays.
    await expect(service.removeConnector(id, { keepIndex: false })).rejects.toThrow(
      /busy: another program holds its write lock. Nothing was changed/,
    );
    expect(service.getState().connectors.map((c) => c.id)).toEqual([id]);

    lock.release();
    // Taken within a retry period, with no sync asked for: the notice goes and the connector catches up.
    await vi.waitFor(
      () => {
        expect(service.getState().notices).toEqual([]);
        expect(service.search('bananas').map((h) => h.title)).toEqual(['B']);
      },
      { timeout: 20_000, interval: 20 },
    );
    await vi.waitFor(() => expect(service.getConnector(id)).toMatchObject({ state: 'idle', lastError: null }), {
      timeout: 20_000,
      interval: 20,
    });
    expect(service.getConnector(id).documents).toBe(2);
  }, 30_000);

  it('a lock that keeps readers out too: search finds nothing meanwhile, and everything is back after', async () => {
    const { dataDir } = await indexedFolder();
    const lock = holdWriteLock(dataDir, { keepReadersOut: true });

    const service = await openService(dataDir);
    expect(service.getState().notices[0].message).toMatch(/Search finds nothing until the lock is released/);
    expect(service.search('apples')).toEqual([]);

    lock.release();
    await vi.waitFor(() => expect(service.search('apples').map((h) => h.title)).toEqual(['A']), {
      timeout: 20_000,
      interval: 20,
    });
    expect(service.getState().notices).toEqual([]);
  }, 30_000);

  it('a globally paused app takes the lock back but does not sync for it', async () => {
    const { dataDir, notes, id } = await indexedFolder();
    const before = await openService(dataDir);
    before.pause(null);
    await before.stop();
    writeFileSync(join(notes, 'b.md'), '# B\n\nbananas\n');
    const lock = holdWriteLock(dataDir);

    const service = await openService(dataDir);
    service.start();
    const attempted = service.getConnector(id).lastAttemptAt;
    lock.release();
    await vi.waitFor(() => expect(service.getState().notices).toEqual([]), { timeout: 20_000, interval: 20 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(service.getConnector(id)).toMatchObject({ state: 'paused', lastAttemptAt: attempted });
    expect(service.search('bananas')).toEqual([]);
    // Writable again: a sync asked for runs.
    const report = await service.syncNow([id]);
    expect(report.failures).toEqual({});
    expect(service.search('bananas').map((h) => h.title)).toEqual(['B']);
  }, 30_000);
});
