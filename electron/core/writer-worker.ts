/**
 * The writer thread's entry (see writer-thread.ts): a second connection to the index that commits the engine's
 * batches with the same code as the inline writer (applyBatch), one message per batch, in the order they come.
 *
 * Bundled as its own entry (out/main/writer-worker.js) for the Electron app; run from source through tsx otherwise.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '../../shared/logger.js';
import { applyRunBatch, FailedRuns } from './batch-writer.js';
import { IngestionPipeline } from './pipeline.js';
import { KnowledgeStore } from './store.js';
import type { WorkerReply, WorkerRequest, WriterWorkerData } from './writer-thread.js';
import { errorInfo } from './writer-thread.js';

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
  // Runs that had a batch fail here: their later batches may already be queued behind it.
  const failedRuns = new FailedRuns();
  port.on('message', (msg: WorkerRequest) => {
    if (msg.type === 'close') return stop();
    try {
      reply({ type: 'done', id: msg.id, outcome: applyRunBatch(store!, pipeline, msg.batch, failedRuns) });
    } catch (err) {
      reply({ type: 'failed', id: msg.id, error: errorInfo(err) });
    }
  });
  reply({ type: 'ready' });
}
