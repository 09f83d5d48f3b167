// A read-only SyncService (the CLI's status) beside the process that writes the data folder (the app or daemon):
// a sync that process is running shows as "syncing", not as the idle state the index had before it.
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SyncService } from '../../../electron/core/service.js';
import { KnowledgeStore } from '../../../electron/core/store.js';
import { silentLogger } from '../../../shared/logger.js';
import { notesAndDataDir } from '../../helpers/notes-folder.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs('jarvis-service-writer-');
const services: SyncService[] = [];
let holder: ChildProcess | null = null;

afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
  holder?.kill('SIGKILL');
  holder = null;
});

async function openReadonly(dataDir: string): Promise<SyncService> {
  const s = await SyncService.open({ dataDir, owner: 'cli', readonly: true });
  services.push(s);
  return s;
}

/** A live process that holds the data folder's lock as a daemon would. */
async function daemonHoldingLock(dataDir: string): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'console.log("ready"); setInterval(() => {}, 1000)']);
  holder = child;
  await new Promise((resolve) => child.stdout.once('data', resolve));
  const lock = { pid: child.pid, owner: 'daemon', host: hostname(), startedAt: Date.now() };
  writeFileSync(join(dataDir, 'jarvis-sync.lock'), JSON.stringify(lock));
  return child.pid!;
}

describe('SyncService, read-only, while another process writes', () => {
  it('shows the run that process has going as syncing, and names the process', async () => {
    const { notes, dataDir } = notesAndDataDir(tempDir(), { 'a.md': 'a' });
    const writer = await SyncService.open({ dataDir, owner: 'daemon' });
    const { id } = await writer.addConnector({ kind: 'folder', path: notes, name: 'Notes' }, { syncNow: false });
    await writer.syncNow([id]);
    await writer.stop();
    // The daemon's next run, still going: recorded as running in the index, as the engine does when it starts one.
    const store = KnowledgeStore.open(join(dataDir, 'index.sqlite'), { log: silentLogger });
    store.startRun(id, 'schedule', Date.now());
    store.close();

    // Nobody holds the lock: a run left "running" is a crashed one, not a sync going on.
    expect((await openReadonly(dataDir)).getConnector(id).state).toBe('idle');

    const pid = await daemonHoldingLock(dataDir);
    const reader = await openReadonly(dataDir);
    // Before, status said "idle" while the daemon was syncing this connector.
    expect(reader.getConnector(id).state).toBe('syncing');
    expect(reader.writerElsewhere).toMatchObject({ pid, owner: 'daemon' });
  });
});
