/**
 * Crash safety: a sync process killed with SIGKILL at random moments, across a corpus that keeps changing,
 * converges on the next clean sync with nothing lost, nothing duplicated and no stale text.
 * (The long version, hundreds of kills, is `npm run reliability`.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SyncService } from '../../../electron/core/service.js';
import { NoteCorpus } from '../../helpers/corpus.js';

const root = mkdtempSync(join(tmpdir(), 'jarvis-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function killMidSync(dataDir: string, delayMs: number, env: Record<string, string> = {}): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve('bin/run-ts.mjs'), resolve('test/helpers/sync-child.ts'), dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('syncing')) setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) done();
      else fail(new Error(`child exited ${code}: ${stderr}`));
    });
  });
}

/** 1,500 generated notes and a data folder with a folder connector "notes" on them, never synced. */
async function notesConnector(prefix: string, seed: number): Promise<{ corpus: NoteCorpus; dataDir: string }> {
  const corpus = new NoteCorpus(join(root, `${prefix}notes`), seed);
  corpus.add(1500);
  const dataDir = join(root, `${prefix}data`);
  const setup = await SyncService.open({ dataDir });
  await setup.addConnector({ kind: 'folder', path: corpus.root, name: 'Notes' }, { syncNow: false });
  await setup.stop();
  return { corpus, dataDir };
}

describe('crash safety', () => {
  it('converges after repeated SIGKILLs mid-sync: no loss, no duplicates, no stale text', async () => {
    const { corpus, dataDir } = await notesConnector('', 42);

    const kills = 6;
    for (let i = 0; i < kills; i++) {
      corpus.mutate(40);
      await killMidSync(dataDir, 20 + ((i * 97) % 400));
    }

    const service = await SyncService.open({ dataDir });
    try {
      const report = await service.syncNow(null);
      expect(report.failures).toEqual({});
      expect(service.integrityCheck().ok).toBe(true);
      const status = service.getConnector('notes');
      expect(status.documents).toBe(corpus.notes.size);
      for (const [rel, word] of corpus.notes) {
        const hits = service.search(word, { limit: 5 });
        expect(
          hits.map((h) => h.path),
          rel,
        ).toEqual([join(corpus.root, rel)]);
      }
      for (const word of corpus.gone) expect(service.search(word, {}), word).toEqual([]);
      // A second sync finds nothing to do: the checkpoint and manifest are consistent with the index.
      const again = await service.syncNow(null);
      expect(again.results.notes).toMatchObject({ added: 0, updated: 0, deleted: 0, unchanged: corpus.notes.size });
    } finally {
      await service.stop();
    }
  }, 180_000);

  it('keeps in the run history what a run killed mid-sync had committed', async () => {
    const { corpus, dataDir } = await notesConnector('history-', 7);
    // Reads slowed to 2 ms each (about 3 s for the 1,500 notes): killed 1.5 s in, the sync has committed some.
    await killMidSync(dataDir, 1500, { JARVIS_SYNC_READ_DELAY_MS: '2' });

    const service = await SyncService.open({ dataDir });
    try {
      const [run] = service.history('notes', 1);
      const { documents } = service.getConnector('notes');
      // Killed or not, the history says what is in the index; before, a killed run said "0 added".
      expect(run.counts.added).toBe(documents);
      if (documents < corpus.notes.size)
        expect(run).toMatchObject({ outcome: 'failed', error: { code: 'E_INTERRUPTED' } });
    } finally {
      await service.stop();
    }
  }, 60_000);
});
