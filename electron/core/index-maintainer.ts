/**
 * IndexMaintainer: finishes the full-text index's segment merges while the app is idle, in small steps.
 *
 * Why: FTS5 writes each commit's new terms as a segment and merges segments incrementally, a little with every
 * later write (automerge). A large sync (a first sync of 5,000 notes) commits faster than the merging keeps up
 * and leaves ~150–350 ms of merge work behind, and the next few small transactions pay for it: measured on the
 * index of 5,000 notes, deleting 25 documents took 40, 87, 80 and 51 ms in the four transactions after the first
 * sync, and 2–3 ms once the merges were done. So the first edits after a big sync were slow in a way the user
 * feels (and the edit benchmark measured), and search read more segments than it needed to.
 *
 * What: after the service opens and after every sync, steps of STEP_PAGES pages of merging run in their own
 * transactions (~2–10 ms each) with EVENT_LOOP_GAP_MS between them, until FTS5 reports nothing left to merge: with
 * the index's `usermerge` of 2 (schema.ts), until every level holds one segment at most.
 * The same steps first index again the chunks an older version indexed in another form (CJK text as whole clauses,
 * text before index-text.ts normalised it: store.ts, maintenanceStep), when an upgrade left that to do.
 * Never while a sync runs (the sync's own writes take precedence; the next kick continues). A failure is logged
 * and ends the round: the index is as good as before it (each step commits or rolls back whole).
 */
import type { Logger } from '../../shared/logger.js';
import type { KnowledgeStore } from './store.js';

/** Pages (of 4 KB) FTS5 writes per step: ~2–10 ms on this machine. */
export const STEP_PAGES = 64;
/** Turn given to the event loop between steps (timers, IPC, the UI) so idle compaction never stalls the app. */
const EVENT_LOOP_GAP_MS = 10;

export interface IndexMaintainerOptions {
  /** The current index (the service may swap it after a repair). */
  store: () => KnowledgeStore;
  /** A sync is running: steps wait for the next kick. (A stopping service closes the maintainer.) */
  busy: () => boolean;
  log: Logger;
  stepPages?: number;
  gapMs?: number;
}

export class IndexMaintainer {
  readonly #opts: IndexMaintainerOptions;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  /** Whether the last step found more to do (or no step ran yet). */
  #pending = true;
  #waiters: (() => void)[] = [];
  /** Someone waits for this round with whenDone({ hurry }): no gaps until it ends. */
  #hurry = false;
  #steps = 0;

  constructor(opts: IndexMaintainerOptions) {
    this.#opts = opts;
  }

  /** Steps taken so far (for tests and diagnostics). */
  get steps(): number {
    return this.#steps;
  }

  /** Something may have left merge work (a sync ended, the index opened): start stepping when idle. */
  kick(): void {
    this.#pending = true;
    this.#schedule(0);
  }

  /**
   * Resolves once a round of compaction has run out of work (or cannot run: read-only index, closed). Steps continue
   * on their own timers; this only waits. Used by the CLI before it exits and by benchmarks to model an app that has
   * been idle. `hurry`: no gap between the steps until the round ends (still a turn of the event loop each), for a
   * caller with no interface to keep responsive — the CLI, whose wait after a first sync of 50,000 notes was ~6 s,
   * two thirds of it gaps.
   */
  whenDone(opts: { hurry?: boolean } = {}): Promise<void> {
    if (this.#closed || !this.#pending) return Promise.resolve();
    if (opts.hurry) this.#hurry = true;
    const done = new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.#schedule(0);
    // A step already scheduled was not holding the process open; now someone waits for it.
    this.#timer?.ref();
    return done;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#settle();
  }

  #schedule(delayMs: number): void {
    if (this.#closed || this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#step();
    }, delayMs);
    // Pending compaction never keeps a CLI process alive; whenDone() callers hold it open themselves.
    if (this.#waiters.length === 0) this.#timer.unref();
  }

  #step(): void {
    if (this.#closed) return;
    // A running sync's writes come first; the maintainer is kicked again when it ends.
    if (this.#opts.busy()) return;
    const store = this.#opts.store();
    if (store.readonly) return this.#done();
    let more: boolean;
    try {
      more = store.maintenanceStep(this.#opts.stepPages ?? STEP_PAGES);
      this.#steps++;
    } catch (err) {
      this.#opts.log.warn('index compaction step failed; it is tried again after the next sync', String(err));
      return this.#done();
    }
    if (!more) return this.#done();
    this.#schedule(this.#hurry ? 0 : (this.#opts.gapMs ?? EVENT_LOOP_GAP_MS));
  }

  #done(): void {
    this.#pending = false;
    this.#hurry = false;
    this.#settle();
  }

  #settle(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
