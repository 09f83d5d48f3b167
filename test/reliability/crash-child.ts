/**
 * Child process of the crash suites: opens the data folder through the real SyncService and syncs every
 * connector, printing markers the parent uses to time its SIGKILL:
 *   `open`             the service is open (lock taken, index opened/checked/migrated)
 *   `syncing`          the sync starts
 *   `p <done>`         progress (units examined), at most every `progressStep` units
 *   `{…}`              the final report (only if nobody killed it)
 * Warnings and errors of the core (e.g. "index damaged, rebuilding") go to stderr as `warn:`/`error:` lines, so the
 * parent can prove no crash ever needed a repair.
 *
 * argv: <dataDir> [--reset <connectorId>] [--progress-step N]
 */
import { parseArgs } from 'node:util';
import { SyncService } from '../../electron/core/service.js';
import type { Logger } from '../../shared/logger.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { reset: { type: 'string' }, 'progress-step': { type: 'string' } },
});
const dataDir = positionals[0];
if (!dataDir) throw new Error('usage: crash-child <dataDir> [--reset id] [--progress-step N]');
const step = Math.max(1, Number(values['progress-step'] ?? 25));

const line = (level: string) => (...args: unknown[]) =>
  process.stderr.write(`${level}: ${args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ')}\n`);
const logger: Logger = { debug() {}, info() {}, warn: line('warn'), error: line('error') };

const service = await SyncService.open({ dataDir, owner: 'cli', createLogger: () => logger });
process.stdout.write('open\n');
if (values.reset) service.resetCheckpoint(values.reset);
process.stdout.write('syncing\n');
let last = -step;
const report = await service.syncNow(null, {
  onProgress: (_id, p) => {
    if (p.done - last >= step) {
      last = p.done;
      process.stdout.write(`p ${p.done}\n`);
    }
  },
});
await service.stop();
process.stdout.write(`${JSON.stringify(report)}\n`);
