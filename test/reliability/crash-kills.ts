/**
 * Random SIGKILL campaign: one long-lived corpus of notes that keeps changing (edits, deletions, additions,
 * renames) and a fresh sync child per round (test/reliability/crash-child.ts via bin/run-ts.mjs), killed with
 * SIGKILL at a random moment:
 *   - 'early' kills: a random time after spawn (module load, lock take-over, index open/check/migration);
 *   - 'open' kills: a random time after the service opened (interrupted-run marking, enumeration, sweep);
 *   - 'progress' kills: when the sync has examined a random share of the units (reads, batches, commits).
 * Some rounds reset the checkpoint first (everything is read again; documents without a manifest row exist).
 * Every child's stderr is checked for repairs: a crash must never need one. Every `integrityEvery` kills the
 * index is opened and fully checked. At the end, a clean sync must converge exactly (verifyConvergence).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SyncService } from '../../electron/core/service.js';
import { NoteCorpus } from '../helpers/corpus.js';
import { recordingLogger, removeTempDir, rng, spawnTs, tempDir, verifyConvergence, type ConvergenceFigures } from './lib.js';

export interface KillCampaignOptions {
  /** Notes in the corpus at the start. */
  notes: number;
  /** SIGKILLs that must land on a running child (rounds whose child finished first do not count). */
  kills: number;
  seed: number;
  /** Full integrity check every this many kills (0: only at the end). */
  integrityEvery?: number;
  log?: (message: string) => void;
}

export interface KillCampaignResult {
  kills: number;
  byPhase: Record<'early' | 'open' | 'syncing', number>;
  completedRuns: number;
  rounds: number;
  resets: number;
  mutations: number;
  integrityChecks: number;
  repairsNeeded: number;
  final: ConvergenceFigures & { notes: number };
  durationMs: number;
}

const REPAIR = /damaged|rebuild|corrupt|malformed/i;

export async function runKillCampaign(opts: KillCampaignOptions): Promise<KillCampaignResult> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const rand = rng(opts.seed);
  const root = tempDir('jarvis-kills-');
  const result: KillCampaignResult = {
    kills: 0,
    byPhase: { early: 0, open: 0, syncing: 0 },
    completedRuns: 0,
    rounds: 0,
    resets: 0,
    mutations: 0,
    integrityChecks: 0,
    repairsNeeded: 0,
    final: { notes: 0, documents: 0, chunks: 0, searchedWords: 0, goneWordsChecked: 0 },
    durationMs: 0,
  };
  try {
    const corpus = new NoteCorpus(join(root, 'notes'), opts.seed);
    corpus.add(opts.notes);
    const dataDir = join(root, 'data');
    const setup = await SyncService.open({ dataDir });
    await setup.addConnector({ kind: 'folder', path: corpus.root, name: 'Notes' }, { syncNow: false });
    await setup.stop();
    const n = opts.notes;
    const maxRounds = opts.kills * 4 + 20;

    while (result.kills < opts.kills) {
      if (result.rounds >= maxRounds) {
        assert.fail(`only ${result.kills} of ${opts.kills} kills landed in ${result.rounds} rounds`);
      }
      result.rounds++;
      // How much changes before this round.
      const r = rand();
      const reset = r >= 0.9;
      const mutations = Math.max(3, Math.round(n * (r < 0.4 ? 0.002 : r < 0.7 ? 0.02 : r < 0.9 ? 0.1 : 0.005)));
      corpus.mutate(mutations);
      result.mutations += mutations;
      if (reset) result.resets++;

      // When to kill.
      const mode = rand();
      const delay = rand();
      const target = Math.floor(rand() * corpus.notes.size);
      let phase: 'early' | 'open' | 'syncing' = 'early';
      let timer: NodeJS.Timeout | null = null;
      let killed = false;
      const args = [dataDir, '--progress-step', String(Math.max(1, Math.floor(n / 400)))];
      if (reset) args.push('--reset', 'notes');
      const run = spawnTs('test/reliability/crash-child.ts', args, {
        onLine: (line) => {
          if (line === 'open') {
            phase = 'open';
            if (mode >= 0.1 && mode < 0.35) kill(delay * 300);
          } else if (line.startsWith('p ')) {
            phase = 'syncing';
            if (mode >= 0.35 && Number(line.slice(2)) >= target) kill(delay * 20);
          }
        },
      });
      const kill = (ms: number) => {
        if (killed) return;
        killed = true;
        timer = setTimeout(() => run.child.kill('SIGKILL'), ms);
      };
      if (mode < 0.1) kill(150 + delay * 900);
      const exit = await run.exited;
      if (timer) clearTimeout(timer);
      const repairs = exit.stderr.split('\n').filter((l) => REPAIR.test(l));
      if (repairs.length > 0) {
        result.repairsNeeded += repairs.length;
        assert.fail(`round ${result.rounds}: the child needed a repair after an earlier crash:\n${repairs.join('\n')}`);
      }
      if (exit.signal === 'SIGKILL') {
        result.kills++;
        result.byPhase[phase]++;
      } else if (exit.code === 0) {
        result.completedRuns++;
        const report = JSON.parse(exit.stdout.trim().split('\n').pop()!) as { failures: Record<string, string> };
        assert.deepEqual(report.failures, {}, `round ${result.rounds}: a sync that was not killed failed`);
      } else {
        assert.fail(`round ${result.rounds}: child exited ${String(exit.code ?? exit.signal)}:\n${exit.stderr}`);
      }
      if (opts.integrityEvery && exit.signal === 'SIGKILL' && result.kills % opts.integrityEvery === 0) {
        const warnings: string[] = [];
        const probe = await SyncService.open({ dataDir, createLogger: recordingLogger(warnings) });
        try {
          const check = probe.integrityCheck();
          assert.ok(check.ok, `integrity check after kill ${result.kills}:\n${check.details}`);
          assert.deepEqual(warnings.filter((w) => REPAIR.test(w)), [], `repairs at open after kill ${result.kills}`);
          result.integrityChecks++;
        } finally {
          await probe.stop();
        }
      }
      if (result.rounds % 10 === 0) {
        log(`  ${result.kills}/${opts.kills} kills (${result.rounds} rounds, ${result.completedRuns} completed), ${corpus.notes.size} notes`);
      }
    }

    const warnings: string[] = [];
    const service = await SyncService.open({ dataDir, createLogger: recordingLogger(warnings) });
    try {
      const report = await service.syncNow(null);
      assert.deepEqual(report.failures, {}, 'the final clean sync failed');
      const figures = await verifyConvergence(service, corpus, 'notes', { goneSample: 5000 });
      assert.deepEqual(warnings.filter((w) => REPAIR.test(w)), [], 'repairs during the final sync');
      result.integrityChecks++;
      result.final = { ...figures, notes: corpus.notes.size };
    } finally {
      await service.stop();
    }
    result.durationMs = Date.now() - started;
    return result;
  } finally {
    removeTempDir(root);
  }
}
