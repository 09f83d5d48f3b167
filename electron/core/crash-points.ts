/**
 * TEST-ONLY named crash points, for the reliability suite (test/reliability, test/unit/reliability).
 *
 * `JARVIS_SYNC_CRASH_AT=<point>[:<n>]`, read ONCE when this module loads, makes the n-th call (default: the first)
 * of `crashPoint('<point>')` kill this process with SIGKILL: no `finally`, no exit handler, no clean close of the
 * index — the same as a power cut or `kill -9` at exactly that step. Without the variable (every real run) each call
 * is one comparison and nothing else; the variable is never read again, so nothing can switch it on later.
 *
 * Points, in the order a sync passes them:
 *   schema:migrate     after a migration's SQL ran, inside the migration transaction (not committed)
 *   schema:version     after the version bump, still inside the migration transaction
 *   schema:commit      just after the migration transaction committed
 *   batch:read         a batch's documents were read from the source and queued; nothing of it written yet
 *   batch:chunk        after one document was chunked and written, inside the batch transaction (counts documents)
 *   batch:write        every write of the batch done (documents, manifest rows, item errors); checkpoint not yet
 *   batch:checkpoint   the checkpoint saved, inside the transaction; not committed
 *   batch:commit       the batch transaction committed; the next batch not started
 */
export const CRASH_POINTS = [
  'schema:migrate',
  'schema:version',
  'schema:commit',
  'batch:read',
  'batch:chunk',
  'batch:write',
  'batch:checkpoint',
  'batch:commit',
] as const;

export type CrashPointName = (typeof CRASH_POINTS)[number];

function parse(raw: string | undefined): { point: string; n: number } | null {
  if (!raw) return null;
  const m = /^([a-z]+:[a-z]+)(?::(\d+))?$/.exec(raw.trim());
  if (!m || !(CRASH_POINTS as readonly string[]).includes(m[1])) {
    process.stderr.write(`JARVIS_SYNC_CRASH_AT=${raw} is not <point>[:<n>] with a known point; ignored\n`);
    return null;
  }
  return { point: m[1], n: m[2] === undefined ? 1 : Math.max(1, Number(m[2])) };
}

const target = parse(process.env.JARVIS_SYNC_CRASH_AT);
let hits = 0;

/** Kills the process with SIGKILL on the configured hit of this point; a no-op otherwise. */
export function crashPoint(name: CrashPointName): void {
  if (target === null || target.point !== name) return;
  hits += 1;
  if (hits === target.n) process.kill(process.pid, 'SIGKILL');
}
