/**
 * Child process of the fault and bad-input suites, usually run as uid 65534 ("nobody") so file permissions are met
 * for real (CI runs as root, which ignores them). It opens the data folder through the real SyncService, starts the
 * scheduler, asks every connector to run now, waits until each has finished once, and prints one JSON object:
 * notices, connector statuses, item errors, and the search hits of the words given with --search.
 *
 * argv: <dataDir> [--search WORD]… [--interfere]   (--interfere: the mid-read hooks of bad-inputs-hooks.ts)
 */
import { parseArgs } from 'node:util';
import { SyncService } from '../../electron/core/service.js';
import type { ConnectorStatus } from '../../shared/types.js';
import { interferingKinds } from './bad-inputs-hooks.js';
import { runAndWait } from './service-wait.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { search: { type: 'string', multiple: true }, interfere: { type: 'boolean', default: false } },
});
const dataDir = positionals[0];
if (!dataDir) throw new Error('usage: service-child <dataDir> [--search WORD]… [--interfere]');

export interface ServiceChildReport {
  uid: number;
  opened: boolean;
  openError: string | null;
  notices: { level: string; message: string }[];
  connectors: Pick<ConnectorStatus, 'id' | 'kind' | 'state' | 'documents' | 'lastError' | 'itemErrors' | 'lastResult'>[];
  itemErrors: { connectorId: string; path: string; code: string; severity: string }[];
  search: Record<string, { source: string; path: string | null; title: string }[]>;
  /** Messages of runs that threw inside the child (none expected). */
  crashes: string[];
}

const report: ServiceChildReport = {
  uid: process.getuid?.() ?? -1,
  opened: false,
  openError: null,
  notices: [],
  connectors: [],
  itemErrors: [],
  search: {},
  crashes: [],
};
process.on('uncaughtException', (err) => report.crashes.push(`uncaught: ${err.stack ?? String(err)}`));
process.on('unhandledRejection', (err) => report.crashes.push(`unhandled rejection: ${String(err)}`));

let service: SyncService | null = null;
try {
  service = await SyncService.open({ dataDir, owner: 'daemon', kinds: values.interfere ? interferingKinds() : undefined });
  report.opened = true;
  service.start();
  for (const c of service.getState().connectors) await runAndWait(service, c.id);
  const state = service.getState();
  report.notices = state.notices.map((n) => ({ level: n.level, message: n.message }));
  report.connectors = state.connectors.map((c) => ({
    id: c.id,
    kind: c.kind,
    state: c.state,
    documents: c.documents,
    lastError: c.lastError,
    itemErrors: c.itemErrors,
    lastResult: c.lastResult,
  }));
  report.itemErrors = service
    .itemErrors(null)
    .map((e) => ({ connectorId: e.connectorId, path: e.path, code: e.code, severity: e.severity }));
  for (const word of values.search ?? []) {
    report.search[word] = service.search(word, { limit: 50 }).map((h) => ({ source: h.source, path: h.path, title: h.title }));
  }
} catch (err) {
  if (!report.opened) report.openError = `${(err as { code?: string }).code ?? ''} ${(err as Error).message}`;
  else report.crashes.push((err as Error).stack ?? String(err));
} finally {
  await service?.stop();
}
process.stdout.write(`${JSON.stringify(report)}\n`);
