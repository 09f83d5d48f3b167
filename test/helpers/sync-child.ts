/**
 * Child process for crash tests: opens the data folder and syncs everything. The parent kills it with SIGKILL
 * at a random moment after it prints "syncing".
 */
import { SyncService } from '../../electron/core/service.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: sync-child <dataDir>');
const service = await SyncService.open({ dataDir, owner: 'cli' });
process.stdout.write('syncing\n');
const report = await service.syncNow(null);
await service.stop();
process.stdout.write(`${JSON.stringify(report)}\n`);
