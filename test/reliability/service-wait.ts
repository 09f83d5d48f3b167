/** Waiting for scheduler runs through the SyncService's public surface (state snapshots), with a real clock. */
import type { SyncService } from '../../electron/core/service.js';
import type { ConnectorStatus } from '../../shared/types.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Asks the scheduler to run `id` now (service.start() must have been called) and resolves with the connector's
 * status once that run has finished, whatever its outcome. Throws when it does not finish within `timeoutMs`.
 */
export async function runAndWait(service: SyncService, id: string, timeoutMs = 60_000): Promise<ConnectorStatus> {
  const accepted = service.runNow(id);
  if (!accepted.accepted) throw new Error(`run-now of ${id} refused: ${accepted.reason ?? '?'}`);
  return waitIdle(service, id, timeoutMs);
}

/** Resolves once `id` is neither queued nor syncing. */
export async function waitIdle(service: SyncService, id: string, timeoutMs = 60_000): Promise<ConnectorStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = service.getConnector(id);
    if (status.state !== 'queued' && status.state !== 'syncing') return status;
    if (Date.now() > deadline) throw new Error(`${id} still ${status.state} after ${timeoutMs} ms`);
    await sleep(10);
  }
}
