/**
 * `npm run reliability`: the long versions of the reliability suites (the short ones run inside `npm test`, in
 * test/unit/reliability). Prints progress, then a Markdown summary of the figures.
 *
 *   --only crash,points,faults,scheduler,bad-inputs,fuzz,memory   run some suites only
 *   --kills N        SIGKILLs of the random-kill campaign (default 300)
 *   --notes N        corpus size of the kill campaign and the memory check (default 10,000)
 *   --seed N         seed of the kill campaign (default 20251126)
 *   --report FILE    also write the summary to FILE
 * Environment: JARVIS_FUZZ_RUNS (default here 10,000), JARVIS_FUZZ_SEED.
 * Exit code 1 if anything failed.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { BAD_INPUT_CASES, runBadInputs, type BadInputOutcome } from './bad-inputs.js';
import { runKillCampaign, type KillCampaignResult } from './crash-kills.js';
import { crashPointCases, runCrashPointCase } from './crash-points.js';
import { FAULT_SCENARIOS, runFault } from './faults.js';
import { FUZZ_TARGETS, fuzzSettings, type FuzzOutcome } from './fuzz.js';
import { WARM_UP_SYNCS, runMemoryCheck, type MemoryOutcome } from './memory.js';
import { SCHEDULER_SCENARIOS, runSchedulerScenario } from './scheduler-service.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    kills: { type: 'string', default: '300' },
    notes: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '20251126' },
    report: { type: 'string' },
  },
});
const only = values.only ? new Set(values.only.split(',')) : null;
const want = (suite: string) => only === null || only.has(suite);
process.env.JARVIS_FUZZ_RUNS ??= '10000';

const log = (text: string) => process.stdout.write(`${text}\n`);
const failures: string[] = [];
const started = Date.now();
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface Row {
  name: string;
  result: string;
}

async function step<T>(label: string, fn: () => Promise<T>): Promise<T | null> {
  const t = Date.now();
  try {
    const value = await fn();
    log(`  ok    ${label} (${secs(Date.now() - t)})`);
    return value;
  } catch (err) {
    failures.push(`${label}: ${(err as Error).message}`);
    log(`  FAIL  ${label} (${secs(Date.now() - t)})\n${indent((err as Error).stack ?? String(err))}`);
    return null;
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .slice(0, 40)
    .map((l) => `        ${l}`)
    .join('\n');
}

let kills: KillCampaignResult | null = null;
let killsMs = 0;
const pointRows: Row[] = [];
const faultRows: Row[] = [];
const schedulerRows: Row[] = [];
let badInputs: BadInputOutcome | null = null;
const fuzzRows: (FuzzOutcome & { name: string })[] = [];
let memory: MemoryOutcome | null = null;

log(`Jarvis Sync reliability run — ${new Date().toISOString()}, Node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'})`);

if (want('crash')) {
  const n = Number(values.kills);
  const notes = Number(values.notes);
  log(`\n## Random SIGKILLs: ${n} kills, ${notes} notes that keep changing`);
  const t = Date.now();
  kills = await step('kill campaign', () =>
    runKillCampaign({ notes, kills: n, seed: Number(values.seed), integrityEvery: 25, log }),
  );
  killsMs = Date.now() - t;
}

if (want('points')) {
  const cases = crashPointCases({ hits: [1, 3, 7] });
  log(`\n## Named crash points: ${cases.length} cases`);
  for (const c of cases) {
    // A first sync must reach its 7th batch: on the writer thread a batch holds up to 500 documents, and with two in
    // flight they fill up whenever parsing outruns writing (1,500 notes now take fewer than 7; 4,000 take at least 8).
    const notes = c.when === 'initial' ? 4000 : 1500;
    const r = await step(c.name, () => runCrashPointCase(c, { notes }));
    if (r) pointRows.push({ name: c.name, result: `${r.documentsAfterCrash} docs right after the crash → ${r.documentsAfterRecovery} exact after recovery` });
  }
}

if (want('faults')) {
  log(`\n## Faults: ${FAULT_SCENARIOS.length} scenarios`);
  for (const s of FAULT_SCENARIOS) {
    const unavailable = s.unavailable();
    if (unavailable) {
      log(`  skip  ${s.name}: ${unavailable}`);
      faultRows.push({ name: s.name, result: `skipped: ${unavailable}` });
      continue;
    }
    const r = await step(s.name, () => runFault(s));
    if (r) faultRows.push({ name: s.name, result: r });
  }
}

if (want('scheduler')) {
  log(`\n## Scheduler at the service level (fake clock): ${SCHEDULER_SCENARIOS.length} scenarios`);
  for (const s of SCHEDULER_SCENARIOS) {
    const r = await step(s.name, () => runSchedulerScenario(s));
    if (r) schedulerRows.push({ name: s.name, result: r });
  }
}

if (want('bad-inputs')) {
  log(`\n## Bad inputs: ${BAD_INPUT_CASES.length} cases through the real SyncService`);
  badInputs = await step('bad-input corpus', () => runBadInputs());
}

if (want('fuzz')) {
  const settings = fuzzSettings();
  log(`\n## Fuzzing: ${settings.numRuns} runs per property, seed ${settings.seed}`);
  for (const target of FUZZ_TARGETS) {
    const r = await step(target.name, () => Promise.resolve(target.run(settings)));
    if (r) fuzzRows.push({ name: target.name, ...r });
  }
}

if (want('memory')) {
  const notes = Number(values.notes);
  log(`\n## Memory: 10 consecutive syncs of ${notes} notes in one process`);
  memory = await step('RSS after GC', () => runMemoryCheck({ notes }));
}

// ── summary ──────────────────────────────────────────────────────────────────────────────────────────────────

const lines: string[] = [];
const out = (s = '') => lines.push(s);
out(`Run of ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${availableParallelism()} CPUs; total ${secs(Date.now() - started)}; ${failures.length === 0 ? 'everything passed' : `${failures.length} FAILED`}.`);
if (kills) {
  out();
  out(`**Crashes (SIGKILL at random moments):** ${kills.kills} kills survived in ${kills.rounds} rounds (${kills.completedRuns} syncs finished before their kill), ` +
    `on a corpus of ${Number(values.notes).toLocaleString('en')} notes changed ${kills.mutations.toLocaleString('en')} times in between (edits, deletions, additions, renames; ${kills.resets} rounds with a checkpoint reset). ` +
    `Kill moments: ${kills.byPhase.early} while starting, ${kills.byPhase.open} just after opening, ${kills.byPhase.syncing} mid-sync. ` +
    `Repairs needed after a crash: ${kills.repairsNeeded}. Integrity checks: ${kills.integrityChecks}, all passed. ` +
    `Final clean sync: ${kills.final.documents.toLocaleString('en')} documents = ${kills.final.notes.toLocaleString('en')} files, ${kills.final.searchedWords.toLocaleString('en')} unique words each found in exactly its file, ${kills.final.goneWordsChecked.toLocaleString('en')} stale words not found, second sync changed nothing. (${secs(killsMs)})`);
}
const table = (title: string, rows: Row[]) => {
  if (rows.length === 0) return;
  out();
  out(`**${title}**`);
  out();
  out('| case | result |');
  out('|---|---|');
  for (const r of rows) out(`| ${r.name.replace(/\|/g, '\\|')} | ${r.result.replace(/\|/g, '\\|')} |`);
};
table(`Named crash points (${pointRows.length} cases, all recovered)`, pointRows);
table(`Faults (${faultRows.filter((r) => !r.result.startsWith('skipped')).length} passed, ${faultRows.filter((r) => r.result.startsWith('skipped')).length} skipped)`, faultRows);
table('Scheduler (service level, fake clock)', schedulerRows);
if (badInputs) {
  out();
  out(`**Bad inputs:** ${badInputs.checked} of ${badInputs.cases} cases checked (${badInputs.skipped.length} skipped), 0 crashes, 0 connector errors; ` +
    `${badInputs.itemErrors} item errors recorded (${Object.entries(badInputs.codes).map(([c, n]) => `${c} ×${n}`).join(', ')}); ` +
    `documents indexed: ${Object.entries(badInputs.documents).map(([c, n]) => `${c} ${n}`).join(', ')}; ${badInputs.goodWords} good files beside them all found.`);
}
if (fuzzRows.length > 0) {
  out();
  out(`**Fuzzing** (seed ${fuzzSettings().seed}, ${fuzzSettings().numRuns.toLocaleString('en')} runs per property):`);
  out();
  out('| target | cases | slowest case |');
  out('|---|---|---|');
  for (const r of fuzzRows) out(`| ${r.name} | ${r.cases.toLocaleString('en')} | ${r.slowestMs} ms |`);
}
if (memory) {
  out();
  out(`**Memory:** ${memory.syncs} consecutive syncs of ${memory.notes.toLocaleString('en')} notes (each re-reads every file), RSS after forced GC: ` +
    `${memory.rssMb.join(', ')} MB — max deviation from sync ${WARM_UP_SYNCS} ${(memory.maxDeviation * 100).toFixed(1)} % (limit 10 %); heap ${memory.heapMb[0]} → ${memory.heapMb.at(-1)} MB.`);
}
if (failures.length > 0) {
  out();
  out('**Failures:**');
  for (const f of failures) out(`- ${f.split('\n')[0]}`);
}
const summary = lines.join('\n');
log(`\n# Summary\n\n${summary}\n`);
if (values.report) writeFileSync(values.report, `${summary}\n`);
process.exitCode = failures.length > 0 ? 1 : 0;
