/**
 * Test-only interference for the bad-input corpus: files "changed or deleted mid-read" (bad-inputs.md #9, #10)
 * happen at the moment that matters instead of racing a writer process. The real connector modules are wrapped
 * (like the daemon's JARVIS_SYNC_READ_DELAY_MS hook): enumeration and reading stay the real code, the wrapper only
 * acts on the file around the real `read`. By file name:
 *   *vanishes-before-open*   deleted after the walk listed it, just before the connector opens it
 *   *grows-while-read*       appended to, over and over, for as long as the connector's read of it lasts (the
 *                            read happens on the reader thread, so the appends land between its two fstat calls)
 *   *shrinks-while-read*     (an mbox) cut to half its size once its first message has been handed over
 */
import { rmSync, statSync, truncateSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { basename } from 'node:path';
import { CONNECTOR_MODULES } from '../../electron/connectors/registry.js';
import {
  withRead,
  type Connector,
  type ConnectorKindModule,
  type ReadEvent,
  type UnitRead,
} from '../../electron/connectors/types.js';

export function interferingKinds(modules: readonly ConnectorKindModule[] = CONNECTOR_MODULES): ConnectorKindModule[] {
  return modules.map((m) => withRead(m, interferingRead));
}

async function interferingRead(
  inner: Connector,
  ...[unit, previous, ctx]: Parameters<Connector['read']>
): Promise<UnitRead> {
  const name = basename(unit.path);
  if (name.includes('vanishes-before-open')) rmSync(unit.path, { force: true });
  if (name.includes('grows-while-read')) return growWhile(() => inner.read(unit, previous, ctx), unit.path);
  const read = await inner.read(unit, previous, ctx);
  if (name.includes('shrinks-while-read')) return { mode: read.mode, events: shrinkAfterFirst(read.events, unit.path) };
  return read;
}

/**
 * Appends to the file from a worker thread for as long as `start()`'s read lasts. A thread, not this event loop:
 * the engine keeps the main thread busy (chunking, writing batches) while the reader thread reads, and a loop here
 * would stall exactly then. The read starts only once the writer is seen appending.
 */
async function growWhile<T>(start: () => Promise<T>, path: string): Promise<T> {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const writer = new Worker(
    `const { appendFileSync } = require('node:fs');
     const { workerData } = require('node:worker_threads');
     while (Atomics.load(workerData.stop, 0) === 0) appendFileSync(workerData.path, '+');`,
    { eval: true, workerData: { path, stop } },
  );
  const exited = new Promise((resolve) => writer.once('exit', resolve));
  try {
    const size = statSync(path).size;
    while (statSync(path).size === size) await new Promise((resolve) => setTimeout(resolve, 1));
    return await start();
  } finally {
    Atomics.store(stop, 0, 1);
    await exited;
  }
}

async function* shrinkAfterFirst(events: AsyncIterable<ReadEvent>, path: string): AsyncGenerator<ReadEvent> {
  let first = true;
  for await (const ev of events) {
    yield ev;
    if (first) {
      first = false;
      truncateSync(path, Math.floor(statSync(path).size / 2));
    }
  }
}
