/** Cancellation helpers. A connector that hangs on a blocked syscall must not hang the engine with it. */

export class SyncCancelledError extends Error {
  constructor(readonly reason: string = 'cancelled') {
    super(`sync cancelled (${reason})`);
    this.name = 'SyncCancelledError';
  }
}

export function isCancellation(err: unknown): boolean {
  return err instanceof SyncCancelledError || (err instanceof Error && err.name === 'AbortError');
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new SyncCancelledError(reasonOf(signal));
}

function reasonOf(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (typeof r === 'string') return r;
  if (r instanceof Error) return r.message;
  return 'cancelled';
}

/**
 * Resolves with the promise, or rejects as soon as the signal aborts — whichever comes first. The abandoned
 * promise keeps running (a hung read cannot be interrupted) but its result is ignored.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(new SyncCancelledError(reasonOf(signal)));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = new AbortRejecter(signal, reject);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/**
 * Rejects what waits on `reject` when the signal aborts. A listener object (EventTarget calls its handleEvent), not
 * a named closure: these are made per read and per iteration, and under tsx (the CLI) every named closure made is
 * also renamed (keepNames), a measurable part of a sync's main thread.
 */
class AbortRejecter {
  constructor(
    private readonly signal: AbortSignal,
    public reject: ((err: Error) => void) | null = null,
  ) {}

  handleEvent(): void {
    this.reject?.(new SyncCancelledError(reasonOf(this.signal)));
  }
}

/**
 * Iterates an async iterable, abandoning it (and calling its `return`) as soon as the signal aborts. One abort
 * listener serves the whole iteration (an enumeration has hundreds of thousands of steps; adding and removing a
 * listener per step was a measurable part of a no-change sync).
 */
export async function* abortable<T>(iterable: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const it = iterable[Symbol.asyncIterator]();
  const onAbort = new AbortRejecter(signal);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      throwIfAborted(signal);
      const next = it.next();
      const step = await new Promise<IteratorResult<T>>((resolve, reject) => {
        onAbort.reject = reject;
        next.then(resolve, (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
      });
      onAbort.reject = null;
      if (step.done) return;
      yield step.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Not awaited: a hung generator would hang the caller's cleanup too.
    void Promise.resolve(it.return?.()).catch(() => {});
  }
}
