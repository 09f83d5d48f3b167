// A real SyncService on a temp data folder, stopped and opened again: what a connector showed before the restart
// (its failure and the reason for it) is what it shows after it, and a direct sync's outcome is what it shows next.
// The connectors themselves survive a restart even when connectors.json went missing meanwhile.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SyncService } from '../../../electron/core/service.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { FakeClock, HOUR, SEC } from './scheduler/helpers.js';

const tempDir = useTempDirs('jarvis-service-restart-');
const services: SyncService[] = [];

afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
});

async function open(dataDir: string, clock?: FakeClock): Promise<SyncService> {
  const scheduler = clock ? { jitterRatio: 0 } : undefined;
  const service = await SyncService.open({ dataDir, owner: 'daemon', watch: { debounceMs: 50 }, clock, scheduler });
  services.push(service);
  service.start();
  return service;
}

describe('SyncService across a restart', () => {
  it('a connector that failed still shows why after the app restarts', async () => {
    const root = tempDir();
    const notes = join(root, 'notes');
    mkdirSync(notes);
    writeFileSync(join(notes, 'a.md'), '# A\n\napples\n');
    const dataDir = join(root, 'data');
    let service = await open(dataDir);
    const { id } = await service.addConnector({ kind: 'folder', path: notes, name: 'Notes' }, { syncNow: false });
    await service.syncNow([id]);
    // The scheduler's run (as the app's), so its failure streak and error are the ones the app shows.
    renameSync(notes, `${notes}-unplugged`);
    expect(service.runNow(id).accepted).toBe(true);
    await vi.waitFor(() => expect(service.getConnector(id).consecutiveFailures).toBe(1), {
      timeout: 20_000,
      interval: 20,
    });
    const before = service.getConnector(id);
    expect(before.lastError?.code).toBe('E_ROOT_UNAVAILABLE');
    await service.stop();
    services.length = 0;

    service = await open(dataDir);
    const after = service.getConnector(id);
    expect(after.consecutiveFailures).toBe(before.consecutiveFailures);
    expect(after.lastError).toMatchObject({ code: 'E_ROOT_UNAVAILABLE', message: before.lastError?.message });
  });

  it('connectors.json deleted while the app was closed: the connectors come back from the backup, with a notice', async () => {
    const root = tempDir();
    const notes = join(root, 'notes');
    const mail = join(root, 'mail');
    mkdirSync(notes);
    mkdirSync(mail);
    const dataDir = join(root, 'data');
    let service = await open(dataDir);
    const { id } = await service.addConnector({ kind: 'folder', path: notes, name: 'Notes' }, { syncNow: false });
    await service.stop();
    services.length = 0;
    rmSync(join(dataDir, 'connectors.json'));

    service = await open(dataDir);
    expect(service.getState().connectors.map((c) => c.id)).toEqual([id]);
    expect(service.getState().notices).toMatchObject([
      {
        level: 'warning',
        message: expect.stringMatching(/connectors\.json was missing; the last good copy was restored/),
      },
    ]);
    // The next save builds on the restored list instead of replacing the backup with a list of one.
    const other = await service.addConnector({ kind: 'folder', path: mail, name: 'Mail' }, { syncNow: false });
    const backup = JSON.parse(readFileSync(join(dataDir, 'connectors.json.bak'), 'utf8')) as {
      connectors: { id: string }[];
    };
    expect(backup.connectors.map((c) => c.id)).toEqual([id, other.id]);
  });

  it('a connector added with the CLI is indexed soon after the app starts, not an interval later', async () => {
    const root = tempDir();
    const notes = join(root, 'notes');
    mkdirSync(notes);
    writeFileSync(join(notes, 'a.md'), '# A\n\napples\n');
    const dataDir = join(root, 'data');
    // `jarvis-sync add` adds without syncing and exits.
    const cli = await SyncService.open({ dataDir, owner: 'cli' });
    const { id } = await cli.addConnector({ kind: 'folder', path: notes, name: 'Notes' }, { syncNow: false });
    await cli.stop();

    const clock = new FakeClock();
    const service = await open(dataDir, clock);
    expect(service.getConnector(id)).toMatchObject({ lastSuccessAt: null, nextRunAt: clock.now() + 10 * SEC });
    await clock.advance(10 * SEC);
    await vi.waitFor(() => expect(service.getConnector(id).lastSuccessAt).not.toBeNull(), { timeout: 20_000 });
    expect(service.search('apples').map((h) => h.title)).toEqual(['A']);
  });

  it("a sync run directly (the CLI's `sync`) updates the streak, error and next run the app shows and retries on", async () => {
    const root = tempDir();
    const notes = join(root, 'notes');
    mkdirSync(notes);
    writeFileSync(join(notes, 'a.md'), '# A\n\napples\n');
    const dataDir = join(root, 'data');
    // Backoffs at their full length (random 1), so the due times below are exact.
    const clock = new FakeClock({ random: () => 1 });
    let service = await open(dataDir, clock);
    const { id } = await service.addConnector({ kind: 'folder', path: notes, name: 'Notes' }, { syncNow: false });
    expect((await service.syncNow([id])).failures).toEqual({});

    // A direct failure starts a backoff, as the scheduler's own failure would: a retry in 30 s, not in an hour.
    renameSync(notes, `${notes}-unplugged`);
    expect(Object.keys((await service.syncNow([id])).failures)).toEqual([id]);
    expect(service.getConnector(id)).toMatchObject({
      state: 'error',
      consecutiveFailures: 1,
      lastError: { code: 'E_ROOT_UNAVAILABLE' },
      nextRunAt: clock.now() + 30 * SEC,
    });
    await service.stop();
    services.length = 0;

    // After a restart the streak and its error come back; a direct success then ends both at once.
    service = await open(dataDir, clock);
    expect(service.getConnector(id)).toMatchObject({ state: 'error', consecutiveFailures: 1 });
    renameSync(`${notes}-unplugged`, notes);
    expect((await service.syncNow([id])).failures).toEqual({});
    // The next run is one interval away (an hour by default), not the old backoff's retry.
    expect(service.getConnector(id)).toMatchObject({
      state: 'idle',
      consecutiveFailures: 0,
      lastError: null,
      nextRunAt: clock.now() + HOUR,
    });
  });
});
