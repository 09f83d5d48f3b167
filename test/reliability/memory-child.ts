/**
 * Child process of the memory suite (run with `node --expose-gc`): consecutive syncs in ONE process through the
 * real SyncService. Before each sync the corpus changes (edits, deletions, additions, renames) and the checkpoint
 * is reset, so every sync reads and hashes every file again and writes the changes. After each sync and its
 * idle-time index compaction a few searches run, then GC is forced and RSS and heap are sampled. Prints one JSON
 * object.
 *
 * argv: <workDir> <notes> <syncs> <seed>
 */
import { join } from 'node:path';
import { SyncService } from '../../electron/core/service.js';
import { NoteCorpus } from '../helpers/corpus.js';

const [workDir, notesArg, syncsArg, seedArg] = process.argv.slice(2);
if (!workDir) throw new Error('usage: memory-child <workDir> <notes> <syncs> <seed>');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const notes = Number(notesArg ?? 1500);
const syncs = Number(syncsArg ?? 10);

const corpus = new NoteCorpus(join(workDir, 'notes'), Number(seedArg ?? 3));
corpus.add(notes);
const service = await SyncService.open({ dataDir: join(workDir, 'data') });
const added = await service.addConnector({ kind: 'folder', path: corpus.root, name: 'Notes' }, { syncNow: false });

const settle = async () => {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
};

const samples: { rssMb: number; heapMb: number; externalMb: number; documents: number; ms: number }[] = [];
for (let i = 0; i < syncs; i++) {
  if (i > 0) {
    corpus.mutate(Math.max(5, Math.round(notes * 0.05)));
    service.resetCheckpoint(added.id);
  }
  const t = Date.now();
  const report = await service.syncNow(null);
  if (Object.keys(report.failures).length > 0)
    throw new Error(`sync ${i + 1} failed: ${JSON.stringify(report.failures)}`);
  const ms = Date.now() - t;
  // The app compacts the full-text index in idle time after a sync; sample the state it settles in.
  await service.whenIndexCompacted();
  let n = 0;
  for (const word of corpus.notes.values()) {
    if (n++ >= 200) break;
    if (service.search(word, {}).length !== 1) throw new Error(`sync ${i + 1}: ${word} not found`);
  }
  await settle();
  const m = process.memoryUsage();
  samples.push({
    rssMb: m.rss / 1048576,
    heapMb: m.heapUsed / 1048576,
    externalMb: (m.external + m.arrayBuffers) / 1048576,
    documents: service.getConnector(added.id).documents,
    ms,
  });
}
await service.stop();
process.stdout.write(`${JSON.stringify({ notes, samples })}\n`);
