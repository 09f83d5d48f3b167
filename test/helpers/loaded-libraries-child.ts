/**
 * Child process for the lazy-loading test: syncs the connectors given on the command line one at a time (in a
 * fresh process, so nothing else has loaded the libraries) and prints which parser libraries are loaded after
 * opening the service and after each sync.
 *
 *   run-ts loaded-libraries-child.ts <dataDir> <kind>:<path> …
 */
import { createRequire } from 'node:module';
import { SyncService } from '../../electron/core/service.js';
import type { ConnectorKind } from '../../shared/types.js';

const LIBRARIES = ['mailparser', 'html-to-text', 'yaml'];
const requireCache = createRequire(import.meta.url).cache;

function loaded(): string[] {
  const paths = Object.keys(requireCache);
  return LIBRARIES.filter((lib) => paths.some((p) => p.includes(`/node_modules/${lib}/`)));
}

const [dataDir, ...sources] = process.argv.slice(2);
const service = await SyncService.open({ dataDir, owner: 'cli' });
const steps: { after: string; loaded: string[]; added?: number; failed?: number }[] = [
  { after: 'open', loaded: loaded() },
];
for (const source of sources) {
  const [kind, path] = [source.slice(0, source.indexOf(':')), source.slice(source.indexOf(':') + 1)];
  const { id } = await service.addConnector({ kind: kind as ConnectorKind, path }, { syncNow: false });
  const result = (await service.syncNow([id])).results[id];
  steps.push({ after: kind, loaded: loaded(), added: result?.added, failed: result?.failed });
}
await service.stop();
process.stdout.write(`${JSON.stringify(steps)}\n`);
