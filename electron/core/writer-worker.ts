/**
 * The writer thread's entry (see writer-thread.ts): a second connection to the index that commits the engine's
 * batches with the same code as the inline writer (applyBatch), one message per batch, in the order they come.
 *
 * Bundled as its own entry (out/main/writer-worker.js) for the Electron app; run from source through tsx otherwise.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '../../shared/logger.js';
import { applyBatch } from './batch-writer.js';
import { IngestionPipeline } from './pipeline.js';
import { KnowledgeStore } from './store.js';
import type { WorkerReply, WorkerRequest, WriterWorkerData } from './writer-thread.js';
import { errorInfo, skippedWrite } from './writer-thread.js';

const port = parentPort!;
const { file, stopped: stoppedBuffer } = workerData as WriterWorkerData;
const stopped = new Int32Array(stoppedBuffer);
const reply = (msg: WorkerReply): void => port.postMessage(msg);

const forward =
  (level: keyof Logger) =>
  (...args: unknown[]): void =>
    reply({ type: 'log', level, args: args.map((a) => (a instanceof Error ? a.message : a)) });
const log: Logger = { debug: forward('debug'), info: forward('info'), warn: forward('warn'), error: forward('error') };

let store: KnowledgeStore | null = null;

function stop(): void {
  try {
    store?.close();
  } finally {
    store = null;
    Atomics.store(stopped, 0, 1);
    Atomics.notify(stopped, 0);
    port.close();
  }
}

try {
  store = KnowledgeStore.attach(file, log);
} catch (err) {
  reply({ type: 'boot-failed', error: errorInfo(err) });
  stop();
}

if (store) {
  const pipeline = new IngestionPipeline(store);
  // The last write that failed or was skipped: a write given while it was pending is skipped too.
  let failedId = 0;
  port.on('message', (msg: WorkerRequest) => {
    if (msg.type === 'close') return stop();
    if (msg.afterId !== 0 && msg.afterId === failedId) {
      failedId = msg.id;
      reply({ type: 'failed', id: msg.id, error: errorInfo(skippedWrite()) });
      return;
    }
    try {
      reply({ type: 'done', id: msg.id, outcome: applyBatch(store!, pipeline, msg.batch) });
    } catch (err) {
      failedId = msg.id;
      reply({ type: 'failed', id: msg.id, error: errorInfo(err) });
    }
  });
  reply({ type: 'ready' });
}
