/**
 * Before/after comparison of one measurement, interleaved in the same time window (the machine is shared, so
 * figures taken minutes apart are not comparable; alternating runs are).
 *
 *   node bin/run-ts.mjs bench/compare.ts --before DIR [--runs 5] [--case cold-notes|cold-tree|nochange-tree|edit-notes|edit-tree|search|mbox]
 *       [--n N] [--size 1GB]
 *
 * DIR is another checkout of the project with this bench/ folder copied in and node_modules linked, e.g.
 *   mkdir /tmp/before && git archive <commit> | tar -x -C /tmp/before && cp -r bench /tmp/before/ &&
 *   ln -s "$PWD/node_modules" /tmp/before/node_modules
 * Each side uses its own data folders (their schemas may differ); corpora come from the shared cache.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureFileCorpus, ensureMbox, mutateCorpus, parseSize, restoreCorpus, type FileCorpusSpec } from './corpus.js';
import type { SearchOutput, SyncOutput, WorkerOutput } from './worker.js';

const AFTER = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    before: { type: 'string' },
    runs: { type: 'string', default: '5' },
    case: { type: 'string', default: 'cold-notes' },
    n: { type: 'string' },
    size: { type: 'string', default: '200MB' },
    cache: { type: 'string' },
  },
});
if (!values.before) {
  console.error(
    'usage: compare.ts --before DIR [--runs 5] [--case cold-notes|cold-tree|nochange-tree|edit-notes|edit-tree|search|mbox] [--n N]',
  );
  process.exit(2);
}
const BEFORE = resolve(values.before);
const runs = Number(values.runs);
const cacheDir = resolve(values.cache ?? join(os.tmpdir(), 'jarvis-bench-cache'));
const scratch = mkdtempSync(join(os.tmpdir(), 'jarvis-compare-'));
const log = (s: string): void => {
  process.stderr.write(`[compare] ${s}\n`);
};

function worker<T extends WorkerOutput>(root: string, op: string, args: object): Promise<T> {
  return new Promise((ok, fail) => {
    execFile(
      process.execPath,
      [join(root, 'bin', 'run-ts.mjs'), join(root, 'bench', 'worker.ts'), op, JSON.stringify(args)],
      { cwd: root, maxBuffer: 64 << 20 },
      (err, stdout, stderr) =>
        err
          ? fail(new Error(`${root}: ${err.message}\n${stderr}`))
          : ok(JSON.parse(stdout.trim().split('\n').pop()!) as T),
    );
  });
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

type Metrics = Record<string, number>;

async function measure(side: 'before' | 'after', round: number): Promise<Metrics> {
  const root = side === 'before' ? BEFORE : AFTER;
  const fresh = (): string => {
    const d = join(scratch, `${side}-${round}`);
    rmSync(d, { recursive: true, force: true });
    return d;
  };
  const kase = values.case;
  if (kase === 'cold-notes' || kase === 'cold-tree') {
    const spec: FileCorpusSpec =
      kase === 'cold-notes'
        ? { kind: 'notes', n: Number(values.n ?? 5000), seed: 1 }
        : { kind: 'tree', n: Number(values.n ?? 100_000), seed: 1 };
    const corpus = ensureFileCorpus(cacheDir, spec, log);
    const dataDir = fresh();
    const o = await worker<SyncOutput>(root, 'sync', {
      dataDir,
      kind: spec.kind === 'notes' ? 'obsidian' : 'folder',
      path: corpus,
    });
    rmSync(dataDir, { recursive: true, force: true });
    return {
      ms: o.ms,
      docsPerSec: o.docsPerSec,
      maxRssMb: o.maxRssMb,
      eldP99Ms: o.eld.p99Ms,
      eldMaxMs: o.eld.maxMs,
      dbBytes: o.db.bytes,
    };
  }
  if (kase === 'nochange-tree') {
    const spec: FileCorpusSpec = { kind: 'tree', n: Number(values.n ?? 100_000), seed: 1 };
    const corpus = ensureFileCorpus(cacheDir, spec, log);
    const dataDir = join(scratch, `${side}-prepared`);
    if (round === 0) await worker<SyncOutput>(root, 'sync', { dataDir, kind: 'folder', path: corpus });
    const o = await worker<SyncOutput>(root, 'sync', { dataDir, kind: 'folder', path: corpus });
    return { ms: o.ms, maxRssMb: o.maxRssMb };
  }
  if (kase === 'edit-notes' || kase === 'edit-tree') {
    const spec: FileCorpusSpec =
      kase === 'edit-notes'
        ? { kind: 'notes', n: Number(values.n ?? 5000), seed: 1 }
        : { kind: 'tree', n: Number(values.n ?? 100_000), seed: 1 };
    const kind = spec.kind === 'notes' ? 'obsidian' : 'folder';
    const corpus = ensureFileCorpus(cacheDir, spec, log);
    const prepared = join(scratch, `${side}-prepared`);
    if (round === 0) await worker<SyncOutput>(root, 'sync', { dataDir: prepared, kind, path: corpus });
    const dataDir = fresh();
    cpSync(prepared, dataDir, { recursive: true });
    // settle: the app's idle-time compaction runs after it (not timed), as it would before the user's edits.
    const noChange = await worker<SyncOutput>(root, 'sync', { dataDir, kind, path: corpus, settle: true });
    mutateCorpus(corpus, spec, 0.01, 0.005);
    try {
      const o = await worker<SyncOutput>(root, 'sync', { dataDir, kind, path: corpus });
      // cpuMs: older checkouts' workers do not report it (NaN then).
      return {
        ms: o.ms,
        noChangeMs: noChange.ms,
        extraMs: o.ms - noChange.ms,
        extraCpuMs: (o.cpuMs ?? NaN) - (noChange.cpuMs ?? NaN),
      };
    } finally {
      restoreCorpus(corpus);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  if (kase === 'search') {
    const spec: FileCorpusSpec = { kind: 'notes', n: Number(values.n ?? 50_000), seed: 1 };
    const corpus = ensureFileCorpus(cacheDir, spec, log);
    const dataDir = join(scratch, `${side}-prepared`);
    if (round === 0) await worker<SyncOutput>(root, 'sync', { dataDir, kind: 'obsidian', path: corpus });
    const o = await worker<SearchOutput>(root, 'search', {
      dataDir,
      corpus: spec,
      queriesPerLength: 200,
      seed: 1 + round,
    });
    return Object.fromEntries(
      Object.entries(o.byWords).flatMap(([w, l]) => [
        [`p50Ms_${w}w`, l.p50Ms],
        [`p95Ms_${w}w`, l.p95Ms],
      ]),
    );
  }
  if (kase === 'mbox') {
    const file = ensureMbox(cacheDir, parseSize(values.size), 1, log);
    const dataDir = fresh();
    const o = await worker<SyncOutput>(root, 'sync', { dataDir, kind: 'mbox', path: file });
    rmSync(dataDir, { recursive: true, force: true });
    return { ms: o.ms, docsPerSec: o.docsPerSec, maxRssMb: o.maxRssMb, eldP99Ms: o.eld.p99Ms, eldMaxMs: o.eld.maxMs };
  }
  throw new Error(`unknown case ${kase}`);
}

async function main(): Promise<void> {
  const results: Record<'before' | 'after', Metrics[]> = { before: [], after: [] };
  const loads: number[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      // Alternate which side goes first, so a drift in machine load hits both alike.
      for (const side of r % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const)) {
        loads.push(os.loadavg()[0]);
        const m = await measure(side, r);
        results[side].push(m);
        log(`round ${r + 1} ${side}: ${JSON.stringify(m)} (load ${os.loadavg()[0].toFixed(2)})`);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const keys = Object.keys(results.after[0]);
  const table = keys.map((k) => {
    const b = median(results.before.map((m) => m[k]));
    const a = median(results.after.map((m) => m[k]));
    return { metric: k, before: b, after: a, 'after/before': Math.round((a / b) * 100) / 100 };
  });
  console.log(
    JSON.stringify(
      { case: values.case, n: values.n ?? null, runs, load: Math.round(median(loads) * 100) / 100, table },
      null,
      2,
    ),
  );
}

await main();
