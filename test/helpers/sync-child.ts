/**
 * Child process for crash tests: opens the data folder and syncs everything. The parent kills it with SIGKILL
 * at a random moment after it prints "syncing".
 */
import { SyncService } from '../../electron/core/service.js';
import { readTestHooks } from '../../electron/headless/test-hooks.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: sync-child <dataDir>');
// JARVIS_SYNC_READ_DELAY_MS slows every read, so a kill lands mid-sync on any machine.
const { kinds } = readTestHooks(process.env, () => 3600);
const service = await SyncService.open({ dataDir, owner: 'cli', kinds });
process.stdout.write('syncing\n');
const report = await service.syncNow(null);
await service.stop();
process.stdout.write(`${JSON.stringify(report)}\n`);
